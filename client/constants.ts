/**
 * The client's constants (media types, header names, defaults), in one table.
 */
import {
  DEFAULT_MAX_DECOMPRESSED_SIZE, DEFAULT_MAX_DEPTH, MEDIA_TYPE, MEDIA_TYPE_TABLE, MEDIA_TYPE_TABLE_TRANSFORMS
} from '../src/index.js'

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
 * The `Accept` header of `tables: false`: B-FAST v1 preferred, JSON accepted at a lower weight
 * (RFC 9110 section 12.5.1), so a server without B-FAST (or a route opted out of it) still
 * answers something the client decodes. (The client's default, `'transport'`, sends
 * `TRANSPORT_ACCEPT`.)
 */
export const DEFAULT_ACCEPT = `${MEDIA_TYPE}, ${JSON_MEDIA_TYPE};q=0.9`

/**
 * The `Accept` header of `tables: true` and `'transport'` (SPEC 8.0, 8.6): the table layout with
 * its transforms preferred (the codec undoes them), then the plain table layout, then B-FAST v1,
 * then JSON. A range naming parameters matches only representations carrying them (RFC 9110
 * section 12.5.1), so each is listed: a server that does not know transforms answers a plain
 * table, a route without tables (or a server without them) B-FAST v1, never JSON.
 */
export const TABLE_ACCEPT =
  `${MEDIA_TYPE_TABLE_TRANSFORMS}, ${MEDIA_TYPE_TABLE};q=0.97, ${MEDIA_TYPE};q=0.95, ${JSON_MEDIA_TYPE};q=0.9`

/**
 * The `Accept` header of `tables: 'transport'` (issue 16 item 5): as `TABLE_ACCEPT`, but B-FAST
 * v1 weighed as high as the transformed table layout, since the client hands back the same
 * plain values either way: the server chooses (RFC 9110 section 12.5.1), and the plugin sends
 * v1 where that is cheaper (a schema route's compiled writer, uncompressed) and tables elsewhere.
 */
export const TRANSPORT_ACCEPT =
  `${MEDIA_TYPE_TABLE_TRANSFORMS}, ${MEDIA_TYPE_TABLE};q=0.97, ${MEDIA_TYPE}, ${JSON_MEDIA_TYPE};q=0.9`

/**
 * The values of the `tables` option (issue 14 item 5), by their text, each with what the client
 * asks for and how it hands replies back. `false`: B-FAST v1. `true`: the table layout; replies
 * are returned as decoded, a `BFastTable` for each table. `'transport'` (issue 16 item 5): the
 * table layout on the wire, where the server has it (smaller on slow links, and cheaper to
 * write and read: see docs/PERFORMANCE-NOTES.md), and the plain values of `false` back
 * (client/plain-values.ts). With plain values, the Content-Type decides how a B-FAST reply is
 * read: one labelled `layout=table` may hold tables, one without the label is read as v1 only
 * (a table there is the codec's UNKNOWN_TAG, as for upstream readers), unless `decode.tables`
 * is set.
 */
export const TABLE_MODES = {
  false: { accept: DEFAULT_ACCEPT, readsTables: false, plainValues: true },
  true: { accept: TABLE_ACCEPT, readsTables: true, plainValues: false },
  transport: { accept: TRANSPORT_ACCEPT, readsTables: true, plainValues: true }
} as const satisfies Record<string, { accept: string; readsTables: boolean; plainValues: boolean }>

/**
 * The `tables` option's default (issue 16 item 5): tables as a transport form, plain values
 * back. Where `decode.tables: false` refuses tables and `tables` is not set, the client asks
 * for v1 (`false`) instead.
 */
export const DEFAULT_TABLES = 'transport'

/** Header names the client reads or writes (lowercase: header names are case-insensitive, RFC 9110 section 5.1). */
export const HEADER = {
  accept: 'accept',
  contentType: 'content-type',
  contentLength: 'content-length',
  contentEncoding: 'content-encoding',
  acceptEncoding: 'accept-encoding',
  retryAfter: 'retry-after'
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

/**
 * Default `maxResponseSize`: the most reply bytes the client materialises, whatever the body's
 * form. The codec's decompressed-size bound (SPEC 6), so that an LZ4 reply and a gzip reply
 * meet the same limit.
 */
export const DEFAULT_MAX_RESPONSE_SIZE = DEFAULT_MAX_DECOMPRESSED_SIZE

/**
 * The zstd frame magic number 0xFD2FB528, as its little-endian bytes (RFC 8878 section 3.1.1).
 * A body labelled `Content-Encoding: zstd` that still starts with it was not decoded by fetch
 * (Node 22's built-in fetch hands zstd replies over raw). No decoded body starts so: as an LZ4
 * size prefix it would declare 4.2 GB, and it is not UTF-8.
 */
export const ZSTD_MAGIC: readonly number[] = [0x28, 0xb5, 0x2f, 0xfd]

/** The content coding whose undecoded frames the client recognises (RFC 8878 section 7.2). */
export const ZSTD_CODING = 'zstd'

/**
 * What Node's built-in fetch (undici) decodes, so what the client may ask for through it
 * (client/accept-encoding.ts): br, gzip and deflate on every supported line, zstd too from undici
 * 7.11 (its first fetch to decode zstd, nodejs/undici#4238) where zlib has zstd. Measured: Node 20
 * (undici 6.24) and 22 (6.29) hand a zstd reply over raw; 24 (7.30) and 26 (8.12) decode it. Left
 * alone, undici asks only for `gzip, deflate` over http.
 */
export const NODE_FETCH_CODINGS = {
  withoutZstd: 'br, gzip, deflate',
  withZstd: `${ZSTD_CODING}, br, gzip, deflate`,
  zstdSinceUndici: [7, 11]
} as const

/**
 * The retry policy's defaults (ky's): the idempotent methods (RFC 9110 section 9.2.2), the
 * statuses worth another attempt, those whose Retry-After header (RFC 9110 section 10.2.3)
 * sets the wait, and the exponential backoff `BASE * 2 ** (attempt - 1)` milliseconds.
 * `limit` defaults to 0: a client retries only when asked.
 */
export const RETRY_DEFAULTS = {
  limit: 0,
  methods: ['GET', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'],
  statusCodes: [408, 413, 429, 500, 502, 503, 504],
  afterStatusCodes: [413, 429, 503],
  maxRetryAfter: Number.POSITIVE_INFINITY,
  backoffLimit: Number.POSITIVE_INFINITY,
  backoffBaseMs: 300
} as const

/**
 * Reviving date-time fields (client/revive.ts): nesting deeper than the codec's bound (SPEC 6)
 * is left as it arrived, so a deep JSON reply under a recursive schema cannot exhaust the stack.
 */
export const REVIVE_MAX_DEPTH = DEFAULT_MAX_DEPTH

/**
 * The most distinct schema combinations one route's reply schema compiles into (client/revive.ts):
 * a pathological schema (anyOf of anyOf of recursive $refs) is cut off there, not compiled for ever.
 */
export const REVIVE_MAX_PLANS = 10_000

/**
 * RFC 3339 section 5.6 date-time text, the offset optional (a naive time, as SPEC 5 allows for
 * tag 0xD1, is local time, as `new Date(text)` reads it for B-FAST too). Only text of this shape
 * at a `format: 'date-time'` position becomes a Date; anything else stays as it arrived.
 */
export const DATE_TIME_TEXT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})?$/

/** The route schema keys of a reply by status (Fastify: the status, then `'2xx'`, then `'default'`). */
export const DEFAULT_STATUS_KEY = 'default'
