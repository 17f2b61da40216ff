/**
 * `createClient`: a small fetch wrapper that asks for B-FAST, sends B-FAST (or JSON) bodies,
 * decodes replies by Content-Type and turns non-2xx replies into `HttpError`s.
 */
import { builtinFetchAcceptEncoding } from './accept-encoding.js'
import { BODY_FORMATS, DEFAULT_BODY_FORMAT, DEFAULT_TABLES, HEADER, HEAD_METHOD, TABLE_MODES } from './constants.js'
import { decodeBody, labelsTables, replyFormatOf, responseLimit } from './decode-response.js'
import { checkClientDecodeOptions, ClientOptionError, HttpError, TimeoutError, withRequest } from './errors.js'
import { withoutTables } from './plain-values.js'
import { discardBody, readBody } from './read-body.js'
import { encodeBody } from './request-body.js'
import { backoff, mayRetry, replyRetryDelay, retryPolicy, sleep } from './retry.js'
import { compileRoutes, reviveReply, routesOfClient } from './routes.js'
import { requestSignal } from './signals.js'
import type { DecodeOptions } from '../src/index.js'
import type { ReplyFormat } from './decode-response.js'
import type { RetryPolicy } from './retry.js'
import type { ClientRoute } from './routes.js'
import type {
  AbortSignalLike,
  BodyFormat,
  Client,
  ClientOptions,
  FetchFunction,
  FetchInit,
  FetchOptions,
  FetchResponse,
  HeaderValues,
  Hooks,
  RequestContext,
  RequestOptions,
  RetryContext,
  RetryOptions,
  PlainTables,
  RouteMap,
  UntypedClient,
  UntypedRoutes
} from './types.js'
import { joinUrl } from './url.js'

/** A non-negative whole number of milliseconds (or bytes). */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

/** The `tables` mode a value names (TABLE_MODES), or undefined for a value that is none. */
function tableMode(value: unknown): (typeof TABLE_MODES)[keyof typeof TABLE_MODES] | undefined {
  if (typeof value === 'boolean') return TABLE_MODES[`${value}`]
  return value === 'transport' ? TABLE_MODES.transport : undefined
}

/**
 * Checks the options plain-JavaScript callers could get wrong, so that a typo fails loudly
 * (ClientOptionError) instead of silently sending the wrong format, never timing out or never
 * bounding a reply; `decode` against the codec's option registry, before any request is sent.
 */
function checkOptions(
  where: string,
  options: Pick<RequestOptions, 'timeout' | 'bodyFormat' | 'maxResponseSize' | 'retry' | 'hooks' | 'decode' | 'tables'>
): void {
  const { timeout, bodyFormat, maxResponseSize, retry, hooks, decode, tables } = options as Record<string, unknown>
  if (
    timeout !== undefined &&
    timeout !== false &&
    !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)
  ) {
    const got = String(timeout)
    throw new ClientOptionError(`${where}.timeout must be a number of milliseconds >= 0 or false, got ${got}`)
  }
  if (bodyFormat !== undefined && !Object.values(BODY_FORMATS).includes(bodyFormat as BodyFormat)) {
    const allowed = Object.values(BODY_FORMATS).join(', ')
    throw new ClientOptionError(`${where}.bodyFormat must be one of ${allowed}, got ${String(bodyFormat)}`)
  }
  if (maxResponseSize !== undefined && !isCount(maxResponseSize)) {
    const got = String(maxResponseSize)
    throw new ClientOptionError(`${where}.maxResponseSize must be a whole number of bytes >= 0, got ${got}`)
  }
  if (retry !== undefined && !isCount(retry)) {
    if (typeof retry !== 'object' || retry === null) {
      throw new ClientOptionError(`${where}.retry must be a count or an object, got ${String(retry)}`)
    }
    const { limit, delay } = retry as RetryOptions
    if (limit !== undefined && !isCount(limit)) {
      throw new ClientOptionError(`${where}.retry.limit must be a whole number >= 0, got ${String(limit)}`)
    }
    if (delay !== undefined && typeof delay !== 'function') {
      throw new ClientOptionError(`${where}.retry.delay must be a function`)
    }
  }
  if (hooks !== undefined) {
    for (const [name, list] of Object.entries(hooks as Hooks)) {
      if (list !== undefined && !(Array.isArray(list) && list.every((h: unknown) => typeof h === 'function'))) {
        throw new ClientOptionError(`${where}.hooks.${name} must be an array of functions`)
      }
    }
  }
  if (tables !== undefined && tableMode(tables) === undefined) {
    const allowed = Object.keys(TABLE_MODES).map((key) => (key === 'transport' ? `'${key}'` : key)).join(', ')
    throw new ClientOptionError(`${where}.tables must be one of ${allowed}, got ${String(tables)}`)
  }
  checkClientDecodeOptions(decode, `${where}.decode`)
}

/** `headers` (a record, pairs or a Headers) set into `into` by lowercased name. */
function setHeaders(into: Record<string, string>, headers: HeaderValues | undefined): void {
  if (headers === undefined) return
  const set = (value: string, name: string): void => {
    into[name.toLowerCase()] = String(value)
  }
  if (Array.isArray(headers)) {
    for (const [name, value] of headers as ReadonlyArray<readonly [string, string]>) set(value, name)
  } else if (typeof (headers as { forEach?: unknown }).forEach === 'function') {
    ;(headers as { forEach(cb: (value: string, name: string) => void): void }).forEach(set)
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string>)) set(value, name)
  }
}

/** Options of one call as the implementation sees them: a body may ride along in `options.body`. */
type CallOptions = RequestOptions & { body?: unknown }

/** The client's options other than `baseUrl` and `fetch`: the defaults every call refines. */
type ClientDefaults = Omit<ClientOptions, 'baseUrl' | 'fetch'>

/** Everything one call sends and reads with, from the client's defaults and the call's options. */
interface PreparedCall {
  method: string
  url: string
  /** Lowercased names: the default Accept, the client's headers, the call's, the body's Content-Type. */
  headers: Record<string, string>
  body: FetchInit['body'] | undefined
  /** The other fetch options, the call's over the client's. */
  init: FetchOptions
  /** The byte limit on the reply body (maxResponseSize, else decode.maxDecompressedSize). */
  limit: number
  decodeWith: DecodeOptions
  policy: RetryPolicy
  hooks: Required<Hooks>
  /** The whole call's timeout, undefined for none. */
  timeoutMs: number | undefined
  signals: ReadonlyArray<AbortSignalLike | null | undefined>
  /** The route schema this call's replies were serialized with, when the client has `routes`. */
  route: ClientRoute | undefined
  /**
   * `tables: false` or `'transport'`: B-FAST replies are handed back as plain values, a reply
   * labelled `layout=table` without its tables, any other read with `decodeV1With`.
   */
  plainValues: boolean
  /** The decode options of an unlabelled B-FAST reply when `plainValues`: v1 only unless `decode.tables` says. */
  decodeV1With: DecodeOptions
}

/** The client's hooks of one kind, then the call's. */
function joinHooks<K extends keyof Hooks>(
  client: Hooks | undefined,
  call: Hooks | undefined,
  kind: K
): Required<Hooks>[K] {
  return [...(client?.[kind] ?? []), ...(call?.[kind] ?? [])] as Required<Hooks>[K]
}

/**
 * Builds the request of one call: its URL, headers and encoded body, and the reply limit,
 * decode options, retry policy, hooks and timeout, each the call's over the client's. A body
 * the codec cannot encode rejects here, naming the request, before anything is sent.
 */
function prepareCall(
  baseUrl: ClientOptions['baseUrl'],
  defaults: ClientDefaults,
  method: string,
  path: string,
  call: CallOptions,
  route: ClientRoute | undefined,
  acceptEncoding: string | undefined
): PreparedCall {
  const {
    body,
    headers: callHeaders,
    query,
    signal,
    timeout,
    bodyFormat,
    decode: decodeOptions,
    maxResponseSize,
    retry,
    hooks,
    tables,
    ...callInit
  } = call
  const {
    headers: clientHeaders,
    signal: clientSignal,
    timeout: clientTimeout,
    bodyFormat: clientBodyFormat,
    decode: clientDecodeOptions,
    maxResponseSize: clientMaxResponseSize,
    retry: clientRetry,
    hooks: clientHooks,
    tables: clientTables,
    ...clientInit
  } = defaults

  const url = joinUrl(baseUrl, path, query)
  // Per-request decode options refine the client's rather than replace them.
  const decodeMerged = decodeOptions === undefined ? clientDecodeOptions : { ...clientDecodeOptions, ...decodeOptions }
  const tablesSet = tables ?? clientTables
  // Checked by checkOptions: a mode of TABLE_MODES. The default gives way to decode.tables: false.
  const mode = tablesSet === undefined && decodeMerged?.tables === false
    ? TABLE_MODES.false
    : tableMode(tablesSet ?? DEFAULT_TABLES)!
  const headers: Record<string, string> = { [HEADER.accept]: mode.accept }
  if (acceptEncoding !== undefined) headers[HEADER.acceptEncoding] = acceptEncoding
  setHeaders(headers, clientHeaders)
  setHeaders(headers, callHeaders)

  let requestBody: FetchInit['body']
  if (body !== undefined) {
    let encoded
    try {
      encoded = encodeBody(body, bodyFormat ?? clientBodyFormat ?? DEFAULT_BODY_FORMAT)
    } catch (err) {
      throw withRequest(err, method, url)
    }
    requestBody = encoded.body
    if (headers[HEADER.contentType] === undefined) headers[HEADER.contentType] = encoded.contentType
  }

  if (mode.readsTables && decodeMerged?.tables === false) {
    const setting = mode.plainValues ? "'transport'" : 'true'
    throw new ClientOptionError(`tables: ${setting} asks ${method} ${url} for tables, which decode.tables: false refuses`)
  }
  const limit = responseLimit(maxResponseSize ?? clientMaxResponseSize, decodeMerged)
  const timeoutSetting = timeout ?? clientTimeout
  const decodeWith = { ...decodeMerged, maxDecompressedSize: limit }
  return {
    method,
    url,
    headers,
    body: requestBody,
    init: { ...clientInit, ...callInit },
    limit,
    decodeWith,
    policy: retryPolicy(clientRetry, retry),
    hooks: {
      beforeRequest: joinHooks(clientHooks, hooks, 'beforeRequest'),
      afterResponse: joinHooks(clientHooks, hooks, 'afterResponse'),
      beforeRetry: joinHooks(clientHooks, hooks, 'beforeRetry')
    },
    timeoutMs: typeof timeoutSetting === 'number' && timeoutSetting > 0 ? timeoutSetting : undefined,
    signals: [clientSignal, signal],
    route,
    plainValues: mode.plainValues,
    decodeV1With: decodeMerged?.tables === undefined ? { ...decodeWith, tables: false } : decodeWith
  }
}

/** What fetch is called with on one attempt: a fresh copy, so hooks may change it freely. */
function attemptInit(call: PreparedCall, signal: AbortSignalLike | undefined): FetchInit {
  const init: FetchInit = { ...call.init, method: call.method, headers: { ...call.headers } }
  if (call.body !== undefined) init.body = call.body
  if (signal !== undefined) init.signal = signal
  return init
}

/** The reply after the afterResponse hooks, each of which may replace it. */
async function afterResponse(
  call: PreparedCall,
  response: FetchResponse,
  request: RequestContext
): Promise<FetchResponse> {
  for (const hook of call.hooks.afterResponse) {
    const replaced = await hook(response, request)
    if (replaced === undefined || replaced === response) continue
    // The reply a hook replaced is never read: let its connection go.
    discardBody(response.body)
    response = replaced
  }
  return response
}

/** How a reply's body is read: a HEAD reply describes the GET body it does not carry (RFC 9110 section 9.3.2). */
function replyFormat(call: PreparedCall, response: FetchResponse): ReplyFormat {
  if (call.method === HEAD_METHOD) return 'empty'
  return replyFormatOf(response.status, response.headers.get(HEADER.contentType))
}

/**
 * Decodes a reply body read into memory. Under `plainValues`, the Content-Type says whether a
 * B-FAST reply may hold tables (SPEC 8.0): only a labelled one is decoded with them and walked
 * back to plain values (client/plain-values.ts), so a v1 reply costs no walk.
 */
function decodeReply(call: PreparedCall, format: ReplyFormat, response: FetchResponse, bytes: Uint8Array): unknown {
  if (format !== 'bfast' || !call.plainValues) return decodeBody(format, bytes, call.decodeWith)
  if (!labelsTables(response.headers.get(HEADER.contentType))) return decodeBody(format, bytes, call.decodeV1With)
  return withoutTables(decodeBody(format, bytes, call.decodeWith))
}

/**
 * Reads and decodes a 2xx reply; a codec error (or a body over the limit) says which request
 * it was. Read under the call's signal: a timeout also covers a body that trickles in.
 */
async function readReply(call: PreparedCall, request: RequestContext, response: FetchResponse): Promise<unknown> {
  const format = replyFormat(call, response)
  let decoded: unknown
  try {
    decoded = decodeReply(call, format, response, await readBody(response, format, call.limit))
  } catch (err) {
    throw withRequest(err, call.method, request.url, response)
  }
  return call.route === undefined ? decoded : reviveReply(call.route, response.status, decoded)
}

/**
 * The HttpError a non-2xx reply stands for, whatever its body: one that cannot be read or
 * decoded leaves `body` undefined, `cause` saying why (issue 10).
 */
async function httpError(call: PreparedCall, request: RequestContext, response: FetchResponse): Promise<HttpError> {
  const format = replyFormat(call, response)
  let body: unknown
  let cause: unknown
  try {
    body = decodeReply(call, format, response, await readBody(response, format, call.limit))
    if (call.route !== undefined) body = reviveReply(call.route, response.status, body)
  } catch (err) {
    cause = err
  }
  return new HttpError({ method: call.method, url: request.url, response, body, cause })
}

/**
 * Creates a client for one API.
 *
 * Every request asks for B-FAST tables as a transport form, then B-FAST v1, then JSON
 * (`TRANSPORT_ACCEPT`; with `tables: false`, `DEFAULT_ACCEPT`: v1, then JSON) and hands back plain
 * values (with `tables: true`, arrays of records come back as `BFastTable`s where the reply holds
 * tables, typed by `Tabled`) and, through Node's built-in fetch, sends an
 * `Accept-Encoding` naming every coding that fetch decodes; replies are decoded by their Content-Type
 * (B-FAST plain or compressed, JSON, otherwise text). Bodies are sent as B-FAST unless
 * `bodyFormat: 'json'`. A non-2xx reply rejects with an `HttpError` holding the decoded error
 * body (whatever that body is), a `timeout` with a `TimeoutError`, an abort with the signal's
 * reason; a bad B-FAST reply or one over `maxResponseSize` with a `BFastRequestError` (a
 * `BFastError` naming the request); network failures with fetch's own error (its `cause` says
 * why). `retry` retries idempotent methods; `hooks` run around each attempt.
 *
 * Give a route map as the type argument to have paths, bodies and results checked and
 * inferred; without one, each call takes the result type as its own type argument.
 *
 * @example
 * ```ts
 * import { createClient } from 'fastify-bfast/client'
 *
 * type Routes = {
 *   'GET /users': { response: User[] }
 *   'GET /users/:id': { response: User }
 *   'POST /users': { body: NewUser; response: User }
 * }
 * const api = createClient<Routes>({ baseUrl: 'https://api.example.com', timeout: 10_000 })
 * const users = await api.get('/users')            // User[]
 * const one = await api.get(`/users/${users[0].id}`) // User
 * const created = await api.post('/users', { name: 'Ada', born: new Date('1815-12-10') })
 *
 * // Untyped: the result type is the call's type argument.
 * const raw = createClient({ baseUrl: '/api' })
 * const list = await raw.get<User[]>('/users')
 *
 * // Tables (SPEC 8): opened in O(1), rows read on demand.
 * const grid = createClient<Routes>({ baseUrl: '/api', tables: true })
 * const table = await grid.get('/users') // BFastTable<User> | User[] (an empty list stays an array)
 * ```
 */
export function createClient<Routes extends RouteMap<Routes> = UntypedRoutes>(
  options: ClientOptions & { tables: true }
): Client<Routes, true>
export function createClient<Routes extends RouteMap<Routes> = UntypedRoutes>(
  options: ClientOptions & { tables?: PlainTables | undefined }
): Client<Routes, false>
export function createClient<Routes extends RouteMap<Routes> = UntypedRoutes>(
  options: ClientOptions
): Client<Routes, boolean>
export function createClient<Routes extends RouteMap<Routes> = UntypedRoutes>(
  options: ClientOptions
): Client<Routes, boolean> {
  const { baseUrl, fetch: customFetch, routes: routeSchemas, ...defaults } = options
  checkOptions('createClient options', defaults)
  if (routeSchemas !== undefined && (typeof routeSchemas !== 'object' || routeSchemas === null)) {
    throw new ClientOptionError(
      `createClient options.routes must be an object of route schemas, got ${String(routeSchemas)}`
    )
  }
  const routes = routeSchemas === undefined ? undefined : compileRoutes(routeSchemas)
  // Looked up per call (not captured once) so that a fetch installed later is used, and called
  // as a plain function: browsers throw "Illegal invocation" for fetch called on another object.
  // FetchInit is the structural subset of RequestInit the client builds (types.ts).
  const fetchFn: FetchFunction = customFetch ?? ((input, init) => globalThis.fetch(input, init as RequestInit))
  // Through Node's own fetch, every coding it decodes (./accept-encoding.ts); a fetch given is left to its own.
  const acceptEncoding = customFetch === undefined ? builtinFetchAcceptEncoding() : undefined

  /**
   * One call: build the request, then attempt it (beforeRequest hooks, fetch, afterResponse
   * hooks) until it succeeds or may not be retried, then read the reply or make its HttpError.
   */
  async function send(method: string, path: string, options: CallOptions = {}): Promise<unknown> {
    checkOptions('request options', options)
    const call = prepareCall(baseUrl, defaults, method, path, options, routes?.find(method, path), acceptEncoding)
    const { policy, timeoutMs } = call
    // One signal for every attempt and every wait: the timeout covers the whole call.
    const abort = requestSignal(call.signals, timeoutMs)
    let request: RequestContext | undefined
    try {
      for (let attempt = 1; ; attempt++) {
        request = { method, url: call.url, init: attemptInit(call, abort.signal), attempt }
        for (const hook of call.hooks.beforeRequest) await hook(request)

        let response: FetchResponse
        try {
          response = await fetchFn(request.url, request.init)
        } catch (err) {
          // A network error (fetch rejecting without an abort) may be retried; aborts never are.
          if (abort.signal?.aborted === true || !mayRetry(policy, method, attempt)) throw err
          await pause({ ...request, response: undefined, error: err, delay: backoff(policy, attempt) })
          continue
        }
        response = await afterResponse(call, response, request)

        if (response.ok) return await readReply(call, request, response)
        if (mayRetry(policy, method, attempt)) {
          const delay = replyRetryDelay(policy, response, attempt, Date.now())
          if (delay !== undefined) {
            discardBody(response.body)
            await pause({ ...request, response, error: undefined, delay })
            continue
          }
        }
        throw await httpError(call, request, response)
      }
    } catch (err) {
      if (abort.timedOut() && timeoutMs !== undefined && !(err instanceof HttpError)) {
        throw new TimeoutError(method, request?.url ?? call.url, timeoutMs, err)
      }
      throw err
    } finally {
      abort.release()
    }

    /** Runs the beforeRetry hooks, then waits (an abort or the timeout ends the wait). */
    async function pause(retryContext: RetryContext): Promise<void> {
      for (const hook of call.hooks.beforeRetry) await hook(retryContext)
      await sleep(retryContext.delay, abort.signal)
    }
  }

  // `send` resolves to the decoded body as `unknown`; each method's type argument (or the route
  // map) names it, which `Promise<never>` (assignable to any `Promise<T>`) lets through.
  const client: UntypedClient = {
    get: (path, opts) => send('GET', path, opts) as Promise<never>,
    post: (path, body, opts) => send('POST', path, { ...opts, body }) as Promise<never>,
    put: (path, body, opts) => send('PUT', path, { ...opts, body }) as Promise<never>,
    patch: (path, body, opts) => send('PATCH', path, { ...opts, body }) as Promise<never>,
    delete: (path, opts) => send('DELETE', path, opts) as Promise<never>,
    request: (method, path, opts) => send(method.toUpperCase(), path, opts) as Promise<never>
  }
  if (routes !== undefined) routesOfClient.set(client, routes)
  // The typed and untyped faces share this one implementation; only their signatures differ.
  return client as Client<Routes, boolean>
}
