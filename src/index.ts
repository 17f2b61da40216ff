/**
 * `fastify-bfast/codec`: encode and decode B-FAST v1. Browser-safe: no Node built-ins and
 * no native modules (compression lives in `fastify-bfast/compress`).
 */
export { encode } from './writer.js'
export { decode } from './reader.js'
export { BFastTable } from './table.js'
export { decompress, isCompressed } from './frame.js'
export type { DecompressOptions } from './frame.js'
export { Decompressor } from './decompressor.js'
export type { DecompressorOptions } from './decompressor.js'
export { BFastError, ERROR_CODES } from './errors.js'
export type { BFastErrorCode } from './errors.js'
export type { DecodeOptions, EncodeOptions } from './options.js'
export { MEDIA_TYPE, MEDIA_TYPE_TABLE, MEDIA_TYPE_TABLE_TRANSFORMS } from './tags.js'
export { DEFAULT_CHUNK_SIZE, DEFAULT_PARALLEL_THRESHOLD } from './limits.js'
export { DEFAULT_MAX_DECOMPRESSED_SIZE, DEFAULT_MAX_DEPTH } from './options.js'
