/**
 * The table writer (SPEC 8): an array of records written column by column inside a message
 * the v1 writer (./writer.ts) is producing. Browser-safe.
 *
 * Two passes over the rows. The first learns the columns (names in an order every row's keys
 * follow, which rows lack which key) and the kinds of value each holds; it gives up (the
 * caller then writes a v1 list, SPEC 2) on anything a table cannot give back exactly: a row
 * that is not a plain object, rows whose keys come in conflicting orders (JSON.stringify of
 * the rows must equal that of the table, key order included, SPEC 8.4), an own toJSON. The
 * second writes each column in its region; a value that no longer fits the column's type (a
 * getter that changed its mind) also gives up, so nothing is ever altered.
 *
 * Written for V8 on purpose: the first pass compares each key with the expected column's
 * name before any Map lookup (rows of one shape never reach the Map, nor record a key pair
 * again); the second reads
 * `row[name]` with one name per loop (a monomorphic keyed load for rows of one shape) and
 * writes numbers through the writer's DataView.
 *
 * OSR: each pass runs a long loop in a function called a few times per message, so V8 compiles
 * it on stack replacement (OSR) in the middle of the loop, before the code after the loop ever
 * ran; an operation there that has no type feedback yet deoptimized at every loop exit, in
 * every later message too (`--trace-deopt`, Node 26: 54 deopts in 400 messages, the encode
 * cost 2x the instructions). So long loops end their function, or the arithmetic after them
 * moves before them.
 */
import { BFastError } from './errors.js'
import {
  COL_ANY, COL_ASCII, COL_BOOL, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY,
  DIR_OFFSET_CHILD_FLAGS, DIR_OFFSET_CHILD_TYPE, DIR_OFFSET_FLAGS, DIR_OFFSET_REGION, DIR_OFFSET_REGION_LENGTH,
  DIR_OFFSET_TYPE, INT64_MAX, INT64_MIN, TABLE_ALIGN, TABLE_DIR_ENTRY_SIZE, TABLE_HEADER_SIZE,
  TABLE_MAX_SLOTS, TABLE_OFFSET_COLUMNS, TABLE_OFFSET_FLAGS, TABLE_OFFSET_LENGTH, TABLE_OFFSET_ROWS, TAG_TABLE, TWO_32
} from './tags.js'
import { allocBytes, ASCII_PROBE_SLACK, writeIfAscii, writeUtf8 } from './utf8.js'
import {
  TABLE_EXTRACT_FIRST_ROWS, TABLE_EXTRACT_LOOKUPS, TABLE_EXTRACT_MIN_ROWS, TABLE_ORDER_WORK_BASE,
  TABLE_ORDER_WORK_PER_ROW, TABLE_POOL_ARRAYS, TABLE_POOL_MAX_ROWS, TABLE_POOL_TYPED, TABLE_STRING_CHUNK,
  TABLE_CAPTURE_MAX_ITEMS, TABLE_WARM_BLOCK, TABLE_WARM_MIN_ROWS, WRITER_RETAIN_MAX_BYTES
} from './limits.js'
import { ARRAY_AT, LITTLE_ENDIAN } from './platform.js'
import { CAPTURED_LISTS, rowExtractor, TYPED_BOOLS, TYPED_NUMBERS } from './table-extract.js'
import type { ColumnSink, ExtractKinds, RowExtractor } from './table-extract.js'

/** What the table writer uses of the v1 Writer (./writer.ts); kept small on purpose. */
export interface TableSink {
  buf: Uint8Array
  view: DataView
  pos: number
  depth: number
  maxDepth: number
  path: unknown[]
  jsonKey: string
  toJSONNull: number
  inheritedToJSON: boolean
  /** Set once a table is written: the message's body must start 8-aligned (SPEC 8.3). */
  tableWritten: boolean
  /** Where each table written so far starts in the body, for the transforms (SPEC 8.6). */
  tableStarts: number[]
  ensure(n: number): void
  /** Writes the table (the message's root) straight into the output: ./writer.ts Writer#direct. */
  direct(names: readonly string[], body: number): boolean
  value(v: unknown): void
  key(name: string): void
  enter(container: object): void
}

const hasOwn = Object.prototype.hasOwnProperty
/** Lists nest this many levels below the table value: rows, then list cells (SPEC 8.4). */
const CELL_LIST_DEPTH = 3

// Kinds of value seen in a column (bit set), pass 1.
const K_SMALL = 1 // integer 0..7: v1 writes a small int (SPEC 2)
const K_I32 = 2 // other int32 (not -0)
const K_SAFE = 4 // other safe integer
const K_FLOAT = 8 // fraction, -0, NaN, infinities, unsafe integers
const K_BIGINT = 16
const K_BOOL = 32
const K_STRING = 64
const K_NULL = 128
const K_LIST = 256
const K_OTHER = 512
const K_NUMBERS = K_SMALL | K_I32 | K_SAFE | K_FLOAT | K_BIGINT

interface Plan {
  name: string
  /**
   * Each row's value (read once, as JSON reads it); undefined where the row leaves it out, and
   * for the rows a typed column holds in `num` or `bits` instead (adopt()).
   */
  values: unknown[]
  kinds: number
  /** Rows holding the key with a value JSON keeps. */
  present: number
  /** Element kinds and count over every list cell (for a list column). */
  childKinds: number
  childCount: number
  /** Position in the column order (pass 1). */
  rank: number
  /** The columns some row holds right before this one (key order, SPEC 8.4), each once. */
  preds: Plan[]
  /** The same as a Set once preds is long, so recording a pair stays O(1). */
  predSet: Set<Plan> | null
  /** The pair recorded last: rows of one shape repeat it and skip the search. */
  lastPred: Plan | null
  /** Visit state while the order is rebuilt (ORDER_*). */
  state: number
  /** Where the values of rows 0 .. until - 1 are (0, TYPED_NUMBERS, TYPED_BOOLS: ColumnSink). */
  typed: number
  until: number
  num: Float64Array | null
  bits: Uint8Array | null
  /** Once typed and moved back (spill), never typed again in this table (bounded copying). */
  spilled: boolean
  /**
   * A string column of a large table laid out early (layWarm): rows 0 .. warm - 1 have their
   * ASCII offsets in warmOff and their bytes (warmLen of them) in warmBytes; -1 once the column
   * is anything else (a row lacking it, a value not a string, a string not ASCII).
   */
  warm: number
  warmLen: number
  warmOff: Uint32Array | null
  warmBytes: Uint8Array | null
  /** A list column captured from its first row (ColumnSink.lt, captureLists). */
  lt: number
  lnum: Float64Array | null
  loff: Uint32Array | null
  lk: number
  luntil: number
}

// Visit states of a column while the order is rebuilt (reorder()).
const ORDER_NEW = 0
const ORDER_OPEN = 1
const ORDER_DONE = 2
/** preds longer than this get a predSet. */
const PREDS_SCAN_MAX = 8

/**
 * The kind of one value. `typeof v === '...'` tests, not a `switch (typeof v)`: V8 compiles
 * each test to a type check, where the switch called the Typeof builtin for every value (5% of
 * the table encode of users-10k, callgrind, Node 26).
 */
function kindOf(v: unknown): number {
  if (typeof v === 'number') {
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) return v >= 0 && v <= 7 ? K_SMALL : K_I32
    return Number.isSafeInteger(v) && v !== 0 ? K_SAFE : K_FLOAT
  }
  if (typeof v === 'string') return K_STRING
  if (typeof v === 'boolean') return K_BOOL
  if (typeof v === 'object') return v === null ? K_NULL : Array.isArray(v) ? K_LIST : K_OTHER
  if (typeof v === 'bigint') return K_BIGINT
  return 0 // undefined, functions, symbols: JSON leaves the member out
}

/** SPEC 8.2: the column type for a set of kinds (nulls aside). */
function typeFor(kinds: number, child: boolean): number {
  const k = kinds & ~K_NULL
  if (k === K_BOOL) return COL_BOOL
  if (k === K_STRING) return COL_STRING
  if (k === K_LIST) return child ? COL_ANY : COL_LIST
  if (k !== 0 && (k & ~K_NUMBERS) === 0) {
    if ((k & ~(K_SMALL | K_I32)) === 0) return COL_INT32
    // Every value is one v1 writes as int64 (0x38), so a reader can return each as int64.
    if ((k & (K_SMALL | K_FLOAT)) === 0) return COL_INT64
    // Numbers only: float64 holds every safe integer exactly; the reader tells ints apart by value.
    if ((k & K_BIGINT) === 0) return COL_FLOAT64
  }
  return COL_ANY
}

/** What generated row extractors (./table-extract.ts) use of the kinds above. */
const EXTRACT_KINDS: ExtractKinds = {
  small: K_SMALL,
  i32: K_I32,
  safe: K_SAFE,
  float: K_FLOAT,
  string: K_STRING,
  bool: K_BOOL,
  null: K_NULL,
  list: K_LIST,
  kindOf,
  spill,
  growList
}

/**
 * Arrays that hold one column's values between the passes, reused across tables: allocating
 * them afresh for every table was a tenth of the encode (young-generation GC). Each is
 * emptied (filled with undefined) before it goes back, so no caller's value stays reachable,
 * and so that pass 1 of the next table finds undefined where a row lacks the key.
 */
const pool: unknown[][] = []

function takeValues(n: number): unknown[] {
  return takePooled(pool, n, (k) => new Array<unknown>(k).fill(undefined))
}

/** An array of at least n items from `from` (taken out of it), or a new one from `make`. */
function takePooled<T extends { length: number }>(from: T[], n: number, make: (n: number) => T): T {
  for (let i = from.length - 1; i >= 0; i--) {
    const a = from[i]
    if (a.length >= n) {
      from[i] = from[from.length - 1]
      from.pop()
      return a
    }
  }
  return make(n)
}

/**
 * A loop, not fill(): Array#fill runs in the runtime (C++). Ends with its loop (see "OSR").
 *
 * Written for V8 on purpose: unrolled by eight, which also keeps its bytecode above what Maglev
 * inlines (100 bytes on Node 24 and 26). Inlined, the loop ran in releaseValues' Maglev code
 * (which is never tiered up: it runs once a table) at 12 instructions a slot; called, it runs in
 * its own TurboFan code (users-10k flat, Node 26 and 24: 2.5% fewer instructions a table encode,
 * callgrind).
 */
function clear(values: unknown[], n: number): void {
  let i = 0
  for (; i + 8 <= n; i += 8) {
    values[i] = undefined
    values[i + 1] = undefined
    values[i + 2] = undefined
    values[i + 3] = undefined
    values[i + 4] = undefined
    values[i + 5] = undefined
    values[i + 6] = undefined
    values[i + 7] = undefined
  }
  for (; i < n; i++) values[i] = undefined
}

function releaseValues(cols: readonly Plan[], n: number): void {
  for (const col of cols) {
    if (col.warmOff !== null) releaseWarm(col)
    if (col.loff !== null) releaseLists(col)
    // A column still typed never stored a value (adopt() cleared the rows it moved).
    if (col.typed === 0) clear(col.values, n)
    else releaseTyped(col)
    if (pool.length < TABLE_POOL_ARRAYS && col.values.length <= TABLE_POOL_MAX_ROWS) pool.push(col.values)
  }
}

/**
 * Typed scratch for the values of number and boolean columns, reused across tables as the value
 * arrays are. They hold numbers and bytes only: nothing of the caller's stays reachable.
 */
const numPool: Float64Array[] = []
const bitPool: Uint8Array[] = []

function releaseTyped(col: Plan): void {
  if (col.num !== null && numPool.length < TABLE_POOL_TYPED) numPool.push(col.num)
  if (col.bits !== null && bitPool.length < TABLE_POOL_TYPED) bitPool.push(col.bits)
  col.num = null
  col.bits = null
  col.typed = 0
}

/**
 * Rows 0 .. r - 1 of a column move into typed scratch when each holds a number (or each a
 * boolean), so that a generated extractor (./table-extract.ts) stores the next rows' cells there
 * and pass 2 copies them as a block (fixedTyped), with nothing stored, cleared and read again as
 * a JS value. Once per column and table: a column spilled back stays in values.
 */
function adopt(col: Plan, r: number, n: number): void {
  if (col.typed !== 0 || col.spilled || col.present !== r || r === 0 || n > TABLE_POOL_MAX_ROWS) return
  const kinds = col.kinds
  const values = col.values
  if (kinds !== 0 && (kinds & ~(K_SMALL | K_I32 | K_SAFE | K_FLOAT)) === 0) {
    const num = takePooled(numPool, n, (k) => new Float64Array(k))
    for (let i = 0; i < r; i++) num[i] = values[i] as number
    col.num = num
    col.typed = TYPED_NUMBERS
  } else if (kinds === K_BOOL) {
    const bits = takePooled(bitPool, n, (k) => new Uint8Array(k))
    for (let i = 0; i < r; i++) bits[i] = values[i] === true ? 1 : 0
    col.bits = bits
    col.typed = TYPED_BOOLS
  } else return
  col.until = r
  clear(values, r)
}

/**
 * A list column of a large table, from its first row: the elements of its lists of numbers are
 * copied into typed scratch as pass 1 reads them (captureKinds here, the generated extractor's
 * CAPTURED_LISTS code there), once, when the row is reached, as JSON reads them. Pass 2 copies
 * the scratch as a block (listCells) instead of reading each row's list again, a cache miss a
 * row at 100,000 rows (users-100k's scores: a fifth of the table encode, perf, Node 26). Large
 * tables only (TABLE_WARM_MIN_ROWS): smaller ones stay in cache, where pass 1's copy is work for
 * nothing (users-10k flat, callgrind: +8.5% instructions a table encode on Node 26, +5.4% on 24).
 * The first row holding something else than a list of numbers ends it (lt 0) for the table.
 */
function captureLists(col: Plan, first: number, n: number): void {
  // Sized for every row at the first row's length; growList takes over if the rows hold more.
  const guess = Math.min(Math.ceil(first * n * 1.25) + TABLE_ALIGN, TABLE_CAPTURE_MAX_ITEMS)
  const off = takePooled(offPool, n + 1, (k) => new Uint32Array(k))
  off[0] = 0
  col.loff = off
  col.lnum = takePooled(numPool, guess, (k) => new Float64Array(k))
  col.luntil = 0
  col.lk = 0
  col.lt = 1
}

/**
 * listKinds for row r of a captured list column (captureLists): each element read once, its
 * kind or-ed in, and copied while the column is still captured (every row so far, this one
 * included, a list of numbers that kept its length while it was read).
 */
function captureKinds(col: Plan, list: readonly unknown[], r: number, kinds: number): number {
  let ck = kinds
  const len = list.length
  const q = col.lk
  let s = col.lnum as Float64Array
  let keep = col.luntil === r
  if (keep && q + len > s.length) {
    const grown = growList(col, q, q + len)
    keep = grown !== null
    if (grown !== null) s = grown
  }
  const plainAt = list.at === ARRAY_AT
  for (let j = 0; j < list.length; j++) {
    const x = plainAt ? list.at(j) : list[j]
    if (typeof x !== 'number') keep = false
    else if (keep) s[q + j] = x
    const e = kindOf(x)
    ck |= e === 0 ? K_NULL : e
  }
  if (keep && list.length === len) {
    col.lk = q + len
    ;(col.loff as Uint32Array)[r + 1] = q + len
    col.luntil = r + 1
  } else col.lt = 0
  return ck
}

/**
 * A captured list column's scratch with room for `need` elements (doubled), its first `have`
 * kept, or null: past what the writer keeps between messages (WRITER_RETAIN_MAX_BYTES) the
 * column is read again in pass 2 instead, so the scratch stays a constant times the rows' size.
 */
function growList(sink: ColumnSink, have: number, need: number): Float64Array | null {
  const col = sink as Plan
  const old = col.lnum as Float64Array
  if (need > TABLE_CAPTURE_MAX_ITEMS) {
    releaseLists(col)
    return null
  }
  const size = (k: number): number => Math.min(Math.max(k, 2 * old.length), TABLE_CAPTURE_MAX_ITEMS)
  const next = takePooled(numPool, need, (k) => new Float64Array(size(k)))
  next.set(old.subarray(0, have))
  poolNumbers(old)
  col.lnum = next
  return next
}

/** Keeps typed scratch for the next table, up to what the writer keeps of its own. */
function poolNumbers(a: Float64Array): void {
  if (numPool.length < TABLE_POOL_TYPED && 8 * a.length <= WRITER_RETAIN_MAX_BYTES) numPool.push(a)
}

function releaseLists(col: Plan): void {
  if (col.loff !== null && offPool.length < TABLE_POOL_TYPED) offPool.push(col.loff)
  if (col.lnum !== null) poolNumbers(col.lnum)
  col.loff = null
  col.lnum = null
  col.lt = 0
}

/**
 * Moves a typed column's rows 0 .. until - 1 back into its values (the rows after it hold
 * nothing yet), each the value it was: a float64 holds every number exactly (-0 and NaN too),
 * and a boolean column held booleans only. Called on the first cell that is not of the column's
 * kind or not contiguous (a row that left it out), and at the end of pass 1 when rows after
 * `until` left it out.
 */
function spill(sink: ColumnSink, until: number): void {
  const col = sink as Plan
  const values = col.values
  if (col.num !== null) {
    const num = col.num
    for (let i = 0; i < until; i++) values[i] = num[i]
  } else if (col.bits !== null) {
    const bits = col.bits
    for (let i = 0; i < until; i++) values[i] = bits[i] === 1
  }
  releaseTyped(col)
  col.spilled = true
}

function newPlan(name: string, values: unknown[], rank: number): Plan {
  return {
    name,
    values,
    kinds: 0,
    present: 0,
    childKinds: 0,
    childCount: 0,
    rank,
    preds: [],
    predSet: null,
    lastPred: null,
    state: ORDER_NEW,
    typed: 0,
    until: 0,
    num: null,
    bits: null,
    spilled: false,
    warm: 0,
    warmLen: 0,
    warmOff: null,
    warmBytes: null,
    lt: 0,
    lnum: null,
    loff: null,
    lk: 0,
    luntil: 0
  }
}

/**
 * Pass 1. Returns the column plans, or null when the rows cannot be a table.
 */
function plan(rows: readonly unknown[], w: TableSink): Plan[] | null {
  const cols: Plan[] = []
  const planned = learn(rows, w, cols) && cols.length !== 0
  if (!planned) releaseValues(cols, rows.length)
  else {
    // A typed column with rows after `until` left them out: its values go back (a gap).
    for (let i = 0; i < cols.length; i++) {
      if (cols[i].typed !== 0 && cols[i].until !== rows.length) spill(cols[i], cols[i].until)
    }
  }
  return planned ? cols : null
}

function learn(rows: readonly unknown[], w: TableSink, cols: Plan[]): boolean {
  const index = new Map<string, Plan>()
  const n = rows.length
  // Distinct key pairs recorded, and the work spent rebuilding the order (SPEC 8.4).
  let pairs = 0
  let work = 0
  // The generated extractor for the columns (./table-extract.ts), its names, and lookups left.
  let run: RowExtractor | null = null
  let runNames: string[] = []
  let lookups = TABLE_EXTRACT_LOOKUPS
  if (w.inheritedToJSON) return false
  for (let r = 0; r < n; r++) {
    const row = rows[r]
    if (typeof row !== 'object' || row === null || Array.isArray(row) || !plainPrototype(row)) return false
    let next = 0
    let prev: Plan | null = null
    let reordered = false
    // Whether every key of the row was the next column, each kept: the row's keys are the columns.
    let same = true
    for (const key in row) {
      if (!hasOwn.call(row, key)) continue
      const v = (row as Record<string, unknown>)[key]
      // Numbers first: the commonest cells, classified without a call.
      const kind =
        typeof v === 'number'
          ? (v | 0) === v && (v !== 0 || 1 / v > 0)
              ? v >= 0 && v <= 7
                ? K_SMALL
                : K_I32
              : kindOf(v)
          : kindOf(v)
      if (kind === 0) {
        // JSON calls an own toJSON function of the row itself: no table then.
        if (key === 'toJSON' && typeof v === 'function') return false
        // A member JSON leaves out takes no place in the key order either.
        same = false
        continue
      }
      let col: Plan
      if (next < cols.length && cols[next].name === key) col = cols[next++]
      else {
        same = false
        const found = index.get(key)
        if (found === undefined) {
          // A new key goes last for now; a known key after it in this row reorders below.
          col = newPlan(key, takeValues(n), cols.length)
          index.set(key, col)
          cols.push(col)
        } else {
          col = found
          // A key the order puts before the previous one: the order must change, if it can.
          if (col.rank < next) reordered = true
        }
        next = col.rank + 1
      }
      if (prev !== null && col.lastPred !== prev) pairs += precedes(prev, col)
      prev = col
      if (col.typed !== 0) spill(col, col.until)
      col.values[r] = v
      col.kinds |= kind
      col.present++
      if (kind === K_LIST) {
        const list = v as unknown[]
        col.childCount += list.length
        if (r === 0 && n >= TABLE_WARM_MIN_ROWS && n <= TABLE_POOL_MAX_ROWS) captureLists(col, list.length, n)
        col.childKinds = col.lt !== 0 ? captureKinds(col, list, r, col.childKinds) : listKinds(list, col.childKinds)
      } else if (col.lt !== 0) col.lt = 0
    }
    if (reordered) {
      // Bounded work on hostile key orders: past the allowance the rows are a v1 list.
      work += cols.length + pairs
      if (work > TABLE_ORDER_WORK_BASE + TABLE_ORDER_WORK_PER_ROW * (r + 1) || !reorder(cols)) return false
    } else if (same && next === cols.length && n - r > TABLE_EXTRACT_MIN_ROWS) {
      // This row holds exactly the columns, in order, and has recorded each neighbouring pair:
      // rows of its shape need no order work (a row lacking a member follows the order by
      // transitivity), so a generated loop takes them. It stops at the first other row, read
      // here from the start (it reads no member of a row it does not take).
      if (run === null || !sameNames(cols, runNames)) {
        run = null
        if (lookups > 0) {
          lookups--
          runNames = cols.map((col) => col.name)
          // Columns typed from here on are compiled typed (and a column only becomes typed here).
          for (let i = 0; i < cols.length; i++) adopt(cols[i], r + 1, n)
          run = rowExtractor(runNames, cols.map((col) => (col.lt !== 0 ? CAPTURED_LISTS : col.typed)), EXTRACT_KINDS)
        }
      }
      if (run !== null) r = extract(run, rows, r + 1, n, cols, runNames) - 1
    }
  }
  // Nothing but a return after the row loop: see "OSR" in the header.
  return true
}

/**
 * Rows `r`... through a generated extractor; returns the first row it did not take. A short call
 * first, so that the code after its loop has run before V8 compiles the loop (RowExtractor).
 */
function extract(
  run: RowExtractor, rows: readonly unknown[], r: number, n: number, cols: Plan[], names: string[]
): number {
  // A typed column left out by a row since its last run has a gap: its values go back (spill).
  // Today the generic loop spills any typed column it stores into, and only a row holding every
  // column leads here, so this only guards the invariant the generated code relies on.
  for (let i = 0; i < cols.length; i++) if (cols[i].typed !== 0 && cols[i].until !== r) spill(cols[i], cols[i].until)
  // A captured list column left out by the generic loop since its last run: captured no more.
  for (let i = 0; i < cols.length; i++) if (cols[i].lt !== 0 && cols[i].luntil !== r) cols[i].lt = 0
  const first = Math.min(n, r + TABLE_EXTRACT_FIRST_ROWS)
  const next = run(rows, r, first, cols, names, EXTRACT_KINDS)
  if (next < first) return next
  if (n < TABLE_WARM_MIN_ROWS || n > TABLE_POOL_MAX_ROWS) return run(rows, next, n, cols, names, EXTRACT_KINDS)
  // A large table: blocks of rows, each block's strings laid out while they are in cache.
  let at = next
  while (at < n) {
    const end = Math.min(n, at + TABLE_WARM_BLOCK)
    const got = run(rows, at, end, cols, names, EXTRACT_KINDS)
    warmUp(cols, got, n)
    if (got < end) return got
    at = got
  }
  return at
}

/**
 * Typed scratch of the string columns laid out early (layWarm), reused across tables as the
 * value arrays are; they hold offsets and ASCII bytes only, nothing of the caller's.
 */
const offPool: Uint32Array[] = []
const bytePool: Uint8Array[] = []

function releaseWarm(col: Plan): void {
  if (offPool.length < TABLE_POOL_TYPED) offPool.push(col.warmOff as Uint32Array)
  const bytes = col.warmBytes
  // Kept up to the size the writer keeps its own scratch (./writer.ts release()).
  const keep = bytes !== null && bytes.length <= WRITER_RETAIN_MAX_BYTES
  if (keep && bytePool.length < TABLE_POOL_TYPED) bytePool.push(bytes)
  col.warmOff = null
  col.warmBytes = null
  col.warm = -1
}

/**
 * Rows 0 .. until - 1 have been read (pass 1): each string column of them so far lays out the
 * rows since its last call. Why: pass 2 of a table too large for the CPU's caches (users-100k:
 * 20 MB of rows) read every string again from memory, a cache miss a string; here the strings
 * were read by the extractor a block ago. The layout is what strings() writes for a column of
 * ASCII strings alone (offsets = string lengths, the bytes in order), so pass 2 copies it when
 * the column ends so (write()); any other column drops it and strings() writes it as before.
 */
function warmUp(cols: readonly Plan[], until: number, n: number): void {
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i]
    if (col.warm < 0 || col.warm === until) continue
    if (col.kinds !== K_STRING || col.present !== until || !layWarm(col, until, n)) {
      if (col.warmOff !== null) releaseWarm(col)
      col.warm = -1
    }
  }
}

/**
 * Lays out rows warm .. until - 1 of a column holding strings only; false if one is not ASCII
 * (or, against the caller's checks, not a string). The rope and its chunks as in asciiLayout (its
 * inner loop is compiled on stack replacement and left by a deopt in the first tables only:
 * `--trace-deopt`, Node 24 and 26; as a function of its own it cost ~18 instructions more a string).
 */
function layWarm(col: Plan, until: number, n: number): boolean {
  const values = col.values
  let off = col.warmOff
  if (off === null) {
    off = takePooled(offPool, n + 1, (k) => new Uint32Array(k))
    off[0] = 0
    col.warmOff = off
  }
  let len = col.warmLen
  for (let i = col.warm; i < until;) {
    let text = ''
    for (; i < until && text.length < TABLE_STRING_CHUNK; i++) {
      const v = values[i]
      if (typeof v !== 'string') return false
      text += v
      off[i + 1] = len + text.length
    }
    if (!putWarm(col, len, text, until, n)) return false
    len += text.length
  }
  col.warmLen = len
  col.warm = until
  return true
}

/** Writes a chunk of a warm column's bytes at `at`, growing its scratch; false if not ASCII. */
function putWarm(col: Plan, at: number, text: string, until: number, n: number): boolean {
  let bytes = col.warmBytes
  const need = at + text.length + ASCII_PROBE_SLACK
  if (bytes === null || bytes.length < need) {
    // Sized for the whole column at the rate so far (a pooled one from an earlier table fits).
    const guess = Math.ceil(((at + text.length) / Math.max(until, 1)) * n * 1.25)
    const next = takePooled(bytePool, Math.max(need, guess), (k) => allocBytes(Math.max(k, 2 * need)))
    if (bytes !== null) next.set(bytes.subarray(0, at))
    bytes = next
    col.warmBytes = next
  }
  return writeIfAscii(bytes, at, text)
}

/** SPEC 8.2 strings of a column laid out early (layWarm) for all n rows: two copies. */
function warmStrings(w: TableSink, col: Plan, n: number): void {
  const len = col.warmLen
  w.ensure(aligned(w.pos + 4 * (n + 1)) - w.pos + len)
  const offsets = w.pos
  const buf = w.buf
  const off = (col.warmOff as Uint32Array).subarray(0, n + 1)
  if (LITTLE_ENDIAN && (buf.byteOffset + offsets) % 4 === 0) {
    new Uint32Array(buf.buffer, buf.byteOffset + offsets, n + 1).set(off)
  } else {
    for (let i = 0; i <= n; i++) w.view.setUint32(offsets + 4 * i, off[i], true)
  }
  w.pos = offsets + 4 * (n + 1)
  align(w)
  w.buf.set((col.warmBytes as Uint8Array).subarray(0, len), w.pos)
  w.pos += len
}

/**
 * Whether the row's prototype is Object.prototype or null (a plain object, SPEC 8.4).
 *
 * Written for V8 on purpose: the `in` test (which runs no user code: no getter is called) gives
 * TurboFan the row's hidden class, so that it folds the getPrototypeOf after it into a constant
 * behind that map check; alone, getPrototypeOf was a runtime call per row (20 ns on Node 26, 10
 * on 20 and 24: a sixth of the table encode of users-10k on 26). Its result does not matter.
 */
function plainPrototype(row: object): boolean {
  void ('constructor' in row) // for its map check alone (see above)
  const proto: unknown = Object.getPrototypeOf(row)
  return proto === Object.prototype || proto === null
}

/** Whether the columns are named `names`, in order. */
function sameNames(cols: readonly Plan[], names: readonly string[]): boolean {
  if (cols.length !== names.length) return false
  for (let i = 0; i < cols.length; i++) if (cols[i].name !== names[i]) return false
  return true
}

/**
 * The element kinds of a list cell, or-ed into `kinds` (SPEC 5: in a list, what JSON leaves out is null).
 * Written for V8 on purpose: the caller's lists are read with `at` (where it is
 * Array.prototype.at: ./platform.ts ARRAY_AT), here and in the other generic list-cell loops
 * below, not `list[j]`. One keyed-load site that sees int lists and double lists
 * (two columns) is compiled with a transition of the int ones to double elements, and the
 * application's arrays (and those later made at their allocation site) stay so after encode()
 * (test/src/writer.test.ts). The float64 child loop and the extractor's element loads keep `[]`:
 * they are a site per column, and `at` boxes every double read (+18.7% instructions a users-10k
 * table encode, Node 26).
 */
function listKinds(list: readonly unknown[], kinds: number): number {
  let ck = kinds
  // `at` only where it is Array.prototype.at (./platform.ts ARRAY_AT), here and below.
  const plainAt = list.at === ARRAY_AT
  for (let j = 0; j < list.length; j++) {
    const e = kindOf(plainAt ? list.at(j) : list[j])
    ck |= e === 0 ? K_NULL : e
  }
  return ck
}

/** Records that a row holds `a` right before `b` (the order keeps a before b); 1 if new. */
function precedes(a: Plan, b: Plan): number {
  b.lastPred = a
  const preds = b.preds
  if (b.predSet !== null) {
    if (b.predSet.has(a)) return 0
    b.predSet.add(a)
  } else {
    if (preds.indexOf(a) >= 0) return 0
    if (preds.length === PREDS_SCAN_MAX) b.predSet = new Set([...preds, a])
  }
  preds.push(a)
  return 1
}

/**
 * SPEC 8.4: rebuilds the column order so that every row's keys follow it, keeping the present
 * order where the rows allow: each column comes right after the ones rows put before it, so a
 * key first seen in a later row lands where that row holds it. False when no order exists (two
 * rows order two keys the other way round: a cycle). A depth-first walk along preds with its
 * own stack, so 65,535 columns cannot overflow the call stack.
 */
function reorder(cols: Plan[]): boolean {
  const c = cols.length
  const before = cols.slice()
  for (let i = 0; i < c; i++) before[i].state = ORDER_NEW
  const stack: Plan[] = []
  const at: number[] = []
  let out = 0
  for (let i = 0; i < c; i++) {
    const root = before[i]
    if (root.state !== ORDER_NEW) continue
    root.state = ORDER_OPEN
    stack.push(root)
    at.push(0)
    while (stack.length !== 0) {
      const top = stack.length - 1
      const col = stack[top]
      const j = at[top]
      if (j < col.preds.length) {
        at[top] = j + 1
        const p = col.preds[j]
        if (p.state === ORDER_OPEN) return false
        if (p.state === ORDER_NEW) {
          p.state = ORDER_OPEN
          stack.push(p)
          at.push(0)
        }
      } else {
        col.state = ORDER_DONE
        col.rank = out
        cols[out++] = col
        stack.pop()
        at.pop()
      }
    }
  }
  return true
}

/** Zero bytes up to the next multiple of TABLE_ALIGN from the body start (SPEC 8.3). */
function align(w: TableSink): void {
  // Exact room (Writer#direct leaves no slack past a table's last byte).
  w.ensure(aligned(w.pos) - w.pos)
  while ((w.pos & (TABLE_ALIGN - 1)) !== 0) w.buf[w.pos++] = 0
}

/** Reserves a zeroed bitmap of n bits (SPEC 8.3) and returns its body offset. */
function bitmap(w: TableSink, n: number): number {
  const bytes = (n + 7) >>> 3
  w.ensure(bytes + TABLE_ALIGN)
  const at = w.pos
  w.buf.fill(0, at, at + bytes)
  w.pos = at + bytes
  align(w)
  return at
}

/**
 * Writes `rows` as a table value (SPEC 8) at the writer's position and returns true, or
 * returns false having written nothing (the caller writes a v1 list instead).
 */
export function writeTable(w: TableSink, rows: readonly unknown[]): boolean {
  // Rows nest one level below the table, list cells two (SPEC 8.4): where that passes
  // maxDepth, the v1 list gives the exact DEPTH or CIRCULAR error.
  if (w.depth + CELL_LIST_DEPTH > w.maxDepth) return false
  const cols = plan(rows, w)
  if (cols === null) return false
  if (cols.length > TABLE_MAX_SLOTS) {
    releaseValues(cols, rows.length)
    return false
  }
  write(w, rows, cols)
  releaseValues(cols, rows.length)
  return true
}

function write(w: TableSink, rows: readonly unknown[], cols: Plan[]): boolean {
  const n = rows.length
  const start = w.pos
  const c = cols.length
  w.enter(rows)
  // One grow for the whole table: column by column, a table of 100,000 users grew the scratch
  // 64 KiB -> 16 MiB in four copies, past what the writer keeps between messages (8 MiB), so
  // every such message paid them again (and the page faults of fresh buffers). The strings are
  // counted only when the rest does not fit already (a scratch kept from an earlier message).
  const body = start === 0 ? directBody(cols, n) : -1
  if (body < 0 || !w.direct(cols.map((col) => col.name), body)) {
    let size = tableBytes(cols, n)
    if (w.pos + size > w.buf.length) size += heapBytes(cols, n)
    w.ensure(size)
  }
  w.buf[start] = TAG_TABLE
  w.buf[start + TABLE_OFFSET_FLAGS] = 0
  w.view.setUint16(start + TABLE_OFFSET_COLUMNS, c, true)
  w.view.setUint32(start + TABLE_OFFSET_ROWS, n, true)
  w.pos = start + TABLE_HEADER_SIZE
  const dir = w.pos
  for (let i = 0; i < c; i++) {
    w.ensure(TABLE_DIR_ENTRY_SIZE)
    w.key(cols[i].name)
    w.buf.fill(0, w.pos, w.pos + TABLE_DIR_ENTRY_SIZE - 4)
    w.pos += TABLE_DIR_ENTRY_SIZE - 4
  }
  // Rows stand one level below the table, their cells' containers one more (SPEC 8.4).
  const rowLevel = w.depth + 1
  for (let i = 0; i < c; i++) {
    align(w)
    const region = w.pos
    const col = cols[i]
    const type = typeFor(col.kinds, false)
    let flags = 0
    let childType = 0
    let childFlags = 0
    if (type !== COL_ANY) {
      if (col.present < n) flags |= COL_PRESENCE
      if ((col.kinds & K_NULL) !== 0) flags |= COL_VALIDITY
    }
    const presence = (flags & COL_PRESENCE) !== 0 ? bitmap(w, n) : -1
    const validity = (flags & COL_VALIDITY) !== 0 ? bitmap(w, n) : -1
    const values = col.values
    if (type === COL_ANY) anyValues(w, values, n, col.name, rows, rowLevel)
    else if (type === COL_LIST) {
      childType = typeFor(col.childKinds, true)
      if ((col.childKinds & K_NULL) !== 0 && childType !== COL_ANY) childFlags |= COL_VALIDITY
      if (
        listCells(w, col, n, presence, validity, col.childCount, childType, childFlags, rowLevel) &&
        childType === COL_STRING
      ) {
        childFlags |= COL_ASCII
      }
    } else if (type === COL_STRING) {
      // Laid out early (warmUp) and still ASCII strings in every row: copied.
      if (col.warm > 0 && flags === 0 && (col.warm === n || layWarm(col, n, n))) {
        warmStrings(w, col, n)
        flags |= COL_ASCII
      } else if (strings(w, values, n, presence, validity)) flags |= COL_ASCII
    } else if (col.typed !== 0) fixedTyped(w, type, col, n)
    else fixed(w, type, values, n, presence, validity)
    const entry = dir + i * TABLE_DIR_ENTRY_SIZE
    w.buf[entry + DIR_OFFSET_TYPE] = type
    w.buf[entry + DIR_OFFSET_FLAGS] = flags
    w.buf[entry + DIR_OFFSET_CHILD_TYPE] = childType
    w.buf[entry + DIR_OFFSET_CHILD_FLAGS] = childFlags
    w.view.setUint32(entry + DIR_OFFSET_REGION, region - start, true)
    w.view.setUint32(entry + DIR_OFFSET_REGION_LENGTH, w.pos - region, true)
  }
  w.view.setUint32(start + TABLE_OFFSET_LENGTH, w.pos - start - TABLE_HEADER_SIZE, true)
  w.depth--
  w.tableWritten = true
  w.tableStarts.push(start)
  return true
}

/**
 * The exact body of a table written at the start of the body whose every column's bytes are
 * known after pass 1, or -1: typed number and boolean columns, string columns laid out early
 * (warm), captured lists of numbers, none with a gap or a null (no bitmap). What write() then
 * writes, in the same order and alignment (SPEC 8.3); Writer#direct writes it into the output.
 */
function directBody(cols: readonly Plan[], n: number): number {
  let pos = TABLE_HEADER_SIZE + cols.length * TABLE_DIR_ENTRY_SIZE
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i]
    if (col.present !== n || (col.kinds & K_NULL) !== 0) return -1
    pos = aligned(pos)
    const type = typeFor(col.kinds, false)
    if (type === COL_STRING && col.warm === n) pos = aligned(pos + 4 * (n + 1)) + col.warmLen
    else if (
      type === COL_LIST && col.lt !== 0 && col.luntil === n && typeFor(col.childKinds, true) === COL_FLOAT64 &&
      (col.childKinds & K_NULL) === 0
    ) {
      pos = aligned(pos + 4 * (n + 1)) + 8 * col.childCount
    } else if (col.typed !== 0 && type !== COL_ANY && type !== COL_LIST && type !== COL_STRING) pos += widthOf(type) * n
    else return -1
  }
  return pos
}

/** `pos` rounded up to TABLE_ALIGN (SPEC 8.3). */
export function aligned(pos: number): number {
  return pos + ((TABLE_ALIGN - (pos & (TABLE_ALIGN - 1))) & (TABLE_ALIGN - 1))
}

/**
 * The bytes of the table (SPEC 8.3) but its string heaps (heapBytes); columns of v1 values and
 * the elements of lists of strings count as empty (their slices grow the buffer as they are
 * written).
 */
function tableBytes(cols: readonly Plan[], n: number): number {
  const bitmaps = 2 * (((n + 7) >>> 3) + TABLE_ALIGN)
  const offsets = 4 * (n + 1) + TABLE_ALIGN
  let size = TABLE_HEADER_SIZE + cols.length * TABLE_DIR_ENTRY_SIZE
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i]
    const type = typeFor(col.kinds, false)
    size += TABLE_ALIGN + bitmaps
    if (type === COL_STRING) size += offsets + ASCII_PROBE_SLACK
    else if (type === COL_LIST) size += offsets + ((n + 7) >>> 3) + TABLE_ALIGN + 8 * col.childCount
    else if (type === COL_ANY) size += offsets
    else size += widthOf(type) * n + TABLE_ALIGN
  }
  return size
}

/** The string heaps of the table if ASCII: the UTF-16 units of its string columns. */
function heapBytes(cols: readonly Plan[], n: number): number {
  let size = 0
  for (let i = 0; i < cols.length; i++) {
    if (typeFor(cols[i].kinds, false) === COL_STRING) size += units(cols[i].values, n)
  }
  return size
}

/** UTF-16 units over the strings of a column (a loop of its own, see "OSR"). */
function units(values: readonly unknown[], n: number): number {
  let sum = 0
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (typeof v === 'string') sum += v.length
  }
  return sum
}

function setBit(buf: Uint8Array, at: number, i: number): void {
  buf[at + (i >>> 3)] |= 1 << (i & 7)
}

/**
 * Sets the bitmap bits of item i (values were classified in pass 1, so each fits its
 * column): present unless JSON leaves it out, valid unless null.
 */
function mark(buf: Uint8Array, v: unknown, i: number, presence: number, validity: number): void {
  if (v === undefined) return
  if (presence >= 0) setBit(buf, presence, i)
  if (v !== null && validity >= 0) setBit(buf, validity, i)
}

/**
 * Writes one item of a fixed-size column at p if it is of the column's type; false for
 * anything else (null and absent items: the caller leaves the slot zero).
 */
function put(view: DataView, type: number, p: number, v: unknown): boolean {
  if (type === COL_FLOAT64) {
    if (typeof v !== 'number') return false
    view.setFloat64(p, v, true)
  } else if (type === COL_INT32) {
    if (typeof v !== 'number' || (v | 0) !== v || (v === 0 && 1 / v < 0)) return false
    view.setInt32(p, v, true)
  } else if (type === COL_BOOL) {
    if (typeof v !== 'boolean') return false
    view.setUint8(p, v ? 1 : 0)
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v === 0 || (v > 0 && v <= 7)) return false
    const hi = Math.floor(v / TWO_32)
    view.setUint32(p, v - hi * TWO_32, true)
    view.setInt32(p + 4, hi, true)
  } else if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) throw new BFastError('INT_RANGE', p, `bigint ${v} is outside the int64 range`)
    view.setBigInt64(p, v, true)
  } else return false
  return true
}

/**
 * A value that no longer fits the type pass 1 chose for its column: only a list mutated
 * meanwhile by user code (a toJSON() or getter) can do this. Refused, never altered.
 */
function changed(at: number): never {
  throw new BFastError('BAD_VALUE', at, 'A list changed while its table was being written')
}

/**
 * Whether a float64 or int32 column can be stored through a typed array on the scratch
 * buffer: a little-endian host and an aligned address (the region is aligned from the body
 * start; the buffer's own offset decides the rest).
 */
function fastTyped(buf: Uint8Array, type: number, at: number, n: number): boolean {
  if (!LITTLE_ENDIAN || n === 0) return false
  const width = type === COL_FLOAT64 ? 8 : type === COL_INT32 ? 4 : 0
  return width !== 0 && (buf.byteOffset + at) % width === 0
}

function widthOf(type: number): number {
  return type === COL_BOOL ? 1 : type === COL_INT32 ? 4 : 8
}

/**
 * SPEC 8.2 bool, int32, int64, float64 of a typed column (every row holds a number, or every row
 * a boolean, in its scratch: adopt()), so no bitmaps: one copy (a memcpy for float64 and
 * booleans, a conversion in the typed array's own set for int32: ~18 instructions an item in the
 * runtime, as many as a JS loop, which runs once a table and is not optimized, Node 26).
 */
function fixedTyped(w: TableSink, type: number, col: Plan, n: number): void {
  const width = widthOf(type)
  w.ensure(width * n)
  const at = w.pos
  const buf = w.buf
  w.pos = at + width * n
  if (col.bits !== null) {
    buf.set(col.bits.subarray(0, n), at)
    return
  }
  const num = (col.num as Float64Array).subarray(0, n)
  if (fastTyped(buf, type, at, n)) {
    if (type === COL_FLOAT64) new Float64Array(buf.buffer, buf.byteOffset + at, n).set(num)
    else new Int32Array(buf.buffer, buf.byteOffset + at, n).set(num)
    return
  }
  const view = w.view
  for (let i = 0; i < n; i++) put(view, type, at + width * i, num[i])
}

/** SPEC 8.2 bool, int32, int64, float64: n fixed-size items; null and absent slots zero. */
function fixed(
  w: TableSink,
  type: number,
  values: readonly unknown[],
  n: number,
  presence: number,
  validity: number
): void {
  const width = widthOf(type)
  w.ensure(width * n + TABLE_ALIGN)
  const at = w.pos
  const buf = w.buf
  const view = w.view
  const bits = presence >= 0 || validity >= 0
  if (!bits && fastTyped(buf, type, at, n)) {
    // No nulls, no gaps: a typed-array store per value (PERFORMANCE-NOTES "Encoding").
    w.pos = at + width * n
    if (type === COL_FLOAT64) {
      const f = new Float64Array(buf.buffer, buf.byteOffset + at, n)
      for (let i = 0; i < n; i++) f[i] = values[i] as number
    } else {
      const f = new Int32Array(buf.buffer, buf.byteOffset + at, n)
      for (let i = 0; i < n; i++) f[i] = values[i] as number
    }
    return
  }
  if (!bits && type === COL_BOOL) {
    // Pass 1 saw booleans only, and these are the values it saw: a byte store per value.
    w.pos = at + n
    for (let i = 0; i < n; i++) buf[at + i] = values[i] === true ? 1 : 0
    return
  }
  w.pos = at + width * n
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (!put(view, type, at + width * i, v)) {
      if (v !== null && v !== undefined) changed(at + width * i)
      buf.fill(0, at + width * i, at + width * (i + 1))
    }
    if (bits) mark(buf, v, i, presence, validity)
  }
}

/**
 * SPEC 8.2 strings: (n + 1) u32 byte offsets, then the UTF-8 heap. Returns whether the heap
 * is all ASCII (flag COL_ASCII). `values` holds strings, null and undefined only (pass 1, or
 * flatten()).
 *
 * Written for V8 on purpose: one loop appends every string to a rope (`text += v`, a ConsString
 * per string, which V8 flattens iteratively) and writes the offsets as if the column were ASCII
 * (byte offsets = string lengths); a native call per TABLE_STRING_CHUNK units then writes the
 * rope, its byte count doubling as the ASCII check. A call per string cost ~100 ns for strings
 * of 16+ units, a third of the table encode of users-10k (Node 26); for flat strings (JSON.parse'd)
 * 512 instructions a string against 136 through the rope (callgrind, Node 26, 20-unit strings);
 * `values.join('')` in place of the rope cost 10.8 ns a string against 5.9 (Node 26, 10,000
 * flat 20-unit strings, timed), about 200 instructions a string in callgrind. A column that is
 * not ASCII is written again string by string.
 */
function strings(w: TableSink, values: readonly unknown[], n: number, presence: number, validity: number): boolean {
  w.ensure(4 * (n + 1) + 2 * TABLE_ALIGN)
  const offsets = w.pos
  w.pos += 4 * (n + 1)
  align(w)
  const heap = w.pos
  const bits = presence >= 0 || validity >= 0
  const text = asciiLayout(w, offsets, heap, values, n, bits ? presence : -1, bits ? validity : -1)
  if (text !== null) {
    // The last chunk: the heap so far is the last offset less the units still in the rope.
    // Reserving the longest UTF-8 (3 bytes a unit) here made the scratch of users-100k outgrow
    // what the writer keeps between messages (8 MiB).
    const at = heap + w.view.getUint32(offsets + 4 * n, true) - text.length
    w.pos = at
    w.ensure(text.length + ASCII_PROBE_SLACK)
    if (writeIfAscii(w.buf, at, text)) {
      w.pos = at + text.length
      return true
    }
  }
  // Not ASCII: room for the longest UTF-8 the strings can take (w.pos is the heap), and the
  // offsets written again from the bytes each string takes; the bitmaps too, since asciiLayout
  // stops at the first chunk that is not ASCII.
  w.pos = heap
  w.ensure(3 * units(values, n))
  const buf = w.buf
  const view = w.view
  let pos = heap
  let ascii = true
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (typeof v === 'string') {
      const k = writeUtf8(buf, pos, v, pos)
      if (k !== v.length) ascii = false
      pos += k
    }
    if (bits) mark(buf, v, i, presence, validity)
    view.setUint32(offsets + 4 * (i + 1), pos - heap, true)
  }
  w.pos = pos
  return ascii
}

/**
 * Writes a chunk of a string column's rope at `at` if the scratch has room for it (no grow in
 * the middle of asciiLayout's loop, which holds views of the scratch); false if the text is not
 * all ASCII. With no room the rope grows on, and strings() writes it after the loop.
 */
function flushChunk(w: TableSink, at: number, text: string): number {
  if (at + text.length + ASCII_PROBE_SLACK > w.buf.length) return 0
  return writeIfAscii(w.buf, at, text) ? 1 : -1
}

/**
 * The offsets of a string column as if all ASCII (byte offsets are string lengths) and its
 * bitmaps; returns the column's strings joined since the last chunk written (null and absent
 * items add nothing), or null when a chunk was not ASCII. Offsets go through a Uint32Array
 * where the host is little-endian and the address aligned.
 *
 * Written for V8 on purpose: the rope is written out every TABLE_STRING_CHUNK units. A whole
 * column flattened at once is a string in V8's large-object space from 64 Ki units up (a fresh
 * mapping, its pages faulted in, for every message: users-100k spent a quarter of its encode in
 * the kernel, Node 26, perf) and keeps every ConsString of the column alive until the end. A
 * function of its own that ends with the loop (see "OSR" in the header).
 */
function asciiLayout(
  w: TableSink, offsets: number, heap: number, values: readonly unknown[], n: number,
  presence: number, validity: number
): string | null {
  const bits = presence >= 0 || validity >= 0
  const buf = w.buf
  const view = w.view
  const fast = !bits && LITTLE_ENDIAN && (buf.byteOffset + offsets) % 4 === 0
  const u32 = fast ? new Uint32Array(buf.buffer, buf.byteOffset + offsets, n + 1) : null
  view.setUint32(offsets, 0, true)
  let text = ''
  // Units written out in chunks so far, and the rope's length that ends a chunk.
  let done = 0
  let limit = TABLE_STRING_CHUNK
  for (let i = 0; i < n;) {
    // Inner loops without a call, so that TurboFan hoists the checks of values, u32 and buf out
    // of them (the chunk's call in the same loop cost ~80 instructions a string, Node 26).
    if (u32 !== null) {
      for (; i < n && text.length < limit; i++) {
        const v = values[i]
        if (typeof v === 'string') text += v
        u32[i + 1] = done + text.length
      }
    } else {
      for (; i < n && text.length < limit; i++) {
        const v = values[i]
        if (typeof v === 'string') text += v
        if (bits) mark(buf, v, i, presence, validity)
        view.setUint32(offsets + 4 * (i + 1), done + text.length, true)
      }
    }
    if (i < n) {
      const wrote = flushChunk(w, heap + done, text)
      if (wrote < 0) return null
      if (wrote > 0) {
        done += text.length
        text = ''
      } else limit = TWO_32 // no room: the rope grows on (see flushChunk)
    }
  }
  return text
}

/**
 * The (count + 1) u32 byte offsets in front of a column of v1 slices (SPEC 8.2 any), the first
 * written as 0 and the rest filled in as the slices are written; the slices start aligned.
 * Returns where the offsets start.
 */
function reserveOffsets(w: TableSink, count: number): number {
  w.ensure(4 * (count + 1) + TABLE_ALIGN)
  const offsets = w.pos
  w.view.setUint32(offsets, 0, true)
  w.pos += 4 * (count + 1)
  align(w)
  return offsets
}

/**
 * SPEC 8.2 any: (n + 1) u32 byte offsets, then each row's value as a v1 value (SPEC 2). What
 * JSON leaves out of the row (also when a value's toJSON() says so) is an empty slice.
 */
function anyValues(
  w: TableSink,
  values: readonly unknown[],
  n: number,
  name: string,
  rows: readonly unknown[],
  level: number
): void {
  const offsets = reserveOffsets(w, n)
  const area = w.pos
  const saved = w.depth
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (v !== undefined) {
      const at = w.pos
      w.depth = level
      w.path[level] = rows[i]
      if (typeof v === 'object' && v !== null) w.jsonKey = name
      w.value(v)
      if (w.toJSONNull === at) {
        // The value's toJSON(key) gave what JSON leaves out: so does this member.
        w.pos = at
        w.toJSONNull = -1
      }
    }
    w.view.setUint32(offsets + 4 * (i + 1), w.pos - area, true)
  }
  w.depth = saved
}

/**
 * SPEC 8.2 list: (n + 1) u32 element offsets, then the child column of every element (what
 * JSON leaves out of a list is null there, SPEC 5). Returns whether a string child is all ASCII.
 */
function listCells(
  w: TableSink, col: Plan, n: number, presence: number, validity: number,
  count: number, childType: number, childFlags: number, rowLevel: number
): boolean {
  const values = col.values
  if (childType === COL_FLOAT64 && childFlags === 0 && presence < 0 && validity < 0) {
    // Every row holds a list of numbers (users' scores): offsets and elements in one loop.
    const offsets = w.pos
    const end = offsets + 4 * (n + 1)
    // The child starts at the next multiple of TABLE_ALIGN (SPEC 8.3), as align() puts it.
    const at = aligned(end)
    w.ensure(at - offsets + 8 * count)
    const buf = w.buf
    if (LITTLE_ENDIAN && (buf.byteOffset + offsets) % 4 === 0 && fastTyped(buf, COL_FLOAT64, at, count)) {
      buf.fill(0, end, at)
      const total = col.lt !== 0 && col.luntil === n
        ? capturedLists(buf, offsets, at, col, n, count)
        : numberLists(buf, offsets, at, values, n, count)
      // A list changed since pass 1 counted it (see below): refused, never written.
      if (total !== count) changed(total < 0 ? at : offsets)
      w.pos = at + 8 * count
      return false
    }
  }
  w.ensure(4 * (n + 1) + TABLE_ALIGN)
  const offsets = w.pos
  w.view.setUint32(offsets, 0, true)
  w.pos += 4 * (n + 1)
  const total = listOffsets(w.buf, w.view, offsets, values, n, presence, validity)
  // Pass 1 counted the same lists: a list that changed length since (a getter, a toJSON with
  // side effects) would make the offsets lie, so it is refused rather than written.
  if (total !== count) changed(w.pos)
  align(w)
  if (childType === COL_ANY) {
    anyElements(w, values, n, count, rowLevel + 1)
    return false
  }
  const childValidity = (childFlags & COL_VALIDITY) !== 0 ? bitmap(w, count) : -1
  if (childType === COL_STRING) return strings(w, flatten(values, n, count, w.pos), count, -1, childValidity)
  const width = widthOf(childType)
  w.ensure(width * count + TABLE_ALIGN)
  const at = w.pos
  const buf = w.buf
  const view = w.view
  if (childType === COL_FLOAT64 && childValidity < 0 && fastTyped(buf, childType, at, count)) {
    // Lists of numbers (the common case): a typed-array store per element.
    const f = new Float64Array(buf.buffer, buf.byteOffset + at, count)
    w.pos = at + width * count
    let k = 0
    for (let i = 0; i < n; i++) {
      const list = values[i]
      if (list === null || list === undefined) continue
      const a = list as unknown[]
      for (let j = 0; j < a.length; j++, k++) {
        const e = a[j]
        if (typeof e !== 'number') changed(at + 8 * k)
        f[k] = e
      }
    }
    return false
  }
  w.pos = at + width * count
  let k = 0
  for (let i = 0; i < n; i++) {
    const list = values[i]
    if (list === null || list === undefined) continue
    const a = list as unknown[]
    const plainAt = a.at === ARRAY_AT
    for (let j = 0; j < a.length; j++, k++) {
      const e = plainAt ? a.at(j) : a[j]
      if (put(view, childType, at + width * k, e)) {
        if (childValidity >= 0) setBit(buf, childValidity, k)
      } else if (childValidity >= 0 && (e === null || kindOf(e) === 0)) {
        buf.fill(0, at + width * k, at + width * (k + 1))
      } else changed(at + width * k)
    }
  }
  return false
}

/**
 * A column of lists of numbers that every row holds, with no null element (SPEC 8.2 list, child
 * float64): the n + 1 offsets and the elements through typed arrays, in one loop. Returns the
 * element count, or -1 when a list no longer fits what pass 1 counted (longer, or holding a
 * non-number): only user code run meanwhile (a toJSON of an earlier column) can do that.
 *
 * Written for V8 on purpose: one pass reads each list once. Offsets first, then the elements,
 * read every list twice (its length, then its elements), a cache miss a row each time at
 * 100,000 rows. A function of its own that ends with its loop (see "OSR" in the header).
 */
function numberLists(
  buf: Uint8Array, offsets: number, at: number, values: readonly unknown[], n: number, count: number
): number {
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset + offsets, n + 1)
  const f = new Float64Array(buf.buffer, buf.byteOffset + at, count)
  u32[0] = 0
  let k = 0
  for (let i = 0; i < n; i++) {
    const a = values[i] as unknown[]
    const len = a.length
    if (k + len > count) return -1
    for (let j = 0; j < len; j++) {
      const e = a[j]
      if (typeof e !== 'number') return -1
      f[k + j] = e
    }
    k += len
    u32[i + 1] = k
  }
  return k
}

/**
 * numberLists for a column captured in pass 1 (captureLists): the offsets and elements, each read
 * once by pass 1, copied as blocks. Returns the element count, or -1 (as numberLists).
 */
function capturedLists(
  buf: Uint8Array, offsets: number, at: number, col: Plan, n: number, count: number
): number {
  if (col.lk !== count) return -1
  new Uint32Array(buf.buffer, buf.byteOffset + offsets, n + 1).set((col.loff as Uint32Array).subarray(0, n + 1))
  new Float64Array(buf.buffer, buf.byteOffset + at, count).set((col.lnum as Float64Array).subarray(0, count))
  return count
}

/** A list column's element offsets after the first, and its bitmaps; returns the last (see "OSR"). */
function listOffsets(
  buf: Uint8Array, view: DataView, offsets: number, values: readonly unknown[], n: number,
  presence: number, validity: number
): number {
  const bits = presence >= 0 || validity >= 0
  let total = 0
  if (!bits && LITTLE_ENDIAN && (buf.byteOffset + offsets) % 4 === 0) {
    // No nulls, no gaps (the common case): a Uint32Array store per offset.
    const u32 = new Uint32Array(buf.buffer, buf.byteOffset + offsets, n + 1)
    for (let i = 0; i < n; i++) {
      total += (values[i] as unknown[]).length
      u32[i + 1] = total
    }
    return total
  }
  for (let i = 0; i < n; i++) {
    const v = values[i]
    if (v !== null && v !== undefined) total += (v as unknown[]).length
    if (bits) mark(buf, v, i, presence, validity)
    view.setUint32(offsets + 4 * (i + 1), total, true)
  }
  return total
}

/** Every element of every list, in order (what JSON leaves out is null); `at` for the error. */
function flatten(values: readonly unknown[], n: number, count: number, at: number): unknown[] {
  const flat = new Array<unknown>(count)
  let k = 0
  for (let i = 0; i < n; i++) {
    const list = values[i]
    if (list === null || list === undefined) continue
    const a = list as unknown[]
    const plainAt = a.at === ARRAY_AT
    for (let j = 0; j < a.length; j++) {
      const e = plainAt ? a.at(j) : a[j]
      if (typeof e === 'string' || e === null) flat[k++] = e
      else if (e === undefined || typeof e === 'function' || typeof e === 'symbol') flat[k++] = null
      // Pass 1 saw strings and nulls only: a list changed since is refused (strings() joins
      // these, and join would call an object's toString).
      else changed(at)
    }
  }
  return flat
}

/** A list column's child of v1 values: every element written as the v1 list would write it. */
function anyElements(w: TableSink, values: readonly unknown[], n: number, count: number, level: number): void {
  const offsets = reserveOffsets(w, count)
  const area = w.pos
  const saved = w.depth
  let k = 0
  for (let i = 0; i < n; i++) {
    const list = values[i]
    if (list === null || list === undefined) continue
    const a = list as unknown[]
    const plainAt = a.at === ARRAY_AT
    for (let j = 0; j < a.length; j++) {
      w.depth = level
      w.path[level] = a
      // As in a v1 list: toJSON() gets '' and what JSON leaves out is null.
      w.value(plainAt ? a.at(j) : a[j])
      w.view.setUint32(offsets + 4 * (++k), w.pos - area, true)
    }
  }
  w.depth = saved
}

/**
 * SPEC 8.3: the bytes of one string-table entry that make the body start at a multiple of
 * TABLE_ALIGN from the message start, given the header and table bytes before it; null when
 * no padding is needed. The entry is never referenced.
 */
export function paddingEntry(before: number): string | null {
  const pad = aligned(before) - before
  return pad === 0 ? null : '\u0000'.repeat(pad - 1)
}
