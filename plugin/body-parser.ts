/**
 * The `application/x-bfast` request-body parser (plain or compressed messages, SPEC 4).
 *
 * Two limits apply: Fastify's `bodyLimit` on the bytes received (Fastify answers 413
 * FST_ERR_CTP_BODY_TOO_LARGE before this parser runs), and `maxBodySize` on the plain message,
 * checked by the codec against each compressed form's size prefix before it allocates
 * (SPEC 6), so a decompression bomb costs nothing but its own bytes. Failures are 400
 * (malformed) or 413 (too large) with an `FST_BFAST_*` code and the codec's message, which
 * says what and at which byte.
 *
 * 413 is kept for bodies that could really expand past maxBodySize. A body that does not start
 * with "BF" and whose first four bytes claim more than LZ4 can expand the body to (255x, SPEC 6)
 * is not a compressed message at all: the codec says TOO_LARGE because it checks the claim
 * before anything else, but the client sent something malformed (typically JSON under the
 * wrong Content-Type), so it gets a 400 that says so.
 *
 * A third limit is the codec's work budget (`decode.maxHeapPerByte`, SPEC 6): a well-formed
 * message that would build more heap per byte than the worst JSON body (empty containers,
 * typically packed 255x by LZ4) is refused as it is read, with 413 FST_BFAST_BODY_OVER_BUDGET:
 * like a body over a size limit, it is refused for what it would cost, not for its form, and
 * the remedy is the same (a smaller body, or a larger limit).
 *
 * `__proto__` and `constructor.prototype` keys get the app's `onProtoPoisoning` /
 * `onConstructorPoisoning` (Fastify's defaults: 'error'), exactly as JSON bodies: with 'error'
 * the same 400 a JSON body gets. Routes with `config.bfast: false` get plain Fastify's 415 for
 * a B-FAST body, and it is never decoded.
 */
import { errorCodes } from 'fastify'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { BFastError, decode, isCompressed, MEDIA_TYPE } from '../src/index.js'
import type { DecodeOptions } from '../src/index.js'
import { LZ4_MAX_RATIO, SIZE_PREFIX } from '../src/tags.js'
import { FastifyBfastError, HTTP_STATUS, PLUGIN_ERROR_CODES } from './errors.js'
import type { ResolvedOptions } from './options.js'

/** Codec error codes that mean "too large" rather than "malformed". */
const TOO_LARGE_CODES: ReadonlySet<string> = new Set(['TOO_LARGE', 'STRING_TOO_LONG'])

/** Fastify's default onProtoPoisoning / onConstructorPoisoning (fastify/lib/config-validator.js). */
const FASTIFY_POISONING_DEFAULT = 'error'

/** First bytes of JSON text (RFC 8259 section 2: whitespace, then an object or an array). */
const JSON_OPENERS: ReadonlySet<number> = new Set([0x7b, 0x5b]) // { [
const JSON_WHITESPACE: ReadonlySet<number> = new Set([0x20, 0x09, 0x0a, 0x0d])

function tooLarge(message: string, cause?: unknown): FastifyBfastError {
  return new FastifyBfastError(PLUGIN_ERROR_CODES.FST_BFAST_BODY_TOO_LARGE, HTTP_STATUS.contentTooLarge, message, { cause })
}

function overBudget(message: string, cause: unknown): FastifyBfastError {
  return new FastifyBfastError(PLUGIN_ERROR_CODES.FST_BFAST_BODY_OVER_BUDGET, HTTP_STATUS.contentTooLarge, message, { cause })
}

function malformed(message: string, cause: unknown): FastifyBfastError {
  return new FastifyBfastError(PLUGIN_ERROR_CODES.FST_BFAST_BAD_BODY, HTTP_STATUS.badRequest, message, { cause })
}

/** The size a compressed body claims, when no LZ4 data of its length could reach it (SPEC 4, 6). */
function impossibleClaim(body: Buffer): number | undefined {
  if (body.length < SIZE_PREFIX || !isCompressed(body)) return undefined
  const claimed = body.readUInt32LE(0)
  return claimed > LZ4_MAX_RATIO * body.length ? claimed : undefined
}

function looksLikeJson(body: Buffer): boolean {
  let i = 0
  while (i < body.length && JSON_WHITESPACE.has(body[i]!)) i++
  return i < body.length && JSON_OPENERS.has(body[i]!)
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
      if (err.code === 'OVER_BUDGET') {
        throw overBudget(`B-FAST request body over the decode work budget: ${err.message} (raise decode.maxHeapPerByte to accept it)`, err)
      }
      if (TOO_LARGE_CODES.has(err.code)) {
        const claimed = impossibleClaim(body)
        if (claimed !== undefined) {
          const hint = looksLikeJson(body) ? ' It looks like JSON: send it as application/json, or encode it as B-FAST.' : ''
          throw malformed(
            `Invalid B-FAST request body: it does not start with "BF", and read as compressed its first 4 bytes claim ${claimed} bytes, ` +
              `more than LZ4 can expand ${body.length} bytes to.${hint}`,
            err
          )
        }
        throw tooLarge(`B-FAST request body too large: ${err.message} (maxBodySize ${options.maxDecompressedSize} bytes)`, err)
      }
      throw malformed(`Invalid B-FAST request body: ${err.message}`, err)
    }
    throw err
  }
}

/** Registers the parser on `app` (the root instance: the plugin is fastify-plugin wrapped). */
export function registerBodyParser(app: FastifyInstance, options: ResolvedOptions): void {
  const decodeOptions: DecodeOptions & { maxDecompressedSize: number } = {
    ...options.decode,
    maxDecompressedSize: options.maxBodySize,
    // The app's settings, as Fastify's JSON parser takes them (both default to 'error').
    onProtoPoisoning: app.initialConfig.onProtoPoisoning ?? FASTIFY_POISONING_DEFAULT,
    onConstructorPoisoning: app.initialConfig.onConstructorPoisoning ?? FASTIFY_POISONING_DEFAULT,
    // B-FAST v1 only: a handler gets arrays, as from a JSON body, never a lazy BFastTable (SPEC 8).
    tables: false
  }
  app.addContentTypeParser(MEDIA_TYPE, { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    if ((request.routeOptions.config as { bfast?: unknown } | undefined)?.bfast === false) {
      // An opted-out route is plain Fastify: no parser for this type (fastify/lib/content-type-parser.js).
      done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), undefined)
      return
    }
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
