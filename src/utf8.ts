/**
 * UTF-8 for the codec's hot paths (SPEC 2: strings are UTF-8; SPEC 6: invalid UTF-8 is
 * `BAD_UTF8` whatever the length).
 *
 * Browser-safe: Node's Buffer is used when the global exists (its `utf8Write` and slice
 * methods beat TextEncoder/TextDecoder on short strings, PERFORMANCE-NOTES "Strings"), never
 * imported. Written for V8 on purpose: short strings take a manual loop with no allocation;
 * long ones go to one native call.
 */
import { BFastError } from './errors.js'
import { LITTLE_ENDIAN, NODE_MAJOR } from './platform.js'

/** The parts of Node's Buffer used here, found on the global at runtime (never imported). */
interface NodeBufferMethods {
  utf8Write(this: Uint8Array, text: string, offset: number, length: number): number
  latin1Slice(this: Uint8Array, start: number, end: number): string
  utf8Slice(this: Uint8Array, start: number, end: number): string
  ucs2Slice(this: Uint8Array, start: number, end: number): string
}
interface NodeBufferConstructor {
  allocUnsafe(size: number): Uint8Array
  prototype: NodeBufferMethods
}

const NodeBuffer = (globalThis as { Buffer?: NodeBufferConstructor }).Buffer
const nodeUtf8Write = NodeBuffer?.prototype.utf8Write
const nodeLatin1Slice = NodeBuffer?.prototype.latin1Slice
/**
 * Whether readAscii builds its texts with Node's Buffer#latin1Slice (in the V8 heap); without it
 * (browsers) it goes through TextDecoder (./table-reader.ts appliedAscii says why that matters).
 */
export const NATIVE_LATIN1 = nodeLatin1Slice !== undefined
const nodeUcs2Slice = NodeBuffer?.prototype.ucs2Slice
/**
 * From this Node major on, Buffer#utf8Slice turns non-ASCII UTF-8 into a string 2-3x faster
 * than decodeSlow from UTF8_SLICE_MIN bytes up. Measured on twitter.json's non-ASCII strings
 * (ns a string by byte length, decodeSlow / utf8Slice with its U+FFFD check): Node 26 48-96 B
 * 266 / 111, 192-400 B 606 / 186; Node 24 257 / 104, 605 / 185. Before 24 it is slower than
 * decodeSlow above 96 bytes (Node 22 192-400 B: 594 / 1168; Node 20 694 / 1182), so 20 and 22
 * keep decodeSlow.
 */
const UTF8_SLICE_FROM_NODE = 24
/** Non-ASCII text of fewer bytes stays with decodeSlow (Node 26, 1-24 B: 84 vs 118 ns). */
const UTF8_SLICE_MIN = 32
const nodeUtf8Slice = NODE_MAJOR >= UTF8_SLICE_FROM_NODE ? NodeBuffer?.prototype.utf8Slice : undefined
/** U+FFFD, what utf8Slice puts in place of each ill-formed sequence (see decodeNonAscii). */
const REPLACEMENT_CHAR = '\ufffd'

/** Allocates output without zero-filling where Node allows it (every byte is overwritten). */
export const allocBytes: (size: number) => Uint8Array =
  NodeBuffer !== undefined ? (size) => NodeBuffer.allocUnsafe(size) : (size) => new Uint8Array(size)

const textEncoder = new TextEncoder()
/** One shared fatal decoder: it throws on invalid UTF-8 instead of inserting U+FFFD. */
const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Below this many UTF-16 units a JS loop beats a native call (measured: ~12 ns vs ~44 ns at
 * 8 chars). PERFORMANCE-NOTES found 32 best for a whole-message encode on Node 20; re-measured
 * for issue 11, 32 won on neither Node 24 nor 26, so 16 stays.
 */
const SHORT_ENCODE = 16
/**
 * Without Node's utf8Write (browsers), strings below this many units are encoded by a JS loop:
 * TextEncoder.encodeInto plus its subarray and the isWellFormed check cost about 0.5 us a call
 * in Chromium whatever the length, and the loop wins up to 256-512 units (bench/results/
 * browser.md: users-10k encode 11.7 -> 4.9 ms with this cut-off).
 */
const SHORT_ENCODE_NO_BUFFER = 256
/** Below this many bytes the JS decoder beats a native call (PERFORMANCE-NOTES "Decoding"). */
const SHORT_DECODE = 16
/** Up to this many bytes, non-ASCII text is decoded in JS (see readUtf8). */
const MEDIUM_DECODE = 1024

const isWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed

/** True when `text` holds no lone surrogate (SPEC 5: such a string cannot be written). */
function wellFormed(text: string): boolean {
  if (isWellFormed !== undefined) return isWellFormed.call(text)
  // Fallback for engines before ES2024: a lone surrogate is a high not followed by a low,
  // or a low not preceded by a high.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0xd800 || c > 0xdfff) continue
    if (c > 0xdbff) return false
    const d = text.charCodeAt(i + 1)
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false
    i++
  }
  return true
}

/**
 * Writes `text` as UTF-8 into `target` at `offset`, which must have room for
 * 3 x text.length bytes, and returns the number of bytes written.
 * Throws `LONE_SURROGATE` rather than writing U+FFFD: nothing sent is silently altered.
 * `where` is the output offset reported in the error.
 */
export function writeUtf8(target: Uint8Array, offset: number, text: string, where: number): number {
  const length = text.length
  if (length < SHORT_ENCODE) {
    let p = offset
    let i = 0
    for (; i < length; i++) {
      const c = text.charCodeAt(i)
      if (c >= 0x80) break
      target[p++] = c
    }
    if (i === length) return length
  }
  return writeUtf8Native(target, offset, text, where)
}

/**
 * The rest of writeUtf8, kept out of it so that the short-ASCII path stays small enough for
 * V8 to inline into the writer even after long and non-ASCII strings have been seen.
 */
function writeUtf8Native(target: Uint8Array, offset: number, text: string, where: number): number {
  if (
    nodeUtf8Write !== undefined &&
    NodeBuffer !== undefined &&
    target instanceof (NodeBuffer as unknown as typeof Uint8Array)
  ) {
    // Checked after the write, and only for non-ASCII text: utf8Write turns a lone surrogate into
    // U+FFFD (3 bytes for 1 unit), so a byte count equal to the unit count means ASCII only. The
    // check first cost a runtime call per string on Node 26 (isWellFormed bumps a use counter).
    const n = nodeUtf8Write.call(target, text, offset, target.length - offset)
    if (n !== text.length && !wellFormed(text)) loneSurrogate(where)
    return n
  }
  if (text.length < SHORT_ENCODE_NO_BUFFER) return writeUtf8Js(target, offset, text, where)
  if (!wellFormed(text)) loneSurrogate(where)
  return textEncoder.encodeInto(text, target.subarray(offset)).written
}

/** Bytes writeIfAscii needs past text.length: one more than the longest UTF-8 character. */
export const ASCII_PROBE_SLACK = 4

/**
 * Writes `text` at `offset` and returns true if it is all ASCII; otherwise returns false, having
 * written bytes the caller must overwrite. `target` must have room for text.length +
 * ASCII_PROBE_SLACK bytes from `offset`. One native call for a whole column of strings joined
 * (./table-writer.ts): UTF-8 takes exactly one byte per UTF-16 unit only when every unit is
 * ASCII (so no lone surrogate either), the one case where byte counts equal unit counts and
 * per-string offsets follow from string lengths. Both native writers write whole characters
 * for as long as they fit, so non-ASCII text writes either all of itself (more bytes than
 * units) or more than room - 4 bytes: never exactly text.length.
 */
export function writeIfAscii(target: Uint8Array, offset: number, text: string): boolean {
  const room = text.length + ASCII_PROBE_SLACK
  if (
    nodeUtf8Write !== undefined &&
    NodeBuffer !== undefined &&
    target instanceof (NodeBuffer as unknown as typeof Uint8Array)
  ) {
    return nodeUtf8Write.call(target, text, offset, room) === text.length
  }
  return textEncoder.encodeInto(text, target.subarray(offset, offset + room)).written === text.length
}

function loneSurrogate(where: number): never {
  throw new BFastError('LONE_SURROGATE', where, 'String holds a lone UTF-16 surrogate, which UTF-8 cannot carry')
}

/**
 * UTF-8 in JS (RFC 3629 section 3), for short strings where no fast native writer exists.
 * A lone surrogate throws before the message can be sent (the bytes written so far belong to
 * a message that is abandoned).
 */
function writeUtf8Js(target: Uint8Array, offset: number, text: string, where: number): number {
  let p = offset
  const length = text.length
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) {
      target[p++] = c
    } else if (c < 0x800) {
      target[p++] = 0xc0 | (c >> 6)
      target[p++] = 0x80 | (c & 0x3f)
    } else if (c < 0xd800 || c > 0xdfff) {
      target[p++] = 0xe0 | (c >> 12)
      target[p++] = 0x80 | ((c >> 6) & 0x3f)
      target[p++] = 0x80 | (c & 0x3f)
    } else {
      // A high surrogate followed by a low one is one code point above U+FFFF; anything else is lone.
      const d = i + 1 < length ? text.charCodeAt(i + 1) : 0
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) loneSurrogate(where)
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
      target[p++] = 0xf0 | (cp >> 18)
      target[p++] = 0x80 | ((cp >> 12) & 0x3f)
      target[p++] = 0x80 | ((cp >> 6) & 0x3f)
      target[p++] = 0x80 | (cp & 0x3f)
      i++
    }
  }
  return p - offset
}

/** UTF-8 byte length of `text` (only used off the hot path: keys). */
export function utf8Length(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

function badUtf8(at: number): never {
  throw new BFastError('BAD_UTF8', at, 'Invalid UTF-8')
}

/**
 * Decodes `length` bytes of `src` at `start` as strict UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF).
 */
export function readUtf8(src: Uint8Array, start: number, length: number): string {
  if (length < SHORT_DECODE) return readShort(src, start, length)
  if (nodeLatin1Slice === undefined && length <= APPLY_SCRATCH_MAX) return readApply(src, start, start + length)
  const end = start + length
  // ASCII is the common case for API payloads: one scan, then one native slice.
  let i = start
  while (i < end && src[i] < 0x80) i++
  if (i === end) {
    if (nodeLatin1Slice !== undefined) return nodeLatin1Slice.call(src, start, end)
    // Browsers, longer than APPLY_SCRATCH_MAX: ASCII cannot make the fatal decoder throw.
    return fatalDecoder.decode(src.subarray(start, end))
  }
  return decodeNonAscii(src, start, end)
}

/**
 * `length` bytes of `src` at `start` as a string when every one is ASCII, else null: the heap
 * of a string column flagged ASCII (SPEC 8.2), checked (a flag is a hint) and turned into one
 * string that the reader cuts with substring. Written for V8 on purpose: the check ORs aligned
 * u32 words, about 4x fewer loop turns than readUtf8's byte scan (users-10k toArray, callgrind
 * on Node 26: the byte scan was ~40% of the instructions). Browsers: the fatal decoder, which
 * cannot throw on ASCII.
 */
export function readAscii(src: Uint8Array, start: number, length: number): string | null {
  const end = start + length
  let p = start
  let hi = 0
  // Bytes up to a 4-aligned address, then words, then the tail.
  while (p < end && (src.byteOffset + p) % 4 !== 0) hi |= src[p++]
  const words = (end - p) >>> 2
  if (words > 0) {
    const w = new Uint32Array(src.buffer, src.byteOffset + p, words)
    for (let k = 0; k < words; k++) hi |= w[k]
    p += words * 4
  }
  while (p < end) hi |= src[p++]
  if ((hi & 0x80808080) !== 0) return null
  if (nodeLatin1Slice !== undefined) return nodeLatin1Slice.call(src, start, end)
  return fatalDecoder.decode(src.subarray(start, end))
}

/**
 * Text that holds a non-ASCII byte. Node's utf8Slice (24 and later, UTF8_SLICE_FROM_NODE) does
 * not validate: like every WHATWG decoder it puts U+FFFD in place of each ill-formed sequence
 * (overlong forms, surrogates, values above U+10FFFF, cut sequences). So a result without
 * U+FFFD came from well-formed bytes and is the string decodeSlow would build (checked on
 * random mixes of well-formed and ill-formed sequences on Node 20-26, test/src/utf8.test.ts);
 * one with U+FFFD is decoded again by the validating paths, which either find the bad byte
 * (BAD_UTF8 at its offset) or return a string that really holds U+FFFD.
 */
function decodeNonAscii(src: Uint8Array, start: number, end: number): string {
  if (nodeUtf8Slice !== undefined && end - start >= UTF8_SLICE_MIN) {
    const s = nodeUtf8Slice.call(src, start, end)
    if (s.indexOf(REPLACEMENT_CHAR) === -1) return s
  }
  // A native call costs ~1 us whatever the length: short non-ASCII text decodes faster here.
  if (end - start <= MEDIUM_DECODE) return decodeSlow(src, start, end)
  try {
    return fatalDecoder.decode(src.subarray(start, end))
  } catch {
    return badUtf8(start + firstInvalid(src, start, end))
  }
}

/**
 * Strings of at most this many bytes are read through the region (readUtf8Region). Above it a
 * string is most of a region on its own, so one native slice of just its bytes costs the same.
 */
const REGION_STRING_MAX = 64
/**
 * Bytes of the message turned into one Latin-1 string at a time (readUtf8Region). A string cut
 * from it that is 13 or more characters long is a V8 sliced string and keeps the whole region
 * alive: so a string the caller keeps holds at most this many bytes more than its own.
 */
const REGION_BYTES = 512
const NO_BYTES = new Uint8Array(0)
const NO_WORDS: DataView = new DataView(NO_BYTES.buffer)
// `var`, not `let`, on purpose: V8 checks a module-level `let` for the hole (TDZ) at every use in
// optimized code, never a `var` (see the module state of ./reader.ts).
/* eslint-disable no-var */
/** Latin-1 text of regionOf[regionStart, regionStart + region.length), one char per byte. */
var region = ''
var regionOf: Uint8Array = NO_BYTES
var regionStart = 0
var regionEnd = 0
/**
 * The reader's DataView of the message being read, handed over by forgetRegion at its start: for
 * the ASCII check four bytes at a time (readRegion, Node) and the repeat memo's compare
 * (readRepeat, browsers).
 */
var words: DataView = NO_WORDS
/* eslint-enable no-var */

/**
 * readUtf8 for the values of a message, which are read front to back: short ASCII strings are
 * cut (`substring`) from one Latin-1 string of the next REGION_BYTES bytes, so one native call
 * serves every short string of the region (msgpackr's native extractor does the same; in JS
 * the slice and the substrings take its place). Measured per 20-byte string on Node 26:
 * latin1Slice per string 88 ns, substring of a region 44 ns; users-10k decode 0.85x of
 * before on Node 26 (PERFORMANCE-NOTES). Every string is still checked byte by byte for ASCII
 * (SPEC 6: invalid UTF-8 is BAD_UTF8 whatever the length); others take the validating paths
 * of readUtf8. Latin-1 gives one char per byte whatever the byte, so the offsets into the
 * region are byte offsets even where it spans tags and lengths. Browsers (no latin1Slice)
 * read as readUtf8 does, but look up texts of 16+ bytes among those already read (readRepeat).
 *
 * The caller must call forgetRegion(view) before each message, `view` a DataView of exactly the
 * bytes of `src`, and forgetRegion() after it: the region (and the remembered texts) are tied to
 * the bytes of `src` at the time they were read, and a reused buffer may hold other bytes next
 * time.
 */
export function readUtf8Region(src: Uint8Array, start: number, length: number): string {
  // The region's work is a function of its own so that this front stays small: the reader's
  // readValue inlines it, and V8 charges every byte of bytecode it inlines against one budget
  // (see readValue in ./reader.ts). In browsers (no latin1Slice) readRegion is never called,
  // and a message that repeats few texts stops calling readRepeat (repeatOff).
  if (nodeLatin1Slice !== undefined) {
    return length > REGION_STRING_MAX ? readUtf8(src, start, length) : readRegion(src, start, length, nodeLatin1Slice)
  }
  return length < REPEAT_MIN || repeatOff ? readUtf8(src, start, length) : readRepeat(src, start, length)
}

function readRegion(src: Uint8Array, start: number, length: number, latin1Slice: NodeBufferMethods['latin1Slice']): string {
  const stop = start + length
  const inRegion = stop <= regionEnd && start >= regionStart && src === regionOf
  // Below SHORT_DECODE readShort makes no native call: a new region is cut only for a string
  // that would have taken one (so a message of sparse short strings pays nothing extra).
  if (length < SHORT_DECODE && !inRegion) return readShort(src, start, length)
  const view = words
  let hi = 0
  let i = start
  for (const last = stop - 4; i <= last; i += 4) hi |= view.getUint32(i, true)
  for (; i < stop; i++) hi |= src[i]
  if ((hi & 0x80808080) !== 0) return decodeNonAscii(src, start, stop)
  if (!inRegion) {
    regionOf = src
    regionStart = start
    regionEnd = Math.min(src.length, start + REGION_BYTES)
    region = latin1Slice.call(src, start, regionEnd)
  }
  return region.substring(start - regionStart, stop - regionStart)
}

/**
 * Browsers: texts of REPEAT_MIN to REPEAT_MAX bytes are remembered per message (readRepeat) in
 * REPEAT_SLOTS slots chosen by length and two bytes.
 */
const REPEAT_MIN = 16
const REPEAT_MAX = MEDIUM_DECODE
const REPEAT_SLOTS = 256
/** Where the text of each slot starts in the message, its length (0: empty) and its string. */
const repeatStart = new Int32Array(REPEAT_SLOTS)
const repeatLength = new Int32Array(REPEAT_SLOTS)
const repeatText: string[] = new Array<string>(REPEAT_SLOTS).fill('')
/**
 * After REPEAT_TRIAL misses a message that found fewer than one repeat in REPEAT_RATIO lookups
 * stops looking (users-10k: 10,000 distinct e-mails).
 */
const REPEAT_TRIAL = 256
const REPEAT_RATIO = 8
/* eslint-disable no-var -- see the region's state above */
var repeatUsed = false
var repeatOff = false
var repeatHits = 0
var repeatMisses = 0
/* eslint-enable no-var */

/**
 * readUtf8Region in browsers: a text met before in the same message is returned again when its
 * bytes equal those of the first occurrence (compared in the message, which is the same `src`
 * until forgetRegion: the region's contract). twitter.json repeats 3,235 of its 4,754 strings
 * (retweets carry their original's text, users their URLs), 115 KB of its 200 KB of text, and a
 * byte compare costs a fraction of decoding UTF-8 in JS and making the string with apply.
 * Only a text read without error fills a slot, and a hit compares every byte, so the result
 * and the errors (SPEC 6: BAD_UTF8 at the bad byte) are those of readUtf8. Callgrind, Node 26
 * with Buffer hidden (this path), 4 decodes: twitter.json 59.6M -> 53.4M instructions,
 * users-10k +0.5%; Chromium, twitter.json decode about 0.75-0.83x the time of before
 * (PERFORMANCE-NOTES "Repeated texts in Chromium").
 */
function readRepeat(src: Uint8Array, start: number, length: number): string {
  if (length > REPEAT_MAX) return readUtf8(src, start, length)
  const slot = (length ^ (src[start + (length >>> 1)] << 2) ^ (src[start + length - 1] << 5)) & (REPEAT_SLOTS - 1)
  if (repeatLength[slot] === length) {
    const p = repeatStart[slot]
    // Four bytes a turn through a DataView of the message (the region's, unused in browsers),
    // then the rest byte by byte: callgrind, Node 26 with Buffer hidden (this path), 4 decodes,
    // twitter.json 50.72M -> 45.11M instructions, users-10k -1.0%, citm -0.6%
    // (PERFORMANCE-NOTES "The repeat memo's compare").
    const view = words
    let i = 0
    const last = length - 4
    while (i <= last && view.getUint32(p + i, true) === view.getUint32(start + i, true)) i += 4
    while (i < length && src[p + i] === src[start + i]) i++
    if (i === length) {
      repeatHits++
      return repeatText[slot]
    }
  }
  if (++repeatMisses >= REPEAT_TRIAL && repeatHits * REPEAT_RATIO < repeatMisses) repeatOff = true
  const s = readUtf8(src, start, length)
  repeatStart[slot] = start
  repeatLength[slot] = length
  repeatText[slot] = s
  repeatUsed = true
  return s
}

/**
 * Drops the region (see readUtf8Region) and the reference to the message it came from. At the
 * start of a message the reader passes its DataView of the message (a view of exactly the bytes
 * readUtf8Region will be given), so that the message gets one DataView, not two: making one, and
 * reading `src.buffer` for it, is a call into the runtime each (Node 26: about 9% of a one-user
 * decode, perf; PERFORMANCE-NOTES "One DataView a message").
 */
export function forgetRegion(view: DataView = NO_WORDS): void {
  if (repeatUsed) {
    repeatUsed = false
    repeatLength.fill(0)
    repeatText.fill('')
  }
  repeatOff = false
  repeatHits = 0
  repeatMisses = 0
  region = ''
  regionOf = NO_BYTES
  regionStart = 0
  regionEnd = 0
  words = view
}

/**
 * Browsers only (Node slices with latin1Slice / ucs2Slice): strings of SHORT_DECODE to this many
 * bytes are read by readApply, and up to this many UTF-16 units are made from a reused array
 * (applyArray). String.fromCharCode.apply of a packed array of small integers takes V8's fast
 * path, where applying it to a typed array (a subarray allocated per string) takes the generic
 * array-like one, and a TextDecoder call costs about 0.2-0.4 us in Chromium whatever the length.
 * Chromium (V8 14), twitter.json's ASCII strings of 64-256 bytes: 0.53x the time of a byte scan
 * then apply of a subarray. Was 64 (users-10k decode / response.json() 0.83x -> 0.59x, quiet
 * runs, its ASCII e-mails of 16-31 bytes being 37% of the decode before; PERFORMANCE-NOTES
 * "Decode in Chromium").
 */
const APPLY_SCRATCH_MAX = 256
/**
 * applyArray's arrays by length, each made the first time a string of its length is read, so
 * a page holds only the lengths it has met: at most 257 arrays of 33,153 elements in all
 * (about 130 KB with V8's compressed pointers).
 */
const applyScratch: Array<number[] | undefined> = new Array<number[] | undefined>(APPLY_SCRATCH_MAX + 1).fill(undefined)

/** The reused plain array of `n` elements (n <= APPLY_SCRATCH_MAX), filled with small integers. */
function applyArray(n: number): number[] {
  let a = applyScratch[n]
  if (a === undefined) {
    a = new Array<number>(n).fill(0)
    applyScratch[n] = a
  }
  return a
}

/**
 * Browsers, SHORT_DECODE to APPLY_SCRATCH_MAX bytes: one loop copies the bytes into the reused
 * array while it checks them for ASCII, so ASCII text (the common case) is read in one pass and
 * one apply; other text is decoded by decodeNonAscii. Chromium (V8 14), twitter.json's ASCII
 * strings of 16-64 bytes: 0.81x the time of a scan followed by the copy.
 */
function readApply(src: Uint8Array, start: number, end: number): string {
  const n = end - start
  const a = applyArray(n)
  let hi = 0
  for (let i = 0; i < n; i++) {
    const c = src[start + i]
    hi |= c
    a[i] = c
  }
  if (hi < 0x80) return String.fromCharCode.apply(null, a)
  return decodeNonAscii(src, start, end)
}

/** Short strings: unrolled fromCharCode for ASCII, a validating decoder otherwise. */
function readShort(src: Uint8Array, p: number, length: number): string {
  const f = String.fromCharCode
  switch (length) {
    case 0:
      return ''
    case 1: {
      const a = src[p]
      if (a < 0x80) return f(a)
      break
    }
    case 2: {
      const a = src[p]
      const b = src[p + 1]
      if ((a | b) < 0x80) return f(a, b)
      break
    }
    case 3: {
      const a = src[p]
      const b = src[p + 1]
      const c = src[p + 2]
      if ((a | b | c) < 0x80) return f(a, b, c)
      break
    }
    case 4: {
      const a = src[p]
      const b = src[p + 1]
      const c = src[p + 2]
      const d = src[p + 3]
      if ((a | b | c | d) < 0x80) return f(a, b, c, d)
      break
    }
    default: {
      let hi = 0
      const end = p + length
      for (let i = p; i < end; i++) hi |= src[i]
      if (hi < 0x80) {
        // One unrolled call per length, a line each so that the lengths line up.
        /* eslint-disable @stylistic/max-len */
        switch (length) {
          case 5: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4])
          case 6: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5])
          case 7: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6])
          case 8: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7])
          case 9: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7], src[p + 8])
          case 10: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7], src[p + 8], src[p + 9])
          case 11: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7], src[p + 8], src[p + 9], src[p + 10])
          case 12: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7], src[p + 8], src[p + 9], src[p + 10], src[p + 11])
          case 13: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7], src[p + 8], src[p + 9], src[p + 10], src[p + 11], src[p + 12])
          case 14: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7], src[p + 8], src[p + 9], src[p + 10], src[p + 11], src[p + 12], src[p + 13])
          case 15: return f(src[p], src[p + 1], src[p + 2], src[p + 3], src[p + 4], src[p + 5], src[p + 6], src[p + 7], src[p + 8], src[p + 9], src[p + 10], src[p + 11], src[p + 12], src[p + 13], src[p + 14])
          default: return readUtf8(src, p, length)
        }
        /* eslint-enable @stylistic/max-len */
      }
    }
  }
  return decodeSlow(src, p, p + length)
}

/** Scratch for decodeSlow: UTF-16 units of one string (never more units than bytes). */
const units = new Uint16Array(MEDIUM_DECODE)
const unitBytes = new Uint8Array(units.buffer)

/**
 * Validating UTF-8 decoder for non-ASCII strings up to MEDIUM_DECODE bytes (RFC 3629
 * section 4, the table of well-formed byte sequences). No allocation but the string.
 * Written for V8 on purpose: each sequence length is one straight-line arm (three-byte first:
 * CJK text, twitter.json's bulk), and the RFC's per-lead ranges for the second byte are
 * checked on the code point instead (below U+0800 / U+10000 is overlong, D800-DFFF a
 * surrogate, above U+10FFFF out of range), which is the same set of sequences. Chromium
 * (V8 14), twitter.json's non-ASCII strings: 0.55-0.65x the time of the loop it replaced,
 * which tracked the range of the second byte and looped over the continuation bytes.
 */
function decodeSlow(src: Uint8Array, start: number, end: number): string {
  let n = 0
  let i = start
  while (i < end) {
    const a = src[i]
    if (a < 0x80) {
      units[n++] = a
      i++
    } else if (a >= 0xe0) {
      if (a < 0xf0) {
        if (i + 2 >= end) return badUtf8(i) // sequence cut by the end of the string
        const b = src[i + 1]
        const c = src[i + 2]
        const cp = ((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f)
        if ((((b & 0xc0) ^ 0x80) | ((c & 0xc0) ^ 0x80)) !== 0 || cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) {
          return badUtf8(i)
        }
        units[n++] = cp
        i += 3
      } else {
        if (a > 0xf4 || i + 3 >= end) return badUtf8(i)
        const b = src[i + 1]
        const c = src[i + 2]
        const d = src[i + 3]
        const cp = ((a & 0x07) << 18) | ((b & 0x3f) << 12) | ((c & 0x3f) << 6) | (d & 0x3f)
        if ((((b & 0xc0) ^ 0x80) | ((c & 0xc0) ^ 0x80) | ((d & 0xc0) ^ 0x80)) !== 0 || cp < 0x10000 || cp > 0x10ffff) {
          return badUtf8(i)
        }
        units[n++] = 0xd800 | ((cp - 0x10000) >> 10)
        units[n++] = 0xdc00 | (cp & 0x3ff)
        i += 4
      }
    } else {
      // 0x80-0xc1: a continuation byte or an overlong two-byte lead.
      if (a < 0xc2 || i + 1 >= end) return badUtf8(i)
      const b = src[i + 1]
      if ((b & 0xc0) !== 0x80) return badUtf8(i)
      units[n++] = ((a & 0x1f) << 6) | (b & 0x3f)
      i += 2
    }
  }
  return unitsToString(n)
}

/**
 * The string of the first `n` UTF-16 units of the scratch. Measured on twitter.json's
 * non-ASCII strings in Node: ucs2Slice 0.08 us a string, a UTF-16LE TextDecoder 0.19 us,
 * String.fromCharCode.apply 0.30 us; ucs2Slice reads the scratch as little-endian bytes.
 * Browsers: String.fromCharCode.apply of a plain array, a reused one up to APPLY_SCRATCH_MAX
 * units (see applyArray) and a fresh one above; in Chromium (V8 14) both beat a UTF-16LE
 * TextDecoder at every length up to MEDIUM_DECODE (twitter.json's non-ASCII strings of 64-256
 * bytes: 0.55x / 0.59x its time; 256-1024 bytes 0.60x / 0.67x), whose call costs about
 * 0.2-0.4 us whatever the length.
 */
function unitsToString(n: number): string {
  if (nodeUcs2Slice !== undefined && LITTLE_ENDIAN) return nodeUcs2Slice.call(unitBytes, 0, n * 2)
  const a = n <= APPLY_SCRATCH_MAX ? applyArray(n) : new Array<number>(n)
  for (let i = 0; i < n; i++) a[i] = units[i]
  return String.fromCharCode.apply(null, a)
}

/** Offset (from start) of the first byte of the first ill-formed sequence, for the error. */
function firstInvalid(src: Uint8Array, start: number, end: number): number {
  let p = start
  while (p < end) {
    // Cut before a lead byte so no well-formed sequence straddles two pieces.
    let stop = Math.min(end, p + MEDIUM_DECODE)
    for (let back = 0; back < 3 && stop < end && stop > p + 1 && (src[stop] & 0xc0) === 0x80; back++) stop--
    try {
      decodeSlow(src, p, stop)
    } catch (err) {
      if (err instanceof BFastError) return err.offset - start
    }
    p = stop
  }
  return 0
}
