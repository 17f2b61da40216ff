/**
 * The pure-TypeScript LZ4 block decoder (SPEC 4), through the public `decompress`: it must
 * read everything the real LZ4 library (lz4-napi) writes, and every corner of the block
 * format built by hand: overlapping matches, length runs at their nibble/255 boundaries,
 * the largest offset. Hand-built blocks are also checked against lz4-napi, so the builder
 * cannot drift from the real format.
 */
import t from 'tap'
import { compressSync, uncompressSync } from 'lz4-napi'
import { decode, decompress, encode } from '../../src/index.js'
import type { Lz4Sequence } from '../helpers/messages.js'
import { concat, lz4Block, singleBlock, utf8 } from '../helpers/messages.js'
import { bytesToHex } from '../helpers/tagged.js'

/** The block format's meaning, applied byte by byte: literals, then copy `matchLength` from `offset` back. */
function expand(seqs: readonly Lz4Sequence[]): Uint8Array {
  const out: number[] = []
  for (const s of seqs) {
    for (const b of s.literals) out.push(b)
    if (s.matchLength !== undefined) {
      const from = out.length - (s.offset as number)
      for (let i = 0; i < s.matchLength; i++) out.push(out[from + i])
    }
  }
  return Uint8Array.from(out)
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed | 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

const BF = utf8('BF')
const tail = utf8('12345') // the block format's last 5 bytes are literals

t.test('hand-built blocks: every corner of the format', (t) => {
  const cases: Array<[string, Lz4Sequence[]]> = [
    ['literals only, 14 (nibble)', [{ literals: concat(BF, utf8('abcdefghijkl')) }]],
    ['literals only, 15 (nibble 15 + run byte 0)', [{ literals: concat(BF, utf8('abcdefghijklm')) }]],
    ['literals only, 269 (15 + 254)', [{ literals: concat(BF, new Uint8Array(267).fill(7)) }]],
    ['literals only, 270 (15 + 255 + 0)', [{ literals: concat(BF, new Uint8Array(268).fill(7)) }]],
    ['literals only, 600 (two run bytes of 255)', [{ literals: concat(BF, noise(598, 3)) }]],
    ['RLE: offset 1, overlapping', [{ literals: concat(BF, utf8('a')), offset: 1, matchLength: 100 }, { literals: tail }]],
    ['offset 2, overlapping pattern', [{ literals: concat(BF, utf8('xy')), offset: 2, matchLength: 33 }, { literals: tail }]],
    ['offset 3 < length 4', [{ literals: concat(BF, utf8('xyz')), offset: 3, matchLength: 4 }, { literals: tail }]],
    ['match length 4 (minimum)', [{ literals: concat(BF, utf8('abcdefgh')), offset: 8, matchLength: 4 }, { literals: tail }]],
    ['match length 18 (nibble 14)', [{ literals: concat(BF, utf8('abcdefgh')), offset: 4, matchLength: 18 }, { literals: tail }]],
    ['match length 19 (nibble 15 + run byte 0)', [{ literals: concat(BF, utf8('abcdefgh')), offset: 4, matchLength: 19 }, { literals: tail }]],
    ['match length 274 (15 + 255 + 0)', [{ literals: concat(BF, utf8('abcdefgh')), offset: 10, matchLength: 274 }, { literals: tail }]],
    ['match from the very first byte', [{ literals: concat(BF, noise(30, 5)), offset: 32, matchLength: 32 }, { literals: tail }]],
    ['non-overlapping long copy', [{ literals: concat(BF, noise(100, 9)), offset: 102, matchLength: 90 }, { literals: tail }]],
    ['largest offset, 65535', [{ literals: concat(BF, noise(65533, 11)), offset: 65535, matchLength: 64 }, { literals: tail }]],
    ['empty literals between matches', [
      { literals: concat(BF, utf8('abcd')), offset: 4, matchLength: 8 },
      { literals: [], offset: 6, matchLength: 12 },
      { literals: [], offset: 1, matchLength: 300 },
      { literals: tail }
    ]]
  ]
  for (const [name, seqs] of cases) {
    const expected = expand(seqs)
    const block = lz4Block(seqs)
    const framed = singleBlock(block, expected.length)
    t.equal(bytesToHex(uncompressSync(Buffer.from(framed))), bytesToHex(expected), `${name}: lz4-napi agrees with the builder`)
    t.equal(bytesToHex(decompress(framed)), bytesToHex(expected), `${name}: decompress`)
  }
  t.end()
})

t.test('everything lz4-napi writes reads back, at many sizes and ratios', (t) => {
  const payloads: Array<[string, Uint8Array]> = []
  for (const n of [0, 1, 5, 12, 13, 15, 16, 17, 64, 255, 256, 1000, 4096, 65535, 65536, 70_000, 300_000]) {
    payloads.push([`noise ${n}`, noise(n, n + 1)])
    payloads.push([`pattern ${n}`, Uint8Array.from({ length: n }, (_, i) => (i * 7) % 13)])
  }
  payloads.push(['zeros 1 MiB', new Uint8Array(1 << 20)])
  payloads.push(['text', utf8('the quick brown fox jumps over the lazy dog; '.repeat(2000))])
  // Far repeats: matches with offsets near 64 KiB.
  const far = noise(200_000, 42)
  far.set(far.subarray(0, 50_000), 65_000)
  payloads.push(['far repeats', far])
  for (const [name, payload] of payloads) {
    const msg = encode(payload)
    const c = compressSync(Buffer.from(msg))
    const plain = decompress(c)
    t.ok(plain.length === msg.length && Buffer.compare(Buffer.from(plain), Buffer.from(msg)) === 0, `${name}: ${msg.length} -> ${c.length} -> same bytes`)
  }
  t.end()
})

t.test('decompress returns a plain message untouched', (t) => {
  const m = encode({ a: 1 })
  t.equal(decompress(m), m, 'the same object')
  t.same(decode(decompress(compressSync(Buffer.from(m)))), { a: 1 })
  t.end()
})
