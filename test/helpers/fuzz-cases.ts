/**
 * Hand-built wire bytes for the hostile-input and fuzz suites: a tiny B-FAST message builder
 * (SPEC 1-3), an LZ4 block assembler and the compressed framings (SPEC 4), an independent
 * reference walker over plain messages, the seed corpus and the mutations the fuzzers apply.
 * Everything here is written from the spec, not from the codec, so that the tests check the
 * codec against the format rather than against itself.
 */
import fc from 'fast-check'
import {
  CHUNK_HEADER,
  HEADER_SIZE,
  MAGIC_0,
  MAGIC_1,
  OBJECT_END,
  SIZE_PREFIX,
  TAG_BYTES,
  TAG_DATE,
  TAG_DATETIME,
  TAG_DECIMAL,
  TAG_F64_ARRAY,
  TAG_FALSE,
  TAG_FLOAT64,
  TAG_INT64,
  TAG_LIST,
  TAG_NULL,
  TAG_OBJECT,
  TAG_SMALL_INT,
  TAG_SMALL_INT_LAST,
  TAG_STRING,
  TAG_TIME,
  TAG_TRUE,
  TAG_TABLE,
  TAG_UUID,
  VERSION
} from '../../src/tags.js'
import { BFastError, Decompressor, decode, decompress, encode, isCompressed } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import { afterRoundTrip, materialize, sameValue } from './tagged.js'

export type Part = Uint8Array | readonly number[] | number

const textEncoder = new TextEncoder()

/** Joins bytes, byte arrays and single byte values into one Uint8Array. */
export function concat(...parts: Part[]): Uint8Array {
  let n = 0
  for (const p of parts) n += typeof p === 'number' ? 1 : p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    if (typeof p === 'number') out[o++] = p
    else {
      out.set(p, o)
      o += p.length
    }
  }
  return out
}

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n >>> 0, true)
  return b
}

export function u16(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff)
}

export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s)
}

export interface HeaderOptions {
  flags?: number
  version?: number
  /** Declared table count, when it should differ from the entries given. */
  count?: number
}

/** SPEC 1 header and SPEC 3 string table. Keys may be raw bytes (for invalid UTF-8). */
export function header(keys: ReadonlyArray<string | Uint8Array> = [], o: HeaderOptions = {}): Uint8Array {
  const entries = keys.map((k) => {
    const b = typeof k === 'string' ? utf8(k) : k
    return concat(b.length, b)
  })
  return concat(MAGIC_0, MAGIC_1, o.flags ?? 0, o.version ?? VERSION, u16(o.count ?? keys.length), ...entries)
}

/** A whole plain message: header, table, then the root value's bytes. */
export function message(keys: ReadonlyArray<string | Uint8Array>, ...root: Part[]): Uint8Array {
  return concat(header(keys), ...root)
}

/** Value encoders (SPEC 2), for building messages by hand. */
export const w = {
  null: (): Uint8Array => Uint8Array.of(TAG_NULL),
  bool: (b: boolean): Uint8Array => Uint8Array.of(b ? TAG_TRUE : TAG_FALSE),
  small: (n: number): Uint8Array => Uint8Array.of(TAG_SMALL_INT | n),
  int64(n: bigint): Uint8Array {
    const b = new Uint8Array(9)
    b[0] = TAG_INT64
    new DataView(b.buffer).setBigInt64(1, n, true)
    return b
  },
  f64(n: number): Uint8Array {
    const b = new Uint8Array(9)
    b[0] = TAG_FLOAT64
    new DataView(b.buffer).setFloat64(1, n, true)
    return b
  },
  /** A length-prefixed value: string, bytes, or one of the 0xD1..0xD5 text tags. */
  sized(tag: number, payload: Uint8Array | string, declared?: number): Uint8Array {
    const b = typeof payload === 'string' ? utf8(payload) : payload
    return concat(tag, u32(declared ?? b.length), b)
  },
  str: (s: string | Uint8Array, declared?: number): Uint8Array => w.sized(TAG_STRING, s, declared),
  bytes: (b: Uint8Array, declared?: number): Uint8Array => w.sized(TAG_BYTES, b, declared),
  list: (count: number, ...items: Part[]): Uint8Array => concat(TAG_LIST, u32(count), ...items),
  f64array(values: readonly number[], declared?: number): Uint8Array {
    const b = new Uint8Array(values.length * 8)
    const dv = new DataView(b.buffer)
    values.forEach((v, i) => dv.setFloat64(i * 8, v, true))
    return concat(TAG_F64_ARRAY, u32(declared ?? values.length), b)
  },
  /** An object of [key index, value bytes] members, terminated unless told otherwise. */
  obj(members: ReadonlyArray<readonly [number, Part]>, terminate = true): Uint8Array {
    const parts: Part[] = [TAG_OBJECT]
    for (const [k, v] of members) parts.push(u32(k), v)
    if (terminate) parts.push(OBJECT_END)
    return concat(...parts)
  }
}

/** Every tag SPEC 2 defines for a value; every other byte is UNKNOWN_TAG. */
export const KNOWN_TAGS: ReadonlySet<number> = new Set([
  TAG_NULL, TAG_FALSE, TAG_TRUE,
  ...Array.from({ length: TAG_SMALL_INT_LAST - TAG_SMALL_INT + 1 }, (_, i) => TAG_SMALL_INT + i),
  TAG_FLOAT64, TAG_STRING, TAG_LIST, TAG_OBJECT, TAG_BYTES, TAG_F64_ARRAY,
  TAG_DATETIME, TAG_DATE, TAG_TIME, TAG_UUID, TAG_DECIMAL, TAG_TABLE
])

// ---------------------------------------------------------------------------------------------
// LZ4 block format (lz4 block spec: token, literal-length run, literals, u16 offset, match run)

/** One LZ4 sequence; the last of a block has no match. */
export interface Lz4Sequence {
  literals: Uint8Array | readonly number[]
  offset?: number
  /** Full match length (>= 4). */
  matchLength?: number
}

const LZ4_MIN_MATCH = 4
const LZ4_NIBBLE_MAX = 15
const LZ4_RUN_BYTE = 255

function lz4Run(n: number): number[] {
  const out: number[] = []
  while (n >= LZ4_RUN_BYTE) {
    out.push(LZ4_RUN_BYTE)
    n -= LZ4_RUN_BYTE
  }
  out.push(n)
  return out
}

/** Assembles sequences into an LZ4 block exactly as the block format lays them out. */
export function lz4Block(seqs: readonly Lz4Sequence[]): Uint8Array {
  const parts: Part[] = []
  for (const s of seqs) {
    const lit = s.literals.length
    const hasMatch = s.matchLength !== undefined
    const ml = hasMatch ? (s.matchLength as number) - LZ4_MIN_MATCH : 0
    parts.push((Math.min(lit, LZ4_NIBBLE_MAX) << 4) | Math.min(ml, LZ4_NIBBLE_MAX))
    if (lit >= LZ4_NIBBLE_MAX) parts.push(lz4Run(lit - LZ4_NIBBLE_MAX))
    parts.push(Uint8Array.from(s.literals))
    if (hasMatch) {
      parts.push(u16(s.offset ?? 0))
      if (ml >= LZ4_NIBBLE_MAX) parts.push(lz4Run(ml - LZ4_NIBBLE_MAX))
    }
  }
  return concat(...parts)
}

/** A valid LZ4 block holding `data` as one literal run. */
export function lz4Literals(data: Uint8Array): Uint8Array {
  return lz4Block([{ literals: data }])
}

/** SPEC 4 single block: [u32 declared size][block]. */
export function singleBlock(block: Uint8Array, declared: number): Uint8Array {
  return concat(u32(declared), block)
}

export interface Chunk {
  /** The chunk's own size prefix. */
  declared: number
  block: Uint8Array
}

/** SPEC 4 chunked form: [u32 len(M)][u32 K] K x ([u32 len(Ci)][Ci]), Ci = [u32 size][block]. */
export function chunkedFrame(total: number, chunks: readonly Chunk[], declaredCount = chunks.length): Uint8Array {
  const parts: Part[] = [u32(total), u32(declaredCount)]
  for (const c of chunks) {
    const ci = singleBlock(c.block, c.declared)
    parts.push(u32(ci.length), ci)
  }
  return concat(...parts)
}

/** A message split into literal-only chunks, a valid chunked frame. */
export function literalChunks(msg: Uint8Array, chunkSize: number): Chunk[] {
  const out: Chunk[] = []
  for (let o = 0; o < msg.length; o += chunkSize) {
    const piece = msg.subarray(o, Math.min(msg.length, o + chunkSize))
    out.push({ declared: piece.length, block: lz4Literals(piece) })
  }
  return out
}

export { CHUNK_HEADER, HEADER_SIZE, SIZE_PREFIX }

// ---------------------------------------------------------------------------------------------
// Reference walker over plain messages (SPEC 1-3), independent of the codec

export interface Walk {
  table: Uint8Array[]
  /** Every key index an object uses, in message order. */
  keyIndexes: number[]
  /** Every value tag, in message order. */
  tags: number[]
  /** Offset of every f64-array payload. */
  f64Offsets: number[]
}

/** Walks a well-formed plain message; throws a plain Error on anything unexpected. */
export function walk(msg: Uint8Array): Walk {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
  const count = dv.getUint16(4, true)
  let p = HEADER_SIZE
  const table: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const n = msg[p++]
    table.push(msg.subarray(p, p + n))
    p += n
  }
  const res: Walk = { table, keyIndexes: [], tags: [], f64Offsets: [] }
  const value = (): void => {
    const tag = msg[p++]
    res.tags.push(tag)
    if (tag === TAG_NULL || tag === TAG_TRUE || tag === TAG_FALSE) return
    if (tag === TAG_INT64 || tag === TAG_FLOAT64) { p += 8; return }
    if (tag >= TAG_SMALL_INT && tag <= TAG_SMALL_INT_LAST) return
    if (tag === TAG_LIST) {
      const n = dv.getUint32(p, true)
      p += 4
      for (let i = 0; i < n; i++) value()
      return
    }
    if (tag === TAG_OBJECT) {
      while (msg[p] !== OBJECT_END) {
        res.keyIndexes.push(dv.getUint32(p, true))
        p += 4
        value()
      }
      p++
      return
    }
    if (tag === TAG_F64_ARRAY) {
      const n = dv.getUint32(p, true)
      res.f64Offsets.push(p + 4)
      p += 4 + n * 8
      return
    }
    if ([TAG_STRING, TAG_BYTES, TAG_DATETIME, TAG_DATE, TAG_TIME, TAG_UUID, TAG_DECIMAL].includes(tag)) {
      p += 4 + dv.getUint32(p, true)
      return
    }
    throw new Error(`walk: unknown tag 0x${tag.toString(16)} at ${p - 1}`)
  }
  value()
  if (p !== msg.length) throw new Error(`walk: ended at ${p} of ${msg.length}`)
  return res
}

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

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

function bytesHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

/** Runs `fn` and returns the BFastError it throws, or a description of what happened instead. */
export function thrownBy(fn: () => unknown): BFastError | string {
  try {
    const v = fn()
    return `returned ${typeof v}`
  } catch (err) {
    return err instanceof BFastError ? err : `threw ${describeError(err)}`
  }
}

/** The code a call throws ('none' when it returns, the error text when it is not a BFastError). */
export function codeOf(fn: () => unknown): string {
  const e = thrownBy(fn)
  return typeof e === 'string' ? e : e.code
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
