/**
 * Reading the two compressed forms of SPEC 4 back into a plain message.
 * Browser-safe: LZ4 blocks go to the pure-TypeScript decoder in ./lz4.ts.
 */
import { BFastError } from './errors.js'
import { decodeBlock } from './lz4.js'
import { CHUNK_HEADER, HEADER_SIZE, LZ4_MAX_RATIO, MAGIC_0, MAGIC_1, SIZE_PREFIX } from './tags.js'
import { checkDecodeOptions, DEFAULT_MAX_DECOMPRESSED_SIZE } from './options.js'

export interface DecompressOptions {
  /** Largest decompressed message accepted, in bytes (default 64 MiB; SPEC 6). */
  maxDecompressedSize?: number
}

/** SPEC 4: a message is compressed exactly when it does not start with "BF". */
export function isCompressed(bytes: Uint8Array): boolean {
  return !(bytes.length >= 2 && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1)
}

export function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0
}

/**
 * The size bound (SPEC 6) of `options`, checked as decode options are (./options.ts); `name`
 * names the options in a BAD_OPTION message.
 */
export function sizeLimit(options: DecompressOptions | undefined, name: string): number {
  checkDecodeOptions(options, name)
  return options?.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE
}

/**
 * SPEC 4.1: the chunked form, checked exactly: K >= 1, every length in bounds, the chunks
 * consume the input exactly and their own size prefixes sum to the declared size.
 * Returns K, or 0 when the input is not chunked.
 */
export function chunkCount(bytes: Uint8Array, total: number): number {
  const n = bytes.length
  if (n < CHUNK_HEADER) return 0
  const k = u32(bytes, SIZE_PREFIX)
  // Each chunk takes at least 8 bytes (its length and its own size prefix), so a count the
  // input cannot hold is rejected before the walk: the walk is bounded by the input.
  if (k < 1 || k > (n - CHUNK_HEADER) / CHUNK_HEADER) return 0
  let p = CHUNK_HEADER
  let sum = 0
  for (let i = 0; i < k; i++) {
    if (n - p < SIZE_PREFIX) return 0
    const len = u32(bytes, p)
    p += SIZE_PREFIX
    if (len < SIZE_PREFIX || len > n - p) return 0
    sum += u32(bytes, p)
    p += len
  }
  return p === n && sum === total ? k : 0
}

/**
 * Returns the plain message held by `bytes`: `bytes` itself when it starts with "BF",
 * otherwise the decompressed single-block or chunked form (SPEC 4). The declared size is
 * checked against LZ4's 255x bound (IMPOSSIBLE_SIZE) and `maxDecompressedSize` (TOO_LARGE)
 * before anything is allocated,
 * and the output must be exactly the declared size and start with "BF".
 *
 * @example
 * ```ts
 * const plain = decompress(bytesFromNetwork, { maxDecompressedSize: 8 << 20 })
 * ```
 */
export function decompress(bytes: Uint8Array, options?: DecompressOptions): Uint8Array {
  return decompressWithin(bytes, sizeLimit(options, 'decompress'))
}

/** decompress() with its size bound already checked (decode checks it with its other options). */
export function decompressWithin(bytes: Uint8Array, limit: number): Uint8Array {
  if (!isCompressed(bytes)) return bytes
  const n = bytes.length
  if (n < SIZE_PREFIX + 1) {
    throw new BFastError(
      n < 2 ? 'TRUNCATED' : 'BAD_COMPRESSION',
      0,
      'Input neither starts with "BF" nor holds an LZ4 size prefix and block'
    )
  }
  const total = u32(bytes, 0)
  // SPEC 6: a claim no LZ4 data of this length can reach says the bytes are not compressed
  // B-FAST at all (IMPOSSIBLE_SIZE); a possible one over the caller's limit is TOO_LARGE.
  if (total > LZ4_MAX_RATIO * n) {
    throw new BFastError(
      'IMPOSSIBLE_SIZE', 0,
      `Input does not start with "BF", and read as compressed its first 4 bytes claim ${total} bytes, ` +
        `more than LZ4 can expand ${n} bytes to (${LZ4_MAX_RATIO}x)`
    )
  }
  if (total > limit) {
    throw new BFastError('TOO_LARGE', 0, `Declared decompressed size ${total} exceeds the limit of ${limit} bytes`)
  }
  if (total < HEADER_SIZE) {
    throw new BFastError('BAD_COMPRESSION', 0, `Declared size ${total} is too small for a message`)
  }
  const out = new Uint8Array(total)
  const k = chunkCount(bytes, total)
  if (k > 0) {
    let p = CHUNK_HEADER
    let dp = 0
    for (let i = 0; i < k; i++) {
      const len = u32(bytes, p)
      const size = u32(bytes, p + SIZE_PREFIX)
      const start = p + 2 * SIZE_PREFIX
      const reached = decodeBlock(bytes, start, p + SIZE_PREFIX + len, out, dp, dp + size)
      if (reached !== dp + size) {
        throw new BFastError('BAD_COMPRESSION', start, `Chunk ${i} decoded to ${reached - dp} bytes, declared ${size}`)
      }
      dp = reached
      p += SIZE_PREFIX + len
    }
  } else {
    const reached = decodeBlock(bytes, SIZE_PREFIX, n, out, 0, total)
    if (reached !== total) {
      throw new BFastError('BAD_COMPRESSION', SIZE_PREFIX, `Block decoded to ${reached} bytes, declared ${total}`)
    }
  }
  if (out[0] !== MAGIC_0 || out[1] !== MAGIC_1) {
    throw new BFastError('BAD_MAGIC', 0, 'Decompressed data does not start with "BF"')
  }
  return out
}
