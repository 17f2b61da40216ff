/**
 * Limits and defaults (SPEC sections 4 and 6), in one table.
 */

/** SPEC 6: nesting bound, as upstream. */
export const DEFAULT_MAX_DEPTH = 128
/** SPEC 6: decompressed-size bound (and never more than LZ4_MAX_RATIO x the compressed size). */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 64 * 1024 * 1024
/** SPEC 4: upstream cuts messages into 262,144-byte chunks for the chunked form. */
export const DEFAULT_CHUNK_SIZE = 262_144
/** SPEC 4: upstream uses the chunked form from 1,000,000 bytes. */
export const DEFAULT_PARALLEL_THRESHOLD = 1_000_000
