/**
 * Table transforms (SPEC 8.6): byte rearrangements of a table's parts that leave every size
 * and position as it was but make the bytes compress far better (users-10k: table + LZ4
 * 345,068 bytes plain, 112,216 transformed; zstd-1 162,752 and 27,561). The writer applies
 * them in place to each column it has just written (transformColumn); the reader undoes them
 * into an aligned copy of one part when a column is first read (undoDelta, unshuffle), so
 * opening a table stays O(columns). Browser-safe.
 *
 * DELTA (table flag 0x08): an offsets part of n + 1 u32 slots holds the last offset (the heap's
 * size, or a list's element count) in slot 0 and the length of item i - 1 in slot i, instead of
 * the offsets themselves: each row's offsets differ from every other row's, their lengths
 * repeat. SHUFFLE (0x10): an int32, int64 or float64 items part of n items of w bytes holds
 * byte k of item i at k * n + i (Blosc's shuffle): the high bytes of similar numbers line up.
 *
 * Written for V8 on purpose: one pass per part with plain indexed loads and stores into typed
 * arrays, no DataView call in the shuffles.
 */
import { BFastError } from './errors.js'
import { COL_ANY, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY, TABLE_ALIGN } from './tags.js'

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
  // A copy (set, not slice: a Node Buffer's slice is a view).
  const items = new Uint8Array(n * width)
  items.set(buf.subarray(at, at + n * width))
  for (let k = 0; k < width; k++) {
    const plane = at + k * n
    for (let i = 0, j = k; i < n; i++, j += width) buf[plane + i] = items[j]
  }
}

/**
 * Applies both transforms to one column the table writer has just written (trusted bytes) in
 * [region, stop): its offsets part (and its list child's) delta-coded, its numeric items part
 * (and its list child's) shuffled. Walks the parts in the order of SPEC 8.3, as the reader's
 * layout() does.
 */
export function transformColumn(
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
  for (let k = 0; k < width; k++) {
    const plane = at + k * n
    for (let i = 0, j = k; i < n; i++, j += width) out[j] = src[plane + i]
  }
  return out
}
