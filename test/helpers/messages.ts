/**
 * Hand-built wire bytes, written from the spec and not from the codec, so that the tests check
 * the codec against the format rather than against itself: a tiny B-FAST message builder
 * (SPEC 1-3), an LZ4 block assembler and the compressed framings (SPEC 4), and an independent
 * reference walker over plain messages. The fuzz cases built from them are in ./fuzz-cases.ts.
 */
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
