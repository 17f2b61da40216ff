/**
 * The client's public types: options, and the route map that types paths, bodies and results.
 *
 * A route map is a type whose keys are `'METHOD /path'` and whose values are `RouteSpec`s:
 *
 * ```ts
 * type Routes = {
 *   'GET /users': { response: User[] }
 *   'GET /users/:id': { response: User }
 *   'POST /users': { body: NewUser; response: User }
 * }
 * ```
 *
 * `:name` segments match any text, so `client.get('/users/42')` is checked against
 * `'GET /users/:id'` and resolves to `User`; a `?query` may follow any path.
 */
import type { BFastTable, DecodeOptions } from '../src/index.js'
import type { BODY_FORMATS } from './constants.js'

/** The methods the client has shortcuts for (and that route-map keys start with). */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** How request bodies are sent: `'bfast'` (`application/x-bfast`, the default) or `'json'`. */
export type BodyFormat = (typeof BODY_FORMATS)[keyof typeof BODY_FORMATS]

/**
 * What one route sends and returns. Written by hand, or derived from the server's route schemas
 * with `RoutesFromSchemas` (client/route-schemas.ts).
 */
export interface RouteSpec {
  /** The path parameters' types by name: `:id` then only matches text of its type (`${number}` for a number). */
  params?: unknown
  /** The type of `options.query` (any `QueryParams` when left out). */
  query?: unknown
  /** The request body's type; leave it out for routes that take none. */
  body?: unknown
  /** The decoded reply body's type (`unknown` when left out). */
  response?: unknown
  /** Error reply bodies by status (`404`, `'4xx'`, `'default'`), for `isRouteError`. */
  errors?: unknown
}

/** A route-map key: a method, one space, then a path starting with `/` (`:name` marks a parameter). */
export type RouteKey = `${HttpMethod} /${string}`

/**
 * The constraint on a route map: every key is a `RouteKey` and every value a `RouteSpec`.
 * Written as a mapped type (not an index signature) so that interfaces qualify too.
 */
export type RouteMap<R> = {
  [K in keyof R]: K extends string ? (string extends K ? RouteSpec : K extends RouteKey ? RouteSpec : never) : never
}

/** The default "route map" of an untyped client: any path, results typed by generics. */
export type UntypedRoutes = Record<string, RouteSpec>

/** One query-string value; `undefined` and `null` are left out. */
export type QueryValue = string | number | boolean | bigint | null | undefined
/** Query-string parameters; `undefined` and `null` values are left out, a list repeats its key (`?a=1&a=2`). */
export type QueryParams = Record<string, QueryValue | readonly QueryValue[]>

/**
 * The global type `Name` (its instances, as `typeof X.prototype`) when the consumer's libraries
 * declare one (the DOM lib, @types/node), else `Fallback`. The client's declarations then
 * compile with `lib: ["es2022"]` alone (issue 13) while naming the real type wherever there is one.
 */
type GlobalOr<Name extends string, Fallback> =
  typeof globalThis extends Record<Name, { prototype: infer T }> ? T : Fallback

/** The part of an `AbortSignal` the client reads; the global `AbortSignal` wherever one is declared. */
export type AbortSignalLike = GlobalOr<
  'AbortSignal',
  {
    readonly aborted: boolean
    readonly reason: unknown
    addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void
    removeEventListener(type: 'abort', listener: () => void): void
  }
>

/**
 * Request headers as the client takes them: a record, `[name, value]` pairs, or any object
 * with `forEach(value, name)` (a fetch `Headers`). Structural, so no DOM `HeadersInit` is needed.
 */
export type HeaderValues =
  Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]> | Pick<HeadersLike, 'forEach'>

/**
 * The fetch options the client passes through unchanged (WHATWG Fetch, `RequestInit`), typed
 * here so that the declarations need neither the DOM lib nor @types/node.
 */
export interface FetchOptions {
  cache?: 'default' | 'force-cache' | 'no-cache' | 'no-store' | 'only-if-cached' | 'reload'
  credentials?: 'include' | 'omit' | 'same-origin'
  integrity?: string
  keepalive?: boolean
  mode?: 'cors' | 'navigate' | 'no-cors' | 'same-origin'
  priority?: 'auto' | 'high' | 'low'
  redirect?: 'error' | 'follow' | 'manual'
  referrer?: string
  referrerPolicy?:
    | ''
    | 'no-referrer'
    | 'no-referrer-when-downgrade'
    | 'origin'
    | 'origin-when-cross-origin'
    | 'same-origin'
    | 'strict-origin'
    | 'strict-origin-when-cross-origin'
    | 'unsafe-url'
  window?: null
}

/**
 * What the client passes to `fetch` as `init`: the fetch options given (credentials, mode,
 * ...) plus the method, headers, body and signal it builds. `dispatcher` is passed too when
 * given, but left out of this type: undici's `fetch` wants its own `Dispatcher` type there,
 * which this browser-safe module cannot name.
 */
export interface FetchInit extends FetchOptions {
  method: string
  /** Lowercased names (a plain record fits every fetch's `HeadersInit` type). */
  headers: Record<string, string>
  body?: Uint8Array<ArrayBuffer> | string
  signal?: AbortSignalLike
}

/**
 * The fetch the client calls: the global `fetch` of browsers and Node, or undici's `fetch`.
 * Typed by what the client uses (`FetchInit` in, `FetchResponse` out) so that fetch
 * implementations with their own `Request`/`Response` types, like undici's, fit as they are.
 */
export type FetchFunction = (input: string, init: FetchInit) => Promise<FetchResponse>

/** The part of a fetch `Headers` the client reads. */
export interface HeadersLike {
  get(name: string): string | null
  has(name: string): boolean
  forEach(callback: (value: string, name: string) => void): void
}

/** The part of a WHATWG `ReadableStream` of bytes the client reads (structural, so DOM and Node streams both fit). */
export interface BodyStreamLike {
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>
    /** Stops the download (a reply over `maxResponseSize`, or one given up for a retry). */
    cancel?(reason?: unknown): Promise<void>
  }
}

/** The part of a fetch `Response` that `decodeResponse` reads. */
export interface ResponseLike {
  readonly status: number
  readonly headers: Pick<HeadersLike, 'get'>
  arrayBuffer(): Promise<ArrayBuffer>
  /**
   * The body as a stream, when the response has one (every WHATWG `Response`): it is then read
   * piece by piece, bounded by `maxResponseSize`, and B-FAST replies are decompressed while
   * they arrive. Without it the body is read whole (and checked against the limit after).
   */
  readonly body?: BodyStreamLike | null
}

/** The part of a fetch `Response` the client reads (every WHATWG `Response` is one). */
export interface FetchResponse extends ResponseLike {
  readonly ok: boolean
  readonly statusText: string
  readonly url: string
  readonly headers: HeadersLike
}

/** Options of `decodeResponse`: the codec's decode options, and the size bound. */
export interface DecodeResponseOptions extends DecodeOptions {
  /** See `RequestOptions.maxResponseSize` (default 64 MiB). */
  maxResponseSize?: number
}

/**
 * One attempt of a request, as the hooks see it. `beforeRequest` hooks may change `url` and
 * `init` (headers, say) before it is sent.
 */
export interface RequestContext {
  /** The method, uppercase. */
  readonly method: string
  /** The full URL this attempt goes to. */
  url: string
  /** What `fetch` is called with. */
  init: FetchInit
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number
}

/** Why an attempt is retried, as `beforeRetry` hooks see it. */
export interface RetryContext extends RequestContext {
  /** The reply that asked for a retry (its status is in `retry.statusCodes`), or undefined after a network error. */
  readonly response: FetchResponse | undefined
  /** The network error fetch rejected with, or undefined when a reply asked for the retry. */
  readonly error: unknown
  /** Milliseconds the client waits before the next attempt (after the hooks ran). */
  readonly delay: number
}

/** Runs before each attempt is sent; may change `request.url` and `request.init`. */
export type BeforeRequestHook = (request: RequestContext) => void | Promise<void>
/** Runs on each reply before the client reads it; may return another response to use instead. */
export type AfterResponseHook = (
  response: FetchResponse,
  request: RequestContext
) => FetchResponse | void | Promise<FetchResponse | void>
/** Runs before each retry (after the failed attempt, before the wait). */
export type BeforeRetryHook = (retry: RetryContext) => void | Promise<void>

/** Functions run around each attempt, in order (a client's hooks first, then a request's). */
export interface Hooks {
  beforeRequest?: readonly BeforeRequestHook[]
  afterResponse?: readonly AfterResponseHook[]
  beforeRetry?: readonly BeforeRetryHook[]
}

/**
 * When and how a failed attempt is retried (as ky does). A reply is retried when its status is
 * in `statusCodes`; a network error (fetch rejecting without an abort) is retried too. Only
 * `methods` are retried: by default the idempotent ones (RFC 9110 section 9.2.2), never POST
 * or PATCH unless listed. Timeouts and aborts are never retried; the `timeout` covers every
 * attempt and every wait.
 */
export interface RetryOptions {
  /** Retries after the first attempt (default 0: no retry unless asked). */
  limit?: number
  /** Methods retried (default GET, PUT, HEAD, DELETE, OPTIONS, TRACE). */
  methods?: readonly string[]
  /** Reply statuses retried (default 408, 413, 429, 500, 502, 503, 504). */
  statusCodes?: readonly number[]
  /** Statuses whose `Retry-After` header (seconds or an HTTP date) sets the wait (default 413, 429, 503). */
  afterStatusCodes?: readonly number[]
  /**
   * A `Retry-After` longer than this many milliseconds is not waited for: the reply rejects as
   * it is (default Infinity).
   */
  maxRetryAfter?: number
  /** Upper bound of the computed backoff, in milliseconds (default Infinity). */
  backoffLimit?: number
  /**
   * Backoff before retry `attempt` (1 for the first retry), in milliseconds (default
   * `0.3 * 2 ** (attempt - 1) * 1000`).
   */
  delay?: (attempt: number) => number
  /**
   * `true`: wait a random time between 0 and the backoff ("full jitter"), so that clients spread
   * out (default false).
   */
  jitter?: boolean
}

/** Options of one request; each may also be set once for all requests in `createClient`. */
export interface RequestOptions extends FetchOptions {
  /** Extra headers; they override the client's (and the default `Accept`). */
  headers?: HeaderValues
  /** Query-string parameters appended to the URL. */
  query?: QueryParams
  /** Aborts the request (combined with the client's signal and `timeout`: the first one wins). */
  signal?: AbortSignalLike | null
  /**
   * Milliseconds before the request (headers and body, every retry included) is aborted with
   * a `TimeoutError`. `0` or `false` disables a client-wide timeout for this request.
   */
  timeout?: number | false
  /** Request body format (default `'bfast'`). */
  bodyFormat?: BodyFormat
  /** Options passed to the codec's `decode` for B-FAST replies (a request's are merged over the client's). */
  decode?: DecodeOptions
  /**
   * `true`: ask for tables, transformed where the server compresses (`TABLE_ACCEPT`:
   * `application/x-bfast;layout=table;transforms=1, application/x-bfast;layout=table;q=0.97,
   * application/x-bfast;q=0.95, application/json;q=0.9`, SPEC 8.0 and 8.6) and return each array
   * of records the reply holds as a table as a `BFastTable` (opened in O(1), rows read on demand);
   * typed by `Tabled`.
   * `'transport'`: ask for the same layouts, v1 weighed as high as tables (`TRANSPORT_ACCEPT`: the
   * server chooses), and return plain values as `false` does (each table's rows):
   * the smaller table layout on the wire, nothing else changed. This is the default; where
   * `decode.tables: false` is set and `tables` is not, the client asks as `false` does.
   * `false`: B-FAST v1 (`DEFAULT_ACCEPT`). A server or route without tables answers v1 or JSON.
   */
  tables?: TablesOption
  /**
   * The most bytes of reply body the client materialises (default 64 MiB, the codec's
   * `DEFAULT_MAX_DECOMPRESSED_SIZE`): the body as fetch hands it over (after any HTTP
   * Content-Encoding), and a B-FAST reply's decompressed message. Checked while the body
   * streams in; past it the download is cancelled and the request rejects with a
   * `BFastRequestError` `TOO_LARGE`.
   */
  maxResponseSize?: number
  /** Retry policy: a number is `{ limit }`. Default: no retries. */
  retry?: number | RetryOptions
  /** Hooks; a request's run after the client's. */
  hooks?: Hooks
  /**
   * Passed to `fetch` unchanged: undici's `fetch` (and Node's global fetch) take a
   * `Dispatcher` here, for example an `Agent` for keep-alive or a proxy.
   */
  dispatcher?: object
}

/** Options of `createClient`. */
export interface ClientOptions extends Omit<RequestOptions, 'query'> {
  /**
   * The route schemas the server registers (a `defineRoutes` object, keyed `'METHOD /path'`):
   * `format: 'date-time'` strings in the replies of these routes (success and error bodies, JSON
   * and B-FAST alike) become `Date`s, as `RoutesFromSchemas` types them (client/revive.ts), and
   * `isRouteError` checks a status against the route's. Nothing else is read from them.
   */
  routes?: object
  /**
   * Prefix of every request URL (`https://api.example.com/v1`, or `/api` in a browser); a
   * string or a `URL`. Paths are appended as text, so a path prefix in `baseUrl` is kept.
   */
  baseUrl: string | { readonly href: string }
  /**
   * The fetch to call; default `globalThis.fetch`. Pass undici's `fetch` to use its dispatchers.
   */
  fetch?: FetchFunction
}

// ---------------------------------------------------------------------------------------------
// Route-map inference

type Keys<R> = keyof R & string

/**
 * `'/users/:id'` -> `` `/users/${string}` ``: each `:name` segment matches any text, or text of
 * its type in `Params` (`${number}` for a number, the literals of a literal union).
 */
export type PathTemplate<P extends string, Params = unknown> = P extends `${infer Head}:${infer Rest}`
  ? Rest extends `${infer Name}/${infer Tail}`
    ? `${Head}${ParamText<Params, Name>}/${PathTemplate<Tail, Params>}`
    : `${Head}${ParamText<Params, Rest>}`
  : P

/** The text a path parameter's type allows. */
type ParamText<Params, Name extends string> = Name extends keyof Params
  ? Params[Name] extends infer T
    ? T extends string | number | bigint | boolean
      ? `${T}`
      : string
    : string
  : string

/** A route's `params` type (`unknown` when it has none). */
type ParamsOf<S> = S extends { params: infer X } ? X : unknown

/** Route patterns of one method, as written in the map (`'/users/:id'`). */
export type RoutePattern<R, M extends HttpMethod> = {
  [K in Keys<R>]: K extends `${M} ${infer P}` ? P : never
}[Keys<R>]

/** Paths accepted for one method: the patterns with their parameters filled, optionally followed by a query. */
export type RoutePath<R, M extends HttpMethod> = RoutePattern<R, M> extends infer P extends string
  ? P extends string
    ? PathTemplate<P, ParamsOf<Spec<R, `${M} ${P}`>>> | `${PathTemplate<P, ParamsOf<Spec<R, `${M} ${P}`>>>}?${string}`
    : never
  : never

type WithoutQuery<P extends string> = P extends `${infer Base}?${string}` ? Base : P

/**
 * The route-map key a call resolves to: the exact pattern when the path is one (`'/users/me'`),
 * else every pattern whose template matches (`'/users/42'` -> `'GET /users/:id'`).
 */
export type RouteOf<R, M extends HttpMethod, P extends string> = `${M} ${WithoutQuery<P>}` extends Keys<R>
  ? `${M} ${WithoutQuery<P>}`
  : PreferSameDepth<MatchingRoutes<R, M, WithoutQuery<P>>, WithoutQuery<P>>

/** Every key of method `M` whose pattern's template matches the path. */
type MatchingRoutes<R, M extends HttpMethod, P extends string> = {
  [K in Keys<R>]: K extends `${M} ${infer Pattern}`
    ? P extends PathTemplate<Pattern, ParamsOf<R[K]>>
      ? K
      : never
    : never
}[Keys<R>]

/** Segment count of a path (`'/users/1'` -> 3, counting the empty one before the first `/`). */
type Depth<P extends string, N extends unknown[] = []> = P extends `${string}/${infer Rest}`
  ? Depth<Rest, [...N, 0]>
  : [...N, 0]['length']

/**
 * `${string}` also matches `/`, so `'/users/1/posts/2'` matches `'/users/:id'` too; of the
 * matching keys, keep those with as many segments as the path (all of them if none has).
 */
type PreferSameDepth<K extends string, P extends string> = [SameDepth<K, P>] extends [never] ? K : SameDepth<K, P>
type SameDepth<K extends string, P extends string> = K extends `${string} ${infer Pattern}`
  ? Depth<Pattern> extends Depth<P>
    ? K
    : never
  : never

/** The decoded reply type of a route (`unknown` when its spec has no `response`). */
export type ResponseOf<S> = S extends { response: infer T } ? T : unknown

// ---------------------------------------------------------------------------------------------
// Tables (SPEC 8, `tables: true`)

/** Values that hold no array of records (what `Tabled` leaves as it is). */
type TableLeaf =
  | string
  | number
  | bigint
  | boolean
  | symbol
  | null
  | undefined
  | Date
  | Uint8Array
  | Float64Array
  | ((...args: never[]) => unknown)

/** Whether every member of `E` is a record (an object that is not an array, a Date or bytes). */
type IsRecord<E> = [E] extends [object]
  ? true extends (E extends TableLeaf | readonly unknown[] ? true : never)
    ? false
    : true
  : false

/** A table's row type: `Tabled<E>`, known to be an object. */
type RowOf<E> = Tabled<E> extends infer R extends object ? R : never

/**
 * A reply value of type `T` as the client returns it with `tables: true`: each array of records
 * (`User[]`) may arrive as a `BFastTable` of its rows, or as a plain array where it cannot be a
 * table exactly (SPEC 8.4: an empty array, rows that are not plain objects or whose keys come in
 * conflicting orders), so it is `BFastTable<User> | User[]`; nested arrays of records likewise.
 * Both have `length`, iteration and `JSON.stringify`; `instanceof BFastTable` tells them apart.
 *
 * @example
 * ```ts
 * type T = Tabled<{ total: number; items: User[] }> // { total: number; items: BFastTable<User> | User[] }
 * ```
 */
export type Tabled<T> = T extends TableLeaf
  ? T
  : T extends readonly (infer E)[]
    ? IsRecord<E> extends true
      ? BFastTable<RowOf<E>> | Array<Tabled<E>>
      : Array<Tabled<E>>
    : T extends object
      ? { [K in keyof T]: Tabled<T[K]> }
      : T

/**
 * The `tables` option: `false` (v1), `true` (`BFastTable`s back), `'transport'` (tables on the
 * wire, plain values back).
 */
export type TablesOption = boolean | 'transport'

/** The `tables` values whose replies are the plain values, typed `T`. */
export type PlainTables = false | 'transport'

/** A reply of type `T` under a `tables` setting: `Tabled<T>` for `true`, `T` for `false`, either for `boolean`. */
export type WithTables<T, Tables extends boolean> = [Tables] extends [true]
  ? Tabled<T>
  : [Tables] extends [false]
      ? T
      : T | Tabled<T>

/** The request body type of a route (`undefined` when its spec has no `body`). */
export type BodyOf<S> = 'body' extends keyof S ? S['body' & keyof S] : undefined

/**
 * The request options of a route: `query` typed by the route's `query` when it has one (and
 * required when that has required keys).
 */
export type RouteOptions<S> = 'query' extends keyof S
  ? Omit<RequestOptions, 'query'> & QueryOption<S['query' & keyof S]>
  : RequestOptions

type QueryOption<Q> = {} extends Q ? { query?: Q } : { query: Q }

/** Whether a route's options must be given (its query has required keys). */
type NeedsOptions<S> = 'query' extends keyof S ? ({} extends S['query' & keyof S] ? false : true) : false

/** `get(path, options?)`: options are required when the route's query has required keys. */
export type OptionsArgs<S> = S extends unknown
  ? NeedsOptions<S> extends true
    ? [options: RouteOptions<S>]
    : [options?: RouteOptions<S>]
  : never

/** `post(path, body, options?)`: the body is optional only when the route's body type allows `undefined`. */
export type BodyArgs<S> = S extends unknown
  ? undefined extends BodyOf<S>
    ? NeedsOptions<S> extends true
      ? [body: BodyOf<S>, options: RouteOptions<S>]
      : [body?: BodyOf<S>, options?: RouteOptions<S>]
    : NeedsOptions<S> extends true
      ? [body: BodyOf<S>, options: RouteOptions<S>]
      : [body: BodyOf<S>, options?: RouteOptions<S>]
  : never

/** `request(method, path, options)`: `options.body` is required when the route needs a body. */
export type RequestArgs<S> = S extends unknown
  ? undefined extends BodyOf<S>
    ? NeedsOptions<S> extends true
      ? [options: RouteOptions<S> & { body?: BodyOf<S> }]
      : [options?: RouteOptions<S> & { body?: BodyOf<S> }]
    : [options: RouteOptions<S> & { body: BodyOf<S> }]
  : never

type Spec<R, K> = K extends keyof R ? R[K] : never

/** The spec of the route a `method path` call resolves to. */
type Call<R, M extends HttpMethod, P extends string> = Spec<R, RouteOf<R, M, P>>

// ---------------------------------------------------------------------------------------------
// Clients

/**
 * The arguments of a call whose options name `tables: V`: the options required, with `tables`.
 * Overloads rather than a generic over the arguments, which would lose the excess-property
 * checks of bodies and queries.
 */
export type TablesArgs<A, V extends TablesOption> = A extends [(infer O)?]
  ? [options: O & { tables: V }]
  : A extends [(infer B)?, (infer O)?]
    ? [body: B, options: O & { tables: V }]
    : never

/** Which arguments follow a method's path: options, a body then options, or options holding the body. */
type ArgsKind = 'options' | 'body' | 'request'

type ArgsOf<K extends ArgsKind, S> = K extends 'options' ? OptionsArgs<S> : K extends 'body' ? BodyArgs<S> : RequestArgs<S>

/**
 * The overloads of one method of a TypedClient (`K`: what follows the path): a call that names
 * `tables` gets that option's result type (`true`: `Tabled`; `false` or `'transport'`: plain; a
 * `boolean`: either), any other call the client's `Tables`.
 */
export interface RouteMethod<R, M extends HttpMethod, K extends ArgsKind, Tables extends boolean> {
  <P extends RoutePath<R, M>>(
    path: P,
    ...args: TablesArgs<ArgsOf<K, Call<R, M, P>>, true>
  ): Promise<Tabled<ResponseOf<Call<R, M, P>>>>
  <P extends RoutePath<R, M>>(
    path: P,
    ...args: TablesArgs<ArgsOf<K, Call<R, M, P>>, PlainTables>
  ): Promise<ResponseOf<Call<R, M, P>>>
  <P extends RoutePath<R, M>>(
    path: P,
    ...args: TablesArgs<ArgsOf<K, Call<R, M, P>>, boolean>
  ): Promise<WithTables<ResponseOf<Call<R, M, P>>, boolean>>
  <P extends RoutePath<R, M>>(
    path: P,
    ...args: ArgsOf<K, Call<R, M, P>>
  ): Promise<WithTables<ResponseOf<Call<R, M, P>>, Tables>>
}

/**
 * A client typed by a route map: paths, bodies and results are checked and inferred. `Tables` is
 * the client's `tables` option; a call's own `tables` overrides it (`WithTables`, `Tabled`).
 */
export interface TypedClient<R, Tables extends boolean = false> {
  /** `GET path`, resolving to the route's `response`. */
  get: RouteMethod<R, 'GET', 'options', Tables>
  /** `POST path` with `body` encoded per `bodyFormat`. */
  post: RouteMethod<R, 'POST', 'body', Tables>
  /** `PUT path` with `body` encoded per `bodyFormat`. */
  put: RouteMethod<R, 'PUT', 'body', Tables>
  /** `PATCH path` with `body` encoded per `bodyFormat`. */
  patch: RouteMethod<R, 'PATCH', 'body', Tables>
  /** `DELETE path` (a body, if the route takes one, goes in `options.body`). */
  delete: RouteMethod<R, 'DELETE', 'request', Tables>
  /** Any method, with the body (if any) in `options.body`. */
  request<M extends HttpMethod, P extends RoutePath<R, M>>(
    method: M,
    path: P,
    ...args: TablesArgs<RequestArgs<Call<R, M, P>>, true>
  ): Promise<Tabled<ResponseOf<Call<R, M, P>>>>
  request<M extends HttpMethod, P extends RoutePath<R, M>>(
    method: M,
    path: P,
    ...args: TablesArgs<RequestArgs<Call<R, M, P>>, PlainTables>
  ): Promise<ResponseOf<Call<R, M, P>>>
  request<M extends HttpMethod, P extends RoutePath<R, M>>(
    method: M,
    path: P,
    ...args: TablesArgs<RequestArgs<Call<R, M, P>>, boolean>
  ): Promise<WithTables<ResponseOf<Call<R, M, P>>, boolean>>
  request<M extends HttpMethod, P extends RoutePath<R, M>>(
    method: M,
    path: P,
    ...args: RequestArgs<Call<R, M, P>>
  ): Promise<WithTables<ResponseOf<Call<R, M, P>>, Tables>>
}

/** Options naming `tables: true` / `false` or `'transport'` (the untyped client's overloads). */
type TablesOn = { tables: true }
type TablesOff = { tables: PlainTables }

/**
 * A client without a route map: any path; the result type is the first type argument (default
 * `unknown`), as `Tabled` under `tables: true` (the call's, else the client's `Tables`).
 */
export interface UntypedClient<Tables extends boolean = false> {
  /** `GET path`, resolving to the decoded reply as `T`. */
  get<T = unknown>(path: string, options: RequestOptions & TablesOn): Promise<Tabled<T>>
  get<T = unknown>(path: string, options: RequestOptions & TablesOff): Promise<T>
  get<T = unknown>(path: string, options?: RequestOptions): Promise<WithTables<T, Tables>>
  /** `POST path` with `body` encoded per `bodyFormat`. */
  post<T = unknown, B = unknown>(path: string, body: B, options: RequestOptions & TablesOn): Promise<Tabled<T>>
  post<T = unknown, B = unknown>(path: string, body: B, options: RequestOptions & TablesOff): Promise<T>
  post<T = unknown, B = unknown>(path: string, body?: B, options?: RequestOptions): Promise<WithTables<T, Tables>>
  /** `PUT path` with `body` encoded per `bodyFormat`. */
  put<T = unknown, B = unknown>(path: string, body: B, options: RequestOptions & TablesOn): Promise<Tabled<T>>
  put<T = unknown, B = unknown>(path: string, body: B, options: RequestOptions & TablesOff): Promise<T>
  put<T = unknown, B = unknown>(path: string, body?: B, options?: RequestOptions): Promise<WithTables<T, Tables>>
  /** `PATCH path` with `body` encoded per `bodyFormat`. */
  patch<T = unknown, B = unknown>(path: string, body: B, options: RequestOptions & TablesOn): Promise<Tabled<T>>
  patch<T = unknown, B = unknown>(path: string, body: B, options: RequestOptions & TablesOff): Promise<T>
  patch<T = unknown, B = unknown>(path: string, body?: B, options?: RequestOptions): Promise<WithTables<T, Tables>>
  /** `DELETE path` (a body, if any, goes in `options.body`). */
  delete<T = unknown, B = unknown>(path: string, options: RequestOptions & { body?: B } & TablesOn): Promise<Tabled<T>>
  delete<T = unknown, B = unknown>(path: string, options: RequestOptions & { body?: B } & TablesOff): Promise<T>
  delete<T = unknown, B = unknown>(
    path: string,
    options?: RequestOptions & { body?: B }
  ): Promise<WithTables<T, Tables>>
  /** Any method (`'HEAD'`, `'OPTIONS'`, ... too), with the body (if any) in `options.body`. */
  request<T = unknown, B = unknown>(
    method: string,
    path: string,
    options: RequestOptions & { body?: B } & TablesOn
  ): Promise<Tabled<T>>
  request<T = unknown, B = unknown>(
    method: string,
    path: string,
    options: RequestOptions & { body?: B } & TablesOff
  ): Promise<T>
  request<T = unknown, B = unknown>(
    method: string,
    path: string,
    options?: RequestOptions & { body?: B }
  ): Promise<WithTables<T, Tables>>
}

/**
 * What `createClient<Routes>()` returns: a `TypedClient` for a route map, an `UntypedClient`
 * without one; `Tables` is the client's `tables` option (`boolean` when not known statically).
 */
export type Client<R, Tables extends boolean = false> = string extends keyof R
  ? UntypedClient<Tables>
  : TypedClient<R, Tables>
