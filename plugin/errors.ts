/**
 * The plugin's errors: Fastify-style codes (`FST_BFAST_*`) and HTTP status codes, so that
 * Fastify's error handler turns request-body failures into a clear 4xx reply
 * (`{ statusCode, code, error, message }`) and registration failures name the bad option.
 */
import type { BFastError } from '../src/index.js'
import { describeValue } from '../src/options.js'

/** Stable error codes of the plugin; never reused with another meaning. */
export const PLUGIN_ERROR_CODES = {
  /** An invalid plugin or route option (thrown at registration, never at request time). */
  FST_BFAST_BAD_OPTION: 'FST_BFAST_BAD_OPTION',
  /** A request body that is not a valid B-FAST message (400). */
  FST_BFAST_BAD_BODY: 'FST_BFAST_BAD_BODY',
  /** A request body whose (decompressed) message exceeds maxBodySize (413). */
  FST_BFAST_BODY_TOO_LARGE: 'FST_BFAST_BODY_TOO_LARGE',
  /** A request body whose decoding would build more than decode.maxHeapPerByte allows (413; codec OVER_BUDGET). */
  FST_BFAST_BODY_OVER_BUDGET: 'FST_BFAST_BODY_OVER_BUDGET',
  /** A request body whose Content-Encoding is truncated, corrupt or followed by other bytes (400). */
  FST_BFAST_BAD_CONTENT_CODING: 'FST_BFAST_BAD_CONTENT_CODING',
  /** A request body in a Content-Encoding the server does not decode, or too many stacked (415). */
  FST_BFAST_UNSUPPORTED_CONTENT_CODING: 'FST_BFAST_UNSUPPORTED_CONTENT_CODING',
  /** Compression is possible under the options but lz4-napi (optional peer) is not installed (registration). */
  FST_BFAST_LZ4_NOT_INSTALLED: 'FST_BFAST_LZ4_NOT_INSTALLED'
} as const

export type PluginErrorCode = keyof typeof PLUGIN_ERROR_CODES

/** HTTP status codes used by the plugin's errors (RFC 9110 section 15). */
export const HTTP_STATUS = {
  badRequest: 400,
  contentTooLarge: 413,
  unsupportedMediaType: 415,
  internal: 500
} as const

/**
 * An error raised by the plugin. `statusCode` is read by Fastify's error handler.
 *
 * @example
 * ```ts
 * try {
 *   await app.register(bfast, { compression: { threshold: -1 } })
 * } catch (err) {
 *   if (err instanceof FastifyBfastError) console.log(err.code) // 'FST_BFAST_BAD_OPTION'
 * }
 * ```
 */
export class FastifyBfastError extends Error {
  readonly code: PluginErrorCode
  readonly statusCode: number

  constructor(code: PluginErrorCode, statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FastifyBfastError'
    this.code = code
    this.statusCode = statusCode
  }
}

/** A registration-time option error: `where` names the option path, `what` the rule broken. */
export function badOption(where: string, what: string, got: unknown): FastifyBfastError {
  return new FastifyBfastError(
    PLUGIN_ERROR_CODES.FST_BFAST_BAD_OPTION,
    HTTP_STATUS.internal,
    `fastify-bfast: option ${where} ${what} (got ${describeValue(got)})`
  )
}

/**
 * A registration-time option error the codec found (its BAD_OPTION, from the option registry
 * of src/options.ts, which names the option and what it accepts), as the plugin's own.
 */
export function codecBadOption(err: BFastError): FastifyBfastError {
  const message = `fastify-bfast: ${err.message}`
  return new FastifyBfastError(PLUGIN_ERROR_CODES.FST_BFAST_BAD_OPTION, HTTP_STATUS.internal, message, { cause: err })
}

/**
 * Registration-time: `where` (the plugin's options or a route) may compress, but the optional
 * peer dependency that compresses is not installed. Names what to install and how to avoid it.
 */
export function lz4NotInstalled(where: string, lz4Package: string): FastifyBfastError {
  return new FastifyBfastError(
    PLUGIN_ERROR_CODES.FST_BFAST_LZ4_NOT_INSTALLED,
    HTTP_STATUS.internal,
    `fastify-bfast: ${where} may compress replies (in-format LZ4), which needs the optional peer dependency ${lz4Package}: ` +
      `npm install ${lz4Package} (or leave 'lz4' out of compression.encodings, or set compression.network to 'fast' without clientHints to never compress)`
  )
}
