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
 * 413 is kept for bodies that could really expand past maxBodySize. A body whose size prefix
 * claims more than LZ4 can expand it to (the codec's IMPOSSIBLE_SIZE, SPEC 6) is not a
 * compressed message at all: the client sent something malformed (typically JSON under the
 * wrong Content-Type), so it gets a 400 that says so. Every codec code has its answer in one
 * table, CODEC_TO_HTTP; the plugin never reads the framing itself.
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
import { BFastError, decode, MEDIA_TYPE } from '../src/index.js'
import type { BFastErrorCode, DecodeOptions } from '../src/index.js'
import { FastifyBfastError, HTTP_STATUS, PLUGIN_ERROR_CODES } from './errors.js'
import type { PluginErrorCode } from './errors.js'
import type { ResolvedOptions } from './options.js'

/** Fastify's default onProtoPoisoning / onConstructorPoisoning (fastify/lib/config-validator.js). */
const FASTIFY_POISONING_DEFAULT = 'error'

/** First bytes of JSON text (RFC 8259 section 2: whitespace, then an object or an array). */
const JSON_OPENERS: ReadonlySet<number> = new Set([0x7b, 0x5b]) // { [
const JSON_WHITESPACE: ReadonlySet<number> = new Set([0x20, 0x09, 0x0a, 0x0d])

function looksLikeJson(body: Buffer): boolean {
  let i = 0
  while (i < body.length && JSON_WHITESPACE.has(body[i]!)) i++
  return i < body.length && JSON_OPENERS.has(body[i]!)
}

/** The answer to a request body the codec refused: HTTP status, plugin code, and the message. */
interface BodyAnswer {
  readonly status: number
  readonly code: PluginErrorCode
  readonly message: (err: BFastError, body: Buffer, maxBodySize: number) => string
}

/** Malformed: 400 with the codec's message, which says what and at which byte. */
const MALFORMED: BodyAnswer = {
  status: HTTP_STATUS.badRequest,
  code: PLUGIN_ERROR_CODES.FST_BFAST_BAD_BODY,
  message: (err) => `Invalid B-FAST request body: ${err.message}`
}

/** Larger than maxBodySize (or than a string can be): 413, refused before it is built. */
const TOO_LARGE: BodyAnswer = {
  status: HTTP_STATUS.contentTooLarge,
  code: PLUGIN_ERROR_CODES.FST_BFAST_BODY_TOO_LARGE,
  message: (err, _body, maxBodySize) =>
    `B-FAST request body too large: ${err.message} (maxBodySize ${maxBodySize} bytes)`
}

/**
 * Each codec code's answer (SPEC 6 codes; RFC 9110 sections 15.5.1 and 15.5.14). Typed over every
 * BFastErrorCode, so a new codec code does not compile until it is given an answer here. Codes
 * only encode raises (KEY_TOO_LONG, CIRCULAR, ...) cannot come from decode and share MALFORMED.
 */
const CODEC_TO_HTTP: Readonly<Record<BFastErrorCode, BodyAnswer>> = {
  BAD_MAGIC: MALFORMED,
  BAD_VERSION: MALFORMED,
  BAD_FLAGS: MALFORMED,
  TRUNCATED: MALFORMED,
  TRAILING: MALFORMED,
  UNKNOWN_TAG: MALFORMED,
  BAD_KEY_INDEX: MALFORMED,
  BAD_UTF8: MALFORMED,
  DEPTH: MALFORMED,
  TOO_LARGE,
  // Not a compressed message at all (SPEC 6): malformed, and most often JSON sent as B-FAST.
  IMPOSSIBLE_SIZE: {
    ...MALFORMED,
    message: (err, body) =>
      `${MALFORMED.message(err, body, 0)}.` +
      (looksLikeJson(body) ? ' It looks like JSON: send it as application/json, or encode it as B-FAST.' : '')
  },
  BAD_COMPRESSION: MALFORMED,
  KEY_TOO_LONG: MALFORMED,
  TOO_MANY_KEYS: MALFORMED,
  INT_RANGE: MALFORMED,
  CIRCULAR: MALFORMED,
  BAD_VALUE: MALFORMED,
  LONE_SURROGATE: MALFORMED,
  BAD_TABLE: MALFORMED,
  // The decode options were checked at registration: a BAD_OPTION here is the server's fault.
  BAD_OPTION: { ...MALFORMED, status: HTTP_STATUS.internal, code: PLUGIN_ERROR_CODES.FST_BFAST_BAD_OPTION },
  // Refused for what it would cost, not for its form: the remedy is that of a size limit (413).
  OVER_BUDGET: {
    status: HTTP_STATUS.contentTooLarge,
    code: PLUGIN_ERROR_CODES.FST_BFAST_BODY_OVER_BUDGET,
    message: (err) =>
      `B-FAST request body over the decode work budget: ${err.message} (raise decode.maxHeapPerByte to accept it)`
  },
  FORBIDDEN_PROPERTY: MALFORMED,
  STRING_TOO_LONG: TOO_LARGE,
  LENGTH_RANGE: MALFORMED,
  DETACHED: MALFORMED,
  LZ4_NOT_INSTALLED: MALFORMED
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
  const maxBodySize = options.maxDecompressedSize
  if (body.length > maxBodySize) {
    throw new FastifyBfastError(
      PLUGIN_ERROR_CODES.FST_BFAST_BODY_TOO_LARGE,
      HTTP_STATUS.contentTooLarge,
      `B-FAST request body of ${body.length} bytes exceeds maxBodySize (${maxBodySize} bytes)`
    )
  }
  try {
    return decode(body, options)
  } catch (err) {
    if (!(err instanceof BFastError)) throw err
    const answer = CODEC_TO_HTTP[err.code]
    throw new FastifyBfastError(answer.code, answer.status, answer.message(err, body, maxBodySize), { cause: err })
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
