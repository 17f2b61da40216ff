/**
 * The plugin function: validates options, registers the body parser, and adds the per-route
 * hooks from `onRoute` to every route declared after it (except those with `config.bfast: false`),
 * whose schema then lists `application/x-bfast` beside `application/json` (./openapi.ts); routes
 * that may receive a body also get the request-body decoding of ./request-coding.ts.
 */
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { LZ4_PACKAGE, compressionAvailable } from '../src/compress.js'
import { registerBodyParser } from './body-parser.js'
import { lz4NotInstalled } from './errors.js'
import { kEncoded, kPending, routeHooks } from './hooks.js'
import { warmUpMalloc } from './malloc-warmup.js'
import { withBfastMediaTypes } from './openapi.js'
import { resolveOptions, resolveRoute } from './options.js'
import type { BfastPluginOptions, ResolvedOptions } from './options.js'
import { RoutePolicy } from './policy.js'
import { requestDecoding } from './request-coding.js'

/** fastify-plugin metadata: the Fastify major this plugin supports, and its name. */
export const PLUGIN_META = { fastify: '5.x', name: 'fastify-bfast' } as const

/** Fastify's documented default bodyLimit (1 MiB), used if initialConfig lacks it. */
const DEFAULT_BODY_LIMIT = 1_048_576

/**
 * Methods whose requests Fastify never reads a body of (fastify.js kSupportedHTTPMethods.bodyless):
 * their routes need no request-decoding hook.
 */
const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'TRACE'])

/** Fastify's auto-created HEAD routes end their onSend chain with this handler (fastify/lib/head-route.js). */
const HEAD_ROUTE_ON_SEND = 'headRouteOnSendHandler'

type Hook = NonNullable<RouteOptions['onSend']>

function asList<T>(hook: T | T[] | undefined): T[] {
  if (hook === undefined) return []
  return Array.isArray(hook) ? [...hook] : [hook]
}

/**
 * Adds `hook` last. On Fastify's auto HEAD routes, the handler they carry (which measures the
 * payload for Content-Length and replaces it by null) is moved after it: a plugin registered
 * earlier (e.g. @fastify/compress) appends its own onSend after that handler from onRoute, so
 * the list is [head handler, theirs]. Moving the handler last gives [theirs, ours, head
 * handler], the order the GET route runs them in, so the HEAD reply carries the GET reply's
 * headers, Content-Encoding and Content-Length included (RFC 9110 section 9.3.2). Issue 10
 * finding 8: HEAD measured the uncompressed message while GET sent the compressed one; issue 16:
 * with @fastify/compress registered first and compressing B-FAST, HEAD ran the plugin's coding
 * before @fastify/compress while GET ran it after, and the two announced different codings.
 */
function appendOnSend(existing: Hook | undefined, hook: Hook extends Array<infer H> ? H : never): Hook {
  const list = asList(existing as unknown as (typeof hook)[] | typeof hook | undefined)
  const head = list.findIndex((h) => (h as { name?: string }).name === HEAD_ROUTE_ON_SEND)
  if (head === -1) {
    list.push(hook)
  } else {
    const [handler] = list.splice(head, 1)
    list.push(hook, handler!)
  }
  return list as unknown as Hook
}

function bfastPlugin(app: FastifyInstance, raw: BfastPluginOptions, done: (err?: Error) => void): void {
  let options: ResolvedOptions
  try {
    options = resolveOptions(raw, app.initialConfig.bodyLimit ?? DEFAULT_BODY_LIMIT)
  } catch (err) {
    // Through done(), not a throw: avvio does not turn every synchronous throw into a
    // registration error (a non-object options value crashed the process in testing).
    done(err as Error)
    return
  }
  // lz4-napi (an optional peer) is needed only where in-format LZ4 may be chosen.
  if (new RoutePolicy(options.compression, options.clientHints).mayUseLz4 && !compressionAvailable()) {
    done(lz4NotInstalled('the plugin (compression.network and clientHints)', LZ4_PACKAGE))
    return
  }
  if (options.mallocWarmup) warmUpMalloc()
  registerBodyParser(app, options)
  app.decorateReply(kEncoded, null)
  app.decorateReply(kPending, false)
  const decodeRequest = requestDecoding(options.maxBodySize)
  app.addHook('onRoute', (route) => {
    const settings = resolveRoute(route.config?.bfast, options, `${String(route.method)} ${route.url}`)
    if (settings === null) return
    const policy = new RoutePolicy(settings.compression, options.clientHints)
    if (policy.mayUseLz4 && !compressionAvailable()) {
      throw lz4NotInstalled(`route ${String(route.method)} ${route.url}`, LZ4_PACKAGE)
    }
    // Documents B-FAST beside JSON for OpenAPI generators (and validates B-FAST bodies of
    // content-map body schemas): ./openapi.ts says why here and why this is order-independent.
    if (route.schema !== undefined) route.schema = withBfastMediaTypes(route.schema, settings.tables)
    const hooks = routeHooks(options, settings, policy)
    route.preSerialization = [
      ...asList(route.preSerialization),
      hooks.preSerialization
    ] as RouteOptions['preSerialization']
    route.onSend = appendOnSend(route.onSend, hooks.onSend as never)
    route.onError = [...asList(route.onError), hooks.onError] as RouteOptions['onError']
    // Last of the route's preParsing hooks, so that a body another hook decoded is seen as such.
    if (asList(route.method).some((method) => !BODYLESS_METHODS.has(method))) {
      route.preParsing = [...asList(route.preParsing), decodeRequest] as RouteOptions['preParsing']
    }
  })
  done()
}

/**
 * The fastify-bfast plugin.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import bfast from 'fastify-bfast'
 *
 * const app = Fastify()
 * await app.register(bfast, { compression: { network: 'auto' } })
 * app.get('/users', async () => users) // B-FAST for clients that ask for it, JSON for the rest
 * ```
 */
export const bfast = fp(bfastPlugin, PLUGIN_META)
