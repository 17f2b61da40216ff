/**
 * The per-route hooks, added from `onRoute` (as @fastify/compress does) so that a route that
 * opted out carries no hook at all.
 *
 * preSerialization (runs only for payloads Fastify is about to JSON-serialize, i.e. objects,
 * arrays and primitives with the default JSON Content-Type): negotiate; for a B-FAST client set
 * a one-shot `reply.serializer()`. Fastify calls it with the final payload, after every
 * preSerialization hook (later plugins' included), and it encodes that payload, sets the
 * B-FAST Content-Type and returns the bytes (Fastify accepts a Buffer there), or returns the
 * JSON text Fastify would have sent when the codec refuses the reply. Returning bytes from the
 * hook itself would not work (Fastify 5 JSON-serializes a Buffer returned by preSerialization),
 * and encoding in the hook skipped later hooks (issue 10 finding 5). The serializer clears
 * itself after one use, and onError clears it if it never ran, because a serializer left on the
 * reply also runs for later string payloads (the error handler's).
 *
 * onSend: Vary (and Accept-CH) on every reply of the route, both representations; then, only
 * if the payload is still the exact Buffer encoded above, the final Content-Type is still
 * B-FAST (an error after preSerialization resets both) and no Content-Encoding is set yet,
 * compress as the policy chose (./policy.ts): inside the format (SPEC 4), synchronously as one
 * block or asynchronously in parallel chunks on the thread pool, or as an HTTP
 * Content-Encoding (zstd, br, gzip) asynchronously on the thread pool (./content-coding.ts).
 * JSON replies are never encoded here: that is @fastify/compress's business.
 */
import type {
  FastifyReply,
  FastifyRequest,
  onErrorHookHandler,
  onSendHookHandler,
  preSerializationHookHandler
} from 'fastify'
import { BFastError, DEFAULT_MAX_DEPTH } from '../src/index.js'
import { encodeForSend } from '../src/writer.js'
import { asBuffer, compress, compressChunked } from '../src/compress.js'
import {
  ACCEPT_CH_VALUE,
  BFAST_MEDIA_TYPE,
  BFAST_TABLE_MEDIA_TYPE,
  BFAST_TABLE_TRANSFORMS_MEDIA_TYPE,
  FASTIFY_JSON_CONTENT_TYPE,
  HEADER,
  STATUS_FIRST_ERROR,
  STATUS_NO_CONTENT,
  STATUS_NOT_MODIFIED
} from './constants.js'
import { encodeContent } from './content-coding.js'
import { negotiate, NEGOTIATED } from './negotiate.js'
import type { ResolvedOptions, ResolvedRoute } from './options.js'
import type { CompressionDecision, RoutePolicy } from './policy.js'
import {
  fastifyJson,
  hasOwnSerializer,
  project,
  responseSchemaSource,
  routeDefaultSerializer,
  schemaSerializer
} from './schema.js'
import type { Fn } from './schema.js'
import { compileSchemaWriter, NOT_MIRRORED } from './schema-writer.js'
import type { SchemaWriter } from './schema-writer.js'
import { mergeVary } from './vary.js'

/** Reply decoration holding the message encoded for this reply (null otherwise). */
export const kEncoded: unique symbol = Symbol('fastify-bfast.encoded')
/** Reply decoration: the plugin's serializer is set on this reply and has not run yet. */
export const kPending: unique symbol = Symbol('fastify-bfast.pending')

declare module 'fastify' {
  interface FastifyReply {
    [kEncoded]: Buffer | null
    [kPending]: boolean
  }
}

/** The content coding "no coding" (RFC 9110 section 8.4.1), which a Content-Encoding may name. */
const IDENTITY = 'identity'
/** The prefix of a weak entity tag (RFC 9110 section 8.8.3). */
const WEAK_PREFIX = 'W/'

/** encodeReply's answer when the reply must go out as Fastify's JSON. */
const SEND_JSON: unique symbol = Symbol('fastify-bfast.send-json')

/** Per route: the writer compiled from each response serializer's schema, or null (round trip). */
type WriterCache = WeakMap<Fn, SchemaWriter | null>

/**
 * The per-route state the encode step needs, built once per route by routeHooks: one for
 * B-FAST v1 replies and, on a route with `tables`, one for the table layout (SPEC 8).
 */
interface EncodeContext {
  /** The `encode` options of v1 replies (and of error replies, see serializeNegotiated). */
  options: ResolvedOptions['encode']
  /** The same with `tables: true`. */
  tableOptions: ResolvedOptions['encode'] & { tables: true }
  /** The same with `tables: true, transforms: true` (SPEC 8.6). */
  transformOptions: ResolvedOptions['encode'] & { tables: true; transforms: true }
  /** Whether this context writes tables. */
  tables: boolean
  /**
   * Whether this context writes transformed tables (SPEC 8.6), in the replies the policy
   * compresses only: they pay only under compression, and cost the client a copy per column.
   */
  transforms: boolean
  /** The route's compression policy, which says which replies are compressed. */
  policy: RoutePolicy
  /** The Content-Type of its replies. */
  mediaType: string
  maxDepth: number
  writers: WriterCache
}

/** The `done` callback of an async-style preSerialization or onSend hook. */
type HookDone = (err: Error | null, value?: unknown) => void

/**
 * The writer for the schema Fastify compiled `serializer` from, compiled on first use (once per
 * route and status key); null when the schema keeps the round trip, logged once at debug with
 * the keyword that did it.
 */
function writerFor(reply: FastifyReply, serializer: Fn, cache: WriterCache, maxDepth: number): SchemaWriter | null {
  const cached = cache.get(serializer)
  if (cached !== undefined) return cached
  const source = responseSchemaSource(reply, reply.statusCode)
  const result = 'fallback' in source ? source : compileSchemaWriter(source.schema, source.external, maxDepth)
  const writer = 'writer' in result ? result.writer : null
  if (!('writer' in result)) {
    reply.log.debug(
      { keyword: result.fallback },
      'fastify-bfast: response schema not compiled, B-FAST replies take the JSON round trip'
    )
  }
  cache.set(serializer, writer)
  return writer
}

/**
 * What `encode` may be given for this reply: the payload, or the JSON reply's fields
 * (./schema.ts). A sentinel rather than a `{ value }` wrapper: this runs on every B-FAST reply
 * and the wrapper was one allocation per reply for the common unshaped route.
 */
function roundTrip(reply: FastifyReply, payload: object, serialize: Fn, withStatus: boolean): unknown {
  let shaped: unknown
  try {
    shaped = JSON.parse((withStatus ? serialize(payload, reply.statusCode) : serialize(payload)) as string)
  } catch {
    // The JSON path will fail the same way (or send non-JSON text we cannot mirror): send what
    // Fastify sends a JSON client, so that the client sees exactly what a JSON client would.
    return SEND_JSON
  }
  return project(payload, shaped)
}

// ---- Step 1, preSerialization: negotiate, and leave a one-shot serializer on the reply ----

/**
 * The context this reply is to be encoded with, or null for JSON: an object or array payload,
 * an Accept that prefers B-FAST (the table layout on a route with `tables`, ./negotiate.ts),
 * and nothing the handler chose instead. A Content-Type or serializer the handler set (other
 * than Fastify's default JSON) is left alone, and replies without content need no encoding
 * (RFC 9110 sections 15.3.5, 15.4.5). JSON clients leave after one regular-expression test.
 */
function negotiated(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  v1: EncodeContext,
  table: EncodeContext | null,
  transformed: EncodeContext | null
): EncodeContext | null {
  if (typeof payload !== 'object' || payload === null) return null
  const decision = negotiate(request.headers.accept)
  if (decision === NEGOTIATED.json) return null
  const status = reply.statusCode
  if (
    status === STATUS_NO_CONTENT ||
    status === STATUS_NOT_MODIFIED ||
    reply.getHeader(HEADER.contentType) !== FASTIFY_JSON_CONTENT_TYPE ||
    hasOwnSerializer(reply)
  ) {
    return null
  }
  if (transformed !== null && (decision & NEGOTIATED.transforms) !== 0) {
    return tieGoesToV1(decision, request, reply, v1) ? v1 : transformed
  }
  if (table !== null && (decision & NEGOTIATED.table) !== 0) {
    return tieGoesToV1(decision, request, reply, v1) ? v1 : table
  }
  return (decision & NEGOTIATED.bfast) !== 0 ? v1 : null
}

/**
 * Which of two equally weighted representations goes where the client weighs B-FAST v1 as high
 * as the table layout (NEGOTIATED.v1Tie: the client's `tables: 'transport'`; RFC 9110 section
 * 12.5.1 leaves the choice to the server). Tables, except on a schema route whose B-FAST reply
 * the compiled writer builds (issue 12) and that the policy sends uncompressed: there v1 is
 * several times cheaper to write than the JSON round trip a table takes (the compiled writer
 * writes v1 only) and tables gain nothing on the wire. Where the reply is compressed, tables win
 * on size (SPEC 8.6; issue 16), and without a compiled writer tables cost no more to write.
 */
function tieGoesToV1(decision: number, request: FastifyRequest, reply: FastifyReply, v1: EncodeContext): boolean {
  if ((decision & NEGOTIATED.v1Tie) === 0 || routeDefaultSerializer(reply) !== undefined) return false
  const schema = schemaSerializer(reply, reply.statusCode)
  if (schema === undefined || v1.policy.compressesFrom(request.headers) !== Number.POSITIVE_INFINITY) return false
  return writerFor(reply, schema, v1.writers, v1.maxDepth) !== null
}

/**
 * Sets the one-shot `reply.serializer()` that encodes the final payload (see the module
 * comment for why the encoding happens there and not in the hook).
 */
function serializeOnce(reply: FastifyReply, context: EncodeContext): void {
  reply[kPending] = true
  // The one allocation per B-FAST reply left in the plugin: the closure carries this reply.
  // A shared function reading it from `this` would save it only while Fastify keeps calling
  // serializers as reply methods, which it does not promise.
  reply.serializer(function bfastOneShot(final: unknown): string {
    // Cleared after one use: see the module comment. Fastify accepts a Buffer here.
    clearSerializer(reply)
    return serializeNegotiated(reply, final, context) as string
  })
}

/** Takes the one-shot serializer off the reply (after its one use, or when it will never run). */
function clearSerializer(reply: FastifyReply): void {
  reply[kPending] = false
  reply.serializer(null as unknown as (payload: unknown) => string)
}

// ---- Step 2, the serializer: encode for B-FAST, or send Fastify's JSON ----

/**
 * The body of a negotiated reply, from the payload Fastify passes to the reply serializer:
 * the one left after every preSerialization hook, later plugins' included (issue 10 finding 5:
 * a redacting hook added after the plugin was bypassed when the bytes were encoded in the
 * plugin's own hook). B-FAST bytes (and the B-FAST Content-Type), or, when the reply can no
 * longer be B-FAST (a later hook changed its Content-Type or status, or made the payload a
 * primitive) or the codec refuses it, exactly the JSON text Fastify would send.
 *
 * Error replies (status 400 and up) of the table layout are labelled as negotiated but hold no
 * table (SPEC 8.0: the label says a message *may* hold tables): an error body is then the same
 * plain value for every B-FAST client, as the client's error types describe it.
 */
function serializeNegotiated(reply: FastifyReply, payload: unknown, context: EncodeContext): string | Buffer {
  const status = reply.statusCode
  if (
    typeof payload !== 'object' ||
    payload === null ||
    status === STATUS_NO_CONTENT ||
    status === STATUS_NOT_MODIFIED ||
    reply.getHeader(HEADER.contentType) !== FASTIFY_JSON_CONTENT_TYPE
  ) {
    return fastifyJson(reply, payload)
  }
  let bytes: Buffer | typeof SEND_JSON
  try {
    bytes = encodeReply(reply, payload, context, context.tables && status < STATUS_FIRST_ERROR)
  } catch (err) {
    // The codec refused (a key over 255 bytes, a lone surrogate, a bigint outside int64, a
    // cycle...): JSON can carry most of these, and fails cleanly (500) on the rest. Any other
    // error (a throwing toJSON, a value the schema rejects) recurs on the JSON path, where
    // Fastify reports it.
    if (err instanceof BFastError) {
      reply.log.warn({ err }, 'fastify-bfast: reply not representable in B-FAST, sending JSON')
    }
    return fastifyJson(reply, payload)
  }
  if (bytes === SEND_JSON) return fastifyJson(reply, payload)
  reply[kEncoded] = bytes
  reply.type(context.mediaType)
  return bytes
}

/**
 * The B-FAST bytes of this reply's body, or SEND_JSON. Schema routes (issue 12) take the writer
 * compiled from the schema; a schema it cannot mirror and a `setReplySerializer` take the round
 * trip (Fastify's serializer, JSON.parse, project, encode). Routes without either encode the
 * payload directly. Throws what the codec or the route's serializer throws.
 *
 * With `tables`, schema routes always take the round trip: the compiled writer writes v1 only,
 * and the schema-shaped value encoded with tables has the columns the schema lets through
 * (issue 14 item 4: response-schema parity holds for tables as for v1).
 */
function encodeReply(
  reply: FastifyReply,
  payload: object,
  context: EncodeContext,
  tables: boolean
): Buffer | typeof SEND_JSON {
  const options = !tables ? context.options : context.transforms ? context.transformOptions : context.tableOptions
  // SPEC 8.6: transformed only where the policy will compress a message of that size.
  const from = tables && context.transforms ? context.policy.compressesFrom(reply.request.headers) : 0
  const fallback = routeDefaultSerializer(reply)
  if (fallback !== undefined) return encodeValue(roundTrip(reply, payload, fallback, true), options, from)
  const schema = schemaSerializer(reply, reply.statusCode)
  if (schema === undefined) return encodeValue(payload, options, from)
  const writer = tables ? null : writerFor(reply, schema, context.writers, context.maxDepth)
  if (writer !== null) {
    try {
      return writer(payload)
    } catch (err) {
      // A value the writer cannot predict takes the round trip; anything else it threw, the
      // JSON serializer throws too (or, a BFastError, the codec refuses): the caller sends JSON.
      if (err !== NOT_MIRRORED) throw err
    }
  }
  return encodeValue(roundTrip(reply, payload, schema, false), options, from)
}

/**
 * `value` encoded, or SEND_JSON passed through. The bytes only go out on the socket, like any
 * Buffer Fastify sends: a pooled slice is fine here and cheaper for small replies than
 * encode()'s owned copy (issue 10 finding 10).
 */
function encodeValue(value: unknown, options: EncodeContext['options'], transformFrom: number): Buffer | typeof SEND_JSON {
  return value === SEND_JSON ? SEND_JSON : asBuffer(encodeForSend(value, options, transformFrom))
}

// ---- Step 3, onSend: set Vary, then compress what was encoded ----

/**
 * The Vary (and Accept-CH) setter of one route, on every reply of the route, both
 * representations: the usual reply (no Vary set by the handler or an earlier hook) takes the
 * value joined once per route and allocates nothing.
 */
function varySetter(vary: readonly string[], clientHints: boolean): (reply: FastifyReply) => void {
  const varyAlone = mergeVary(undefined, vary)
  return function setVary(reply: FastifyReply): void {
    const existing = reply.getHeader(HEADER.vary)
    reply.header(HEADER.vary, existing === undefined ? varyAlone : mergeVary(existing, vary))
    if (clientHints) reply.header(HEADER.acceptCh, ACCEPT_CH_VALUE)
  }
}

/**
 * The bytes serializeNegotiated encoded for this reply if they still go out as they are, else
 * null: an error after preSerialization, or a later onSend hook, replaces the payload or the
 * Content-Type. Clears the reply's slot either way.
 */
function encodedStillSent(reply: FastifyReply, payload: unknown): Buffer | null {
  const encoded = reply[kEncoded]
  if (encoded === null) return null
  reply[kEncoded] = null
  if (payload !== encoded) return null
  const type = reply.getHeader(HEADER.contentType)
  return type === BFAST_MEDIA_TYPE || type === BFAST_TABLE_MEDIA_TYPE || type === BFAST_TABLE_TRANSFORMS_MEDIA_TYPE
    ? encoded
    : null
}

/**
 * Whether the reply already carries a content coding (the handler's, or an earlier hook's): then
 * the body is someone else's to encode, and encoding it again would send it twice encoded.
 */
function alreadyEncoded(reply: FastifyReply): boolean {
  const coding = reply.getHeader(HEADER.contentEncoding)
  return coding !== undefined && String(coding).trim().toLowerCase() !== IDENTITY
}

/**
 * Compresses `encoded` in the form the route's policy chose: inside the format (SPEC 4),
 * synchronously as one block or in parallel chunks on the thread pool, or with an HTTP
 * Content-Encoding on the thread pool; and hands `done` the smaller of the two.
 */
function compressEncoded(
  reply: FastifyReply,
  encoded: Buffer,
  decision: CompressionDecision,
  chunkSize: number,
  done: HookDone
): void {
  // A client that already left gets nothing: skip the work.
  if (decision.form === 'none' || reply.raw.destroyed) {
    done(null, encoded)
    return
  }
  if (decision.form === 'content') {
    encodeContent(decision.coding!, decision.level, encoded, (err, coded) => {
      if (err !== null) {
        compressionFailed(reply, err)
        done(null, encoded)
        return
      }
      const sent = smaller(reply, encoded, coded)
      if (sent !== encoded) reply.header(HEADER.contentEncoding, decision.coding)
      done(null, sent)
    })
    return
  }
  if (decision.form === 'block') {
    let compressed: Uint8Array
    try {
      compressed = compress(encoded)
    } catch (err) {
      compressionFailed(reply, err)
      done(null, encoded)
      return
    }
    done(null, smaller(reply, encoded, compressed))
    return
  }
  compressChunked(encoded, { chunkSize }).then(
    (compressed) => done(null, smaller(reply, encoded, compressed)),
    (err: unknown) => {
      compressionFailed(reply, err)
      done(null, encoded)
    }
  )
}

/**
 * A strong ETag names one sequence of bytes (RFC 9110 section 8.8.1), and the plugin now sends
 * other bytes for it, which differ by coding: weakened (W/), as nginx's gzip filter does, so a
 * cache or a Range request never pairs the tag with the wrong bytes. @fastify/compress leaves
 * ETags alone; an ETag computed by a hook that runs after this one (e.g. @fastify/etag
 * registered after the plugin) hashes the bytes sent and stays strong.
 */
function weakenEtag(reply: FastifyReply): void {
  const etag = reply.getHeader(HEADER.etag)
  if (typeof etag === 'string' && !etag.startsWith(WEAK_PREFIX)) reply.header(HEADER.etag, WEAK_PREFIX + etag)
}

/** Never corrupt bytes: the plain message is always a valid reply, so it goes out instead. */
function compressionFailed(reply: FastifyReply, err: unknown): void {
  reply.log.error({ err }, 'fastify-bfast: compression failed, sending the message uncompressed')
}

/** The compressed form when it is smaller (incompressible data is sent plain), as a Buffer. */
function smaller(reply: FastifyReply, plain: Buffer, compressed: Uint8Array): Buffer {
  if (compressed.length >= plain.length) return plain
  weakenEtag(reply)
  return asBuffer(compressed)
}

// ---- The wiring ----

export interface RouteHooks {
  preSerialization: preSerializationHookHandler
  onSend: onSendHookHandler
  onError: onErrorHookHandler
}

/**
 * The hooks of one governed route, wiring the steps above; the per-route state (encode
 * options, compiled writers, Vary value) is built here once, never per reply.
 *
 * @example
 * ```ts
 * const hooks = routeHooks(resolvedOptions, settings, new RoutePolicy(settings.compression, false))
 * ```
 */
export function routeHooks(options: ResolvedOptions, route: ResolvedRoute, policy: RoutePolicy): RouteHooks {
  const chunkSize = route.compression.chunkSize
  const context: EncodeContext = {
    options: options.encode,
    tableOptions: { ...options.encode, tables: true },
    transformOptions: { ...options.encode, tables: true, transforms: true },
    tables: false,
    transforms: false,
    policy,
    mediaType: BFAST_MEDIA_TYPE,
    maxDepth: options.encode.maxDepth ?? DEFAULT_MAX_DEPTH,
    writers: new WeakMap()
  }
  const tableContext: EncodeContext | null = route.tables
    ? { ...context, tables: true, mediaType: BFAST_TABLE_MEDIA_TYPE }
    : null
  const transformContext: EncodeContext | null = route.tables
    ? { ...context, tables: true, transforms: true, mediaType: BFAST_TABLE_TRANSFORMS_MEDIA_TYPE }
    : null
  const clientHints = options.clientHints
  const setVary = varySetter(policy.vary, clientHints)

  function preSerialization(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: HookDone): void {
    const chosen = negotiated(request, reply, payload, context, tableContext, transformContext)
    if (chosen !== null) serializeOnce(reply, chosen)
    done(null, payload)
  }

  // A later preSerialization hook failed before Fastify called the serializer set above: clear
  // it, or the error handler's string reply would go through it.
  function onError(_request: FastifyRequest, reply: FastifyReply, _error: Error, done: () => void): void {
    if (reply[kPending]) clearSerializer(reply)
    done()
  }

  function onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: HookDone): void {
    const encoded = encodedStillSent(reply, payload)
    setVary(reply)
    if (encoded === null || alreadyEncoded(reply)) {
      done(null, payload)
      return
    }
    compressEncoded(reply, encoded, policy.decide(encoded.length, request.headers), chunkSize, done)
  }

  return {
    preSerialization: preSerialization as preSerializationHookHandler,
    onSend: onSend as onSendHookHandler,
    onError: onError as onErrorHookHandler
  }
}
