/**
 * The byte emitter behind the writers compiled from response schemas (./schema-writer.ts).
 *
 * It writes B-FAST v1 (docs/SPEC.md) exactly as the codec's `encode` writes the same value:
 * header, then the per-message string table in first-seen order (SPEC 3) with the 0x7F slots
 * skipped (SPEC 2 "object terminator trap"), then the root value with u32 lengths and counts.
 * It is its own small emitter rather than the codec's Writer because a compiled writer knows
 * every key when it is compiled: a key is a small integer id whose UTF-8 bytes are ready, so
 * interning is a compare per member instead of a Map lookup of a string, and the generated code
 * does it itself (its first use records the id in `order`; finish() writes the table from it).
 *
 * Written for V8 on purpose: each message is built in a buffer of its own, sized from the
 * writer's last message, and sent as a view of it (no final copy of the body: see start() and
 * finish()). The generated code holds its state (view, pos, safeEnd) in locals, writes the
 * common cases itself (numbers inline, strings batched or with putAscii or utf8Write), and checks
 * bounds once per object (./schema-writer.ts); the methods are its slow paths (coercions,
 * non-ASCII and long text, Dates, bigints, a batch's flush) and finish(), each with one bounds
 * check per value against a slack margin. Measured on Node 26 (users-10k
 * schema): 0.66x -> 0.46x Buffer.from(JSON.stringify(x)) against calling a method per value;
 * building in place took another 7% (Node 26) to 12% (Node 24) off.
 */
import { BFastError } from '../src/index.js'
import {
  HEADER_SIZE, INT64_MAX, INT64_MIN, LOW_BYTE, MAGIC_0, MAGIC_1, OFFSET_FLAGS, OFFSET_TABLE_COUNT, OFFSET_VERSION,
  SMALL_INT_WRITE_MAX, TAG_DATETIME, TAG_FLOAT64, TAG_INT64, TAG_NULL, TAG_SMALL_INT, TAG_STRING, TWO_32, VERSION
} from '../src/tags.js'
import { allocBytes, writeUtf8 } from '../src/utf8.js'
// The codec Writer's slack: every fixed-size value fits in it without its own check.
import { WRITER_SLACK_BYTES } from '../src/limits.js'

/** SHORT_ASCII from Node 26 on, and before (see SHORT_ASCII). */
const SHORT_ASCII_NODE_26 = 12
const SHORT_ASCII_BEFORE_26 = 32
/**
 * Up to this many UTF-16 units, a string is first tried as ASCII by a JS loop (putAscii);
 * longer ones go to Node's native UTF-8 writer (utf8Write). The crossover depends on the Node
 * line, measured on users-10k with a schema (callgrind instructions per message): on Node 26 the
 * native call for the 17-20 unit emails took 21% off the writer's instructions; on Node 24 it
 * added 7%, and on
 * Node 20 the call costs ~100 ns whatever the length, so the loop keeps strings up to 32 units there.
 */
export const SHORT_ASCII =
  Number.parseInt(process.versions.node, 10) >= 26 ? SHORT_ASCII_NODE_26 : SHORT_ASCII_BEFORE_26

type Utf8Write = (this: Uint8Array, text: string, offset: number, length: number) => number
/**
 * Node's native UTF-8 writer, Buffer#utf8Write (plugin/ runs only in Node, and every buffer here
 * comes from Buffer.allocUnsafe): the number of bytes written, with U+FFFD for a lone surrogate.
 */
export const utf8Write: Utf8Write = (Buffer.prototype as unknown as { utf8Write: Utf8Write }).utf8Write
/** Bytes of a tag plus a u32 length or count (SPEC 2). */
export const TAG_AND_U32 = 5
/** The first UTF-16 unit that is not ASCII (one UTF-8 byte each below it). */
export const ASCII_END = 0x80
/**
 * In Emitter.order: a padding slot, the empty key the table holds before every 0x7F slot (SPEC 2
 * "object terminator trap"); after the last slot used, NO_SLOT.
 */
export const PAD_SLOT = -1
const NO_SLOT = -2
/** A message's first buffer holds at least this many body bytes (then its size is the last message's). */
const MIN_BODY_BYTES = 4096

/*
 * Batched strings. A compiled writer does not copy a string of up to BATCH_MAX_UNITS units
 * itself: it writes its tag and length as if it were ASCII, leaves its bytes' room, appends the
 * string to a rope (one ConsString allocation) and records the tag's position; flushStrings()
 * then writes the whole rope with one native UTF-8 call into `scratch` and copies each string's
 * bytes into its room four at a time. The byte count is the ASCII check for the whole batch;
 * a batch with any other character is laid out again string by string (relayout()), so the
 * bytes are always those of the per-string path (SPEC 2, 5).
 * Why: per string, V8's charCodeAt re-dispatches on the string's representation at every unit
 * (~25 instructions a unit on a flat string, ~50 on a flattened cons string: the e-mails of
 * users-10k are template literals), and a native call per string costs ~500 instructions on a
 * flat string and ~1,000 on a cons string (Node 26 takes its fast API call for flat one-byte
 * strings only). Callgrind, 10,000 19-unit cons e-mails: Node 26 900 (utf8Write) -> 418
 * instructions each, Node 24 939 (JS loop) -> 406; 8-unit names 361 -> 302 (26), 360 -> 349 (24).
 */
/** Longest string (UTF-16 units) a compiled writer batches; longer ones take one native call each. */
export const BATCH_MAX_UNITS = 128
/** Strings per batch (the positions array). */
export const BATCH_STRINGS = 1024
/**
 * Strings in a message's first batch: a message of non-ASCII text finds out after this many, and
 * lays out only these again before writing its strings directly.
 */
export const BATCH_FIRST_STRINGS = 64
/** Units per batch: the rope's length, which bounds `scratch` (3 bytes a unit) to stay in cache. */
export const BATCH_UNITS = 16_384
/** Bytes of the UTF-8 of a batch at most (3 per unit, SPEC 5 strings are UTF-8). */
const BATCH_SCRATCH_BYTES = 3 * BATCH_UNITS
/**
 * Bytes copied at a time when a batched string is moved into its room: a float64 load and store
 * (DataView), four bytes for shorter strings. Eight ASCII bytes never read as a NaN (that takes
 * a byte of 0xF0 or more), so the bytes go through a float64 register unchanged. Half the word
 * loads and stores of u32 words, each of which costs a map, length and bounds check in V8.
 */
const COPY_WORD = 8
const COPY_HALF_WORD = 4
/**
 * Batched string positions are int32 (the generated code batches only below this position):
 * a Float64Array of positions cost a double-to-index conversion at every access of the copy.
 */
export const BATCH_POSITION_MAX = 0x7fff0000

export class Emitter {
  buf: Uint8Array
  view: DataView
  pos = 0
  safeEnd: number
  /**
   * Per key id past the generated code's local slots: its slot in this message's table, or -1
   * before its first use (./schema-writer.ts key()).
   */
  slotOf: Int32Array = new Int32Array(0)
  /**
   * This message's string table (SPEC 3), filled by the generated code: per slot, the key id
   * first used there or PAD_SLOT, then NO_SLOT after the last slot used.
   */
  order: Int32Array = new Int32Array(0)
  /** Per key id: its UTF-8 bytes (at most 255, checked when compiling). */
  keyBytes: readonly Uint8Array[] = []
  /** A toJSON() that serializes another reply re-enters: it gets its own Emitter. */
  busy = false

  /** Where the body starts in buf (see start()). */
  base = 0

  /**
   * Where the bytes of each string of the current batch go, after its tag and length (see
   * BATCH_MAX_UNITS and BATCH_POSITION_MAX).
   */
  batch = new Int32Array(BATCH_STRINGS)
  /** The UTF-8 of a batch, allocated on the first flush. */
  scratch: Uint8Array = EMPTY
  scratchView = new DataView(EMPTY.buffer)

  constructor() {
    this.buf = EMPTY
    this.view = new DataView(EMPTY.buffer)
    this.safeEnd = -WRITER_SLACK_BYTES
  }

  /**
   * The message is built in place, in a buffer of its own (no final copy of the body): the body
   * starts at `base`, after room for the header and the longest string table this writer's keys
   * can make (`tableBound`), and finish() puts the table and header right before it. `hint`: the
   * body size expected (the writer's last message), so that most messages never grow.
   */
  start(
    keyBytes: readonly Uint8Array[], slotOf: Int32Array, order: Int32Array, tableBound: number, hint: number
  ): void {
    const base = HEADER_SIZE + tableBound
    this.setBuffer(allocBytes(base + Math.max(hint + (hint >>> 3), MIN_BODY_BYTES) + WRITER_SLACK_BYTES))
    this.base = base
    this.pos = base
    this.keyBytes = keyBytes
    this.slotOf = slotOf
    this.order = order
    slotOf.fill(-1)
    order.fill(NO_SLOT)
  }

  setBuffer(next: Uint8Array): void {
    this.buf = next
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength)
    this.safeEnd = next.length - WRITER_SLACK_BYTES
  }

  grow(n: number): void {
    const needed = this.pos + n + WRITER_SLACK_BYTES
    let size = this.buf.length * 4
    while (size < needed) size *= 2
    const next = allocBytes(size)
    next.set(this.buf.subarray(0, this.pos))
    this.setBuffer(next)
  }

  nul(): void {
    if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
    this.buf[this.pos++] = TAG_NULL
  }

  /** SPEC 5 numbers, as the codec writes them (putNum). */
  num(v: number): void {
    if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
    this.pos = putNum(this.buf, this.view, this.pos, v)
  }

  big(v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX) throw new BFastError('INT_RANGE', this.pos - this.base, `bigint ${v} is outside the int64 range`)
    if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
    this.buf[this.pos++] = TAG_INT64
    this.view.setBigInt64(this.pos, v, true)
    this.pos += 8
  }

  /** A string (SPEC 2 tag 0x50): short ASCII text by putAscii, anything else by writeUtf8. */
  str(s: string): void {
    const n = s.length
    if (n <= SHORT_ASCII) {
      if (this.pos + TAG_AND_U32 + n > this.safeEnd) this.grow(TAG_AND_U32 + n)
      const p = putAscii(this.buf, this.pos, s)
      if (p >= 0) {
        this.pos = p
        return
      }
    }
    this.text(TAG_STRING, s)
  }

  /** A valid Date as the codec writes it (SPEC 5): toISOString() with "+00:00" for "Z". */
  date(d: Date): void {
    const iso = d.toISOString()
    this.text(TAG_DATETIME, iso.slice(0, -1) + '+00:00')
  }

  text(tag: number, s: string): void {
    const room = TAG_AND_U32 + s.length * 3
    if (this.pos + room > this.safeEnd) this.grow(room)
    const start = this.pos
    this.buf[start] = tag
    const n = writeUtf8(this.buf, start + TAG_AND_U32, s, start - this.base)
    this.view.setUint32(start + 1, n, true)
    this.pos = start + TAG_AND_U32 + n
  }

  /**
   * Writes the `count` batched strings whose concatenation is `rope` (see BATCH_MAX_UNITS) into
   * the room left for them. False when the batch was not all ASCII: it was then laid out again
   * string by string, and the caller writes its next strings directly.
   */
  flushStrings(rope: string, count: number): boolean {
    const units = rope.length
    if (this.scratch.length < BATCH_SCRATCH_BYTES) {
      this.scratch = allocBytes(BATCH_SCRATCH_BYTES)
      this.scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.byteLength)
    }
    // ASCII exactly when the byte count is the unit count (a lone surrogate's U+FFFD takes 3 bytes).
    if (utf8Write.call(this.scratch, rope, 0, BATCH_SCRATCH_BYTES) !== units) {
      this.relayout(rope, count)
      return false
    }
    const view = this.view
    const srcView = this.scratchView
    const at = this.batch
    // Two strings an iteration: V8 checks the maps of at, view and srcView again at the top of
    // every iteration (the loop's stack check may run code), not between the two (callgrind,
    // users-10k: Node 24 113 -> 98, Node 26 107 -> 93 instructions a string). Strings of 4-24
    // bytes, most of a reply's, are copied here as overlapping words (three float64 words at 0,
    // in the middle and at the end, or two u32 words) with no inner loop, whose stack check
    // would make V8 check those maps again after it; the others by copyBytes().
    const word = COPY_WORD
    const threeWords = 3 * COPY_WORD
    const half = COPY_HALF_WORD
    let off = 0
    let k = 0
    for (; k + 1 < count; k += 2) {
      const to0 = at[k]!
      const to1 = at[k + 1]!
      const n0 = view.getUint32(to0 - 4, true)
      const n1 = view.getUint32(to1 - 4, true)
      const off1 = off + n0
      if (n0 >= word && n0 <= threeWords) {
        const mid = (n0 - word) >> 1
        view.setFloat64(to0, srcView.getFloat64(off, true), true)
        view.setFloat64(to0 + mid, srcView.getFloat64(off + mid, true), true)
        view.setFloat64(to0 + n0 - word, srcView.getFloat64(off1 - word, true), true)
      } else if (n0 >= half && n0 < word) {
        view.setUint32(to0, srcView.getUint32(off, true), true)
        view.setUint32(to0 + n0 - half, srcView.getUint32(off1 - half, true), true)
      } else {
        copyBytes(view, srcView, to0, off, n0)
      }
      if (n1 >= word && n1 <= threeWords) {
        const mid = (n1 - word) >> 1
        view.setFloat64(to1, srcView.getFloat64(off1, true), true)
        view.setFloat64(to1 + mid, srcView.getFloat64(off1 + mid, true), true)
        view.setFloat64(to1 + n1 - word, srcView.getFloat64(off1 + n1 - word, true), true)
      } else if (n1 >= half && n1 < word) {
        view.setUint32(to1, srcView.getUint32(off1, true), true)
        view.setUint32(to1 + n1 - half, srcView.getUint32(off1 + n1 - half, true), true)
      } else {
        copyBytes(view, srcView, to1, off1, n1)
      }
      off = off1 + n1
    }
    if (k < count) {
      const to = at[k]!
      copyBytes(view, srcView, to, off, view.getUint32(to - 4, true))
    }
    return true
  }

  /**
   * The batch's region (from its first string's tag to pos) written again with each string
   * encoded on its own (text(): UTF-8, a lone surrogate refused at its own offset), the bytes
   * between the strings copied as they are: what writing each string directly would have made.
   */
  relayout(rope: string, count: number): void {
    const at = this.batch
    const start = at[0]! - TAG_AND_U32
    // A copy (Buffer#slice would be a view of the bytes being rewritten).
    const old = allocBytes(this.pos - start)
    old.set(this.buf.subarray(start, this.pos))
    this.pos = start
    let from = 0
    let off = 0
    for (let k = 0; k < count; k++) {
      const tag = at[k]! - TAG_AND_U32 - start
      this.bytes(old, from, tag)
      const n = (old[tag + 1]! | (old[tag + 2]! << 8) | (old[tag + 3]! << 16)) + old[tag + 4]! * 0x1000000
      this.text(TAG_STRING, rope.slice(off, off + n))
      off += n
      from = tag + TAG_AND_U32 + n
    }
    this.bytes(old, from, old.length)
  }

  /** Copies bytes[from, to) to pos. */
  bytes(bytes: Uint8Array, from: number, to: number): void {
    const n = to - from
    if (this.pos + n > this.safeEnd) this.grow(n)
    this.buf.set(bytes.subarray(from, to), this.pos)
    this.pos += n
  }

  /**
   * Header, string table and body (SPEC 1): a view of the message's own buffer, the table and
   * header written right before the body. A buffer more than twice the message (a smaller
   * message than the hint, or a grow) is copied out at its exact size instead, so that a sent
   * reply never holds much more memory than its bytes. Callers only send it (never its .buffer).
   */
  finish(): Buffer {
    const order = this.order
    const keyBytes = this.keyBytes
    let slots = 0
    let tableSize = 0
    for (; slots < order.length && order[slots] !== NO_SLOT; slots++) {
      const id = order[slots]!
      tableSize += 1 + (id === PAD_SLOT ? 0 : keyBytes[id]!.length)
    }
    const at = this.base - tableSize - HEADER_SIZE
    const buf = this.buf as Buffer
    buf[at] = MAGIC_0
    buf[at + 1] = MAGIC_1
    buf[at + OFFSET_FLAGS] = 0
    buf[at + OFFSET_VERSION] = VERSION
    buf[at + OFFSET_TABLE_COUNT] = slots & LOW_BYTE
    buf[at + OFFSET_TABLE_COUNT + 1] = slots >>> 8
    // SPEC 3: per slot, a u8 length and the key's UTF-8 bytes (a padding slot is the empty key).
    let q = at + HEADER_SIZE
    for (let k = 0; k < slots; k++) {
      const id = order[k]!
      if (id === PAD_SLOT) {
        buf[q++] = 0
        continue
      }
      const bytes = keyBytes[id]!
      buf[q++] = bytes.length
      buf.set(bytes, q)
      q += bytes.length
    }
    const size = this.pos - at
    if (buf.length > 2 * size + MIN_BODY_BYTES) {
      const out = allocBytes(size) as Buffer
      out.set(buf.subarray(at, this.pos))
      return out
    }
    return buf.subarray(at, this.pos)
  }

  /** The size of this message's body (the next message's hint). */
  bodySize(): number {
    return this.pos - this.base
  }

  /** Drops the message's buffer (the caller holds it now). */
  release(): void {
    this.keyBytes = NO_KEYS
    this.setBuffer(EMPTY)
  }
}

/**
 * Copies n bytes from `from` in src to `to` in dst (ASCII bytes: see COPY_WORD), for
 * flushStrings(); small enough for V8 to inline there.
 */
function copyBytes(dst: DataView, src: DataView, to: number, from: number, n: number): void {
  if (n > 3 * COPY_WORD) {
    // Words from the start, and the last word ending at the string's end (it may overlap).
    const last = n - COPY_WORD
    for (let i = 0; i < last; i += COPY_WORD) dst.setFloat64(to + i, src.getFloat64(from + i, true), true)
    dst.setFloat64(to + last, src.getFloat64(from + last, true), true)
  } else if (n >= COPY_WORD) {
    // Up to three words, most strings of a reply: three overlapping words (at 0, in the middle,
    // at the end), no inner loop, whose stack check made V8 check the maps of dst and src again
    // after it, every string.
    const mid = (n - COPY_WORD) >> 1
    dst.setFloat64(to, src.getFloat64(from, true), true)
    dst.setFloat64(to + mid, src.getFloat64(from + mid, true), true)
    dst.setFloat64(to + n - COPY_WORD, src.getFloat64(from + n - COPY_WORD, true), true)
  } else if (n >= COPY_HALF_WORD) {
    dst.setUint32(to, src.getUint32(from, true), true)
    dst.setUint32(to + n - COPY_HALF_WORD, src.getUint32(from + n - COPY_HALF_WORD, true), true)
  } else {
    for (let i = 0; i < n; i++) dst.setUint8(to + i, src.getUint8(from + i))
  }
}

/**
 * SPEC 5 numbers at `p`, as the codec's Writer.number writes them: small ints, int64 for safe
 * integers, else float64. Returns the position after them; the caller has made room for 9 bytes.
 * A plain function of its arguments (no `this`) so that V8 inlines it into the generated code
 * with `buf` and `p` kept in registers there (./schema-writer.ts).
 */
export function putNum(buf: Uint8Array, view: DataView, p: number, v: number): number {
  if ((v | 0) === v) {
    if (v >= 0 && v <= SMALL_INT_WRITE_MAX && !(v === 0 && 1 / v < 0)) {
      buf[p] = TAG_SMALL_INT | v
      return p + 1
    }
    if (v !== 0) {
      buf[p] = TAG_INT64
      view.setInt32(p + 1, v, true)
      view.setInt32(p + 5, v >> 31, true)
      return p + 9
    }
  } else if (Number.isSafeInteger(v)) {
    const hi = Math.floor(v / TWO_32)
    buf[p] = TAG_INT64
    view.setUint32(p + 1, v - hi * TWO_32, true)
    view.setInt32(p + 5, hi, true)
    return p + 9
  }
  buf[p] = TAG_FLOAT64
  view.setFloat64(p + 1, v, true)
  return p + 9
}

/**
 * A string (SPEC 2 tag 0x50) at `p` if it is ASCII: the position after it, else -1 with
 * nothing valid written. Short ASCII text, most of a reply's strings, is cheaper copied by this
 * loop (u32 length stored byte by byte) than by the native UTF-8 writer's call and its
 * well-formedness scan. The caller has made room for 5 + s.length bytes.
 */
export function putAscii(buf: Uint8Array, p: number, s: string): number {
  const n = s.length
  let q = p + TAG_AND_U32
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c >= ASCII_END) return -1
    buf[q++] = c
  }
  buf[p] = TAG_STRING
  buf[p + 1] = n & LOW_BYTE
  buf[p + 2] = (n >>> 8) & LOW_BYTE
  buf[p + 3] = (n >>> 16) & LOW_BYTE
  buf[p + 4] = n >>> 24
  return q
}

const EMPTY = allocBytes(0)
const NO_KEYS: readonly Uint8Array[] = []

const shared = new Emitter()

/** The shared emitter, or a fresh one when a toJSON() re-enters a writer. */
export function takeEmitter(): Emitter {
  return shared.busy ? new Emitter() : shared
}
