/**
 * Table transforms (SPEC 8.6): byte rearrangements of a table's parts that leave every size
 * and position as it was but make the bytes compress far better (users-10k: table + LZ4
 * 345,068 bytes plain, 112,216 transformed; zstd-1 162,752 and 27,561). The writer applies
 * them in place to the finished message (transformTables); the reader undoes them
 * into an aligned copy of one part when a column is first read (undoDelta, unshuffle), so
 * opening a table stays O(columns). Browser-safe.
 *
 * DELTA (table flag 0x08): an offsets part of n + 1 u32 slots holds the last offset (the heap's
 * size, or a list's element count) in slot 0 and the length of item i - 1 in slot i, instead of
 * the offsets themselves: each row's offsets differ from every other row's, their lengths
 * repeat. SHUFFLE (0x10): an int32, int64 or float64 items part of n items of w bytes holds
 * byte k of item i at k * n + i (Blosc's shuffle): the high bytes of similar numbers line up.
 *
 * Written for V8 on purpose: on little-endian hosts (all of them in practice) each item is moved
 * as u32 words, four or eight byte planes combined with shifts (unshuffling 30,000 float64s took
 * 0.4x the time of a byte-by-byte loop, Node 26), and aligned offsets parts are summed through a
 * Uint32Array; other hosts take the byte and DataView loops.
 */
import { BFastError } from './errors.js'
import { LITTLE_ENDIAN } from './platform.js'
import {
  COL_ANY, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY, DIR_OFFSET_CHILD_FLAGS,
  DIR_OFFSET_CHILD_TYPE, DIR_OFFSET_FLAGS, DIR_OFFSET_REGION, DIR_OFFSET_TYPE, TABLE_ALIGN, TABLE_DELTA,
  TABLE_DIR_ENTRY_SIZE, TABLE_HEADER_SIZE, TABLE_OFFSET_COLUMNS, TABLE_OFFSET_FLAGS, TABLE_OFFSET_ROWS, TABLE_SHUFFLE
} from './tags.js'

/** The item width of a column type SHUFFLE applies to, or 0 (bool items and offsets are never shuffled). */
export function shuffledWidth(type: number): number {
  return type === COL_INT32 ? 4 : type === COL_INT64 || type === COL_FLOAT64 ? 8 : 0
}

/** Whether a column type has an offsets part (SPEC 8.2: string, list, any), which DELTA rewrites. */
export function hasOffsets(type: number): boolean {
  return type === COL_STRING || type === COL_LIST || type === COL_ANY
}

function alignUp(x: number): number {
  return Math.ceil(x / TABLE_ALIGN) * TABLE_ALIGN
}

// ---- writing --------------------------------------------------------------------------------

/** Offsets (n + 1 slots at `at`) to SPEC 8.6 DELTA form, in place: the last offset, then lengths. */
function deltaEncode(view: DataView, at: number, n: number): void {
  let prev = 0
  for (let i = 1; i <= n; i++) {
    const o = view.getUint32(at + 4 * i, true)
    view.setUint32(at + 4 * i, o - prev, true)
    prev = o
  }
  view.setUint32(at, prev, true)
}

/** n items of `width` bytes at `at` byte-shuffled in place (SPEC 8.6 SHUFFLE). */
function shuffle(buf: Uint8Array, at: number, n: number, width: number): void {
  // A copy (set, not slice: a Node Buffer's slice is a view), in its own aligned buffer.
  const items = new Uint8Array(n * width)
  items.set(buf.subarray(at, at + n * width))
  if (LITTLE_ENDIAN) {
    const words = new Uint32Array(items.buffer)
    const p1 = at + n
    const p2 = at + 2 * n
    const p3 = at + 3 * n
    if (width === 4) {
      for (let i = 0; i < n; i++) {
        const x = words[i]
        buf[at + i] = x
        buf[p1 + i] = x >>> 8
        buf[p2 + i] = x >>> 16
        buf[p3 + i] = x >>> 24
      }
      return
    }
    const p4 = at + 4 * n
    const p5 = at + 5 * n
    const p6 = at + 6 * n
    const p7 = at + 7 * n
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      const lo = words[j]
      const hi = words[j + 1]
      buf[at + i] = lo
      buf[p1 + i] = lo >>> 8
      buf[p2 + i] = lo >>> 16
      buf[p3 + i] = lo >>> 24
      buf[p4 + i] = hi
      buf[p5 + i] = hi >>> 8
      buf[p6 + i] = hi >>> 16
      buf[p7 + i] = hi >>> 24
    }
    return
  }
  for (let k = 0; k < width; k++) {
    const plane = at + k * n
    for (let i = 0, j = k; i < n; i++, j += width) buf[plane + i] = items[j]
  }
}

/**
 * Applies both transforms to every table of a message the writer has just finished (trusted
 * bytes), in place: `starts` are the tables' offsets from `body`, the message offset of the root
 * value. Sets each table's flags to DELTA | SHUFFLE; sizes and positions do not change, so the
 * tables can be done in any order (a table nested in another's v1 cell lies in a heap, which
 * the outer table's transforms never touch).
 */
export function transformTables(msg: Uint8Array, body: number, starts: readonly number[]): void {
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
  for (const start of starts) {
    const at = body + start
    const c = view.getUint16(at + TABLE_OFFSET_COLUMNS, true)
    const n = view.getUint32(at + TABLE_OFFSET_ROWS, true)
    msg[at + TABLE_OFFSET_FLAGS] = TABLE_DELTA | TABLE_SHUFFLE
    for (let i = 0; i < c; i++) {
      const entry = at + TABLE_HEADER_SIZE + i * TABLE_DIR_ENTRY_SIZE
      transformColumn(
        msg, view, at + view.getUint32(entry + DIR_OFFSET_REGION, true), n, msg[entry + DIR_OFFSET_TYPE],
        msg[entry + DIR_OFFSET_FLAGS], msg[entry + DIR_OFFSET_CHILD_TYPE], msg[entry + DIR_OFFSET_CHILD_FLAGS]
      )
    }
  }
}

/**
 * Applies both transforms to one column of a finished table (trusted bytes) at `region`: its
 * offsets part (and its list child's) delta-coded, its numeric items part
 * (and its list child's) shuffled. Walks the parts in the order of SPEC 8.3, as the reader's
 * layout() does.
 */
function transformColumn(
  buf: Uint8Array,
  view: DataView,
  region: number,
  n: number,
  type: number,
  flags: number,
  childType: number,
  childFlags: number
): void {
  let p = region
  if ((flags & COL_PRESENCE) !== 0) p = alignUp(p + Math.ceil(n / 8))
  if ((flags & COL_VALIDITY) !== 0) p = alignUp(p + Math.ceil(n / 8))
  const width = shuffledWidth(type)
  if (width !== 0) {
    shuffle(buf, p, n, width)
    return
  }
  if (!hasOffsets(type)) return
  const count = view.getUint32(p + 4 * n, true)
  deltaEncode(view, p, n)
  if (type === COL_LIST) transformColumn(buf, view, alignUp(p + 4 * (n + 1)), count, childType, childFlags, 0, 0)
}

// ---- reading --------------------------------------------------------------------------------

/**
 * The offsets of a DELTA part (n + 1 slots at `at`, slot 0 the last offset `total`) as a new
 * aligned part of n + 1 little-endian u32 offsets (SPEC 8.6). Every running sum is checked
 * against the total as it is formed, so no offset can pass the heap and the sum cannot
 * overflow; the lengths must add up to the total exactly. The undone offsets never decrease.
 */
export function undoDelta(view: DataView, at: number, n: number, total: number): Uint8Array {
  const out = new Uint8Array(4 * (n + 1))
  const address = view.byteOffset + at
  if (LITTLE_ENDIAN && address % 4 === 0) {
    const slots = new Uint32Array(view.buffer, address, n + 1)
    const offsets = new Uint32Array(out.buffer)
    let sum = 0
    for (let i = 1; i <= n; i++) {
      sum += slots[i]
      if (sum > total) {
        throw new BFastError('BAD_TABLE', at + 4 * i, `Item lengths pass the last offset ${total} at item ${i - 1}`)
      }
      offsets[i] = sum
    }
    if (sum !== total) throw new BFastError('BAD_TABLE', at, `Item lengths add up to ${sum}, not the last offset ${total}`)
    return out
  }
  const offsets = new DataView(out.buffer)
  let sum = 0
  for (let i = 1; i <= n; i++) {
    sum += view.getUint32(at + 4 * i, true)
    if (sum > total) {
      throw new BFastError('BAD_TABLE', at + 4 * i, `Item lengths pass the last offset ${total} at item ${i - 1}`)
    }
    offsets.setUint32(4 * i, sum, true)
  }
  if (sum !== total) throw new BFastError('BAD_TABLE', at, `Item lengths add up to ${sum}, not the last offset ${total}`)
  return out
}

/** n shuffled items of `width` bytes at `at` of `src`, unshuffled into a new aligned part (SPEC 8.6). */
export function unshuffle(src: Uint8Array, at: number, n: number, width: number): Uint8Array {
  const out = new Uint8Array(n * width)
  if (LITTLE_ENDIAN) {
    const words = new Uint32Array(out.buffer)
    const p1 = at + n
    const p2 = at + 2 * n
    const p3 = at + 3 * n
    if (width === 4) {
      for (let i = 0; i < n; i++) {
        words[i] = src[at + i] | (src[p1 + i] << 8) | (src[p2 + i] << 16) | (src[p3 + i] << 24)
      }
      return out
    }
    const p4 = at + 4 * n
    const p5 = at + 5 * n
    const p6 = at + 6 * n
    const p7 = at + 7 * n
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      words[j] = src[at + i] | (src[p1 + i] << 8) | (src[p2 + i] << 16) | (src[p3 + i] << 24)
      words[j + 1] = src[p4 + i] | (src[p5 + i] << 8) | (src[p6 + i] << 16) | (src[p7 + i] << 24)
    }
    return out
  }
  for (let k = 0; k < width; k++) {
    const plane = at + k * n
    for (let i = 0, j = k; i < n; i++, j += width) out[j] = src[plane + i]
  }
  return out
}
