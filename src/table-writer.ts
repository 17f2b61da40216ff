/**
 * The table writer (SPEC 8): an array of records written column by column inside a message
 * the v1 writer (./writer.ts) is producing. Browser-safe.
 *
 * Two passes over the rows. The first learns the columns (names in first-seen order, which
 * rows lack which key) and the kinds of value each holds; it gives up (the caller then
 * writes a v1 list, SPEC 2) on anything a table cannot give back exactly: a row that is not
 * a plain object, rows whose keys come in conflicting orders (JSON.stringify of the rows
 * must equal that of the table, key order included), an own toJSON. The second writes each
 * column in its region; a value that no longer fits the column's type (a getter that changed
 * its mind) also gives up, so nothing is ever altered.
 *
 * Written for V8 on purpose: the first pass compares each key with the expected column's
 * name before any Map lookup (rows of one shape never reach the Map); the second reads
 * `row[name]` with one name per loop (a monomorphic keyed load for rows of one shape) and
 * writes numbers through the writer's DataView.
 */
import { BFastError } from './errors.js'
import {
  COL_ANY, COL_ASCII, COL_BOOL, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY,
  DIR_OFFSET_CHILD_FLAGS, DIR_OFFSET_CHILD_TYPE, DIR_OFFSET_FLAGS, DIR_OFFSET_REGION, DIR_OFFSET_REGION_LENGTH,
  DIR_OFFSET_TYPE, TABLE_ALIGN, TABLE_DIR_ENTRY_SIZE, TABLE_HEADER_SIZE, TABLE_MAX_SLOTS, TABLE_OFFSET_COLUMNS,
  TABLE_OFFSET_FLAGS, TABLE_OFFSET_LENGTH, TABLE_OFFSET_ROWS, TAG_TABLE
} from './tags.js'
import { writeUtf8 } from './utf8.js'

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
  ensure(n: number): void
  value(v: unknown): void
  key(name: string): void
  enter(container: object): void
}

const hasOwn = Object.prototype.hasOwnProperty
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const TWO_32 = 4294967296
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
  kinds: number
  /** Rows holding the key with a value JSON keeps. */
  present: number
  /** Element kinds and count over every list cell (for a list column). */
  childKinds: number
  childCount: number
}

function kindOf(v: unknown): number {
  switch (typeof v) {
    case 'number':
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) return v >= 0 && v <= 7 ? K_SMALL : K_I32
      return Number.isSafeInteger(v) && v !== 0 ? K_SAFE : K_FLOAT
    case 'string':
      return K_STRING
    case 'boolean':
      return K_BOOL
    case 'bigint':
      return K_BIGINT
    case 'object':
      return v === null ? K_NULL : Array.isArray(v) ? K_LIST : K_OTHER
    default:
      return 0 // undefined, functions, symbols: JSON leaves the member out
  }
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

/**
 * Pass 1. Returns the column plans, or null when the rows cannot be a table.
 */
function plan(rows: readonly unknown[], w: TableSink): Plan[] | null {
  const cols: Plan[] = []
  const index = new Map<string, number>()
  const n = rows.length
  if (w.inheritedToJSON) return null
  for (let r = 0; r < n; r++) {
    const row = rows[r]
    if (typeof row !== 'object' || row === null || Array.isArray(row)) return null
    const proto: unknown = Object.getPrototypeOf(row)
    if (proto !== Object.prototype && proto !== null) return null
    let next = 0
    for (const key in row) {
      if (!hasOwn.call(row, key)) continue
      const v = (row as Record<string, unknown>)[key]
      const kind = kindOf(v)
      if (kind === 0) {
        // JSON calls an own toJSON function of the row itself: no table then.
        if (key === 'toJSON' && typeof v === 'function') return null
        // A member JSON leaves out takes no place in the key order either.
        continue
      }
      let c: number
      if (next < cols.length && cols[next].name === key) c = next
      else {
        const found = index.get(key)
        if (found === undefined) {
          c = cols.length
          index.set(key, c)
          cols.push({ name: key, kinds: 0, present: 0, childKinds: 0, childCount: 0 })
        } else if (found < next) return null // keys in another order than earlier rows
        else c = found
      }
      next = c + 1
      const col = cols[c]
      col.kinds |= kind
      col.present++
      if (kind === K_LIST) {
        const list = v as unknown[]
        const m = list.length
        col.childCount += m
        let ck = col.childKinds
        for (let j = 0; j < m; j++) {
          const e = kindOf(list[j])
          // SPEC 5: in a list, what JSON leaves out is null.
          ck |= e === 0 ? K_NULL : e
        }
        col.childKinds = ck
      }
    }
  }
  return cols.length === 0 ? null : cols
}

/** Zero bytes up to the next multiple of TABLE_ALIGN from the body start (SPEC 8.3). */
function align(w: TableSink): void {
  w.ensure(TABLE_ALIGN)
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
  if (cols === null || cols.length > TABLE_MAX_SLOTS) return false
  const start = w.pos
  const depth = w.depth
  const ok = write(w, rows, cols)
  if (!ok) {
    w.pos = start
    w.depth = depth
  }
  return ok
}

function write(w: TableSink, rows: readonly unknown[], cols: Plan[]): boolean {
  const n = rows.length
  const start = w.pos
  const c = cols.length
  w.enter(rows)
  w.ensure(TABLE_HEADER_SIZE)
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
    // Every row holds the key (else a missing key must not be looked up the prototype chain).
    const full = col.present === n
    const name = col.name
    let ok: boolean
    if (type === COL_ANY) ok = anyCells(w, rows, name, full, rowLevel(w))
    else if (type === COL_LIST) {
      childType = typeFor(col.childKinds, true)
      if ((col.childKinds & K_NULL) !== 0 && childType !== COL_ANY) childFlags |= COL_VALIDITY
      ok = listCells(w, rows, name, full, presence, validity, col.childCount, childType, childFlags)
      if (ok && childType === COL_STRING && lastAscii) childFlags |= COL_ASCII
    } else {
      ok = scalarCells(w, rows, name, full, presence, validity, type)
      if (ok && type === COL_STRING && lastAscii) flags |= COL_ASCII
    }
    if (!ok) return false
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
  return true
}

/** The writer's depth where the rows stand (one below the table's list). */
function rowLevel(w: TableSink): number {
  return w.depth + 1
}

/** Whether the last string column written was all ASCII (SPEC 8.2, flag COL_ASCII). */
let lastAscii = true

/** The value of `name` in a row, or undefined where JSON leaves the member out. */
function cell(row: Record<string, unknown>, name: string, full: boolean): unknown {
  if (full) return row[name]
  return hasOwn.call(row, name) ? row[name] : undefined
}

function setBit(w: TableSink, at: number, i: number): void {
  w.buf[at + (i >>> 3)] |= 1 << (i & 7)
}

/**
 * A typed column's values for `n` items (rows, or list elements): bool, int32, int64,
 * float64 or string (SPEC 8.2). `get(i)` gives item i; undefined means absent (rows only).
 * Sets the bitmaps' bits as it goes. Returns false on a value that does not fit the type.
 */
function typedValues(
  w: TableSink, n: number, get: (i: number) => unknown, presence: number, validity: number, type: number
): boolean {
  if (type === COL_STRING) return strings(w, n, get, presence, validity)
  const width = type === COL_BOOL ? 1 : type === COL_INT32 ? 4 : 8
  w.ensure(width * n + TABLE_ALIGN)
  const at = w.pos
  const buf = w.buf
  const view = w.view
  buf.fill(0, at, at + width * n)
  const bits = presence >= 0 || validity >= 0
  for (let i = 0; i < n; i++) {
    const v = get(i)
    const p = at + width * i
    let fits = true
    if (type === COL_FLOAT64) {
      if (typeof v === 'number') view.setFloat64(p, v, true)
      else fits = false
    } else if (type === COL_INT32) {
      if (typeof v === 'number' && (v | 0) === v && (v !== 0 || 1 / v > 0)) view.setInt32(p, v, true)
      else fits = false
    } else if (type === COL_BOOL) {
      if (v === true) buf[p] = 1
      else if (v !== false) fits = false
    } else if (typeof v === 'number' && Number.isSafeInteger(v) && v !== 0 && !(v >= 0 && v <= 7)) {
      const hi = Math.floor(v / TWO_32)
      view.setUint32(p, v - hi * TWO_32, true)
      view.setInt32(p + 4, hi, true)
    } else if (typeof v === 'bigint') {
      if (v < INT64_MIN || v > INT64_MAX) throw new BFastError('INT_RANGE', p, `bigint ${v} is outside the int64 range`)
      view.setBigInt64(p, v, true)
    } else fits = false
    if (fits) {
      if (bits) {
        if (presence >= 0) setBit(w, presence, i)
        if (validity >= 0) setBit(w, validity, i)
      }
    } else if (!mark(w, v, i, presence, validity)) return false
  }
  w.pos = at + width * n
  return true
}

/**
 * A missing or null item: records it in the bitmaps (the slot stays zero). False when the
 * item is neither, or the column has no bitmap for it.
 */
function mark(w: TableSink, v: unknown, i: number, presence: number, validity: number): boolean {
  if (v === null) {
    if (validity < 0) return false
    if (presence >= 0) setBit(w, presence, i)
    return true
  }
  if (kindOf(v) !== 0 || presence < 0) return false
  return true
}

/** SPEC 8.2 strings: (n + 1) u32 byte offsets, then the UTF-8 heap. */
function strings(w: TableSink, n: number, get: (i: number) => unknown, presence: number, validity: number): boolean {
  w.ensure(4 * (n + 1) + TABLE_ALIGN)
  const offsets = w.pos
  w.view.setUint32(offsets, 0, true)
  w.pos += 4 * (n + 1)
  align(w)
  const heap = w.pos
  let ascii = true
  for (let i = 0; i < n; i++) {
    const v = get(i)
    if (typeof v === 'string') {
      w.ensure(3 * v.length)
      const k = writeUtf8(w.buf, w.pos, v, w.pos)
      if (k !== v.length) ascii = false
      w.pos += k
      if (validity >= 0) setBit(w, validity, i)
      if (presence >= 0) setBit(w, presence, i)
    } else if (v === null ? validity < 0 : kindOf(v) !== 0 || presence < 0) return false
    else if (v === null && presence >= 0) setBit(w, presence, i)
    w.view.setUint32(offsets + 4 * (i + 1), w.pos - heap, true)
  }
  lastAscii = ascii
  return true
}

/** Row cells of a typed (non-list) column. */
function scalarCells(
  w: TableSink, rows: readonly unknown[], name: string, full: boolean, presence: number, validity: number, type: number
): boolean {
  return typedValues(w, rows.length, (i) => cell(rows[i] as Record<string, unknown>, name, full), presence, validity, type)
}

/**
 * SPEC 8.2 any: (n + 1) u32 byte offsets, then each item as a v1 value (SPEC 2). A row item
 * JSON leaves out (also when its toJSON() says so) is an empty slice; list items never are.
 */
function anyValues(w: TableSink, n: number, get: (i: number) => unknown, key: (i: number) => string | null, container: (i: number) => object, level: number): boolean {
  w.ensure(4 * (n + 1) + TABLE_ALIGN)
  const offsets = w.pos
  w.view.setUint32(offsets, 0, true)
  w.pos += 4 * (n + 1)
  align(w)
  const area = w.pos
  for (let i = 0; i < n; i++) {
    const v = get(i)
    const name = key(i)
    if (name !== null && kindOf(v) === 0) {
      // Left out, as JSON leaves out the member.
    } else {
      const mark = w.pos
      w.depth = level
      w.path[level] = container(i)
      if (typeof v === 'object' && v !== null) w.jsonKey = name ?? ''
      w.value(v)
      if (name !== null && w.toJSONNull === mark) {
        // The value's toJSON(key) gave what JSON leaves out: so does this member.
        w.pos = mark
        w.toJSONNull = -1
      }
    }
    w.view.setUint32(offsets + 4 * (i + 1), w.pos - area, true)
  }
  return true
}

function anyCells(w: TableSink, rows: readonly unknown[], name: string, full: boolean, level: number): boolean {
  const saved = w.depth
  const ok = anyValues(
    w, rows.length,
    (i) => cell(rows[i] as Record<string, unknown>, name, full),
    () => name,
    (i) => rows[i] as object,
    level
  )
  w.depth = saved
  return ok
}

/** SPEC 8.2 list: (n + 1) u32 element offsets, then the child column of every element. */
function listCells(
  w: TableSink, rows: readonly unknown[], name: string, full: boolean, presence: number, validity: number,
  count: number, childType: number, childFlags: number
): boolean {
  const n = rows.length
  w.ensure(4 * (n + 1) + TABLE_ALIGN)
  const offsets = w.pos
  w.view.setUint32(offsets, 0, true)
  w.pos += 4 * (n + 1)
  // Where every element is, so the child column can be written element by element.
  const lists: unknown[][] = []
  const owners: number[] = []
  let total = 0
  for (let i = 0; i < n; i++) {
    const v = cell(rows[i] as Record<string, unknown>, name, full)
    if (Array.isArray(v)) {
      total += v.length
      lists.push(v)
      owners.push(i)
      if (presence >= 0) setBit(w, presence, i)
      if (validity >= 0) setBit(w, validity, i)
    } else if (v === null ? validity < 0 : kindOf(v) !== 0 || presence < 0) return false
    else if (v === null && presence >= 0) setBit(w, presence, i)
    w.view.setUint32(offsets + 4 * (i + 1), total, true)
  }
  if (total !== count) return false
  align(w)
  // Element j of the flattened lists.
  const flat: unknown[] = new Array<unknown>(total)
  const parents: object[] = new Array<object>(total)
  let k = 0
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l]
    for (let j = 0; j < list.length; j++) {
      const e = list[j]
      // SPEC 5: what JSON leaves out of a list is null there.
      flat[k] = kindOf(e) === 0 ? null : e
      parents[k++] = list
    }
  }
  if (childType === COL_ANY) {
    const saved = w.depth
    const ok = anyValues(w, total, (j) => flat[j], () => null, (j) => parents[j], rowLevel(w) + 1)
    w.depth = saved
    return ok
  }
  const childValidity = (childFlags & COL_VALIDITY) !== 0 ? bitmap(w, total) : -1
  return typedValues(w, total, (j) => flat[j], -1, childValidity, childType)
}

/**
 * SPEC 8.3: the bytes of one string-table entry that make the body start at a multiple of
 * TABLE_ALIGN from the message start, given the header and table bytes before it; null when
 * no padding is needed. The entry is never referenced.
 */
export function paddingEntry(before: number): string | null {
  const pad = (TABLE_ALIGN - (before % TABLE_ALIGN)) % TABLE_ALIGN
  return pad === 0 ? null : '\u0000'.repeat(pad - 1)
}
