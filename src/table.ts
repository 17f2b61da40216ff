/**
 * `BFastTable`: what `decode` returns for a table value (SPEC 8), an array of records read
 * column by column on demand. Opening one costs O(columns) (./table-reader.ts); rows are
 * built when asked for. Browser-safe.
 *
 * Rows are built for V8 on purpose: `toArray()` materializes each column once (numeric
 * columns as typed-array views, no copy; above TABLE_READ_BLOCK rows a block of rows at a time,
 * see inBlocks) and builds every row from one constructor, with one
 * store site per column, so rows share one hidden class: a generated function per column set
 * (builderFor) names the keys in its stores; where `new Function` is forbidden (a
 * Content-Security-Policy without 'unsafe-eval') byStores stores through internalized names.
 */
import { ABSENT, cellAt, fill, materialize, storedNumbers, typedView } from './table-reader.js'
import type { Column, TableSource } from './table-reader.js'
import { SHAPE_CACHE_MAX, SHAPE_MAX_MEMBERS, TABLE_READ_BLOCK } from './limits.js'
import { COL_ANY } from './tags.js'
import { setOwn } from './own-property.js'

/** Writes rows start..start+n-1 to out, row i's cells from index i - start of each column's values. */
type RowBuilder = (out: unknown[], start: number, n: number, columns: ReadonlyArray<ArrayLike<unknown>>) => void

const builders = new Map<string, RowBuilder | null>()
let canCompile = true

/**
 * A generated builder for rows with exactly these keys, or null (SPEC 5 `__proto__`, CSP).
 *
 * Written for V8 on purpose: each row is `new Row()` (the byStores constructor for the column
 * count) and gets its keys by one named store per column, written out in the generated code, so
 * every store site sees one key and one map (monomorphic). Not an object literal: a literal is
 * an allocation site, which V8 pretenures once its objects survive scavenges (one users-100k
 * toArray, or a grid holding its rows); from then on every row is allocated in old space with a
 * write barrier per cell pointing at a young string. Users-10k toArray, main-thread CPU time
 * under --single-threaded (PERFORMANCE-NOTES "Row builders and pretenuring"): the literal
 * 0.62 ms fresh but 1.26-1.34 ms while 100,000 earlier rows are held (Node 26; Node 20 after
 * the bench's history 3.65 ms), these stores 0.63-0.75 ms in every state, on 26, 24 and 20.
 */
function builderFor(names: readonly string[], signature: string): RowBuilder | null {
  const cached = builders.get(signature)
  if (cached !== undefined) return cached
  let built: RowBuilder | null = null
  if (canCompile && names.length <= SHAPE_MAX_MEMBERS && !names.includes('__proto__')) {
    // JSON string literals are valid JS string literals (ES2019), so any key is safe here.
    const stores = names.map((name, c) => `o[${JSON.stringify(name)}] = c${c}[i];`).join(' ')
    const locals = names.map((_, c) => `c${c} = columns[${c}]`).join(', ')
    const body = `return function (out, start, n, columns) {\nvar ${locals};\n` +
      `for (var i = 0; i < n; i++) { var o = new Row(); ${stores} out[start + i] = o; }\n}`
    try {
      const Row = rowConstructor(names.length)
      built = (new Function('Row', body) as (Row: RowConstructor) => RowBuilder)(Row)
      pinRowShape(Row, names, signature)
    } catch {
      canCompile = false
    }
  }
  if (builders.size >= SHAPE_CACHE_MAX) builders.clear()
  builders.set(signature, built)
  return built
}

/** The reader's columns of a table (set by BFastTable's static block: `#columns` stays private). */
let columnsOf: (table: BFastTable<object>) => readonly Column[]

/**
 * An array of records sent as a B-FAST table (SPEC 8). Values read back exactly as the v1
 * list of objects would (SPEC 5, with the same decode options): Dates, bigints, bytes, -0,
 * NaN, null, and a missing key (JSON's rule: an `undefined` member is left out).
 *
 * Cells are checked as they are read: a corrupt table can make `get`, `column`, `toArray`
 * or iteration throw `BFastError` (code `BAD_TABLE`, `BAD_UTF8`, `TRUNCATED`...), never
 * anything else. Every call builds new rows; numeric typed arrays from `column()` are views
 * on the decoded message (write to them and the message changes).
 *
 * @example
 * ```ts
 * const users = decode(bytes) as BFastTable<User>
 * users.length               // O(1), no row built
 * users.get(0).name          // one row
 * users.column('id')         // Int32Array view on the message
 * JSON.stringify(users)      // the same text as JSON.stringify(rows)
 * ```
 */
export class BFastTable<T extends object = Record<string, unknown>> implements Iterable<T> {
  /** Number of rows. */
  readonly length: number
  /** Column names, in the order rows list their keys. */
  readonly columnNames: readonly string[]
  readonly #source: TableSource
  readonly #columns: readonly Column[]

  /** @internal Tables come from `decode`; the arguments are the reader's. */
  constructor(source: TableSource, names: readonly string[], columns: readonly Column[], length: number) {
    this.#source = source
    this.columnNames = names
    this.#columns = columns
    this.length = length
  }

  /** Row `i` as a new plain object. Throws RangeError for an index outside 0..length-1. */
  get(i: number): T {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`Row ${i} outside 0..${this.length - 1}`)
    }
    const s = this.#source
    const columns = this.#columns
    const names = this.columnNames
    const o: Record<string, unknown> = {}
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]
      const v = col.cache !== null ? col.cache[i] : cellAt(s, col, i)
      if (v !== ABSENT) setOwn(o, names[c], v)
    }
    return o as T
  }

  /**
   * The values of one column, or undefined if there is none of that name. A column of int32,
   * int64 or float64 numbers with no null or missing cell is an `Int32Array`, `BigInt64Array`
   * or `Float64Array` of the stored values, a zero-copy view when the message's memory is
   * aligned (the decode options do not apply to it); any other column is a new array, with
   * `undefined` where a row lacks the key.
   */
  column(name: string): Int32Array | Float64Array | BigInt64Array | ReadonlyArray<unknown> | undefined {
    const c = this.columnNames.indexOf(name)
    if (c < 0) return undefined
    const col = this.#columns[c]
    const typed = typedView(col)
    if (typed !== null) return typed
    const values = materialize(this.#source, col)
    const out = new Array<unknown>(values.length)
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      out[i] = v === ABSENT ? undefined : v
    }
    return out
  }

  /** Every row, as new plain objects (the v1 list the table stands for). */
  toArray(): T[] {
    const n = this.length
    if (n > TABLE_READ_BLOCK) return inBlocks(this.#source, this.#columns, this.columnNames, n) as T[]
    const s = this.#source
    const columns = this.#columns
    const names = this.columnNames
    const values: ArrayLike<unknown>[] = new Array<ArrayLike<unknown>>(columns.length)
    let complete = true
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]
      const v = materialize(s, col)
      values[c] = v
      if (col.presence >= 0 || (complete && col.type === COL_ANY && hasAbsent(v, n))) complete = false
    }
    const out = new Array<T>(n)
    rows(out, 0, n, names, values, complete)
    return out
  }

  * [Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i)
  }

  /** `JSON.stringify(table)` gives the text of `JSON.stringify(rows)` (and its errors, e.g. on a bigint). */
  toJSON(): T[] {
    return this.toArray()
  }

  static {
    columnsOf = (table) => table.#columns
  }
}

/** Whether a column's cells can hold B-FAST v1 values (SPEC 8.4: type any, itself or as a list's items). */
function holdsValues(col: Column): boolean {
  return col.type === COL_ANY || (col.child !== null && holdsValues(col.child))
}

/**
 * Whether any row of `table` can hold another table: only a cell of type any is a v1 value
 * (SPEC 8.4), which may be one. The client's plain-values walk (client/plain-values.ts) skips
 * the rows of every other table: their cells are scalars, strings and lists of them.
 */
export function cellsMayHoldTables(table: BFastTable<object>): boolean {
  return columnsOf(table).some(holdsValues)
}

/** A constructor of plain objects (prototype Object.prototype), for builderFor and byStores. */
type RowConstructor = new () => Record<string, unknown>

/** One constructor per column count, so each gets in-object room for its rows' keys. */
const rowConstructors = new Map<number, RowConstructor>()

function rowConstructor(c: number): RowConstructor {
  const bucket = Math.min(c, SHAPE_MAX_MEMBERS + 1)
  let Row = rowConstructors.get(bucket)
  if (Row === undefined) {
    // A new function object per bucket: its own initial map and in-object slack tracking.
    const fn = function (): void {} as unknown as { prototype: object }
    fn.prototype = Object.prototype
    Row = fn as unknown as RowConstructor
    rowConstructors.set(bucket, Row)
  }
  return Row
}

/**
 * One row per key list that builderFor or byStores builds, with null values, kept for V8: the rows'
 * hidden classes hang off the constructor's initial map by transitions, which V8 holds weakly.
 * Once a full GC had collected them (no row of the shape alive), the next table's rows got new
 * maps and the store sites went megamorphic for good (users-10k without `new Function`,
 * callgrind on Node 26: 21.1M instructions a toArray, 7.5M of them KeyedStoreIC_Megamorphic).
 */
const rowPins = new Map<string, object>()

function pinRowShape(Row: RowConstructor, names: readonly string[], signature: string): void {
  if (rowPins.has(signature)) return
  const pin = new Row()
  for (const name of names) pin[name] = null
  if (rowPins.size >= SHAPE_CACHE_MAX) rowPins.clear()
  rowPins.set(signature, pin)
}

/** Store sites written out one per column (see byStores). */
const UNROLLED_COLUMNS = 8

/**
 * Rows without `new Function` (a CSP without 'unsafe-eval'), built for V8 on purpose: each row
 * comes from one constructor (in-object room, prototype Object.prototype) and gets its keys by
 * stores written out once per column position, so each store site sees one key name and one
 * map for the whole table (a monomorphic transitioning store) instead of every name at one
 * site (megamorphic: 4x the instructions, callgrind on Node 26; toArray was 0.80x v1 decode).
 * Columns past UNROLLED_COLUMNS share one site. Not for a `__proto__` key (the store would
 * set the prototype).
 */
function byStores(
  out: unknown[],
  start: number,
  n: number,
  names: readonly string[],
  values: ReadonlyArray<ArrayLike<unknown>>,
  signature: string
): void {
  const c = names.length
  const Row = rowConstructor(c)
  pinRowShape(Row, names, signature)
  const empty: ArrayLike<unknown> = []
  const keys = internalized(names)
  const [n0 = '', n1 = '', n2 = '', n3 = '', n4 = '', n5 = '', n6 = '', n7 = ''] = keys
  const v0 = values[0] ?? empty
  const v1 = values[1] ?? empty
  const v2 = values[2] ?? empty
  const v3 = values[3] ?? empty
  const v4 = values[4] ?? empty
  const v5 = values[5] ?? empty
  const v6 = values[6] ?? empty
  const v7 = values[7] ?? empty
  for (let i = 0; i < n; i++) {
    const o = new Row()
    if (c > 0) o[n0] = v0[i]
    if (c > 1) o[n1] = v1[i]
    if (c > 2) o[n2] = v2[i]
    if (c > 3) o[n3] = v3[i]
    if (c > 4) o[n4] = v4[i]
    if (c > 5) o[n5] = v5[i]
    if (c > 6) o[n6] = v6[i]
    if (c > 7) o[n7] = v7[i]
    for (let k = UNROLLED_COLUMNS; k < c; k++) o[keys[k]] = values[k][i]
    out[start + i] = o
  }
}

/**
 * The same names as V8's internalized strings (the copies a property key holds). The reader's
 * key strings are cut from the message; a keyed store IC given a string that is equal to the
 * name it recorded but not that very string goes megamorphic at its second miss (V8's IC log on
 * Node 26: byStores' sites went monomorphic, then megamorphic, with the same map and key).
 */
function internalized(names: readonly string[]): string[] {
  const out = new Array<string>(names.length)
  for (let k = 0; k < names.length; k++) {
    const probe: Record<string, number> = {}
    probe[names[k]] = 0
    out[k] = Object.keys(probe)[0] ?? names[k]
  }
  return out
}

function hasAbsent(values: ArrayLike<unknown>, n: number): boolean {
  if (!Array.isArray(values)) return false
  for (let i = 0; i < n; i++) if (values[i] === ABSENT) return true
  return false
}

/**
 * Rows start..start+n-1 into out, row i's cells at index i - start of `values`: by the generated
 * builder or byStores where every cell of these rows is there (`complete`), else key by key.
 */
function rows(
  out: unknown[], start: number, n: number, names: readonly string[], values: ReadonlyArray<ArrayLike<unknown>>,
  complete: boolean
): void {
  if (complete) {
    const signature = JSON.stringify(names)
    const build = builderFor(names, signature)
    if (build !== null) return build(out, start, n, values)
    if (!names.includes('__proto__')) return byStores(out, start, n, names, values, signature)
  }
  for (let i = 0; i < n; i++) {
    const o: Record<string, unknown> = {}
    for (let c = 0; c < values.length; c++) {
      const v = values[c][i]
      if (v !== ABSENT) setOwn(o, names[c], v)
    }
    out[start + i] = o
  }
}

/**
 * toArray() of a table of more than TABLE_READ_BLOCK rows, written for V8 on purpose: the columns
 * are read a block of rows at a time (fill) into one scratch array per column, reused block after
 * block, and each block's rows built from them. Whole columns of users-100k were four arrays of
 * 800 KB (names, e-mails, booleans, score lists), each in large-object space, mapped afresh after
 * every full GC: ~980 minor page faults a call on Node 24 against v1 decode's 196 (PERFORMANCE-NOTES
 * "Table toArray at 100,000 rows"). Numeric columns stay typed-array views (subarray per block).
 * Nothing is cached on the columns (get() reads cells as before toArray).
 */
function inBlocks(s: TableSource, columns: readonly Column[], names: readonly string[], n: number): unknown[] {
  const c = columns.length
  const typed = new Array<Int32Array | Float64Array | BigInt64Array | null>(c)
  const scratch = new Array<unknown[]>(c)
  let complete = true
  for (let k = 0; k < c; k++) {
    const col = columns[k]
    typed[k] = storedNumbers(s, col)
    scratch[k] = typed[k] === null ? new Array<unknown>(TABLE_READ_BLOCK) : []
    if (col.presence >= 0) complete = false
  }
  const out = new Array<unknown>(n)
  const values = new Array<ArrayLike<unknown>>(c)
  for (let start = 0; start < n; start += TABLE_READ_BLOCK) {
    const end = Math.min(n, start + TABLE_READ_BLOCK)
    let full = complete
    for (let k = 0; k < c; k++) {
      const t = typed[k]
      if (t !== null) {
        values[k] = t.subarray(start, end)
        continue
      }
      const v = fill(s, columns[k], start, end, scratch[k])
      values[k] = v
      if (full && columns[k].type === COL_ANY && hasAbsent(v, end - start)) full = false
    }
    rows(out, start, end - start, names, values, full)
  }
  return out
}
