/**
 * The `application/x-bfast` request-body parser (plain or compressed messages, SPEC 4).
 *
 * Two limits apply: Fastify's `bodyLimit` on the bytes received (Fastify answers 413
 * FST_ERR_CTP_BODY_TOO_LARGE before this parser runs), and `maxBodySize` on the plain message,
 * checked by the codec against each compressed form's size prefix before it allocates
 * (SPEC 6), so a decompression bomb costs nothing but its own bytes. Failures are 400
 * (malformed) or 413 (too large) with an `FST_BFAST_*` code and the codec's message, which
 * says what and at which byte.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BFastError, decode, MEDIA_TYPE } from '../src/index.js'
import type { DecodeOptions } from '../src/index.js'
import { FastifyBfastError, HTTP_STATUS, PLUGIN_ERROR_CODES } from './errors.js'
import type { ResolvedOptions } from './options.js'

/** Codec error codes that mean "too large" rather than "malformed". */
const TOO_LARGE_CODES: ReadonlySet<string> = new Set(['TOO_LARGE'])

function tooLarge(message: string, cause?: unknown): FastifyBfastError {
  return new FastifyBfastError(PLUGIN_ERROR_CODES.FST_BFAST_BODY_TOO_LARGE, HTTP_STATUS.contentTooLarge, message, { cause })
}

/**
 * Turns a raw body into its value, or into an error carrying the HTTP status to answer.
 *
 * @example
 * ```ts
 * parseBody(Buffer.from(encode({ a: 1 })), { maxDecompressedSize: 1 << 20 }) // { a: 1 }
 * ```
 */
export function parseBody(body: Buffer, options: DecodeOptions & { maxDecompressedSize: number }): unknown {
  if (body.length > options.maxDecompressedSize) {
    throw tooLarge(`B-FAST request body of ${body.length} bytes exceeds maxBodySize (${options.maxDecompressedSize} bytes)`)
  }
  try {
    return decode(body, options)
  } catch (err) {
    if (err instanceof BFastError) {
      if (TOO_LARGE_CODES.has(err.code)) {
        throw tooLarge(`B-FAST request body too large: ${err.message} (maxBodySize ${options.maxDecompressedSize} bytes)`, err)
      }
      throw new FastifyBfastError(PLUGIN_ERROR_CODES.FST_BFAST_BAD_BODY, HTTP_STATUS.badRequest, `Invalid B-FAST request body: ${err.message}`, {
        cause: err
      })
    }
    throw err
  }
}

/** Registers the parser on `app` (the root instance: the plugin is fastify-plugin wrapped). */
export function registerBodyParser(app: FastifyInstance, options: ResolvedOptions): void {
  const decodeOptions = { ...options.decode, maxDecompressedSize: options.maxBodySize }
  app.addContentTypeParser(MEDIA_TYPE, { parseAs: 'buffer' }, (_request: FastifyRequest, body: Buffer, done) => {
    let value: unknown
    try {
      value = parseBody(body, decodeOptions)
    } catch (err) {
      done(err as Error, undefined)
      return
    }
    done(null, value)
  })
}
