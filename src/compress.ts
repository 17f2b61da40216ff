/**
 * Server-side LZ4 compression of whole messages (SPEC 4), with lz4-napi.
 *
 * Node only (native module): this is the `fastify-bfast/compress` entry and no module the
 * browser loads imports it. lz4-napi is an optional peer dependency, loaded on first use: a
 * frontend project that installs the package for its client gets no native module, and a server
 * that never compresses needs none (issue 13 item 3). Decompression lives in ./frame.ts (pure TypeScript) because
 * lz4-napi's `uncompress` allocates whatever size a prefix claims before reading the data.
 */
import { createRequire } from 'node:module'
import { BFastError } from './errors.js'
import { CHUNK_HEADER, MAGIC_U16LE, SIZE_PREFIX } from './tags.js'
import { DEFAULT_CHUNK_SIZE } from './limits.js'

export interface ChunkedOptions {
  /** Bytes of the plain message per independently compressed chunk. Default 262,144 (SPEC 4). */
  chunkSize?: number
}

/** The optional peer dependency that compresses (a native module: N-API, prebuilt binaries). */
export const LZ4_PACKAGE = 'lz4-napi'

type Lz4Napi = typeof import('lz4-napi')

/** Resolved from this file, as a static import would be; loaded once, on first use. */
const requireFromHere = createRequire(import.meta.url)
let lz4Napi: Lz4Napi | undefined

function lz4(): Lz4Napi {
  if (lz4Napi === undefined) {
    try {
      lz4Napi = requireFromHere(LZ4_PACKAGE) as Lz4Napi
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw err
      throw new BFastError(
        'LZ4_NOT_INSTALLED',
        0,
        `LZ4 compression needs the optional peer dependency ${LZ4_PACKAGE}: npm install ${LZ4_PACKAGE}`
      )
    }
  }
  return lz4Napi
}

/**
 * Whether compression can run here (lz4-napi is installed and loads). The plugin asks at
 * registration, so a server that may compress fails at start-up, not on its first large reply.
 */
export function compressionAvailable(): boolean {
  try {
    lz4()
    return true
  } catch (err) {
    if (err instanceof BFastError) return false
    throw err
  }
}

/** Low 16 bits of the size prefix, the first two bytes of any compressed form. */
const LOW_16 = 0xffff

/**
 * SPEC 4.2: a compressed message whose size prefix starts with "BF" would be read as plain;
 * such a message must be sent uncompressed.
 */
function collidesWithMagic(message: Uint8Array): boolean {
  return (message.length & LOW_16) === MAGIC_U16LE
}

/**
 * `bytes` as a Buffer over the same memory (no copy): lz4-napi and Fastify's reply take Buffers.
 * Not part of the public API (the plugin's replies use it too).
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Compresses a message as one LZ4 block, `[u32 len][block]` (SPEC 4), synchronously.
 * Returns `message` itself, uncompressed, when the compressed form would start with "BF"
 * (SPEC 4.2); `isCompressed()` tells which.
 *
 * @example
 * ```ts
 * import { encode } from 'fastify-bfast/codec'
 * import { compress } from 'fastify-bfast/compress'
 * const wire = compress(encode(users))
 * ```
 */
export function compress(message: Uint8Array): Uint8Array {
  if (collidesWithMagic(message)) return message
  return lz4().compressSync(asBuffer(message))
}

/**
 * Compresses a message in the chunked form of SPEC 4: chunks of `chunkSize` bytes, each an
 * LZ4 block with its own size prefix, compressed in parallel on the libuv thread pool so the
 * event loop is never blocked for the whole message. JS objects cannot leave the main
 * isolate, so only this byte work is parallel (PERFORMANCE-NOTES "The lesson of the seed").
 * Returns `message` itself when the result would start with "BF" (SPEC 4.2).
 *
 * @example
 * ```ts
 * const wire = await compressChunked(encode(bigReport), { chunkSize: 262_144 })
 * ```
 */
export async function compressChunked(message: Uint8Array, options?: ChunkedOptions): Promise<Uint8Array> {
  const chunkSize = options?.chunkSize ?? DEFAULT_CHUNK_SIZE
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new BFastError('BAD_OPTION', 0, 'chunkSize must be a positive integer')
  }
  if (collidesWithMagic(message)) return message
  const source = asBuffer(message)
  const { compress: lz4Async } = lz4()
  const pending: Promise<Buffer>[] = []
  for (let p = 0; p < source.length; p += chunkSize) pending.push(lz4Async(source.subarray(p, p + chunkSize)))
  const chunks = await Promise.all(pending)
  let size = CHUNK_HEADER
  for (const c of chunks) size += SIZE_PREFIX + c.length
  const out = Buffer.allocUnsafe(size)
  out.writeUInt32LE(source.length, 0)
  out.writeUInt32LE(chunks.length, SIZE_PREFIX)
  let p = CHUNK_HEADER
  for (const c of chunks) {
    out.writeUInt32LE(c.length, p)
    c.copy(out, p + SIZE_PREFIX)
    p += SIZE_PREFIX + c.length
  }
  return out
}
