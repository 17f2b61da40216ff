/**
 * The codec's one error class (SPEC 6): a stable `code`, the byte `offset`
 * where the problem was found, and a message saying what and where.
 */

/** Stable error codes; new codes may be added, existing ones never change meaning. */
export const ERROR_CODES = {
  /** The message does not start with "BF" (after decompression, if any). */
  BAD_MAGIC: 'BAD_MAGIC',
  /** Unknown version byte. */
  BAD_VERSION: 'BAD_VERSION',
  /** The big-endian flag (bit 1) is set (SPEC 1). */
  BAD_FLAGS: 'BAD_FLAGS',
  /** A length, count or value runs past the end of the input. */
  TRUNCATED: 'TRUNCATED',
  /** Bytes remain after the root value. */
  TRAILING: 'TRAILING',
  /** A tag byte that SPEC 2 does not define. */
  UNKNOWN_TAG: 'UNKNOWN_TAG',
  /** An object key index outside the string table. */
  BAD_KEY_INDEX: 'BAD_KEY_INDEX',
  /** A string or key that is not valid UTF-8. */
  BAD_UTF8: 'BAD_UTF8',
  /** Nesting deeper than maxDepth (reading or writing). */
  DEPTH: 'DEPTH',
  /** A declared (decompressed) size beyond the configured limit (`maxDecompressedSize`, SPEC 6). */
  TOO_LARGE: 'TOO_LARGE',
  /**
   * A compressed message whose size prefix claims more than LZ4 can expand its bytes to (255x,
   * SPEC 6): no LZ4 data could produce it, so these bytes are not a compressed message at all
   * (typically JSON or text sent as B-FAST). Checked before the limit and before allocating.
   */
  IMPOSSIBLE_SIZE: 'IMPOSSIBLE_SIZE',
  /** A compressed message whose framing or LZ4 data is invalid. */
  BAD_COMPRESSION: 'BAD_COMPRESSION',
  /** A key longer than 255 UTF-8 bytes (SPEC 3). */
  KEY_TOO_LONG: 'KEY_TOO_LONG',
  /** More than 65,535 distinct keys in one message (SPEC 3). */
  TOO_MANY_KEYS: 'TOO_MANY_KEYS',
  /** A bigint outside the int64 range. */
  INT_RANGE: 'INT_RANGE',
  /** A value that contains itself. */
  CIRCULAR: 'CIRCULAR',
  /**
   * A typed text value (datetime, date, UUID) that does not parse as its type; or (encode) a
   * list that user code changed while its table was being written (SPEC 8).
   */
  BAD_VALUE: 'BAD_VALUE',
  /** A string holding a lone UTF-16 surrogate, which UTF-8 cannot carry (never silently replaced). */
  LONE_SURROGATE: 'LONE_SURROGATE',
  /** A table value (SPEC 8) whose directory, offsets, lengths or cells are inconsistent. */
  BAD_TABLE: 'BAD_TABLE',
  /** A bad option value passed to encode/decode. */
  BAD_OPTION: 'BAD_OPTION',
  /**
   * Decoding would build more than the work budget allows: more estimated heap than
   * `maxHeapPerByte` per message byte read (SPEC 6). The message may be well formed.
   */
  OVER_BUDGET: 'OVER_BUDGET',
  /**
   * An object with a `__proto__` key, or a `constructor` key whose value is an object with a
   * `prototype` key, read with `onProtoPoisoning` / `onConstructorPoisoning: 'error'` (SPEC 5).
   */
  FORBIDDEN_PROPERTY: 'FORBIDDEN_PROPERTY',
  /** A string whose UTF-16 length would pass the engine's maximum string length (MAX_STRING_UNITS). */
  STRING_TOO_LONG: 'STRING_TOO_LONG',
  /** A length or count beyond the u32 range the format can carry (SPEC 2), when encoding. */
  LENGTH_RANGE: 'LENGTH_RANGE',
  /** An ArrayBuffer, or a view of one, that was detached (transferred): its bytes are gone. */
  DETACHED: 'DETACHED',
  /** Compression was asked for but the optional peer dependency lz4-napi is not installed. */
  LZ4_NOT_INSTALLED: 'LZ4_NOT_INSTALLED'
} as const

export type BFastErrorCode = keyof typeof ERROR_CODES

/**
 * Thrown by `encode`, `decode` and the compression helpers.
 *
 * @example
 * ```ts
 * try {
 *   decode(bytes)
 * } catch (err) {
 *   if (err instanceof BFastError && err.code === 'TRUNCATED') console.log(err.offset)
 * }
 * ```
 */
export class BFastError extends Error {
  /** A stable machine-readable code (see `ERROR_CODES`). */
  readonly code: BFastErrorCode
  /** Byte offset in the input (decode) or output (encode) where the problem was found. */
  readonly offset: number

  constructor(code: BFastErrorCode, offset: number, message: string) {
    super(`${message} (${code} at byte ${offset})`)
    this.name = 'BFastError'
    this.code = code
    this.offset = offset
  }
}

/**
 * True for the engine's "too much recursion": RangeError in V8 and JavaScriptCore,
 * InternalError in SpiderMonkey. Used to turn a maxDepth raised beyond the call stack into
 * DEPTH (SPEC 6: every failure is a BFastError).
 */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError || (err instanceof Error && err.name === 'InternalError')
}
