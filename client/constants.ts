/**
 * The client's constants (media types, header names, defaults), in one table.
 */
import { MEDIA_TYPE } from '../src/index.js'

/** The B-FAST media type (SPEC, preamble), re-exported for the client's users. */
export const BFAST_MEDIA_TYPE = MEDIA_TYPE

/** JSON (RFC 8259 section 11). */
export const JSON_MEDIA_TYPE = 'application/json'

/**
 * Structured-syntax suffix for JSON-based media types such as `application/problem+json`
 * (RFC 6839 section 3.1); they decode as JSON.
 */
export const JSON_SUFFIX = '+json'

/**
 * The default `Accept` header: B-FAST preferred, JSON accepted at a lower weight (RFC 9110
 * section 12.5.1), so a server without B-FAST (or a route opted out of it) still answers
 * something the client decodes.
 */
export const DEFAULT_ACCEPT = `${MEDIA_TYPE}, ${JSON_MEDIA_TYPE};q=0.9`

/** Header names the client reads or writes (lowercase: header names are case-insensitive, RFC 9110 section 5.1). */
export const HEADER = {
  accept: 'accept',
  contentType: 'content-type',
  contentLength: 'content-length'
} as const

/** The request body formats: B-FAST (the default) or JSON. */
export const BODY_FORMATS = {
  bfast: 'bfast',
  json: 'json'
} as const

/** Request body format used when neither the client nor the request says. */
export const DEFAULT_BODY_FORMAT = BODY_FORMATS.bfast

/**
 * Statuses whose replies carry no content (RFC 9110 sections 15.3.5, 15.3.6 and 15.4.5):
 * the client resolves them to `undefined` without reading a body.
 */
export const NO_CONTENT_STATUSES: ReadonlySet<number> = new Set([204, 205, 304])

/** The method whose replies never have a body (RFC 9110 section 9.3.2). */
export const HEAD_METHOD = 'HEAD'

/** Upper bound on how much of an error body's `message` goes into `HttpError.message`. */
export const ERROR_MESSAGE_MAX_CHARS = 200
