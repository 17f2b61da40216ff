/**
 * node:zlib's zstd (RFC 8878) and the coding names HTTP gives other names: the one place both the
 * replies' codings (./content-coding.ts, ./accept-encoding.ts) and the request bodies' decoding
 * (./request-coding.ts) take them from.
 *
 * zstd is in node:zlib from Node 22.15 (and 23.8); on Node 20 it is absent. Its functions are
 * looked up at run time because this project's Node type definitions are Node 20's, which do not
 * declare them.
 */
import type { Transform } from 'node:stream'
import zlib from 'node:zlib'

/** node:zlib's completion callback. */
export type ZlibCallback = (err: Error | null, result: Buffer) => void

/** node:zlib's zstd API (Node >= 22.15 and 23.8), as far as this plugin uses it. */
export interface ZstdZlib {
  zstdCompress(buf: Buffer, options: { params: Record<number, number> }, callback: ZlibCallback): void
  zstdCompressSync(buf: Buffer, options?: { params: Record<number, number> }): Buffer
  zstdDecompressSync(buf: Buffer): Buffer
  createZstdDecompress(options: { params: Record<number, number> }): Transform
  constants: { ZSTD_c_compressionLevel: number; ZSTD_c_checksumFlag: number; ZSTD_d_windowLogMax: number }
}

/** node:zlib when this Node line has zstd, else undefined. */
export const zstdZlib: ZstdZlib | undefined =
  typeof (zlib as unknown as Partial<ZstdZlib>).zstdCompress === 'function' &&
  typeof (zlib as unknown as Partial<ZstdZlib>).createZstdDecompress === 'function'
    ? (zlib as unknown as ZstdZlib)
    : undefined

/** RFC 9110 section 8.4.1.3: a recipient should treat x-gzip as gzip. */
export const CODING_ALIASES: Readonly<Record<string, string>> = Object.freeze({ 'x-gzip': 'gzip' })
