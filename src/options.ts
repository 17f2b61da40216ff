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
}
