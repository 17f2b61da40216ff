/**
 * `createClient`: a small fetch wrapper that asks for B-FAST, sends B-FAST (or JSON) bodies,
 * decodes replies by Content-Type and turns non-2xx replies into `HttpError`s.
 */
import { BODY_FORMATS, DEFAULT_ACCEPT, DEFAULT_BODY_FORMAT, HEADER, HEAD_METHOD } from './constants.js'
import { decodeBody, replyFormatOf, responseLimit } from './decode-response.js'
import { checkClientDecodeOptions, ClientOptionError, HttpError, TimeoutError, withRequest } from './errors.js'
import { discardBody, readBody } from './read-body.js'
import { encodeBody } from './request-body.js'
import { backoff, mayRetry, replyRetryDelay, retryPolicy, sleep } from './retry.js'
import { compileRoutes, reviveReply, routesOfClient } from './routes.js'
import { requestSignal } from './signals.js'
import type {
  BodyFormat,
  Client,
  ClientOptions,
  FetchFunction,
  FetchInit,
  FetchResponse,
  HeaderValues,
  Hooks,
  RequestContext,
  RequestOptions,
  RetryOptions,
  RouteMap,
  UntypedClient,
  UntypedRoutes
} from './types.js'
import { joinUrl } from './url.js'

/** A non-negative whole number of milliseconds (or bytes). */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

/**
 * Checks the options plain-JavaScript callers could get wrong, so that a typo fails loudly
 * (ClientOptionError) instead of silently sending the wrong format, never timing out or never
 * bounding a reply; `decode` against the codec's option registry, before any request is sent.
 */
function checkOptions(
  where: string,
  options: Pick<RequestOptions, 'timeout' | 'bodyFormat' | 'maxResponseSize' | 'retry' | 'hooks' | 'decode'>
): void {
  const { timeout, bodyFormat, maxResponseSize, retry, hooks, decode } = options as Record<string, unknown>
  if (timeout !== undefined && timeout !== false && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
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

/**
 * Creates a client for one API.
 *
 * Every request sends `Accept: application/x-bfast, application/json;q=0.9`; replies are
 * decoded by their Content-Type (B-FAST plain or compressed, JSON, otherwise text). Bodies are
 * sent as B-FAST unless `bodyFormat: 'json'`. A non-2xx reply rejects with an `HttpError`
 * holding the decoded error body (whatever that body is), a `timeout` with a `TimeoutError`,
 * an abort with the signal's reason; a bad B-FAST reply or one over `maxResponseSize` with a
 * `BFastRequestError` (a `BFastError` naming the request); network failures with fetch's own
 * error (its `cause` says why). `retry` retries idempotent methods; `hooks` run around each attempt.
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
 * ```
 */
export function createClient<Routes extends RouteMap<Routes> = UntypedRoutes>(options: ClientOptions): Client<Routes> {
  const { baseUrl, fetch: customFetch, routes: routeSchemas, ...defaults } = options
  checkOptions('createClient options', defaults)
  if (routeSchemas !== undefined && (typeof routeSchemas !== 'object' || routeSchemas === null)) {
    throw new TypeError(`createClient options.routes must be an object of route schemas, got ${String(routeSchemas)}`)
  }
  const routes = routeSchemas === undefined ? undefined : compileRoutes(routeSchemas)
  // Looked up per call (not captured once) so that a fetch installed later is used, and called
  // as a plain function: browsers throw "Illegal invocation" for fetch called on another object.
  // FetchInit is the structural subset of RequestInit the client builds (types.ts).
  const fetchFn: FetchFunction = customFetch ?? ((input, init) => globalThis.fetch(input, init as RequestInit))

  async function send(method: string, path: string, call: CallOptions = {}): Promise<unknown> {
    // The route schema this call's replies were serialized with, when `routes` are given.
    const route = routes?.find(method, path)
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
      ...callInit
    } = call
    checkOptions('request options', call)
    const {
      headers: clientHeaders,
      signal: clientSignal,
      timeout: clientTimeout,
      bodyFormat: clientBodyFormat,
      decode: clientDecodeOptions,
      maxResponseSize: clientMaxResponseSize,
      retry: clientRetry,
      hooks: clientHooks,
      ...clientInit
    } = defaults

    const url = joinUrl(baseUrl, path, query)
    const headers: Record<string, string> = { [HEADER.accept]: DEFAULT_ACCEPT }
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

    // Per-request decode options refine the client's rather than replace them.
    const decodeMerged = decodeOptions === undefined ? clientDecodeOptions : { ...clientDecodeOptions, ...decodeOptions }
    const limit = responseLimit(maxResponseSize ?? clientMaxResponseSize, decodeMerged)
    const decodeWith = { ...decodeMerged, maxDecompressedSize: limit }
    const policy = retryPolicy(clientRetry, retry)
    const beforeRequest = [...(clientHooks?.beforeRequest ?? []), ...(hooks?.beforeRequest ?? [])]
    const afterResponse = [...(clientHooks?.afterResponse ?? []), ...(hooks?.afterResponse ?? [])]
    const beforeRetry = [...(clientHooks?.beforeRetry ?? []), ...(hooks?.beforeRetry ?? [])]

    const timeoutSetting = timeout ?? clientTimeout
    const timeoutMs = typeof timeoutSetting === 'number' && timeoutSetting > 0 ? timeoutSetting : undefined
    // One signal for every attempt and every wait: the timeout covers the whole call.
    const abort = requestSignal([clientSignal, signal], timeoutMs)
    let request: RequestContext | undefined
    try {
      for (let attempt = 1; ; attempt++) {
        const init: FetchInit = { ...clientInit, ...callInit, method, headers: { ...headers } }
        if (requestBody !== undefined) init.body = requestBody
        if (abort.signal !== undefined) init.signal = abort.signal
        request = { method, url, init, attempt }
        for (const hook of beforeRequest) await hook(request)

        let response: FetchResponse
        try {
          response = await fetchFn(request.url, request.init)
        } catch (err) {
          // A network error (fetch rejecting without an abort) may be retried; aborts never are.
          if (abort.signal?.aborted === true || !mayRetry(policy, method, attempt)) throw err
          await pause({ ...request, response: undefined, error: err, delay: backoff(policy, attempt) })
          continue
        }
        for (const hook of afterResponse) {
          const replaced = await hook(response, request)
          if (replaced === undefined || replaced === response) continue
          // The reply a hook replaced is never read: let its connection go.
          discardBody(response.body)
          response = replaced
        }

        if (!response.ok && mayRetry(policy, method, attempt)) {
          const delay = replyRetryDelay(policy, response, attempt, Date.now())
          if (delay !== undefined) {
            discardBody(response.body)
            await pause({ ...request, response, error: undefined, delay })
            continue
          }
        }
        return await settle(request, response)
      }
    } catch (err) {
      if (abort.timedOut() && timeoutMs !== undefined && !(err instanceof HttpError)) {
        throw new TimeoutError(method, request?.url ?? url, timeoutMs, err)
      }
      throw err
    } finally {
      abort.release()
    }

    /** Runs the beforeRetry hooks, then waits (an abort or the timeout ends the wait). */
    async function pause(retryContext: Parameters<NonNullable<Hooks['beforeRetry']>[number]>[0]): Promise<void> {
      for (const hook of beforeRetry) await hook(retryContext)
      await sleep(retryContext.delay, abort.signal)
    }

    /**
     * The decoded reply, or the error it stands for: a non-2xx reply is an HttpError whatever
     * its body (one that cannot be read or decoded leaves `body` undefined, `cause` saying why;
     * issue 10); a codec error on a 2xx reply says which request it was.
     */
    async function settle(req: RequestContext, response: FetchResponse): Promise<unknown> {
      // A HEAD reply describes the GET body it does not carry (RFC 9110 section 9.3.2).
      const format = method === HEAD_METHOD ? 'empty' : replyFormatOf(response.status, response.headers.get(HEADER.contentType))
      if (!response.ok) {
        let errorBody: unknown
        let cause: unknown
        try {
          // Read under the same signal: a timeout also covers a body that trickles in.
          errorBody = decodeBody(format, await readBody(response, format, limit), decodeWith)
          if (route !== undefined) errorBody = reviveReply(route, response.status, errorBody)
        } catch (err) {
          cause = err
        }
        throw new HttpError({ method, url: req.url, response, body: errorBody, cause })
      }
      let decoded: unknown
      try {
        decoded = decodeBody(format, await readBody(response, format, limit), decodeWith)
      } catch (err) {
        throw withRequest(err, method, req.url, response)
      }
      return route === undefined ? decoded : reviveReply(route, response.status, decoded)
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
  return client as Client<Routes>
}
