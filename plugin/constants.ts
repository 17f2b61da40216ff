/**
 * The plugin's wire constants (media types, header names, client-hint values), in one table.
 * Option defaults live in ./options.ts and the compression cost model in ./policy.ts.
 */
import { MEDIA_TYPE, MEDIA_TYPE_TABLE, MEDIA_TYPE_TABLE_TRANSFORMS } from '../src/index.js'
import { TABLE_LAYOUT_PARAMETER, TABLE_LAYOUT_VALUE, TABLE_TRANSFORMS_PARAMETER, TABLE_TRANSFORMS_VALUE } from '../src/tags.js'

/** The B-FAST media type; replies carry it bare (binary, so no charset parameter). */
export const BFAST_MEDIA_TYPE = MEDIA_TYPE
/**
 * SPEC 8.0: the label of a reply that may hold tables, sent only to a client that asked for it
 * (`Accept: application/x-bfast;layout=table`) on a route with the `tables` option.
 */
export const BFAST_TABLE_MEDIA_TYPE = MEDIA_TYPE_TABLE
/** The parameter of BFAST_TABLE_MEDIA_TYPE, as negotiation matches it (RFC 9110 section 12.5.1). */
export const TABLE_LAYOUT_PARAM = TABLE_LAYOUT_PARAMETER
export const TABLE_LAYOUT_PARAMS: ReadonlyMap<string, string> = new Map([[TABLE_LAYOUT_PARAMETER, TABLE_LAYOUT_VALUE]])
/**
 * SPEC 8.6: the label of a reply that may hold transformed tables, sent only to a client that
 * announced it undoes them (`Accept: application/x-bfast;layout=table;transforms=1`).
 */
export const BFAST_TABLE_TRANSFORMS_MEDIA_TYPE = MEDIA_TYPE_TABLE_TRANSFORMS
/** The parameters of BFAST_TABLE_TRANSFORMS_MEDIA_TYPE, as negotiation matches them. */
export const TABLE_TRANSFORMS_PARAM = TABLE_TRANSFORMS_PARAMETER
export const TABLE_TRANSFORMS_PARAMS: ReadonlyMap<string, string> = new Map([
  [TABLE_LAYOUT_PARAMETER, TABLE_LAYOUT_VALUE],
  [TABLE_TRANSFORMS_PARAMETER, TABLE_TRANSFORMS_VALUE]
])

/** The media type B-FAST competes with in negotiation (RFC 8259 section 11). */
export const JSON_TYPE = 'application'
export const JSON_SUBTYPE = 'json'
/** The JSON media type as a whole, as route schemas name it (`produces`, `consumes`, `content` keys). */
export const JSON_MEDIA_TYPE = `${JSON_TYPE}/${JSON_SUBTYPE}`
/** Split form of BFAST_MEDIA_TYPE, for matching media ranges (RFC 9110 section 12.5.1). */
export const BFAST_TYPE = 'application'
export const BFAST_SUBTYPE = 'x-bfast'

/**
 * The Content-Type Fastify 5 gives an object reply when the handler set none
 * (fastify/lib/reply.js CONTENT_TYPE.JSON). Only replies still carrying it are negotiated.
 */
export const FASTIFY_JSON_CONTENT_TYPE = 'application/json; charset=utf-8'
/** The parameters of FASTIFY_JSON_CONTENT_TYPE, as negotiation matches them (RFC 9110 section 12.5.1). */
export const FASTIFY_JSON_PARAMS: ReadonlyMap<string, string> = new Map([['charset', 'utf-8']])

/** Header names (lowercase: field names are case-insensitive, RFC 9110 section 5.1). */
export const HEADER = {
  accept: 'accept',
  acceptEncoding: 'accept-encoding',
  contentType: 'content-type',
  contentEncoding: 'content-encoding',
  etag: 'etag',
  vary: 'vary',
  acceptCh: 'accept-ch',
  saveData: 'save-data',
  ect: 'ect',
  downlink: 'downlink'
} as const

/** Field names as written into Vary (RFC 9110 section 12.5.5), in their registered spelling. */
export const VARY_NAME = {
  accept: 'Accept',
  /**
   * Lowercase, unlike the others: @fastify/compress adds `accept-encoding` to Vary unless the
   * value already contains that exact (case-sensitive) text, so any other spelling would be
   * listed twice on the JSON replies it compresses.
   */
  acceptEncoding: 'accept-encoding',
  saveData: 'Save-Data',
  ect: 'ECT'
} as const

/**
 * Accept-CH (RFC 8942 section 3.1): the Network Information hints the policy reads. RTT is
 * asked for so that logs and future policies can use it; today only ECT, Downlink and
 * Save-Data decide.
 */
export const ACCEPT_CH_VALUE = 'ECT, Downlink, RTT'

/** Save-Data: the one value that asks for reduced data use (WICG Save-Data, section 2). */
export const SAVE_DATA_ON = 'on'

/** Status codes whose replies carry no content (RFC 9110 sections 15.3.5 and 15.4.5). */
export const STATUS_NO_CONTENT = 204
export const STATUS_NOT_MODIFIED = 304
/** The first error status (RFC 9110 section 15.5): error replies of the table layout hold no table. */
export const STATUS_FIRST_ERROR = 400
