/**
 * `createClient`: a small fetch wrapper that asks for B-FAST, sends B-FAST (or JSON) bodies,
 * decodes replies by Content-Type and turns non-2xx replies into `HttpError`s.
 */
import { BODY_FORMATS, DEFAULT_ACCEPT, DEFAULT_BODY_FORMAT, HEADER, HEAD_METHOD } from './constants.js'
import { decodeBody, replyFormatOf } from './decode-response.js'
import { HttpError, TimeoutError } from './errors.js'
import { readBody } from './read-body.js'
import { encodeBody } from './request-body.js'
import { requestSignal } from './signals.js'
import type { BodyFormat, Client, ClientOptions, FetchFunction, FetchInit, RequestOptions, RouteMap, UntypedClient, UntypedRoutes } from './types.js'
import { joinUrl } from './url.js'

/**
 * Checks the options plain-JavaScript callers could get wrong, so that a typo fails loudly
 * instead of silently sending the wrong format or never timing out.
 */
function checkOptions(where: string, options: { timeout?: unknown; bodyFormat?: unknown }): void {
  const { timeout, bodyFormat } = options
  if (timeout !== undefined && timeout !== false && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
    throw new TypeError(`${where}.timeout must be a number of milliseconds >= 0 or false, got ${String(timeout)}`)
  }
  if (bodyFormat !== undefined && !Object.values(BODY_FORMATS).includes(bodyFormat as BodyFormat)) {
    throw new TypeError(`${where}.bodyFormat must be one of ${Object.values(BODY_FORMATS).join(', ')}, got ${String(bodyFormat)}`)
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
 * holding the decoded error body, a `timeout` with a `TimeoutError`, an abort with the
 * signal's reason; a bad B-FAST reply with the codec's `BFastError`; network failures with
 * fetch's own error (its `cause` says why).
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
  const { baseUrl, fetch: customFetch, ...defaults } = options
  checkOptions('createClient options', defaults)
  // Looked up per call (not captured once) so that a fetch installed later is used, and called
  // as a plain function: browsers throw "Illegal invocation" for fetch called on another object.
  const fetchFn: FetchFunction = customFetch ?? ((input, init) => globalThis.fetch(input, init))

  async function send(method: string, path: string, call: CallOptions = {}): Promise<unknown> {
    const {
      body,
      headers: callHeaders,
      query,
      signal,
      timeout,
      bodyFormat,
      decode: decodeOptions,
      ...callInit
    } = call
    checkOptions('request options', call)
    const {
      headers: clientHeaders,
      signal: clientSignal,
      timeout: clientTimeout,
      bodyFormat: clientBodyFormat,
      decode: clientDecodeOptions,
      ...clientInit
    } = defaults

    const url = joinUrl(baseUrl, path, query)
    const headers = new Headers({ [HEADER.accept]: DEFAULT_ACCEPT })
    for (const extra of [clientHeaders, callHeaders]) {
      if (extra !== undefined) new Headers(extra).forEach((value, name) => headers.set(name, value))
    }

    let requestBody: FetchInit['body']
    if (body !== undefined) {
      const encoded = encodeBody(body, bodyFormat ?? clientBodyFormat ?? DEFAULT_BODY_FORMAT)
      requestBody = encoded.body
      if (!headers.has(HEADER.contentType)) headers.set(HEADER.contentType, encoded.contentType)
    }

    const timeoutSetting = timeout ?? clientTimeout
    const timeoutMs = typeof timeoutSetting === 'number' && timeoutSetting > 0 ? timeoutSetting : undefined
    const abort = requestSignal([clientSignal, signal], timeoutMs)
    // Per-request decode options refine the client's rather than replace them.
    const decodeWith = decodeOptions === undefined ? clientDecodeOptions : { ...clientDecodeOptions, ...decodeOptions }
    try {
      const init: FetchInit = { ...clientInit, ...callInit, method, headers: headerRecord(headers) }
      if (requestBody !== undefined) init.body = requestBody
      if (abort.signal !== undefined) init.signal = abort.signal

      const response = await fetchFn(url, init)
      // A HEAD reply describes the GET body it does not carry (RFC 9110 section 9.3.2).
      const format = method === HEAD_METHOD ? 'empty' : replyFormatOf(response.status, response.headers.get(HEADER.contentType))
      // Read under the same signal: a timeout also covers a body that trickles in.
      const bytes = await readBody(response, format, decodeWith)

      if (!response.ok) {
        let errorBody: unknown
        let cause: unknown
        try {
          errorBody = decodeBody(format, bytes, decodeWith)
        } catch (err) {
          cause = err
        }
        throw new HttpError({ method, url, response, body: errorBody, cause })
      }
      return decodeBody(format, bytes, decodeWith)
    } catch (err) {
      if (abort.timedOut() && timeoutMs !== undefined && !(err instanceof HttpError)) {
        throw new TimeoutError(method, url, timeoutMs, err)
      }
      throw err
    } finally {
      abort.release()
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
  // The typed and untyped faces share this one implementation; only their signatures differ.
  return client as Client<Routes>
}

/** A `Headers` as a plain record of its (lowercased) names. */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {}
  headers.forEach((value, name) => {
    record[name] = value
  })
  return record
}
