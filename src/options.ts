/**
 * Public option types for encode/decode (SPEC 5 and 6).
 */

export interface EncodeOptions {
  /** Deepest nesting allowed before `DEPTH` is thrown. Default 128 (SPEC 6). */
  maxDepth?: number
  /**
   * Write every non-empty array of plain objects as a table (SPEC 8), which `decode` returns
   * as a `BFastTable`. Only for readers that asked for `layout=table`. Default false.
   */
  tables?: boolean
}

/**
 * What decode does with an object holding a `__proto__` key (onProtoPoisoning) or a
 * `constructor` key whose value is an object with a `prototype` key (onConstructorPoisoning),
 * with secure-json-parse's meanings, as Fastify's JSON body parser: `'error'` throws
 * FORBIDDEN_PROPERTY, `'remove'` deletes the key, `'ignore'` keeps it as an own property.
 */
export type PoisoningAction = 'error' | 'remove' | 'ignore'

/** Allowed values of PoisoningAction, first the codec default (SPEC 5: as JSON.parse). */
export const POISONING_ACTIONS: readonly PoisoningAction[] = ['ignore', 'error', 'remove']

export interface DecodeOptions {
  /**
   * How int64 (tag 0x38) values are returned: `'auto'` (default) gives a number when it is a
   * safe integer and a bigint otherwise; `'number'` always a number (may lose precision);
   * `'bigint'` always a bigint.
   */
  int64?: 'auto' | 'number' | 'bigint'
  /** Datetime (0xD1) and date (0xD2) as `Date` (default) or as the ISO text sent. */
  dates?: 'date' | 'string'
  /** Decimal (0xD5) as a number via parseFloat (default, as upstream) or as the text sent. */
  decimal?: 'number' | 'string'
  /** Float64 arrays (0x90) as a `Float64Array` (default) or a plain `number[]`. */
  float64Array?: 'typed' | 'array'
  /** Bytes (0x80) as a copy instead of a view into the input. Default false. */
  copyBinary?: boolean
  /** Deepest nesting allowed before `DEPTH` is thrown. Default 128 (SPEC 6). */
  maxDepth?: number
  /**
   * Largest decompressed message accepted, in bytes. Default 64 MiB; the effective bound is
   * also never more than 255x the compressed size (SPEC 6).
   */
  maxDecompressedSize?: number
  /**
   * The work budget (SPEC 6): the most estimated heap, in bytes, decode may build per byte of
   * the plain message read so far (after a fixed 256 KiB allowance); beyond it decode throws
   * OVER_BUDGET. Default 16: real data uses about 3, and JSON.parse up to 21 on its worst
   * input. `Infinity` switches the check off.
   */
  maxHeapPerByte?: number
  /** `__proto__` keys: `'ignore'` (default, an own property as JSON.parse makes), `'error'` or `'remove'`. */
  onProtoPoisoning?: PoisoningAction
  /** `constructor` keys holding an object with a `prototype` key: `'ignore'` (default), `'error'` or `'remove'`. */
  onConstructorPoisoning?: PoisoningAction
  /**
   * Accept table values (SPEC 8), each returned as a lazy `BFastTable`. Default true. `false`
   * reads B-FAST v1 only, as upstream readers do: a table is `UNKNOWN_TAG`. The plugin reads
   * request bodies so: tables are a reply layout a client asks for (`layout=table`), and a
   * handler written for JSON bodies must get arrays, never a `BFastTable`.
   */
  tables?: boolean
}
