/**
 * Keeping B-FAST replies to exactly the fields the JSON reply carries.
 *
 * Response schemas (and serializers set with `setReplySerializer`) are how Fastify users keep secrets out of
 * replies: fast-json-stringify writes only the properties a schema lists. A B-FAST reply must
 * never carry a field the JSON reply drops, so for a reply that Fastify would shape, the
 * plugin runs Fastify's own serializer (the very function the JSON reply would use), parses
 * that JSON, and encodes the result. Keys, order and schema coercions ("5" for a number under
 * `type: 'string'`) are then those of the JSON reply by construction.
 *
 * Type fidelity: JSON text has no Dates, bigints or bytes. `project` walks the parsed JSON
 * and the original payload together and puts back, leaf by leaf, an original Date whose ISO
 * text is what JSON sent and an original bigint whose value JSON sent, so those stay typed.
 * Only leaves are ever taken from the original, and only where JSON carried the same value:
 * no key the JSON reply lacks can appear. Bytes (Buffers) and anything else arrive as the
 * JSON reply has them.
 *
 * Cost: shaped replies pay serialize + JSON.parse + encode. Routes without a response schema
 * (the common case) encode the payload directly.
 */
import type { FastifyReply } from 'fastify'
import { FASTIFY_JSON_CONTENT_TYPE } from './constants.js'
import { mediaTypeEssence } from './negotiate.js'

/**
 * Fastify keeps a reply's own serializer and the route's default one under internal symbols
 * (fastify/lib/symbols.js). They are found by description so that the plugin honours them;
 * if a future Fastify renames them, the lookups return undefined and only schemas are honoured.
 */
const SYMBOL_REPLY_SERIALIZER = 'fastify.reply.serializer'
const SYMBOL_ROUTE_CONTEXT = 'fastify.context'
const SYMBOL_DEFAULT_SERIALIZER = 'fastify.replySerializerDefault'
/** The media type Fastify looks up in content-type-keyed response schemas, then the catch-all. */
const SCHEMA_MEDIA_TYPE = 'application/json'
const SCHEMA_ANY_MEDIA_TYPE = '*/*'
/** Fastify's status-class fallback key: "2xx" for 201 (fastify/lib/schemas.js getSchemaSerializer). */
const STATUS_CLASS_SUFFIX = 'xx'
/** The key Fastify tries after the exact status and its class (fastify/lib/schemas.js getSchemaSerializer). */
const DEFAULT_KEY = 'default'

export type Fn = (...args: unknown[]) => unknown

/**
 * Symbols found so far, by description. Symbols are process-wide constants of the Fastify
 * module, not request state; a cached one that the target lacks (a second Fastify copy) is
 * looked up again.
 */
const foundSymbols = new Map<string, symbol>()

function symbolValue(target: object, description: string): unknown {
  const cached = foundSymbols.get(description)
  if (cached !== undefined && Object.hasOwn(target, cached)) return (target as Record<symbol, unknown>)[cached]
  for (const sym of Object.getOwnPropertySymbols(target)) {
    if (sym.description === description) {
      foundSymbols.set(description, sym)
      return (target as Record<symbol, unknown>)[sym]
    }
  }
  return undefined
}

/**
 * symbolValue for a property a Fastify instance may inherit: an encapsulated child instance is
 * created with Object.create(parent), so the root's options and a parent's schema controller
 * are found on its prototype chain.
 */
function inheritedSymbolValue(target: object, description: string): unknown {
  const cached = foundSymbols.get(description)
  if (cached !== undefined && cached in target) return (target as Record<symbol, unknown>)[cached]
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    for (const sym of Object.getOwnPropertySymbols(o)) {
      if (sym.description === description) {
        foundSymbols.set(description, sym)
        return (target as Record<symbol, unknown>)[sym]
      }
    }
  }
  return undefined
}

type SchemaLookup = (this: FastifyReply, status: string | number, contentType?: string) => unknown

/** HTTP status codes are three digits: the class is the first one (RFC 9110 section 15). */
const STATUS_CLASS_DIVISOR = 100
const STATUS_MIN = 100
const STATUS_MAX = 999
/**
 * The status-class keys ("1xx".."9xx", indexed by the first digit), built once:
 * schemaSerializer runs on every B-FAST reply of an unshaped route too (where both lookups
 * miss), and building the key per reply allocated a string.
 */
const STATUS_CLASS_KEYS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map(
  (d) => `${d}${STATUS_CLASS_SUFFIX}`
)

/** One status key's entry, as fastify/lib/schemas.js getSchemaSerializer resolves it. */
function entrySerializer(
  reply: FastifyReply,
  lookup: SchemaLookup,
  key: string | number,
  entry: unknown,
  mediaType: string
): Fn | undefined {
  if (typeof entry === 'function') return entry as Fn
  const byType = lookup.call(reply, key, mediaType) ?? lookup.call(reply, key, SCHEMA_ANY_MEDIA_TYPE)
  return typeof byType === 'function' ? (byType as Fn) : undefined
}

/**
 * Mirrors fastify/lib/schemas.js getSchemaSerializer through the public getSerializationFunction:
 * the exact status, then its class ("2xx"), then `default`; the first key present decides,
 * even when its content-type map has no entry for the media type (Fastify then uses
 * JSON.stringify). Written without a bound function, a key array or a key string per call: it
 * runs on every B-FAST reply, and on routes without a response schema (the usual case) it only
 * misses.
 */
export function schemaSerializer(
  reply: FastifyReply,
  status: number,
  mediaType: string = SCHEMA_MEDIA_TYPE
): Fn | undefined {
  const lookup = reply.getSerializationFunction as unknown as SchemaLookup
  const exact = lookup.call(reply, status)
  if (exact !== undefined && exact !== null) return entrySerializer(reply, lookup, status, exact, mediaType)
  const classKey =
    status >= STATUS_MIN && status <= STATUS_MAX
      ? STATUS_CLASS_KEYS[Math.floor(status / STATUS_CLASS_DIVISOR)]!
      : `${String(status)[0]}${STATUS_CLASS_SUFFIX}`
  const byClass = lookup.call(reply, classKey)
  if (byClass !== undefined && byClass !== null) return entrySerializer(reply, lookup, classKey, byClass, mediaType)
  // Last, `default` (issue 10 finding 1: without it a B-FAST reply carried fields the JSON
  // reply's `default` schema drops).
  const byDefault = lookup.call(reply, DEFAULT_KEY)
  if (byDefault !== undefined && byDefault !== null) {
    return entrySerializer(reply, lookup, DEFAULT_KEY, byDefault, mediaType)
  }
  return undefined
}

/**
 * Whether the handler (or a hook) gave this reply its own serializer with `reply.serializer()`.
 * Such a reply is the handler's choice of format and is left alone. Fastify does not even
 * give it the default JSON Content-Type, so the Content-Type check usually catches it first;
 * this also covers a handler that set both.
 */
export function hasOwnSerializer(reply: FastifyReply): boolean {
  return typeof symbolValue(reply, SYMBOL_REPLY_SERIALIZER) === 'function'
}

/** The route's default serializer (`setReplySerializer`), called as `(payload, statusCode)`. */
export function routeDefaultSerializer(reply: FastifyReply): Fn | undefined {
  // The route context is an own property of the request (the reply reaches it through a getter).
  const context = symbolValue(reply.request, SYMBOL_ROUTE_CONTEXT)
  if (typeof context !== 'object' || context === null) return undefined
  const fallback = symbolValue(context, SYMBOL_DEFAULT_SERIALIZER)
  return typeof fallback === 'function' ? (fallback as Fn) : undefined
}

/** The media type of a Content-Type value, lowercased (RFC 9110 section 8.3.1), as Fastify keys schemas by it. */
function mediaTypeOf(contentType: unknown): string {
  if (contentType === FASTIFY_JSON_CONTENT_TYPE) return SCHEMA_MEDIA_TYPE
  if (typeof contentType !== 'string') return SCHEMA_MEDIA_TYPE
  return mediaTypeEssence(contentType)
}

/**
 * The JSON text Fastify sends for `payload` on this reply when no reply serializer is set, in
 * Fastify's own order (fastify/lib/reply.js preSerializationHookEnd): the route's default
 * serializer, else the response schema's serializer for the status and media type, else
 * JSON.stringify. Throws what those throw (Fastify turns it into a 500).
 */
export function fastifyJson(reply: FastifyReply, payload: unknown): string {
  const fallback = routeDefaultSerializer(reply)
  if (fallback !== undefined) return fallback(payload, reply.statusCode) as string
  const schema = schemaSerializer(reply, reply.statusCode, mediaTypeOf(reply.getHeader('content-type')))
  return schema === undefined ? JSON.stringify(payload) : (schema(payload) as string)
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * `shaped` (JSON.parse of the JSON reply, modified in place) with Dates and bigints of
 * `original` put back where JSON carried the same value. Keys come from `shaped` only; a
 * "__proto__" key stays the own property JSON.parse made it (only its value may be replaced,
 * by plain assignment to an existing own property).
 *
 * @example
 * ```ts
 * project({ at: new Date(0), secret: 1 }, { at: '1970-01-01T00:00:00.000Z' }) // { at: Date(0) }
 * ```
 */
export function project(original: unknown, shaped: unknown): unknown {
  if (original instanceof Date) {
    return typeof shaped === 'string' && !Number.isNaN(original.getTime()) && original.toISOString() === shaped
      ? original
      : shaped
  }
  if (typeof original === 'bigint') {
    // A schema that coerces to a string keeps the string: only a JSON number is the same value.
    return typeof shaped === 'number' && Number(original) === shaped ? original : shaped
  }
  if (shaped === null || typeof shaped !== 'object' || original === null || typeof original !== 'object') return shaped
  if (Array.isArray(shaped)) {
    if (!Array.isArray(original) || original.length !== shaped.length) return shaped
    for (let i = 0; i < shaped.length; i++) {
      const value: unknown = shaped[i]
      if (typeof value === 'string' || typeof value === 'number' || (typeof value === 'object' && value !== null)) {
        const typed = project(original[i], value)
        if (typed !== value) shaped[i] = typed
      }
    }
    return shaped
  }
  if (Array.isArray(original) || !isPlainRecord(shaped)) return shaped
  // Rewrites `shaped` in place: it is a fresh JSON.parse result nobody else holds, and
  // building a copy cost more than the encode itself on large replies.
  const source = original as Record<string, unknown>
  for (const key in shaped) {
    const value = shaped[key]
    // Primitives other than strings and numbers (true, false, null) never come back typed.
    if (
      (typeof value === 'string' || typeof value === 'number' || (typeof value === 'object' && value !== null)) &&
      Object.prototype.hasOwnProperty.call(source, key)
    ) {
      const typed = project(source[key], value)
      if (typed !== value) shaped[key] = typed
    }
  }
  return shaped
}

const SYMBOL_SCHEMA_CONTROLLER = 'fastify.schemaController'
const SYMBOL_SERVER_OPTIONS = 'fastify.options'

/** What a response-schema writer is compiled from, or why it cannot be. */
export type SchemaSource = { schema: unknown; external: Readonly<Record<string, unknown>> } | { fallback: string }

/**
 * The response schema Fastify compiled the JSON serializer of this reply from (same lookup
 * order as schemaSerializer: exact status, class, `default`; then the JSON media type, then
 * `*` `/` `*` in a `content` map), with the schemas added with addSchema that its compiler saw.
 * A fallback names why a compiled B-FAST writer could not mirror that serializer: a custom
 * serializerCompiler (route or instance), or serializerOpts (rounding, large arrays...), which
 * change fast-json-stringify's output.
 */
export function responseSchemaSource(reply: FastifyReply, status: number): SchemaSource {
  const context = symbolValue(reply.request, SYMBOL_ROUTE_CONTEXT) as
    | { schema?: { response?: Record<string, unknown> }; serializerCompiler?: unknown; server?: object }
    | undefined
  if (context === undefined || context === null || typeof context !== 'object') return { fallback: 'route context' }
  if (typeof context.serializerCompiler === 'function') return { fallback: 'serializerCompiler' }
  const server = context.server as (object & { getSchemas?: () => Record<string, unknown> }) | undefined
  if (server === undefined || typeof server.getSchemas !== 'function') return { fallback: 'route context' }
  const controller = inheritedSymbolValue(server, SYMBOL_SCHEMA_CONTROLLER) as
    { isCustomSerializerCompiler?: unknown } | undefined
  if (controller === undefined || controller.isCustomSerializerCompiler !== false) {
    return { fallback: 'serializerCompiler' }
  }
  const options = inheritedSymbolValue(server, SYMBOL_SERVER_OPTIONS) as { serializerOpts?: unknown } | undefined
  if (options === undefined) return { fallback: 'route context' }
  const opts = options.serializerOpts
  if (opts !== undefined && opts !== null && (typeof opts !== 'object' || Object.keys(opts).length > 0)) {
    return { fallback: 'serializerOpts' }
  }
  const response = context.schema?.response
  if (typeof response !== 'object' || response === null) return { fallback: 'route context' }
  // Fastify lowercases the status keys it compiles ("2XX" -> "2xx", fastify/lib/validation.js).
  const byKey = new Map<string, unknown>()
  for (const k of Object.keys(response)) byKey.set(k.toLowerCase(), response[k])
  const classKey = `${String(status)[0]}${STATUS_CLASS_SUFFIX}`
  const entry = byKey.get(String(status)) ?? byKey.get(classKey) ?? byKey.get(DEFAULT_KEY)
  if (typeof entry !== 'object' || entry === null) return { fallback: 'schema' }
  let schema: unknown = entry
  const content = (entry as { content?: unknown }).content
  if (typeof content === 'object' && content !== null) {
    const byType =
      (content as Record<string, { schema?: unknown } | undefined>)[SCHEMA_MEDIA_TYPE] ??
      (content as Record<string, { schema?: unknown } | undefined>)[SCHEMA_ANY_MEDIA_TYPE]
    if (byType === undefined) return { fallback: 'content' }
    schema = byType.schema
  }
  // @fastify/fast-json-stringify-compiler drops the schema's own $id from the external schemas.
  const external = { ...server.getSchemas() }
  const id = (schema as { $id?: unknown } | undefined)?.$id
  if (typeof id === 'string') delete external[id]
  return { schema, external }
}
