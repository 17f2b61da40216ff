/**
 * HTTP content codings of B-FAST replies (RFC 9110 section 8.4.1): zstd (RFC 8878), br (RFC 7932)
 * and gzip (RFC 1952), compressed with node:zlib on the libuv thread pool (its callback API), so a
 * large reply never blocks the event loop. The one place that knows how each coding is produced:
 * the plugin and `npm run bench:codings` (which measures the figures of ./coding-model.ts) both
 * compress through here, with the same parameters.
 *
 * zstd is in node:zlib from Node 22.15 (and 23.8); on Node 20 it is absent, and the plugin offers
 * only br and gzip there (./zlib-zstd.ts looks it up).
 */
import zlib from 'node:zlib'
import { zstdZlib, type ZlibCallback } from './zlib-zstd.js'

/** The HTTP content codings the plugin can produce, in the order the README lists them. */
export const HTTP_CODINGS = ['zstd', 'br', 'gzip'] as const
export type HttpCoding = (typeof HTTP_CODINGS)[number]

/** The level ranges each coding accepts (zstd's negative "fast" levels are not used). */
export const LEVEL_RANGE = {
  zstd: { min: 1, max: 22 },
  br: { min: 0, max: 11 },
  gzip: { min: 1, max: 9 }
} as const satisfies Record<HttpCoding, { min: number; max: number }>

/** Whether this Node line can produce `coding` (zstd needs Node >= 22.15). */
export function codingAvailable(coding: HttpCoding): boolean {
  return coding !== 'zstd' || zstdZlib !== undefined
}

/** The codings this Node line can produce. */
export const AVAILABLE_CODINGS: readonly HttpCoding[] = HTTP_CODINGS.filter(codingAvailable)

function zstdOptions(level: number): { params: Record<number, number> } {
  return { params: { [zstdZlib!.constants.ZSTD_c_compressionLevel]: level } }
}

/**
 * Brotli's size hint lets the encoder size its window and tables for the message (smaller
 * messages compress faster); MODE_GENERIC because B-FAST is binary, not UTF-8 text.
 */
function brotliOptions(level: number, size: number): zlib.BrotliOptions {
  return {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: level,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size
    }
  }
}

/** Compresses `plain` with `coding` at `level` on the thread pool. */
export function encodeContent(coding: HttpCoding, level: number, plain: Buffer, callback: ZlibCallback): void {
  if (coding === 'zstd') zstdZlib!.zstdCompress(plain, zstdOptions(level), callback)
  else if (coding === 'br') zlib.brotliCompress(plain, brotliOptions(level, plain.length), callback)
  else zlib.gzip(plain, { level }, callback)
}

/** encodeContent on the calling thread, for the benchmark that measures the model's figures. */
export function encodeContentSync(coding: HttpCoding, level: number, plain: Buffer): Buffer {
  if (coding === 'zstd') return zstdZlib!.zstdCompressSync(plain, zstdOptions(level))
  if (coding === 'br') return zlib.brotliCompressSync(plain, brotliOptions(level, plain.length))
  return zlib.gzipSync(plain, { level })
}

/** Decodes a reply body sent with `coding` (what a client's fetch does; the benchmark times it). */
export function decodeContentSync(coding: HttpCoding, encoded: Buffer): Buffer {
  if (coding === 'zstd') return zstdZlib!.zstdDecompressSync(encoded)
  if (coding === 'br') return zlib.brotliDecompressSync(encoded)
  return zlib.gunzipSync(encoded)
}
