/**
 * The fuzz cases for the hostile-input and fuzz suites: the seed corpus, the mutations the
 * fuzzers apply, the oracle every input is checked against (decode and decompress fail only
 * with a BFastError, and what decodes re-encodes to the same value), arbitrary JS values, and
 * the fuzz targets. The messages themselves are built with ./messages.ts.
 */
import fc from 'fast-check'
import { TAG_DATE, TAG_DATETIME, TAG_DECIMAL, TAG_TIME, TAG_UUID } from '../../src/tags.js'
import { BFastError, Decompressor, decode, decompress, encode, isCompressed } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import { chunkedFrame, concat, header, literalChunks, lz4Literals, message, singleBlock, u32, w } from './messages.js'
import { describeError } from './thrown.js'
import { afterRoundTrip, materialize, sameValue } from './tagged.js'

// ---------------------------------------------------------------------------------------------
// Seeds and mutations for the fuzzers

/** JS values whose messages cover every tag the writer emits, keys shared and not. */
export function seedValues(): unknown[] {
  return [
    { id: 1, name: 'Ada', active: true, score: 9.5, tags: ['a', 'b'], nothing: null },
    [1, -1, 8, 2 ** 40, -(2 ** 53) + 1, 2n ** 63n - 1n, -0, NaN, 1.5, Infinity],
    { user: { id: 42, profile: { city: 'Récife ✓ 🚀', zip: null } }, ok: false },
    { bin: new Uint8Array([0, 1, 0x7f, 0xff]), f64: new Float64Array([1.5, -2.25, 0]), when: new Date(1700000000123) },
    [{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { b: 'z', a: 3 }],
    'a string of some length, long enough for the long-string path: ' + 'ünïcödé '.repeat(4),
    Array.from({ length: 140 }, (_, i) => [`k${i}`, i]).reduce<Record<string, number>>((o, [k, v]) => {
      o[k as string] = v as number
      return o
    }, {})
  ]
}

/** Hand-built messages for the tags the JS writer never emits (SPEC 2). */
export function seedMessages(): Uint8Array[] {
  return [
    message(['d', 't', 'u', 'x'], w.obj([
      [0, w.sized(TAG_DATE, '2024-02-29')],
      [1, w.sized(TAG_TIME, '10:30:05')],
      [2, w.sized(TAG_UUID, '550e8400e29b41d4a716446655440000')],
      [3, w.sized(TAG_DECIMAL, '-1E+3')]
    ])),
    message([], w.list(3, Uint8Array.of(0x39), Uint8Array.of(0x3f), w.sized(TAG_DATETIME, '2024-01-15T10:30:45'))),
    message(['a'], w.obj([[0, w.small(1)], [0, w.small(2)]]))
  ]
}

/** Length-field values that tend to break readers. */
export const INTERESTING_U32 = [0, 1, 2, 7, 8, 0x7f, 0xff, 0x100, 0xffff, 0x10000, 0x1fffffff, 0x20000001, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff]
const INTERESTING_BYTE = [0x00, 0x01, 0x10, 0x38, 0x40, 0x42, 0x46, 0x50, 0x60, 0x70, 0x7f, 0x80, 0x90, 0xc0, 0xd1, 0xd5, 0xed, 0xf4, 0xff]

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'u32'; at: number; value: number; relative: number }
  | { kind: 'splice'; at: number; from: number; len: number; donor: number }
  | { kind: 'delete'; at: number; len: number }

/** Positions are fractions of the current length, so one mutation list fits any input. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTE), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING_U32), relative: fc.integer({ min: -2, max: 2 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), from: fc.nat(), len: fc.integer({ min: 1, max: 64 }), donor: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) })
)

/** Applies mutations in order; `donors` feed splices. Never mutates its input. */
export function mutate(input: Uint8Array, muts: readonly Mutation[], donors: readonly Uint8Array[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input)
  for (const m of muts) {
    if (b.length === 0) break
    const at = m.at % b.length
    switch (m.kind) {
      case 'flip':
        b[at] ^= 1 << m.bit
        break
      case 'set':
        b[at] = m.byte
        break
      case 'truncate':
        b = b.slice(0, at)
        break
      case 'u32': {
        if (b.length < 4) break
        const pos = at % (b.length - 3)
        // `relative` edits a length to just around what remains, the classic off-by-one.
        const remaining = b.length - pos - 4
        const value = m.relative === 0 ? m.value : Math.max(0, remaining + m.relative)
        new DataView(b.buffer, b.byteOffset).setUint32(pos, value >>> 0, true)
        break
      }
      case 'splice': {
        const donor = donors.length > 0 ? donors[m.donor % donors.length] : b
        if (donor.length === 0) break
        const from = m.from % donor.length
        b = concat(b.subarray(0, at), donor.subarray(from, from + m.len), b.subarray(at))
        break
      }
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(at + m.len))
        break
    }
  }
  return b
}

// ---------------------------------------------------------------------------------------------
// The fuzz oracle (issue 6): decode returns or throws BFastError; whatever it returns re-encodes
// and reads back to the same value. And the incremental Decompressor, fed the input in pieces,
// gives exactly decompress()'s bytes or error.

export interface Finding {
  stage: 'streamed' | 'decode' | 're-encode' | 're-decode'
  error: string
  input: string
}

/** What a decompression attempt gave: the bytes, or the error's code and offset. */
export type Outcome = { bytes: Uint8Array } | { code: string; offset: number } | { other: string }

export function outcome(fn: () => Uint8Array): Outcome {
  try {
    return { bytes: fn() }
  } catch (err) {
    return err instanceof BFastError ? { code: err.code, offset: err.offset } : { other: describeError(err) }
  }
}

export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if ('bytes' in a && 'bytes' in b) return a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i])
  if ('code' in a && 'code' in b) return a.code === b.code && a.offset === b.offset
  return false
}

export function describeOutcome(o: Outcome): string {
  return 'bytes' in o ? `${o.bytes.length} bytes` : 'code' in o ? `${o.code}@${o.offset}` : o.other
}

/** Feeds `input` to a Decompressor cut at `cuts` (positions, any order) and finishes. */
export function streamed(input: Uint8Array, cuts: readonly number[], expectedLength?: number, maxDecompressedSize?: number): Uint8Array {
  const d = new Decompressor({ expectedLength, maxDecompressedSize })
  let from = 0
  for (const cut of [...cuts].sort((x, y) => x - y)) {
    if (cut > input.length) break
    d.push(input.subarray(from, cut))
    from = cut
  }
  d.push(input.subarray(from))
  return d.finish()
}

/** How decompress() and the Decompressor (input cut a byte in and in half) disagree, if they do. */
function streamedDisagrees(input: Uint8Array): string | undefined {
  const whole = outcome(() => decompress(input))
  const parts = outcome(() => streamed(input, [1, input.length >> 1], input.length))
  return sameOutcome(whole, parts) ? undefined : `decompress() ${describeOutcome(whole)}, streamed ${describeOutcome(parts)}`
}

/** Checks one input against the oracle; undefined when it holds. */
export function oracle(input: Uint8Array): Finding | undefined {
  const hex = bytesHex(input)
  const disagreement = streamedDisagrees(input)
  if (disagreement !== undefined) return { stage: 'streamed', error: disagreement, input: hex }
  let value: unknown
  try {
    // Tables (SPEC 8) read their cells on demand: reading every row is part of decoding.
    value = materialize(decode(input))
  } catch (err) {
    if (err instanceof BFastError && typeof err.code === 'string' && Number.isInteger(err.offset)) return undefined
    return { stage: 'decode', error: describeError(err), input: hex }
  }
  let again: Uint8Array
  try {
    again = encode(value)
  } catch (err) {
    return { stage: 're-encode', error: describeError(err), input: hex }
  }
  try {
    const diff = sameValue(decode(again), afterRoundTrip(value))
    if (diff !== undefined) return { stage: 're-decode', error: diff, input: hex }
  } catch (err) {
    return { stage: 're-decode', error: describeError(err), input: hex }
  }
  return undefined
}

function bytesHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

// ---------------------------------------------------------------------------------------------
// Arbitrary JS values (property tests and fuzz seeds): JSON-like values plus the special types
// of SPEC 5 (bigint in int64 range, Dates, Uint8Array, Float64Array, -0, NaN, Map, Set,
// undefined), keys including the prototype-ish ones.

const key = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary-ascii', maxLength: 8 }),
  fc.constantFrom('', '__proto__', 'constructor', 'prototype', 'toString', '0', '1', '-1', 'toJSON')
)

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -20, max: 20 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 53, -(2 ** 53), 2 ** 31, -(2 ** 31) - 1, 0.1),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 20, maxLength: 300 }),
  fc.string({ unit: 'grapheme', minLength: 16, maxLength: 200 }),
  fc.date(),
  fc.uint8Array({ maxLength: 40 }),
  fc.float64Array({ maxLength: 10 }),
  fc.constant(undefined)
)

export const { value: valueArb } = fc.letrec<{ value: unknown; list: unknown[]; obj: Record<string, unknown>; map: Map<string, unknown>; set: Set<unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('list'), tie('obj'), tie('map'), tie('set')),
  list: fc.array(tie('value'), { maxLength: 8 }),
  obj: fc.dictionary(key, tie('value'), { maxKeys: 8 }),
  map: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items))
}))

// ---------------------------------------------------------------------------------------------
// Fuzz targets shared by test/src/fuzz.test.ts (bounded, in `npm test`) and test/fuzz-long.ts
// (`npm run fuzz`): each is an arbitrary of inputs for `oracle`.

export interface FuzzTarget {
  name: string
  input: fc.Arbitrary<Uint8Array>
}

/** Valid plain messages: the seed values, the hand-built tags, and the small upstream vectors. */
export function plainSeeds(vectorMessages: readonly Uint8Array[] = []): Uint8Array[] {
  return [...seedValues().map((v) => encode(v)), ...seedMessages(), ...vectorMessages.filter((m) => m.length < 2048 && !isCompressed(m))]
}

/** The fuzz targets over `seeds` (valid plain messages). */
export function fuzzTargets(seeds: readonly Uint8Array[]): FuzzTarget[] {
  const compressedSeeds = seeds.flatMap((m) => [compress(m), chunkedFrame(m.length, literalChunks(m, 16)), singleBlock(lz4Literals(m), m.length)])
  const mutations = fc.array(mutationArb, { minLength: 1, maxLength: 4 })
  const pick = (list: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> => fc.integer({ min: 0, max: list.length - 1 }).map((i) => list[i])
  return [
    {
      name: 'mutated plain messages',
      input: fc.tuple(pick(seeds), mutations).map(([m, muts]) => mutate(m, muts, seeds))
    },
    {
      name: 'mutated messages, then compressed (message errors behind LZ4)',
      input: fc.tuple(pick(seeds), mutations, fc.boolean()).map(([m, muts, lz]) => {
        const bad = mutate(m, muts, seeds)
        return lz ? singleBlock(lz4Literals(bad), bad.length) : chunkedFrame(bad.length, literalChunks(bad, 32))
      })
    },
    {
      name: 'mutated compressed messages (LZ4 and chunk framing)',
      input: fc.tuple(pick(compressedSeeds), mutations).map(([m, muts]) => mutate(m, muts, compressedSeeds))
    },
    {
      name: 'mutated messages of generated values',
      input: fc.tuple(valueArb, mutations).map(([v, muts]) => mutate(encode(v), muts, seeds))
    },
    {
      name: 'random bytes',
      input: fc.uint8Array({ maxLength: 96 })
    },
    {
      name: 'random bytes after a valid header',
      input: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 96 })).map(([count, rest]) => concat(header([], { count }), rest))
    },
    {
      name: 'random LZ4 blocks behind a plausible size prefix',
      input: fc.tuple(fc.integer({ min: 0, max: 2048 }), fc.uint8Array({ minLength: 1, maxLength: 96 })).map(([n, block]) => concat(u32(n), block))
    }
  ]
}
