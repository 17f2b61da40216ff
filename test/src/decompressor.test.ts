/**
 * The incremental decompressor (src/decompressor.ts): for any bytes cut into any pieces,
 * `finish()` must return exactly what `decompress()` returns for the whole, or throw the same
 * BFastError (code and offset). Checked on real lz4-napi output (both forms of SPEC 4), on the
 * upstream vectors, and on every fuzz target (mutated framings, blocks and messages), with
 * random cut points. Memory: the output is not allocated on a size prefix alone (SPEC 6).
 */
import t from 'tap'
import fc from 'fast-check'
import { Decompressor, decompress, encode } from '../../src/index.js'
import { compress, compressChunked } from '../../src/compress.js'
import {
  describeOutcome,
  fuzzTargets,
  outcome,
  plainSeeds,
  sameOutcome,
  streamed,
  valueArb
} from '../helpers/fuzz-cases.js'
import { concat, u32 } from '../helpers/messages.js'
import { jsonFixture } from '../helpers/paths.js'
import { users } from '../helpers/tagged.js'
import { DECOMPRESSOR_INITIAL_MAX_BYTES } from '../../src/limits.js'

const SEED = 0xdec0
const RUNS_PER_TARGET = 1500
const MIB = 1024 * 1024

const cutsArb = (max: number): fc.Arbitrary<number[]> => fc.array(fc.integer({ min: 0, max: Math.max(0, max) }), { maxLength: 12 })

t.test('real replies, both forms, any piece size: decoded as the pieces arrive, to the same bytes', async (t) => {
  const message = encode(users(3000))
  const forms: Array<[string, Uint8Array]> = [
    ['single block', compress(message)],
    ['chunked, 64 KiB chunks', await compressChunked(message, { chunkSize: 65_536 })],
    ['chunked, 1000-byte chunks', await compressChunked(message, { chunkSize: 1000 })],
    ['plain', message]
  ]
  for (const [name, wire] of forms) {
    // Pieces of 1 and 7 bytes stop the decoder at every point of a sequence at least once.
    for (const piece of [1, 7, 4096, 16_384, 65_536, wire.length]) {
      const d = new Decompressor({ expectedLength: wire.length })
      const progress: number[] = []
      for (let p = 0; p < wire.length; p += piece) {
        d.push(wire.subarray(p, p + piece))
        progress.push(d.decodedBytes)
      }
      const label = `${name}, ${piece}-byte pieces`
      // Before finish(): every chunk of the chunked form, all but the block's last sequence;
      // nothing for a plain message (nothing to decompress).
      const last = progress[progress.length - 1]!
      if (name === 'plain') t.equal(last, 0, `${label}: nothing to decompress`)
      else if (name === 'single block') t.ok(last > message.length * 0.99 && last < message.length, `${label}: ${last} of ${message.length} bytes before finish()`)
      else t.equal(last, message.length, `${label}: every chunk before finish()`)
      if (name !== 'plain' && piece < wire.length) {
        const first = progress.findIndex((v) => v > 0)
        t.ok(first >= 0 && first < progress.length - 1, `${label}: decoding started at piece ${first + 1} of ${progress.length}`)
      }
      t.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]!), `${label}: progress never goes back`)
      t.ok(Buffer.from(d.finish()).equals(Buffer.from(message)), `${label}: finish() gives the message`)
    }
  }
})

t.test('upstream vectors, cut at every position: the same result as decompress()', async (t) => {
  const { vectors } = jsonFixture<{ vectors: Array<{ name: string; b64: string }> }>('bfast-v1-upstream.json')
  let checked = 0
  for (const v of vectors) {
    const wire = new Uint8Array(Buffer.from(v.b64, 'base64'))
    const whole = outcome(() => decompress(wire))
    const step = Math.max(1, Math.floor(wire.length / 64))
    for (let cut = 0; cut <= wire.length; cut += step) {
      const parts = outcome(() => streamed(wire, [cut, cut + 3]))
      if (!sameOutcome(whole, parts)) t.fail(`${v.name} cut at ${cut}: ${describeOutcome(parts)}, decompress() ${describeOutcome(whole)}`)
      checked++
    }
  }
  t.ok(checked > vectors.length, `${checked} cuts over ${vectors.length} vectors agree`)
})

t.test('generated values, compressed either way, cut anywhere', async (t) => {
  const details = fc.check(
    fc.property(valueArb, fc.boolean(), fc.integer({ min: 1, max: 64 }), cutsArb(4096), (value, chunked, chunkKiB, cuts) => {
      const message = encode(value)
      const wire = chunked ? concatChunked(message, chunkKiB * 16) : compress(message)
      return sameOutcome(outcome(() => decompress(wire)), outcome(() => streamed(wire, cuts)))
    }),
    { seed: SEED, numRuns: 400 }
  )
  t.notOk(details.failed, details.failed ? `counterexample ${JSON.stringify(details.counterexample)?.slice(0, 300)}` : `${details.numRuns} cases`)
})

/** The chunked form built synchronously from lz4-napi single blocks (SPEC 4.1 layout). */
function concatChunked(message: Uint8Array, chunkSize: number): Uint8Array {
  const parts: Uint8Array[] = [u32(message.length)]
  const chunks: Uint8Array[] = []
  for (let p = 0; p < message.length; p += chunkSize) chunks.push(compress(message.subarray(p, p + chunkSize)))
  parts.push(u32(chunks.length))
  for (const c of chunks) parts.push(u32(c.length), c)
  return concat(...parts)
}

const { vectors } = jsonFixture<{ vectors: Array<{ b64: string }> }>('bfast-v1-upstream.json')
const seeds = plainSeeds(vectors.map((v) => new Uint8Array(Buffer.from(v.b64, 'base64'))))
for (const target of fuzzTargets(seeds)) {
  t.test(`fuzz target "${target.name}", cut anywhere: the same result or error as decompress()`, async (t) => {
    const details = fc.check(
      fc.property(target.input, cutsArb(256), (bytes, cuts) => sameOutcome(outcome(() => decompress(bytes)), outcome(() => streamed(bytes, cuts, bytes.length)))),
      { seed: SEED, numRuns: RUNS_PER_TARGET }
    )
    const example = details.counterexample?.[0]
    t.notOk(
      details.failed,
      details.failed && example
        ? `streamed ${describeOutcome(outcome(() => streamed(example, details.counterexample![1])))} vs decompress() ${describeOutcome(outcome(() => decompress(example)))} (seed ${details.seed}, path ${details.counterexamplePath})`
        : `${details.numRuns} cases`
    )
  })
}

t.test('a size prefix alone allocates nothing: the 255x bound applies to bytes received (SPEC 6)', async (t) => {
  const declared = 60 * MIB
  const d = new Decompressor({ maxDecompressedSize: 64 * MIB })
  d.push(concat(u32(declared), u32(0xffffffff)))
  // 100 KB more of an endless literal-length run (no error to stop at): 255 x 100 KB is still
  // below 60 MiB, so still no output buffer.
  for (let i = 0; i < 25; i++) d.push(new Uint8Array(4000).fill(0xff))
  t.ok(d.retainedBytes < MIB, `${d.retainedBytes} bytes held for 100 KB received`)
  t.throws(() => d.finish(), { code: 'IMPOSSIBLE_SIZE' })
})

t.test('a claimed length does not size the input buffer beyond its cap', async (t) => {
  const d = new Decompressor({ expectedLength: 2 ** 40 })
  d.push(new Uint8Array([0x42]))
  t.ok(d.retainedBytes <= DECOMPRESSOR_INITIAL_MAX_BYTES, `${d.retainedBytes} bytes held for a claimed 1 TiB`)
  t.throws(() => d.finish(), { code: 'TRUNCATED' })
})

t.test('maxDecompressedSize is honoured as decompress() honours it', async (t) => {
  const message = encode(users(200))
  const wire = compress(message)
  t.throws(() => streamed(wire, [5, 100], wire.length, message.length - 1), { code: 'TOO_LARGE' })
  t.equal(streamed(wire, [5, 100], wire.length, message.length).length, message.length)
  t.throws(() => new Decompressor({ maxDecompressedSize: -1 }), { code: 'BAD_OPTION' })
})
