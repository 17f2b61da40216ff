/**
 * `application/x-bfast` (SPEC, top) listed beside `application/json` in a governed route's
 * schema, for its replies and its request bodies, so that OpenAPI generators such as
 * @fastify/swagger document both formats (issue 13 item 4).
 *
 * Why the route schema, set from `onRoute`, and no `transform`: @fastify/swagger keeps the very
 * route options object every `onRoute` hook receives and reads its `schema` only when
 * `app.swagger()` runs (after ready); Fastify takes `schema` from that object once all `onRoute`
 * hooks have run. A schema set on it here is what both see, whichever of the two plugins was
 * registered first (the one exception, HEAD routes documented with an `operationId`, is in the
 * README). @fastify/swagger (lib/spec/openapi/utils.js resolveResponse, resolveBodyParams) takes
 * the media types from:
 * - `schema.produces` for every status without a `content` map, `schema.consumes` for a body
 *   without one (both default to `application/json`; Swagger 2 output reads them too). Fastify
 *   ignores both keys, so its validation and serialization are unchanged.
 * - the keys of a `content` map, as they are. Fastify compiles those maps, so the entry added here
 *   holds the `application/json` entry's schema (the same object): a B-FAST body is then
 *   validated against the JSON body's schema (Fastify validates a `content`-map body only for
 *   the media types it lists, so before this a B-FAST body on such a route was not validated at
 *   all), and the extra reply serializer Fastify compiles is never used for a JSON reply (it is
 *   looked up by `application/json`, as the plugin's own writer is, ./schema.ts).
 *
 * Only where `application/json` is listed (or implied): a route documented as producing
 * something else says its replies are not JSON, and the plugin only ever turns JSON replies into
 * B-FAST. A route with the `tables` option lists `application/x-bfast;layout=table` (SPEC 8.0)
 * for its replies too, after `application/x-bfast` (request bodies are never tables).
 *
 * Copy on write: one schema object is often shared by many routes, so nothing the user passed is
 * changed in place; the route gets new objects along the path to what was added.
 */
import type { FastifySchema } from 'fastify'
import { BFAST_MEDIA_TYPE, BFAST_TABLE_MEDIA_TYPE, JSON_MEDIA_TYPE } from './constants.js'
import { mediaTypeEssence } from './negotiate.js'

type Json = Record<string, unknown>

/** A plain object, as Fastify tells route schemas from fluent or class-built ones (fastify/lib/schemas.js). */
function isPlainObject(value: unknown): value is Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The media type `name` names, lowercased, parameters dropped (RFC 9110 section 8.3.1); '' for a non-string. */
function mediaTypeOf(name: unknown): string {
  return typeof name === 'string' ? mediaTypeEssence(name) : ''
}

function isJsonMediaType(name: unknown): boolean {
  return mediaTypeOf(name) === JSON_MEDIA_TYPE
}

/** B-FAST with any parameters (`;layout=table` included): a route that lists one is left as it is. */
function isBfastMediaType(name: unknown): boolean {
  return mediaTypeOf(name) === BFAST_MEDIA_TYPE
}

/** The B-FAST media types of request bodies. */
const BODY_TYPES: readonly string[] = [BFAST_MEDIA_TYPE]
/** The B-FAST media types of replies, without and with the `tables` option. */
const REPLY_TYPES: readonly string[] = [BFAST_MEDIA_TYPE]
const TABLE_REPLY_TYPES: readonly string[] = [BFAST_MEDIA_TYPE, BFAST_TABLE_MEDIA_TYPE]

/**
 * A `produces` / `consumes` list with the B-FAST `types` right after JSON, or undefined to keep
 * `list`. An absent or empty list means `application/json` to @fastify/swagger.
 */
function listBesideJson(list: unknown, types: readonly string[]): string[] | undefined {
  if (list === undefined || (Array.isArray(list) && list.length === 0)) return [JSON_MEDIA_TYPE, ...types]
  if (!Array.isArray(list) || list.some(isBfastMediaType)) return undefined
  const json = list.findIndex(isJsonMediaType)
  if (json === -1) return undefined
  const out = [...list] as string[]
  out.splice(json + 1, 0, ...types)
  return out
}

/** A `content` map (media type -> `{ schema }`) with an entry per B-FAST type, or undefined to keep it. */
function contentBesideJson(content: Json, types: readonly string[]): Json | undefined {
  const keys = Object.keys(content)
  if (keys.some(isBfastMediaType)) return undefined
  const json = keys.find(isJsonMediaType)
  if (json === undefined) return undefined
  const entry = content[json]
  if (!isPlainObject(entry)) return undefined
  const out: Json = { ...content }
  for (const type of types) out[type] = { ...entry }
  return out
}

/** `schema` (a body schema, or one status's reply schema) with B-FAST in its `content` map, or undefined to keep it. */
function withBfastContent(schema: unknown, types: readonly string[]): Json | undefined {
  if (!isPlainObject(schema) || !isPlainObject(schema.content)) return undefined
  const content = contentBesideJson(schema.content, types)
  return content === undefined ? undefined : { ...schema, content }
}

function hasContentMap(schema: unknown): boolean {
  return isPlainObject(schema) && isPlainObject(schema.content)
}

/**
 * The route schema a governed route is declared with: `schema` itself when it already lists
 * B-FAST wherever it lists JSON (or is not a plain object), else a copy that does; with
 * `tables`, its replies list the table layout as well.
 *
 * @example
 * ```ts
 * withBfastMediaTypes({ body: bodySchema, response: { 200: user } })
 * // { body: bodySchema, response: { 200: user },
 * //   produces: ['application/json', 'application/x-bfast'], consumes: ['application/json', 'application/x-bfast'] }
 * ```
 */
export function withBfastMediaTypes(schema: FastifySchema, tables = false): FastifySchema {
  if (!isPlainObject(schema)) return schema
  const replyTypes = tables ? TABLE_REPLY_TYPES : REPLY_TYPES
  const changes: Json = {}
  const produces = listBesideJson(schema.produces, replyTypes)
  if (produces !== undefined) changes.produces = produces
  const response = schema.response
  if (isPlainObject(response)) {
    let copy: Json | undefined
    for (const status of Object.keys(response)) {
      const entry = withBfastContent(response[status], replyTypes)
      if (entry === undefined) continue
      copy ??= { ...response }
      copy[status] = entry
    }
    if (copy !== undefined) changes.response = copy
  }
  const body = schema.body
  if (hasContentMap(body)) {
    const entry = withBfastContent(body, BODY_TYPES)
    if (entry !== undefined) changes.body = entry
  } else if (body !== undefined) {
    const consumes = listBesideJson(schema.consumes, BODY_TYPES)
    if (consumes !== undefined) changes.consumes = consumes
  }
  if (Object.keys(changes).length === 0) return schema
  return { ...schema, ...changes } as FastifySchema
}
