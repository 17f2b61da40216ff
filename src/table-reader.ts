/**
 * The table reader (SPEC 8): opens a table value in O(columns), checking the header and
 * every directory entry, region and fixed-size part before anything is used (SPEC 8.5), and
 * reads cells on demand, checking each offset it follows as it goes. Browser-safe.
 *
 * Nothing here allocates in proportion to a count the bytes do not back: every count is
 * bounded by the bytes of the region that holds its items (at least one byte per row or
 * element, SPEC 8.3), and the regions of one table may not overlap.
 *
 * Written for V8 on purpose: numeric columns come out as typed-array views on the message
 * (zero-copy when the memory is aligned), an all-ASCII string column is decoded in one
 * native call per 64 KB of text and cut with substring, and v1 cells (type any) are read by the v1 reader in
 * one batch per column.
 */
import { BFastError } from './errors.js'
import type { DecodeOptions } from './options.js'
import { DEFAULT_MAX_DEPTH } from './options.js'
import { BFastTable } from './table.js'
import {
  COL_ANY, COL_ASCII, COL_BOOL, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY,
  DIR_OFFSET_CHILD_FLAGS, DIR_OFFSET_CHILD_TYPE, DIR_OFFSET_FLAGS, DIR_OFFSET_REGION, DIR_OFFSET_REGION_LENGTH,
  DIR_OFFSET_TYPE, TABLE_ALIGN, TABLE_DELTA, TABLE_DIR_ENTRY_SIZE, TABLE_FLAGS_KNOWN, TABLE_HEADER_SIZE,
  TABLE_OFFSET_COLUMNS, TABLE_OFFSET_FLAGS, TABLE_OFFSET_LENGTH, TABLE_OFFSET_ROWS, TABLE_SHUFFLE, TWO_32
} from './tags.js'
import { shuffledWidth, undoDelta, unshuffle } from './table-transforms.js'
import { beginEmbedded, endEmbedded, readEmbedded } from './reader.js'
import { NATIVE_LATIN1, readAscii, readUtf8 } from './utf8.js'
import { LITTLE_ENDIAN } from './platform.js'
import { TABLE_READ_BLOCK } from './limits.js'

/** A cell that is not there (the row lacks the key): distinct from every value. */
export const ABSENT: unique symbol = Symbol('absent')

export const INT64_AUTO = 0
export const INT64_NUMBER = 1
export const INT64_BIGINT = 2

/** What every table of one decode() shares: the message and the options of the call. */
export interface TableSource {
  src: Uint8Array
  view: DataView
  keys: readonly string[]
  /** A copy of the call's options, for the v1 reader's lazily read cells. */
  options: DecodeOptions | undefined
  int64: number
}

/** One column, or the child column of a list column (SPEC 8.2), as checked at open. */
export class Column {
  /** Items: rows, or for a child column every element of every list. */
  n: number
  type: number
  flags: number
  /** Message offsets of the parts (SPEC 8.3); -1 where the column has no such part. */
  presence: number
  validity: number
  values: number
  /** Variable-size types: the heap (strings, v1 values) or the child column (lists). */
  heap: number
  heapLength: number
  child: Column | null
  /** Nesting depth the v1 reader starts from for cells of type any (SPEC 8.4). */
  level: number
  /** A list column's child: its items are list elements, never absent. */
  isChild: boolean
  /** Materialized values of a column of primitives, once column()/toArray() asked for them. */
  cache: ArrayLike<unknown> | null = null
  /**
   * Where the items or offsets part is read (`values` is an offset in it): the message, or,
   * once a transform is undone (SPEC 8.6), an aligned copy of that part alone.
   */
  data: Uint8Array
  view: DataView
  /** The transform (TABLE_DELTA or TABLE_SHUFFLE) still to undo before the part is read, or 0. */
  pending: number
  /** DELTA: the last offset, which slot 0 of the part holds (SPEC 8.6). */
  total: number
  /** Message offset of the items or offsets part, for errors (`values` may point into a copy). */
  part: number

  constructor(s: TableSource, n: number, type: number, flags: number, level: number, isChild: boolean) {
    this.isChild = isChild
    this.data = s.src
    this.view = s.view
    this.pending = 0
    this.total = 0
    this.part = -1
    this.n = n
    this.type = type
    this.flags = flags
    this.presence = -1
    this.validity = -1
    this.values = -1
    this.heap = -1
    this.heapLength = 0
    this.child = null
    this.level = level
  }
}

/**
 * One Column that lives as long as this module, for V8: a class instance's hidden classes are
 * reached from the constructor's initial map only through transitions, which V8 holds weakly.
 * With no table open, a full GC collected them, and every function that had checked them
 * (cellAt, build, materialize...) was deoptimized and ran in baseline code until its loops
 * were compiled again (users-10k toArray right after a full GC, callgrind on Node 26: 35.8M
 * instructions, against 12.0M in optimized code).
 */
export const PINNED_COLUMN = new Column(
  { src: new Uint8Array(0), view: new DataView(new ArrayBuffer(0)), keys: [], options: undefined, int64: INT64_AUTO },
  0, COL_BOOL, 0, 0, false
)

function bad(at: number, what: string): never {
  throw new BFastError('BAD_TABLE', at, what)
}

function truncated(at: number, what: string): never {
  throw new BFastError('TRUNCATED', at, `Message ends inside ${what}`)
}

function alignUp(x: number): number {
  return Math.ceil(x / TABLE_ALIGN) * TABLE_ALIGN
}

const FIXED_WIDTH: Record<number, number> = { [COL_BOOL]: 1, [COL_INT32]: 4, [COL_INT64]: 8, [COL_FLOAT64]: 8 }

/** SPEC 8.2: the flags each type may carry. */
function allowedFlags(type: number, child: boolean): number {
  const base = type === COL_ANY ? 0 : child ? COL_VALIDITY : COL_PRESENCE | COL_VALIDITY
  return type === COL_STRING ? base | COL_ASCII : base
}

/**
 * Lays out a column's parts inside [at, stop) (SPEC 8.3) and checks that they fill it
 * exactly. `child` columns (list elements) carry no presence bitmap and no list type.
 */
function layout(
  s: TableSource,
  col: Column,
  at: number,
  stop: number,
  childType: number,
  childFlags: number,
  entry: number,
  transforms: number
): void {
  const n = col.n
  let p = at
  if ((col.flags & COL_PRESENCE) !== 0) {
    col.presence = p
    p = alignUp(p + Math.ceil(n / 8))
  }
  if ((col.flags & COL_VALIDITY) !== 0) {
    col.validity = p
    p = alignUp(p + Math.ceil(n / 8))
  }
  if (p > stop) bad(entry, `Column region of ${stop - at} bytes is too small for its bitmaps (${n} items)`)
  const width = FIXED_WIDTH[col.type]
  if (width !== undefined) {
    col.values = p
    col.part = p
    if ((stop - p) / width !== n) bad(entry, `Column of ${n} items of ${width} bytes has ${stop - p} bytes`)
    if ((transforms & TABLE_SHUFFLE) !== 0 && shuffledWidth(col.type) !== 0) col.pending = TABLE_SHUFFLE
    return
  }
  // Offsets: (n + 1) u32, starting at 0 and ending at the heap's size (or element count).
  col.values = p
  col.part = p
  if ((stop - p) / 4 < n + 1) bad(entry, `Column of ${n} items has ${stop - p} bytes, too few for its offsets`)
  // SPEC 8.6 DELTA: slot 0 holds the last offset, checked here as the plain last offset is; the
  // lengths are added up (and checked) when the column is first read.
  const delta = (transforms & TABLE_DELTA) !== 0
  const first = s.view.getUint32(p, true)
  const lastAt = delta ? p : p + 4 * n
  const last = s.view.getUint32(lastAt, true)
  if (delta) {
    col.pending = TABLE_DELTA
    col.total = last
  } else if (first !== 0) bad(p, `First offset of a column is ${first}, not 0`)
  p = alignUp(p + 4 * (n + 1))
  if (p > stop) bad(entry, "Column region ends inside its offsets' padding")
  col.heap = p
  col.heapLength = stop - p
  if (col.type !== COL_LIST) {
    if (last !== col.heapLength) {
      bad(lastAt, `Last offset ${last} differs from the heap's ${col.heapLength} bytes`)
    }
    return
  }
  // A list's last offset is its child's item count; the child column fills the rest.
  if (!isChildType(childType)) bad(entry, `List column with child type ${childType}`)
  if ((childFlags & ~allowedFlags(childType, true)) !== 0) bad(entry, `List child flags 0x${childFlags.toString(16)}`)
  const child = new Column(s, last, childType, childFlags, col.level + 1, true)
  // Every item takes at least one byte of the child region (SPEC 8.3): a count the bytes do
  // not back is refused before anything is allocated for it.
  if (last > stop - p) bad(lastAt, `List column claims ${last} elements in ${stop - p} bytes`)
  layout(s, child, p, stop, 0, 0, entry, transforms)
  col.child = child
}

function isChildType(t: number): boolean {
  return t === COL_BOOL || t === COL_INT32 || t === COL_INT64 || t === COL_FLOAT64 || t === COL_STRING || t === COL_ANY
}

/**
 * Opens the table whose tag is at message offset `at` (SPEC 8.5): O(columns), every count
 * and extent checked. `depth` is the reader's nesting depth at the table value.
 */
export function openTable(
  src: Uint8Array, view: DataView, at: number, end: number, keys: readonly string[], depth: number,
  options: DecodeOptions | undefined, int64: number
): BFastTable {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH
  if (end - at < TABLE_HEADER_SIZE) truncated(at, 'a table header')
  const flags = src[at + TABLE_OFFSET_FLAGS]
  if ((flags & ~TABLE_FLAGS_KNOWN) !== 0) bad(at + TABLE_OFFSET_FLAGS, `Unknown table flags 0x${flags.toString(16)}`)
  const c = view.getUint16(at + TABLE_OFFSET_COLUMNS, true)
  const rows = view.getUint32(at + TABLE_OFFSET_ROWS, true)
  const length = view.getUint32(at + TABLE_OFFSET_LENGTH, true)
  const body = at + TABLE_HEADER_SIZE
  if (length > end - body) {
    truncated(at + TABLE_OFFSET_LENGTH, `a table (declares ${length} bytes, ${end - body} remain)`)
  }
  if (c === 0) bad(at + TABLE_OFFSET_COLUMNS, 'A table has no columns')
  const stop = body + length
  const dirEnd = body + c * TABLE_DIR_ENTRY_SIZE
  if (dirEnd > stop) truncated(body, `a table directory of ${c} columns`)
  // SPEC 8.4: the table counts as a list, its rows as objects, list cells one level deeper.
  if (depth + 1 > maxDepth || (rows > 0 && depth + 2 > maxDepth)) {
    throw new BFastError('DEPTH', at, `Nesting deeper than maxDepth (${maxDepth})`)
  }
  const s: TableSource = { src, view, keys, options: options === undefined ? undefined : { ...options }, int64 }
  const columns: Column[] = new Array<Column>(c)
  const names: string[] = new Array<string>(c)
  const seen = new Set<number>()
  let floor = dirEnd
  for (let i = 0; i < c; i++) {
    const entry = body + i * TABLE_DIR_ENTRY_SIZE
    const key = view.getUint32(entry, true)
    if (key >= keys.length) {
      throw new BFastError('BAD_KEY_INDEX', entry, `Key index ${key} outside the string table of ${keys.length}`)
    }
    if (seen.has(key)) bad(entry, `Column "${keys[key].slice(0, 64)}" appears twice`)
    seen.add(key)
    const type = src[entry + DIR_OFFSET_TYPE]
    const colFlags = src[entry + DIR_OFFSET_FLAGS]
    const childType = src[entry + DIR_OFFSET_CHILD_TYPE]
    const childFlags = src[entry + DIR_OFFSET_CHILD_FLAGS]
    if (type < COL_BOOL || type > COL_ANY) bad(entry + DIR_OFFSET_TYPE, `Unknown column type ${type}`)
    if ((colFlags & ~allowedFlags(type, false)) !== 0) {
      bad(entry + DIR_OFFSET_FLAGS, `Column flags 0x${colFlags.toString(16)} for type ${type}`)
    }
    if (type !== COL_LIST && (childType !== 0 || childFlags !== 0)) {
      bad(entry + DIR_OFFSET_CHILD_TYPE, 'Child type on a column that is not a list')
    }
    const offset = view.getUint32(entry + DIR_OFFSET_REGION, true)
    const size = view.getUint32(entry + DIR_OFFSET_REGION_LENGTH, true)
    const region = at + offset
    // Regions follow the directory in order, never overlap, and start 8-aligned (SPEC 8.3).
    if (region < floor || offset > length + TABLE_HEADER_SIZE || size > stop - region) {
      bad(entry + DIR_OFFSET_REGION, `Column region ${offset}+${size} outside the table or overlapping another`)
    }
    if (region % TABLE_ALIGN !== 0) {
      bad(entry + DIR_OFFSET_REGION, `Column region at message offset ${region} is not ${TABLE_ALIGN}-aligned`)
    }
    if (type === COL_LIST && rows > 0 && depth + 3 > maxDepth) {
      throw new BFastError('DEPTH', entry, `Nesting deeper than maxDepth (${maxDepth})`)
    }
    const col = new Column(s, rows, type, colFlags, depth + 2, false)
    layout(s, col, region, region + size, childType, childFlags, entry, flags)
    columns[i] = col
    names[i] = keys[key]
    floor = region + size
  }
  return new BFastTable(s, names, columns, rows)
}

// ---- cells -----------------------------------------------------------------------------------

function bit(src: Uint8Array, at: number, i: number): boolean {
  return (src[at + (i >>> 3)] & (1 << (i & 7))) !== 0
}

/** Item i's [start, end) in a variable-size column, checked against its neighbours' bounds. */
function slice(col: Column, i: number): number {
  const a = col.view.getUint32(col.values + 4 * i, true)
  const b = col.view.getUint32(col.values + 4 * i + 4, true)
  if (a > b || b > col.heapLength) {
    bad(col.part + 4 * i + 4, `Offset ${b} out of order (after ${a}) or past ${col.heapLength}`)
  }
  sliceEnd = b
  return a
}
let sliceEnd = 0

/** An int64 as SPEC 5 reads it under the call's `int64` option. */
function int64At(s: TableSource, view: DataView, p: number): number | bigint {
  if (s.int64 === INT64_BIGINT) return view.getBigInt64(p, true)
  const n = view.getInt32(p + 4, true) * TWO_32 + view.getUint32(p, true)
  return s.int64 === INT64_NUMBER || Number.isSafeInteger(n) ? n : view.getBigInt64(p, true)
}

/**
 * A number as v1 would have returned it under `int64: 'bigint'`: integers v1 writes as int64
 * (safe integers outside 0..7, SPEC 5) come back as bigints there.
 */
function asV1(v: number, int64: number): number | bigint {
  return int64 === INT64_BIGINT && Number.isSafeInteger(v) && (v < 0 || v > 7) ? BigInt(v) : v
}

/** Item i of a column: a value, null, or ABSENT. Reads a v1 cell (type any) on its own. */
export function cellAt(s: TableSource, col: Column, i: number): unknown {
  if (col.pending !== 0) undo(col)
  const src = s.src
  if (col.presence >= 0 && !bit(src, col.presence, i)) return ABSENT
  if (col.validity >= 0 && !bit(src, col.validity, i)) return null
  switch (col.type) {
    case COL_BOOL:
      return boolAt(s, col, i)
    case COL_INT32:
      return asV1(col.view.getInt32(col.values + 4 * i, true), s.int64)
    case COL_INT64:
      return int64At(s, col.view, col.values + 8 * i)
    case COL_FLOAT64:
      return asV1(col.view.getFloat64(col.values + 8 * i, true), s.int64)
    case COL_STRING: {
      const a = slice(col, i)
      return readUtf8(src, col.heap + a, sliceEnd - a)
    }
    case COL_LIST:
      return listAt(s, col, i, null)
    default: {
      beginEmbedded(src, s.view, s.keys as string[], s.options)
      try {
        return anyAt(col, i)
      } finally {
        endEmbedded()
      }
    }
  }
}

function boolAt(s: TableSource, col: Column, i: number): boolean {
  const b = s.src[col.values + i]
  if (b > 1) bad(col.part + i, `Boolean byte ${b}`)
  return b === 1
}

/** A v1 cell; the caller has begun an embedded read. Empty slice: absent (rows only). */
function anyAt(col: Column, i: number): unknown {
  const a = slice(col, i)
  const b = sliceEnd
  if (a === b) {
    if (col.isChild) bad(col.part + 4 * i, 'Empty list element in a column of v1 values')
    return ABSENT
  }
  return readEmbedded(col.heap + a, col.heap + b, col.level)
}

/** List cell i: elements a..b of the child, from its materialized values when given. */
function listAt(s: TableSource, col: Column, i: number, childValues: ArrayLike<unknown> | null): unknown[] {
  const a = slice(col, i)
  const b = sliceEnd
  const child = col.child as Column
  if (b > child.n) bad(col.part + 4 * i + 4, `List offset ${b} past the child's ${child.n} elements`)
  const out = new Array<unknown>(b - a)
  if (childValues !== null) {
    for (let j = a; j < b; j++) out[j - a] = childValues[j]
    return out
  }
  for (let j = a; j < b; j++) out[j - a] = cellAt(s, child, j)
  return out
}

// ---- whole columns ---------------------------------------------------------------------------

/**
 * Every item of a column: a typed-array view for a numeric column without bitmaps (where the
 * `int64` option leaves the values as stored), else an array of values (ABSENT for absent
 * rows). Cached on the column; every offset is checked on the way.
 */
export function materialize(s: TableSource, col: Column): ArrayLike<unknown> {
  if (col.cache !== null) return col.cache
  const v = build(s, col)
  // Only primitives are kept: objects and lists are built afresh for every caller.
  if (col.type !== COL_ANY && col.type !== COL_LIST) col.cache = v
  return v
}

/** A typed array of the column's stored values: a view when aligned, else a copy. */
export function typedView(col: Column): Int32Array | Float64Array | BigInt64Array | null {
  if (col.presence >= 0 || col.validity >= 0) return null
  if (col.pending !== 0) undo(col)
  const src = col.data
  const n = col.n
  const address = src.byteOffset + col.values
  switch (col.type) {
    case COL_INT32:
      if (LITTLE_ENDIAN && address % 4 === 0) return new Int32Array(src.buffer, address, n)
      return copyTyped(new Int32Array(n), col)
    case COL_FLOAT64:
      if (LITTLE_ENDIAN && address % 8 === 0) return new Float64Array(src.buffer, address, n)
      return copyTyped(new Float64Array(n), col)
    case COL_INT64:
      if (LITTLE_ENDIAN && address % 8 === 0) return new BigInt64Array(src.buffer, address, n)
      return copyTyped(new BigInt64Array(n), col)
    default:
      return null
  }
}

function copyTyped<A extends Int32Array | Float64Array | BigInt64Array>(out: A, col: Column): A {
  const view = col.view
  const n = col.n
  if (out instanceof Int32Array) for (let i = 0; i < n; i++) out[i] = view.getInt32(col.values + 4 * i, true)
  else if (out instanceof Float64Array) for (let i = 0; i < n; i++) out[i] = view.getFloat64(col.values + 8 * i, true)
  else for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = view.getBigInt64(col.values + 8 * i, true)
  return out
}

function build(s: TableSource, col: Column): ArrayLike<unknown> {
  return storedNumbers(s, col) ?? fill(s, col, 0, col.n, new Array<unknown>(col.n))
}

/**
 * A numeric column's values as a typed array (typedView) where the call's `int64` option leaves
 * them as stored and no bitmap hides a cell, else null.
 */
export function storedNumbers(s: TableSource, col: Column): Int32Array | Float64Array | BigInt64Array | null {
  if (col.presence >= 0 || col.validity >= 0) return null
  if ((col.type === COL_INT32 || col.type === COL_FLOAT64) && s.int64 !== INT64_BIGINT) return typedView(col)
  if (col.type === COL_INT64 && s.int64 === INT64_BIGINT) return typedView(col)
  return null
}

/**
 * Rows from..to-1 of a column whose values storedNumbers does not give, written to out[0..to-from)
 * (ABSENT for absent rows): the whole column for build, a block of rows for toArray (table.ts,
 * TABLE_READ_BLOCK). Blocks are read in order, from 0: an offset read at `from` was checked by the
 * block before (or is 0, checked at open or by undoing DELTA), and every offset after it is checked
 * here before it is followed. The loops index the block from 0 (offsetsOf starts at `from`): an
 * index shifted by `from` in every load and store cost +5% instructions at users-10k (callgrind,
 * Node 26 and 24), a block of one.
 */
export function fill(s: TableSource, col: Column, from: number, to: number, out: unknown[]): unknown[] {
  if (col.pending !== 0) undo(col)
  const plain = col.presence < 0 && col.validity < 0
  if (col.type === COL_STRING && plain && (col.flags & COL_ASCII) !== 0) return asciiStrings(s, col, from, to, out)
  if (col.type === COL_ANY) {
    beginEmbedded(s.src, s.view, s.keys as string[], s.options)
    try {
      for (let i = from; i < to; i++) out[i - from] = anyAt(col, i)
    } finally {
      endEmbedded()
    }
    return out
  }
  if (col.type === COL_LIST) {
    const child = materialize(s, col.child as Column)
    if (plain) {
      // A list column without bitmaps: every cell copied from the child's materialized values in
      // one loop, written here in fill on purpose. Each offset is read once, from a Uint32Array
      // (offsetsOf), and checked against the one before and the child's count (SPEC 8.5) before it
      // is followed; listAt per row read both through the DataView and a call. Users-10k toArray
      // x5 after a full GC (callgrind): Node 26 42.86M -> 40.07M, Node 22 69.9M -> 67.1M. In a
      // function of its own the loop ran from its OSR code only on Node 20 and 22 (+47-66%).
      const count = to - from
      const off = offsetsOf(col, from, count)
      const limit = (col.child as Column).n
      let a = off[0]
      for (let i = 0; i < count; i++) {
        const b = off[i + 1]
        if (b < a || b > limit) bad(col.part + 4 * (from + i) + 4, `List offset ${b} out of order (after ${a}) or past ${limit}`)
        const list = new Array<unknown>(b - a)
        for (let k = a; k < b; k++) list[k - a] = child[k]
        out[i] = list
        a = b
      }
      return out
    }
    for (let i = from; i < to; i++) {
      if (col.presence >= 0 && !bit(s.src, col.presence, i)) out[i - from] = ABSENT
      else if (col.validity >= 0 && !bit(s.src, col.validity, i)) out[i - from] = null
      else out[i - from] = listAt(s, col, i, child)
    }
    return out
  }
  if (col.type === COL_BOOL && plain) return bools(col, from, to, out)
  for (let i = from; i < to; i++) out[i - from] = cellAt(s, col, i)
  return out
}

/**
 * Offsets from..from+count of a variable-size column (SPEC 8.2) as a Uint32Array: a view on the
 * part where its memory is 4-aligned on a little-endian host, else a copy. Called by fill, which
 * has undone DELTA first. Offset 0 is 0 (checked at open, or made so by undoing DELTA); the others
 * are checked by the caller as it follows them.
 */
function offsetsOf(col: Column, from: number, count: number): Uint32Array {
  const data = col.data
  const at = col.values + 4 * from
  const address = data.byteOffset + at
  if (LITTLE_ENDIAN && address % 4 === 0) return new Uint32Array(data.buffer, address, count + 1)
  const out = new Uint32Array(count + 1)
  for (let i = 0; i <= count; i++) out[i] = col.view.getUint32(at + 4 * i, true)
  return out
}

/** Rows from..to-1 of a boolean column without bitmaps: its bytes in one loop (each 0 or 1, SPEC 8.2). */
function bools(col: Column, from: number, to: number, out: unknown[]): unknown[] {
  const data = col.data
  const at = col.values + from
  const count = to - from
  for (let i = 0; i < count; i++) {
    const b = data[at + i]
    if (b > 1) bad(col.part + from + i, `Boolean byte ${b}`)
    out[i] = b === 1
  }
  return out
}

/**
 * Heap bytes turned into one string at a time by asciiStrings where readAscii makes the text
 * (Node, and smaller columns in browsers): well under V8's largest regular heap object (128 KB).
 * A longer string goes to large-object space, which V8 maps afresh for each one: the e-mail heap
 * of users-10k (194 KB) cost 49 minor page faults on every toArray on Node 24 (on Node 26 once
 * the page pool ran dry), where the rest of toArray faults no page at all.
 */
const ASCII_CHUNK = 1 << 16

/**
 * Browsers: heap bytes turned into one text at a time by String.fromCharCode.apply (appliedAscii),
 * not TextDecoder. Chromium hands a TextDecoder result back as an external string whose bytes
 * Blink allocates outside the V8 heap, freed when a GC finalizes the string; after a full GC those
 * pages were faulted in afresh on most calls (users-100k toArray after gc(): ~800 minor faults a
 * call, 27 ms, where v1 decode, whose strings fromCharCode makes in the V8 heap, faulted none). A
 * fromCharCode text lives in V8's young generation, whose pages V8 keeps: no fault, 16.7 ms. 8 Ki
 * arguments: 2.1 MB of ASCII took 4.0 ms (2 Ki: 6.8 ms, 64 Ki: 6.9 ms) and 64 KB of stack.
 * Only for columns of more than TABLE_READ_BLOCK items: fromCharCode costs ~2 ns a byte where a
 * TextDecoder that does not fault costs ~0.4, and in the bench's users-10k samples (several calls
 * each, 290 KB of text a call) TextDecoder did not fault: toArray / v1 0.29x there, 0.67x with
 * fromCharCode. PERFORMANCE-NOTES "Table toArray at 100,000 rows in Chromium".
 */
const ASCII_CHUNK_APPLY = 1 << 13

/** The reused array appliedAscii applies: packed small integers, which V8's apply pushes in its fast path. */
const applyBytes: number[] = new Array<number>(ASCII_CHUNK_APPLY).fill(0)
const fromCharCode = String.fromCharCode

/**
 * A WebAssembly module that turns ASCII bytes into a string with the JS String Builtins
 * (`wasm:js-string` fromCharCodeArray): V8 makes the string in its own heap, as fromCharCode does,
 * at about 0.7 ns a byte where apply costs ~2 (Chromium 156, 2.1 MB of ASCII in 8 Ki texts: 1.46 ms
 * against 3.65, no fault). In WAT:
 *   (type $u16 (array (mut i16)))
 *   (import "wasm:js-string" "fromCharCodeArray" (func $text (param (ref null $u16) i32 i32) (result (ref extern))))
 *   (memory (export "mem") 1)
 *   (global $units (ref $u16) (array.new_default $u16 (i32.const 8192)))
 *   (func (export "make") (param $at i32) (param $n i32) (result externref)
 *     (local $a (ref null $u16)) (local $i i32) (local $hi i32) (local $c i32)
 *     (local.set $a (global.get $units))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
 *       (local.set $c (i32.load8_u (i32.add (local.get $at) (local.get $i))))
 *       (local.set $hi (i32.or (local.get $hi) (local.get $c)))
 *       (array.set $u16 (local.get $a) (local.get $i) (local.get $c))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (br 0)))
 *     (if (i32.and (local.get $hi) (i32.const 0x80)) (then (return (ref.null extern))))
 *     (call $text (local.get $a) (i32.const 0) (local.get $n)))
 * Hand-assembled (the host has no WebAssembly toolchain); a section is [id, size, ...body].
 */
const WASM_TEXT = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // types: (array (mut i16)); (ref null 0) i32 i32 -> (ref extern); i32 i32 -> externref
  0x01, 0x13, 0x03, 0x5e, 0x77, 0x01,
  0x60, 0x03, 0x63, 0x00, 0x7f, 0x7f, 0x01, 0x64, 0x6f,
  0x60, 0x02, 0x7f, 0x7f, 0x01, 0x6f,
  // import "wasm:js-string" "fromCharCodeArray" as function 0 of type 1
  0x02, 0x24, 0x01, 0x0e, ...Array.from('wasm:js-string', (c) => c.charCodeAt(0)),
  0x11, ...Array.from('fromCharCodeArray', (c) => c.charCodeAt(0)), 0x00, 0x01,
  // function 1 of type 2; memory of 1 page (64 KiB: ASCII_CHUNK_APPLY bytes used);
  // exports "make" (function 1) and "mem" (memory 0)
  0x03, 0x02, 0x01, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01,
  // global 0: one (ref (array (mut i16))) of ASCII_CHUNK_APPLY units, made at instantiation
  0x06, 0x0c, 0x01, 0x64, 0x00, 0x00, 0x41, 0x80, 0xc0, 0x00, 0xfb, 0x07, 0x00, 0x0b,
  0x07, 0x0e, 0x02, 0x04, 0x6d, 0x61, 0x6b, 0x65, 0x00, 0x01, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
  // code
  0x0a, 0x51, 0x01, 0x4f, 0x02, 0x01, 0x63, 0x00, 0x03, 0x7f,
  0x23, 0x00, 0x21, 0x02,
  0x02, 0x40, 0x03, 0x40,
  0x20, 0x03, 0x20, 0x01, 0x4f, 0x0d, 0x01,
  0x20, 0x00, 0x20, 0x03, 0x6a, 0x2d, 0x00, 0x00, 0x21, 0x05,
  0x20, 0x04, 0x20, 0x05, 0x72, 0x21, 0x04,
  0x20, 0x02, 0x20, 0x03, 0x20, 0x05, 0xfb, 0x0e, 0x00,
  0x20, 0x03, 0x41, 0x01, 0x6a, 0x21, 0x03, 0x0c, 0x00,
  0x0b, 0x0b,
  0x20, 0x04, 0x41, 0x80, 0x01, 0x71, 0x04, 0x40, 0xd0, 0x6f, 0x0f, 0x0b,
  0x20, 0x02, 0x41, 0x00, 0x20, 0x01, 0x10, 0x00, 0x0b
]

interface WasmText {
  /** Bytes mem[0..n) as a string if all are ASCII, else null. */
  make: (at: number, n: number) => string | null
  memory: Uint8Array
}

/** The WebAssembly of WASM_TEXT: undefined until first asked for, null where it cannot run. */
let wasmText: WasmText | null | undefined

/**
 * WASM_TEXT compiled and instantiated, or null: no WebAssembly, no JS String Builtins (Chromium
 * before 130, Firefox before 134, Safari: the import is then missing and instantiation throws), or
 * a Content-Security-Policy without 'wasm-unsafe-eval' (compilation throws). Tried once per realm.
 */
function wasmTexts(): WasmText | null {
  if (wasmText !== undefined) return wasmText
  wasmText = null
  const wasm = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly
  if (wasm === undefined) return null
  try {
    // The second argument (compile options, JS String Builtins) is newer than TypeScript's DOM types.
    type Compile = new (bytes: Uint8Array, options: { builtins: string[] }) => WebAssembly.Module
    const Module = wasm.Module as unknown as Compile
    const instance = new wasm.Instance(new Module(new Uint8Array(WASM_TEXT), { builtins: ['js-string'] }), {})
    const exports = instance.exports as { make: WasmText['make']; mem: WebAssembly.Memory }
    const made: WasmText = { make: exports.make, memory: new Uint8Array(exports.mem.buffer) }
    // Checked once before use: the bytes of a string must come back as that string.
    made.memory.set([0x61, 0x7a, 0x30, 0x7f, 0x80])
    if (made.make(0, 4) === 'az0\x7f' && made.make(0, 0) === '' && made.make(1, 4) === null) wasmText = made
  } catch {
    wasmText = null
  }
  return wasmText
}

/**
 * Tests: whether appliedAscii may use WASM_TEXT (true: if it runs here, tried afresh), to reach
 * both of its paths. Returns whether it will.
 */
export function allowWasmTexts(allow: boolean): boolean {
  wasmText = allow ? undefined : null
  return wasmTexts() !== null
}

/**
 * Bytes start..start+length-1 as a string if they are all ASCII, else null (browsers, see
 * ASCII_CHUNK_APPLY): made by WASM_TEXT where it runs, else by apply, one loop copying them into
 * the reused array while it checks them. A text longer than a chunk (one long cell), or an apply
 * that finds too little stack left (RangeError), goes to readAscii.
 */
function appliedAscii(src: Uint8Array, start: number, length: number): string | null {
  if (length > ASCII_CHUNK_APPLY) return readAscii(src, start, length)
  const w = wasmTexts()
  if (w !== null) {
    w.memory.set(src.subarray(start, start + length))
    return w.make(0, length)
  }
  const a = applyBytes
  let hi = 0
  for (let k = 0; k < length; k++) {
    const c = src[start + k]
    hi |= c
    a[k] = c
  }
  if (hi >= 0x80) return null
  try {
    return fromCharCode.apply(null, length === ASCII_CHUNK_APPLY ? a : a.slice(0, length))
  } catch {
    return readAscii(src, start, length)
  }
}

/**
 * V8's SlicedString::kMinLength: a substring of fewer characters is a copy of its bytes, not a
 * slice of its text.
 */
const SLICED_MIN = 13

/**
 * Browsers without WASM_TEXT, a block of a column of more than TABLE_READ_BLOCK items whose cells
 * average under SLICED_MIN bytes (users-100k's names, "User 12345"): each cell made from its own bytes by
 * readUtf8, as v1 decode makes it (readShort's unrolled fromCharCode, readApply's reused array
 * per length), where asciiStrings would first make a text of them with appliedAscii and then
 * copy each cell out of it again with substring. The offsets were checked by asciiStrings; readUtf8
 * checks the bytes (a cell that is not ASCII despite the flag is decoded as UTF-8, or is BAD_UTF8
 * at its offset, as cellAt reads it). PERFORMANCE-NOTES "Table toArray at 100,000 rows in
 * Chromium, second pass".
 */
function shortCells(src: Uint8Array, heap: number, off: Uint32Array, n: number, out: unknown[]): unknown[] {
  for (let i = 0; i < n; i++) {
    const a = off[i]
    out[i] = readUtf8(src, heap + a, off[i + 1] - a)
  }
  return out
}

/**
 * Rows from..to-1 of an all-ASCII string column (flag COL_ASCII): the heap checked and turned into
 * strings of at most ASCII_CHUNK bytes (readAscii; appliedAscii's ASCII_CHUNK_APPLY in browsers for a
 * column of more than TABLE_READ_BLOCK items, unless its cells are short: shortCells), each starting
 * at a cell, and cut with substring (a cell longer than a chunk gets a text of its own). The flag
 * is checked, not trusted: only ASCII text has one UTF-16 unit per byte, so that byte offsets are
 * string offsets.
 */
function asciiStrings(s: TableSource, col: Column, from: number, to: number, out: unknown[]): unknown[] {
  const heapLength = col.heapLength
  const n = to - from
  const off = offsetsOf(col, from, n)
  // Every offset checked first, in a loop of its own, so that the loop that cuts the cells
  // below has no check left (and no call that throws) in it.
  let a = off[0]
  for (let i = 0; i < n; i++) {
    const b = off[i + 1]
    if (b < a || b > heapLength) bad(col.part + 4 * (from + i) + 4, `Offset ${b} out of order or past ${heapLength}`)
    a = b
  }
  const applied = !NATIVE_LATIN1 && col.n > TABLE_READ_BLOCK
  // Short cells would be copied out of an apply's text anyway: made one by one instead (shortCells).
  // Not where WASM_TEXT makes the texts: its text and the copies cost less than the cells one by one
  // (Chromium, users-100k toArray 6.0-6.1 ms against 6.8-6.9).
  if (applied && off[n] - off[0] < SLICED_MIN * n && wasmTexts() === null) {
    return shortCells(s.src, col.heap, off, n, out)
  }
  const chunk = applied ? ASCII_CHUNK_APPLY : ASCII_CHUNK
  let i = 0
  while (i < n) {
    // One text of the cells from i on: ASCII_CHUNK bytes, or cell i alone when it is longer.
    const start = off[i]
    let stop = Math.min(heapLength, start + chunk)
    if (off[i + 1] > stop) stop = off[i + 1]
    const at = col.heap + start
    const text = applied ? appliedAscii(s.src, at, stop - start) : readAscii(s.src, at, stop - start)
    if (text === null) {
      // Not ASCII after all: byte offsets are not UTF-16 offsets, so each cell from here on is
      // decoded alone (the same values get() returns; a flag is a hint, never trusted). The
      // cells before were cut from checked ASCII text.
      for (let j = i; j < n; j++) out[j] = cellAt(s, col, from + j)
      return out
    }
    for (a = start; i < n; i++) {
      const b = off[i + 1]
      if (b > stop) break
      out[i] = text.substring(a - start, b - start)
      a = b
    }
  }
  return out
}

/**
 * Undoes the column's transform (SPEC 8.6) into an aligned copy of its part, once, before the
 * part is first read: the copy is the size of the part, and the column reads it from then on
 * (no longer zero-copy). Throws BAD_TABLE where DELTA lengths do not add up.
 */
function undo(col: Column): void {
  const at = col.values
  const copy = col.pending === TABLE_DELTA
    ? undoDelta(col.view, at, col.n, col.total)
    : unshuffle(col.data, at, col.n, shuffledWidth(col.type))
  col.pending = 0
  col.data = copy
  col.view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength)
  col.values = 0
}
