/**
 * Hostile input (issue 6 "Hostile inputs", SPEC 6), table-driven: every case names the bytes,
 * the exact BFastError code and where the offset must point. Offsets count in the plain
 * message for errors found after decompression, and in the input for framing/LZ4 errors.
 * A second table holds the values just inside each limit, which must decode.
 */
import t from 'tap'
import { BFastError, Decompressor, decode, decompress, encode } from '../../src/index.js'
import type { BFastErrorCode, DecodeOptions } from '../../src/index.js'
import { compress, compressChunked } from '../../src/compress.js'
import {
  FLAG_BIG_ENDIAN, FLAG_COMPRESSED, LZ4_MAX_RATIO, OBJECT_END, TAG_BYTES, TAG_DATE, TAG_DATETIME, TAG_DECIMAL,
  TAG_F64_ARRAY, TAG_FLOAT64, TAG_INT64, TAG_OBJECT, TAG_STRING, TAG_TIME, TAG_UUID
} from '../../src/tags.js'
import { seedMessages, seedValues } from '../helpers/fuzz-cases.js'
import {
  KNOWN_TAGS,
  chunkedFrame,
  concat,
  header,
  literalChunks,
  lz4Block,
  lz4Literals,
  message,
  singleBlock,
  u32,
  utf8,
  w
} from '../helpers/messages.js'
import { thrownBy } from '../helpers/thrown.js'
import { sameValue } from '../helpers/tagged.js'
import { jsonFixture } from '../helpers/paths.js'

interface Case {
  name: string
  bytes: Uint8Array
  code: BFastErrorCode
  /** The exact offset, or an inclusive range when more than one byte is a fair place to point. */
  at: number | readonly [number, number]
  options?: DecodeOptions
}

const H = 6 // header size: the root value of a table-less message starts here
const cases: Case[] = []
const add = (c: Case): void => {
  cases.push(c)
}

// ---- the header -------------------------------------------------------------------------------
add({ name: 'empty input', bytes: new Uint8Array(0), code: 'TRUNCATED', at: 0 })
add({ name: 'header cut after "BF"', bytes: Uint8Array.of(0x42, 0x46), code: 'TRUNCATED', at: [0, 2] })
add({ name: 'header cut before the table count', bytes: Uint8Array.of(0x42, 0x46, 0, 1, 0), code: 'TRUNCATED', at: [0, 5] })
add({ name: 'header only, no root value', bytes: header([]), code: 'TRUNCATED', at: H })
for (const flags of [FLAG_BIG_ENDIAN, FLAG_BIG_ENDIAN | FLAG_COMPRESSED, 0xff]) {
  add({ name: `big-endian flag (flags 0x${flags.toString(16)})`, bytes: concat(header([], { flags }), w.null()), code: 'BAD_FLAGS', at: 2 })
}
for (const version of [0, 2, 0x10, 0xff]) {
  add({ name: `unknown version ${version}`, bytes: concat(header([], { version }), w.null()), code: 'BAD_VERSION', at: 3 })
}

// ---- every length/count field larger than what remains ------------------------------------------
const sizedTags: Array<[string, number]> = [
  ['string', TAG_STRING], ['bytes', TAG_BYTES], ['datetime', TAG_DATETIME], ['date', TAG_DATE],
  ['time', TAG_TIME], ['uuid', TAG_UUID], ['decimal', TAG_DECIMAL]
]
for (const [name, tag] of sizedTags) {
  const payload = utf8('0123456789')
  for (const declared of [11, 0x7fffffff, 0xffffffff]) {
    const bytes = message([], w.sized(tag, payload, declared))
    add({ name: `${name} declaring ${declared} bytes, 10 present`, bytes, code: 'TRUNCATED', at: [H, H + 5] })
  }
  add({ name: `${name} length cut off`, bytes: concat(header([]), tag, 1, 0), code: 'TRUNCATED', at: [H, H + 3] })
}
for (const declared of [3, 0xffff, 0xffffffff]) {
  add({ name: `list declaring ${declared} elements, 2 present`, bytes: message([], w.list(declared, w.null(), w.null())), code: 'TRUNCATED', at: [H, H + 7] })
}
add({ name: 'a list declaring 2^32-1 elements in an 11-byte message', bytes: message([], w.list(0xffffffff)), code: 'TRUNCATED', at: [H, 11] })
add({ name: 'a list declaring 2^32-1 elements followed by 10 nulls', bytes: message([], w.list(0xffffffff, ...Array(10).fill(0x10))), code: 'TRUNCATED', at: [H, 21] })
for (const declared of [2, 0x1fffffff, 0x20000001, 0xffffffff]) {
  // 0x20000001 * 8 wraps to 8 in 32-bit arithmetic: it must not read as a one-element array.
  add({ name: `float64 array declaring ${declared} elements, 1 present`, bytes: message([], w.f64array([1.5], declared)), code: 'TRUNCATED', at: [H, H + 5] })
}
add({ name: 'float64 array with 7 of its 8 bytes', bytes: concat(header([]), TAG_F64_ARRAY, u32(1), new Uint8Array(7)), code: 'TRUNCATED', at: [H, H + 5] })
add({ name: 'int64 cut after 7 bytes', bytes: concat(header([]), TAG_INT64, new Uint8Array(7)), code: 'TRUNCATED', at: [H, H + 1] })
add({ name: 'float64 cut after 3 bytes', bytes: concat(header([]), TAG_FLOAT64, new Uint8Array(3)), code: 'TRUNCATED', at: [H, H + 1] })
// A list whose first value is a number is read by its own loop (readNumbers), int64 included.
add({
  name: 'int64 cut after 7 bytes in a list of numbers',
  bytes: concat(header([]), w.list(2, w.small(1)), TAG_INT64, new Uint8Array(7)),
  code: 'TRUNCATED',
  at: H + 7
})
add({ name: 'string table declaring 3 keys, 1 present', bytes: concat(header(['a'], { count: 3 }), w.null()), code: 'TRUNCATED', at: [H, 10] })
add({ name: 'string table declaring 65535 keys, none present', bytes: concat(header([], { count: 0xffff }), w.null()), code: 'TRUNCATED', at: [H, 7] })
add({ name: 'string table entry declaring 10 bytes, 3 present', bytes: concat(header([], { count: 1 }), 10, utf8('abc')), code: 'TRUNCATED', at: [H, 7] })
add({ name: 'string table entry length cut off', bytes: header([], { count: 1 }), code: 'TRUNCATED', at: H })

// ---- tags, key indexes, objects -------------------------------------------------------------------
for (let tag = 0; tag < 256; tag++) {
  if (KNOWN_TAGS.has(tag) || tag === TAG_INT64) continue
  add({ name: `unknown tag 0x${tag.toString(16).padStart(2, '0')} as the root`, bytes: concat(header([]), tag, new Uint8Array(8)), code: 'UNKNOWN_TAG', at: H })
}
add({ name: 'unknown tag inside a list', bytes: message([], w.list(2, w.null(), 0x41)), code: 'UNKNOWN_TAG', at: H + 6 })
add({ name: 'unknown tag as an object member', bytes: message(['a'], w.obj([[0, 0xee]])), code: 'UNKNOWN_TAG', at: H + 2 + 5 })
add({ name: '0x7F where a value starts', bytes: message([], w.list(1, OBJECT_END)), code: 'UNKNOWN_TAG', at: H + 5 })
for (const index of [1, 2, 0x100, 0x7fffffff, 0xffffffff]) {
  add({ name: `key index ${index} with a one-key table`, bytes: message(['a'], w.obj([[index, w.null()]])), code: 'BAD_KEY_INDEX', at: [H + 2 + 1, H + 2 + 5] })
}
add({ name: 'key index 0 with an empty table', bytes: message([], w.obj([[0, w.null()]])), code: 'BAD_KEY_INDEX', at: [H + 1, H + 5] })
add({ name: 'object never terminated', bytes: message(['a'], w.obj([[0, w.small(1)]], false)), code: 'TRUNCATED', at: [H + 2, H + 2 + 6] })
add({ name: 'object with only its tag', bytes: message([], TAG_OBJECT), code: 'TRUNCATED', at: [H, H + 1] })
add({ name: 'object cut inside a key index', bytes: message(['a'], TAG_OBJECT, 0, 0), code: 'TRUNCATED', at: [H + 2, H + 3] })
add({ name: 'object key without its value', bytes: message(['a'], TAG_OBJECT, u32(0)), code: 'TRUNCATED', at: [H + 2, H + 7] })
add({ name: 'key index 383 (low byte 0x7F) ends the object; the rest trails', bytes: message(Array.from({ length: 384 }, (_, i) => `k${i}`), w.obj([[383, w.small(1)]])), code: 'TRAILING', at: [0, 1e9] })
add({ name: 'bytes after the root value', bytes: concat(message([], w.list(0)), 0), code: 'TRAILING', at: H + 5 })
add({ name: 'a second root value', bytes: concat(message([], w.small(1)), w.small(2)), code: 'TRAILING', at: H + 1 })

// ---- nesting ------------------------------------------------------------------------------------
const deepLists = (n: number): Uint8Array => {
  const one = w.list(1)
  const out = new Uint8Array(H + n * one.length + 1)
  out.set(header([]))
  for (let i = 0; i < n; i++) out.set(one, H + i * one.length)
  out[out.length - 1] = 0x10
  return out
}
const deepObjects = (n: number): Uint8Array => {
  const table = header(['a'])
  const one = concat(TAG_OBJECT, u32(0))
  const out = new Uint8Array(table.length + n * one.length + 1 + n)
  out.set(table)
  for (let i = 0; i < n; i++) out.set(one, table.length + i * one.length)
  out[table.length + n * one.length] = 0x10
  out.fill(OBJECT_END, table.length + n * one.length + 1)
  return out
}
add({ name: 'lists nested 100,000 deep', bytes: deepLists(100_000), code: 'DEPTH', at: H + 128 * 5 })
add({ name: 'objects nested 100,000 deep', bytes: deepObjects(100_000), code: 'DEPTH', at: H + 2 + 128 * 5 })
add({ name: 'lists nested 129 deep', bytes: deepLists(129), code: 'DEPTH', at: H + 128 * 5 })
add({ name: 'objects nested 129 deep', bytes: deepObjects(129), code: 'DEPTH', at: H + 2 + 128 * 5 })
add({ name: 'lists nested 11 deep with maxDepth 10', bytes: deepLists(11), code: 'DEPTH', at: H + 10 * 5, options: { maxDepth: 10 } })
add({ name: 'maxDepth 1 refuses a list in a list', bytes: message([], w.list(1, w.list(0))), code: 'DEPTH', at: H + 5, options: { maxDepth: 1 } })

// ---- invalid UTF-8 ------------------------------------------------------------------------------
const badUtf8: Array<[string, number[]]> = [
  ['overlong "/" in 2 bytes', [0xc0, 0xaf]],
  ['overlong NUL in 2 bytes', [0xc0, 0x80]],
  ['overlong in 3 bytes', [0xe0, 0x80, 0xaf]],
  ['overlong in 4 bytes', [0xf0, 0x80, 0x80, 0xaf]],
  ['surrogate U+D800 encoded', [0xed, 0xa0, 0x80]],
  ['surrogate U+DFFF encoded', [0xed, 0xbf, 0xbf]],
  ['surrogate pair encoded separately (CESU-8)', [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
  ['truncated 2-byte sequence', [0xc3]],
  ['truncated 3-byte sequence', [0xe2, 0x82]],
  ['truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
  ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['F5 lead byte', [0xf5, 0x80, 0x80, 0x80]],
  ['FF byte', [0xff]],
  ['lone continuation byte', [0x80]],
  ['continuation where a lead is expected', [0x41, 0xbf, 0x41]],
  ['lead byte followed by ASCII', [0xc3, 0x41]]
]
for (const [what, seq] of badUtf8) {
  const bad = Uint8Array.from(seq)
  const short = concat(utf8('ab'), bad)
  const long = concat(utf8('x'.repeat(40)), bad, utf8('y'.repeat(40)))
  // Readers switch strategy with length (a JS loop for short and medium text, a native
  // decoder for long): each must refuse the same bytes.
  const veryLong = concat(utf8('é'.repeat(700)), bad, utf8('y'.repeat(40)))
  add({ name: `string: ${what} (short)`, bytes: message([], w.str(short)), code: 'BAD_UTF8', at: [H, H + 5 + short.length] })
  add({ name: `string: ${what} (long)`, bytes: message([], w.str(long)), code: 'BAD_UTF8', at: [H, H + 5 + long.length] })
  add({ name: `string: ${what} at the very end of a 16-byte string`, bytes: message([], w.str(concat(utf8('z'.repeat(16 - bad.length)), bad))), code: 'BAD_UTF8', at: [H, H + 21] })
  add({ name: `key: ${what}`, bytes: message([short], w.obj([[0, w.null()]])), code: 'BAD_UTF8', at: [H, H + 1 + short.length] })
  add({ name: `string: ${what} (${veryLong.length} bytes)`, bytes: message([], w.str(veryLong)), code: 'BAD_UTF8', at: [H, H + 5 + veryLong.length] })
  add({ name: `long key: ${what}`, bytes: message([long], w.obj([[0, w.null()]])), code: 'BAD_UTF8', at: [H, H + 1 + long.length] })
  add({ name: `time text: ${what}`, bytes: message([], w.sized(TAG_TIME, short)), code: 'BAD_UTF8', at: [H, H + 5 + short.length] })
}

// ---- compressed framing and LZ4 -------------------------------------------------------------------
const plain = encode({ hello: 'world', list: [1, 2, 3], text: 'abcdefgh'.repeat(8) })
const goodBlock = lz4Literals(plain)
const n = plain.length
const P = 4 // size prefix
add({ name: 'size prefix of 4 GiB', bytes: singleBlock(goodBlock, 0xffffffff), code: 'IMPOSSIBLE_SIZE', at: 0 })
add({ name: 'size prefix of 4 GiB - 1 with a tiny block', bytes: singleBlock(lz4Literals(utf8('BF')), 0xfffffffe), code: 'IMPOSSIBLE_SIZE', at: 0 })
add({ name: 'prefix larger than maxDecompressedSize', bytes: singleBlock(goodBlock, n), code: 'TOO_LARGE', at: 0, options: { maxDecompressedSize: n - 1 } })
{
  const input = singleBlock(goodBlock, 0)
  add({ name: 'prefix just over 255x the compressed size', bytes: singleBlock(goodBlock, LZ4_MAX_RATIO * input.length + 1), code: 'IMPOSSIBLE_SIZE', at: 0 })
  add({ name: 'prefix just inside 255x, but not what the block holds', bytes: singleBlock(goodBlock, LZ4_MAX_RATIO * goodBlock.length), code: 'BAD_COMPRESSION', at: [0, input.length] })
}
add({ name: 'prefix larger than the output', bytes: singleBlock(goodBlock, n + 1), code: 'BAD_COMPRESSION', at: [0, P + goodBlock.length] })
add({ name: 'prefix smaller than the output', bytes: singleBlock(goodBlock, n - 1), code: 'BAD_COMPRESSION', at: [0, P + goodBlock.length] })
add({ name: 'prefix of 0', bytes: singleBlock(goodBlock, 0), code: 'BAD_COMPRESSION', at: [0, P + goodBlock.length] })
add({ name: 'prefix with no block', bytes: u32(n), code: 'BAD_COMPRESSION', at: [0, 4] })
{
  const head = plain.subarray(0, 8)
  const tail = plain.subarray(8)
  const seq = (offset: number, matchLength = 4): Uint8Array => lz4Block([{ literals: head, offset, matchLength }, { literals: tail }])
  const total = n + 4
  add({ name: 'match offset before the start of the output', bytes: singleBlock(seq(9), total), code: 'BAD_COMPRESSION', at: [P, P + 12] })
  add({ name: 'match offset 0xFFFF at the start', bytes: singleBlock(seq(0xffff), total), code: 'BAD_COMPRESSION', at: [P, P + 12] })
  add({ name: 'zero match offset', bytes: singleBlock(seq(0), total), code: 'BAD_COMPRESSION', at: [P, P + 12] })
  add({ name: 'match past the declared size', bytes: singleBlock(seq(1, 1000), total), code: 'BAD_COMPRESSION', at: [P, P + 20] })
  add({ name: 'match offset cut off', bytes: singleBlock(concat(0x80, head, 3), n), code: 'BAD_COMPRESSION', at: [P, P + 10] })
  add({ name: 'block ending with a match', bytes: singleBlock(lz4Block([{ literals: head, offset: 8, matchLength: 8 }]), 16), code: 'BAD_COMPRESSION', at: [P, P + 12] })
}
add({ name: 'literal run past the end of the input', bytes: singleBlock(concat(0xa0, plain.subarray(0, 3)), n), code: 'BAD_COMPRESSION', at: [P, P + 4] })
add({ name: 'long literal run past the end', bytes: singleBlock(concat(0xf0, 200, plain), n), code: 'BAD_COMPRESSION', at: [P, P + 2 + n] })
add({ name: 'overlong literal length run (255s to the end)', bytes: singleBlock(concat(0xf0, new Uint8Array(400).fill(255)), 1000), code: 'BAD_COMPRESSION', at: [P, P + 401] })
add({ name: 'overlong match length run (255s to the end)', bytes: singleBlock(concat(0x6f, utf8('BF'), 0, 1, 0, 0, u32(1).subarray(0, 2), new Uint8Array(400).fill(255)), 1000), code: 'BAD_COMPRESSION', at: [P, P + 410] })
add({ name: 'empty block after the prefix', bytes: concat(u32(6), 0), code: 'BAD_COMPRESSION', at: [0, 5] })
add({ name: 'decompressed data that is not "BF"', bytes: singleBlock(lz4Literals(utf8('XY\u0000\u0001\u0000\u0000\u0010')), 7), code: 'BAD_MAGIC', at: 0 })
add({ name: 'a valid block holding an unknown tag: offset in the plain message', bytes: singleBlock(lz4Literals(message([], 0xee)), 7), code: 'UNKNOWN_TAG', at: H })
{
  const m = message(['a'], w.obj([[5, w.null()]]))
  add({ name: 'a valid block holding a bad key index', bytes: singleBlock(lz4Literals(m), m.length), code: 'BAD_KEY_INDEX', at: [H + 3, H + 7] })
}
{
  const big = encode({ s: 'z'.repeat(600) })
  const chunks = literalChunks(big, 256)
  const total = big.length
  const good = chunkedFrame(total, chunks)
  // The structure check (SPEC 4.1) rejects every lying header; the single-block reading of
  // the same bytes then fails on the LZ4 data.
  add({ name: 'chunked: count 0', bytes: chunkedFrame(total, chunks, 0), code: 'BAD_COMPRESSION', at: [0, good.length] })
  add({ name: 'chunked: count larger than the chunks present', bytes: chunkedFrame(total, chunks, chunks.length + 1), code: 'BAD_COMPRESSION', at: [0, good.length] })
  add({ name: 'chunked: count smaller than the chunks present', bytes: chunkedFrame(total, chunks, chunks.length - 1), code: 'BAD_COMPRESSION', at: [0, good.length] })
  add({ name: 'chunked: count 2^32-1', bytes: chunkedFrame(total, chunks, 0xffffffff), code: 'BAD_COMPRESSION', at: [0, good.length] })
  add({ name: 'chunked: chunk sizes that do not sum to len(M)', bytes: chunkedFrame(total + 1, chunks), code: 'BAD_COMPRESSION', at: [0, good.length + 1] })
  {
    const lying = Uint8Array.from(good)
    new DataView(lying.buffer).setUint32(8, 0xfffffff0, true) // first chunk length past the end
    add({ name: 'chunked: a chunk length past the end', bytes: lying, code: 'BAD_COMPRESSION', at: [0, good.length] })
  }
  {
    const swapped = chunks.map((c, i) => (i === 0 ? { ...c, declared: c.declared + 1 } : i === 1 ? { ...c, declared: c.declared - 1 } : c))
    add({ name: 'chunked: chunk size prefixes that sum right but lie', bytes: chunkedFrame(total, swapped), code: 'BAD_COMPRESSION', at: [0, good.length] })
  }
  add({ name: 'chunked: total over maxDecompressedSize', bytes: good, code: 'TOO_LARGE', at: 0, options: { maxDecompressedSize: total - 1 } })
  add({ name: 'chunked: one chunk corrupted (zero offset)', bytes: chunkedFrame(total, [{ declared: chunks[0].declared, block: concat(0x00, 0, 0) }, ...chunks.slice(1)]), code: 'BAD_COMPRESSION', at: [0, good.length] })
  add({ name: 'chunked: a valid frame of an invalid message', bytes: chunkedFrame(8, [{ declared: 4, block: lz4Literals(utf8('BF\u0000\u0001')) }, { declared: 4, block: lz4Literals(Uint8Array.of(0, 0, 0xee, 0)) }]), code: 'UNKNOWN_TAG', at: H })
}

// ---- run the table --------------------------------------------------------------------------------
t.test('hostile inputs: exact code and offset', (t) => {
  for (const c of cases) {
    const e = thrownBy(() => decode(c.bytes, c.options))
    if (typeof e === 'string') {
      t.fail(`${c.name}: expected ${c.code}, ${e}`)
      continue
    }
    const [lo, hi] = typeof c.at === 'number' ? [c.at, c.at] : c.at
    const ok = e instanceof BFastError && e.name === 'BFastError' && e.code === c.code && Number.isInteger(e.offset) && e.offset >= lo && e.offset <= hi
    t.ok(ok, `${c.name}: ${e.code} at ${e.offset}${ok ? '' : ` (expected ${c.code} at ${lo === hi ? lo : `${lo}..${hi}`}; ${e.message})`}`)
  }
  t.end()
})

t.test('the same cases from a Node Buffer at an odd pool offset, and (plain messages) behind LZ4', (t) => {
  for (const c of cases) {
    const [lo, hi] = typeof c.at === 'number' ? [c.at, c.at] : c.at
    const pooled = Buffer.alloc(c.bytes.length + 3)
    pooled.set(c.bytes, 3)
    const inputs: Array<[string, Uint8Array]> = [['Buffer', pooled.subarray(3)]]
    // A plain message (header and all) behind a valid LZ4 block fails the same way, at the
    // same offset of the plain message.
    if (c.bytes.length >= H && c.bytes[0] === 0x42 && c.bytes[1] === 0x46 && c.options === undefined) {
      inputs.push(['LZ4', singleBlock(lz4Literals(c.bytes), c.bytes.length)])
    }
    for (const [how, bytes] of inputs) {
      const e = thrownBy(() => decode(bytes, c.options))
      const ok = typeof e !== 'string' && e.code === c.code && e.offset >= lo && e.offset <= hi
      if (!ok) t.fail(`${c.name} (${how}): ${typeof e === 'string' ? e : `${e.code} at ${e.offset}`}, expected ${c.code} at ${lo}..${hi}`)
    }
  }
  t.pass(`${cases.length} cases`)
  t.end()
})

t.test('regression: a raised maxDepth overflowed the call stack on decode (RangeError) instead of DEPTH', (t) => {
  for (const bytes of [deepLists(100_000), deepObjects(100_000)]) {
    let outcome: string
    try {
      decode(bytes, { maxDepth: 1_000_000 })
      outcome = 'decoded'
    } catch (err) {
      outcome = err instanceof BFastError ? `BFastError ${err.code}` : `${(err as Error).name}: ${(err as Error).message}`
    }
    t.match(outcome, /^(decoded|BFastError DEPTH)$/, outcome)
  }
  t.end()
})

// ---- truncation at every offset ---------------------------------------------------------------------
t.test('regression: an impossible LZ4 size claim and a size over maxDecompressedSize were both TOO_LARGE (issue 15)', (t) => {
  const block = singleBlock(goodBlock, n)
  const most = LZ4_MAX_RATIO * block.length
  const json = utf8('{"name":"Ada","born":1815}')
  const claims: Array<[string, Uint8Array, DecodeOptions | undefined, BFastErrorCode]> = [
    ['a claim past 255x the input, whatever the limit', singleBlock(goodBlock, most + 1), { maxDecompressedSize: 2 ** 32 }, 'IMPOSSIBLE_SIZE'],
    ['a claim past 255x the input and past the limit: impossible first', singleBlock(goodBlock, most + 1), { maxDecompressedSize: n }, 'IMPOSSIBLE_SIZE'],
    ['JSON text read as compressed ({"na read as 1.6 GB)', json, undefined, 'IMPOSSIBLE_SIZE'],
    ['a claim LZ4 could reach, over the limit', block, { maxDecompressedSize: n - 1 }, 'TOO_LARGE'],
    ['a claim of exactly 255x the input, within the limit: read, and the block disagrees', singleBlock(goodBlock, most), undefined, 'BAD_COMPRESSION']
  ]
  for (const [what, bytes, options, code] of claims) {
    const direct = thrownBy(() => decompress(bytes, options))
    t.equal(typeof direct === 'string' ? direct : direct.code, code, `decompress: ${what}`)
    const decoded = thrownBy(() => decode(bytes, options))
    t.equal(typeof decoded === 'string' ? decoded : decoded.code, code, `decode: ${what}`)
    const streaming = new Decompressor(options)
    for (let at = 0; at < bytes.length; at += 7) streaming.push(bytes.subarray(at, at + 7))
    const streamed = thrownBy(() => streaming.finish())
    t.equal(typeof streamed === 'string' ? streamed : streamed.code, code, `Decompressor: ${what}`)
  }
  const impossible = thrownBy(() => decode(json))
  t.match(typeof impossible === 'string' ? impossible : impossible.message, /does not start with "BF".* claim \d+ bytes, more than LZ4 can expand 26 bytes to \(255x\)/, 'the message says why')
  t.end()
})

t.test('truncation at every offset of several valid messages (plain)', (t) => {
  const msgs = [...seedValues().map((v) => encode(v)), ...seedMessages()]
  for (const m of msgs) {
    t.doesNotThrow(() => decode(m), 'the whole message reads')
    const bad: string[] = []
    for (let cut = 0; cut < m.length; cut++) {
      const e = thrownBy(() => decode(m.subarray(0, cut)))
      if (typeof e === 'string' || e.code !== 'TRUNCATED' || e.offset < 0 || e.offset > cut) bad.push(`${cut}: ${typeof e === 'string' ? e : `${e.code}@${e.offset}`}`)
    }
    t.same(bad, [], `${m.length}-byte message: TRUNCATED at every cut, offset within the input`)
  }
  t.end()
})

t.test('truncation at every offset of several valid messages (compressed)', async (t) => {
  const plainMsgs = [encode(seedValues()), encode({ rows: Array.from({ length: 60 }, (_, i) => ({ i, s: `row ${i}` })) })]
  const { vectors } = jsonFixture<{ vectors: Array<{ name: string; b64: string }> }>('bfast-v1-upstream.json')
  const upstream = vectors.find((v) => v.name === 'lz4-single-block')
  // Upstream's own single block (lz4_flex), as well as lz4-napi's and hand-built frames.
  const framed: Array<[string, Uint8Array]> = upstream ? [['upstream single block', new Uint8Array(Buffer.from(upstream.b64, 'base64'))]] : []
  for (const m of plainMsgs) {
    framed.push(['lz4-napi single block', compress(m)])
    framed.push(['lz4-napi chunked', await compressChunked(m, { chunkSize: 256 })])
    framed.push(['literal chunked', chunkedFrame(m.length, literalChunks(m, 300))])
  }
  for (const [kind, c] of framed) {
    t.not(c[0] === 0x42 && c[1] === 0x46, true, `${kind}: compressed`)
    const total = new DataView(c.buffer, c.byteOffset).getUint32(0, true)
    t.doesNotThrow(() => decode(c), `${kind}: the whole input reads`)
    const bad: string[] = []
    for (let cut = 0; cut < c.length; cut++) {
      const e = thrownBy(() => decode(c.subarray(0, cut)))
      // Below 5 bytes there is no prefix and block; above, the 255x bound decides first.
      const expected = cut < 5 ? ['TRUNCATED', 'BAD_COMPRESSION'] : total > LZ4_MAX_RATIO * cut ? ['IMPOSSIBLE_SIZE'] : ['BAD_COMPRESSION']
      if (typeof e === 'string' || !expected.includes(e.code) || e.offset < 0 || e.offset > Math.max(cut, total)) bad.push(`${cut}: ${typeof e === 'string' ? e : `${e.code}@${e.offset}`}`)
    }
    t.same(bad, [], `${kind} (${c.length} bytes): an error at every cut`)
  }
  t.end()
})

// ---- just inside each limit ---------------------------------------------------------------------------
t.test('values just inside each limit decode', async (t) => {
  const m = encode({ data: 'q'.repeat(5000) })
  const c = compress(m)
  t.equal(sameValue(decode(c, { maxDecompressedSize: m.length }), { data: 'q'.repeat(5000) }), undefined, 'maxDecompressedSize = the size')
  t.equal((thrownBy(() => decode(c, { maxDecompressedSize: m.length - 1 })) as BFastError).code, 'TOO_LARGE', 'one less: TOO_LARGE')
  const chunked = await compressChunked(m, { chunkSize: 1024 })
  t.doesNotThrow(() => decode(chunked, { maxDecompressedSize: m.length }), 'chunked at the limit')
  t.equal((thrownBy(() => decode(chunked, { maxDecompressedSize: m.length - 1 })) as BFastError).code, 'TOO_LARGE', 'chunked one over')

  // The 255x bound: a real block near LZ4's best ratio is accepted.
  const zeros = encode(new Uint8Array(4 << 20))
  const z = compress(zeros)
  t.ok(zeros.length / z.length > 200, `ratio ${(zeros.length / z.length).toFixed(1)}x`)
  t.equal((decode(z) as Uint8Array).length, 4 << 20, 'a 4 MiB run of zeros decodes')

  t.equal(decode(deepLists(128)) !== undefined, true, '128 nested lists')
  t.equal(decode(deepLists(10), { maxDepth: 10 }) !== undefined, true, 'maxDepth 10: 10 nested')
  t.same(decode(message([], w.list(1, w.small(0))), { maxDepth: 1 }), [0], 'maxDepth 1 reads a flat list')
  const maxKey = 'k'.repeat(255)
  t.same(decode(message([maxKey], w.obj([[0, w.small(1)]]))), { [maxKey]: 1 }, '255-byte key')
  const full = concat(header(Array.from({ length: 0xffff }, () => '')), w.obj([[0xfffe, w.small(1)]]))
  t.same(decode(full), { '': 1 }, 'a full 65,535-slot table, last slot used')
  t.end()
})

t.test('duplicate keys and prototype keys in hostile messages', (t) => {
  const dup = decode(message(['a', 'b'], w.obj([[0, w.small(1)], [1, w.small(2)], [0, w.small(3)]]))) as Record<string, unknown>
  t.same(dup, { a: 3, b: 2 }, 'the last wins')
  const proto = decode(message(['__proto__', 'isAdmin'], w.obj([[0, w.obj([[1, w.bool(true)]])]]))) as Record<string, unknown>
  t.equal(Object.getPrototypeOf(proto) === Object.prototype || Object.getPrototypeOf(proto) === null, true, 'prototype unchanged')
  t.equal((proto as { isAdmin?: unknown }).isAdmin, undefined, 'nothing inherited from the payload')
  t.same(Object.keys(proto), ['__proto__'], 'an own property')
  t.equal(({} as { isAdmin?: unknown }).isAdmin, undefined, 'Object.prototype untouched')
  t.end()
})
