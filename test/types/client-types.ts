/**
 * Type tests of the client (issue 4): compiled by the normal `tsc -p tsconfig.json` build, so a
 * broken inference or a misuse that stops failing breaks the build. Each `@ts-expect-error`
 * fails the build if the line below it compiles; each `expectType<T>()(value)` fails it if
 * the value's type is not exactly `T`.
 *
 * Nothing here runs: the calls sit in a function that is never called.
 */
import { fetch as undiciFetch, Agent } from 'undici'
import {
  BFastRequestError,
  BFastTable,
  createClient,
  decodeResponse,
  HttpError,
  isRouteError,
  TimeoutError,
  type FetchResponse,
  type RequestOptions,
  type RetryContext,
  type Tabled
} from '../../client/index.js'
import { expectType } from './expect-type.js'

interface User {
  id: number
  name: string
  born: Date
}
interface NewUser {
  name: string
  born: Date
}

type Routes = {
  'GET /users': { response: User[] }
  'GET /users/me': { response: User & { admin: boolean } }
  'GET /users/:id': { response: User }
  'GET /users/:id/posts/:postId': { response: { title: string } }
  'POST /users': { body: NewUser; response: User }
  'PUT /users/:id': { body: NewUser; response: User }
  'PATCH /users/:id': { body: Partial<NewUser> | undefined; response: User }
  'DELETE /users/:id': { response: null }
  'POST /ping': { response: 'pong' }
}

// A route map may be an interface too.
interface RoutesInterface {
  'GET /health': { response: { ok: true } }
}

export async function typeTests(): Promise<void> {
  const api = createClient<Routes>({ baseUrl: 'http://127.0.0.1:3000' })

  // Results are inferred from the route map.
  expectType<User[]>()(await api.get('/users'))
  expectType<User>()(await api.get('/users/42'))
  expectType<User>()(await api.get(`/users/${Number('7')}`))
  expectType<User[]>()(await api.get('/users?limit=10'))
  expectType<{ title: string }>()(await api.get('/users/1/posts/2'))
  // An exact pattern wins over a parameter that would also match it.
  expectType<User & { admin: boolean }>()(await api.get('/users/me'))
  expectType<User>()(await api.post('/users', { name: 'Ada', born: new Date() }))
  expectType<User>()(await api.put('/users/1', { name: 'Ada', born: new Date() }, { timeout: 1000 }))
  expectType<User>()(await api.patch('/users/1', { name: 'Ada' }))
  expectType<User>()(await api.patch('/users/1'))
  expectType<null>()(await api.delete('/users/1'))
  expectType<'pong'>()(await api.post('/ping'))
  expectType<User>()(await api.request('POST', '/users', { body: { name: 'Ada', born: new Date() } }))
  expectType<User[]>()(await api.request('GET', '/users'))

  // @ts-expect-error: no such path
  await api.get('/nope')
  // @ts-expect-error: a path that exists for another method only
  await api.get('/ping')
  // @ts-expect-error: no POST /users/:id
  await api.post('/users/1', { name: 'Ada', born: new Date() })
  // @ts-expect-error: wrong body (born must be a Date)
  await api.post('/users', { name: 'Ada', born: '1815-12-10' })
  // @ts-expect-error: missing body
  await api.post('/users')
  // @ts-expect-error: extra body field
  await api.post('/users', { name: 'Ada', born: new Date(), admin: true })
  // @ts-expect-error: request() needs the body when the route does
  await api.request('PUT', '/users/1')
  // @ts-expect-error: wrong result type
  expectType<string>()(await api.get('/users'))
  // @ts-expect-error: unknown option
  await api.get('/users', { timeot: 5 })

  const health = createClient<RoutesInterface>({ baseUrl: 'http://127.0.0.1:3000' })
  expectType<{ ok: true }>()(await health.get('/health'))

  // @ts-expect-error: a route-map key must be "METHOD /path"
  createClient<{ 'FETCH /users': { response: User[] } }>({ baseUrl: 'http://127.0.0.1:3000' })

  // Without a route map: any path, results typed by the call's type argument (default unknown).
  const untyped = createClient({ baseUrl: '/api', headers: { authorization: 'Bearer x' }, bodyFormat: 'json' })
  expectType<unknown>()(await untyped.get('/anything'))
  expectType<User[]>()(await untyped.get<User[]>('/users'))
  expectType<User>()(await untyped.post<User, NewUser>('/users', { name: 'Ada', born: new Date() }))
  expectType<number>()(await untyped.request<number>('HEAD', '/x'))
  // @ts-expect-error: the body type argument is checked
  await untyped.post<User, NewUser>('/users', { name: 'Ada' })
  // @ts-expect-error: bodyFormat is 'bfast' or 'json'
  createClient({ baseUrl: '/api', bodyFormat: 'xml' })

  // undici's fetch with its dispatcher (keep-alive) fits the options.
  const agent = new Agent({ keepAliveTimeout: 10_000 })
  const viaUndici = createClient<Routes>({ baseUrl: 'http://127.0.0.1:3000', fetch: undiciFetch, dispatcher: agent })
  expectType<User[]>()(await viaUndici.get('/users', { dispatcher: agent, signal: AbortSignal.timeout(1000) }))

  // decodeResponse takes any fetch Response.
  expectType<User[]>()(await decodeResponse<User[]>(await fetch('http://127.0.0.1:3000/users')))
  const decodedFromUndici = await decodeResponse(await undiciFetch('http://127.0.0.1:3000/users'))
  expectType<unknown>()(decodedFromUndici)

  // Errors carry what the README promises.
  const err: unknown = new Error()
  if (err instanceof HttpError) {
    expectType<number>()(err.status)
    expectType<FetchResponse>()(err.response)
    expectType<string | null>()(err.headers.get('content-type'))
    expectType<unknown>()(err.body)
  }
  if (err instanceof TimeoutError) expectType<number>()(err.timeout)
  if (err instanceof BFastRequestError) {
    expectType<string>()(err.url)
    expectType<number | undefined>()(err.status)
  }

  // Retries and hooks.
  createClient({ baseUrl: '/api', retry: 3 })
  createClient({
    baseUrl: '/api',
    retry: { limit: 3, methods: ['GET', 'POST'], statusCodes: [503], afterStatusCodes: [503], maxRetryAfter: 60_000, backoffLimit: 5_000, delay: (n) => n * 100, jitter: true },
    hooks: {
      beforeRequest: [async (request) => void (request.url += '?x=1')],
      afterResponse: [(response) => response],
      beforeRetry: [(retry) => expectType<RetryContext>()(retry)]
    }
  })
  // @ts-expect-error: a hook list is an array
  createClient({ baseUrl: '/api', hooks: { beforeRequest: () => {} } })
  // @ts-expect-error: afterResponse returns a response or nothing
  createClient({ baseUrl: '/api', hooks: { afterResponse: [() => 42] } })
  const opts: RequestOptions = { query: { page: 2, q: 'x', all: true, none: undefined } }
  expectType<RequestOptions>()(opts)
}

/** A hand-written route map may give `params`, `query` and `errors` too (issue 13 item 5). */
type DetailedRoutes = {
  'GET /items/:id': {
    params: { id: number }
    query: { fields?: string; tags?: string[] }
    response: { id: number }
    errors: { 404: { reason: string }; '5xx': { message: string } }
  }
  'GET /kinds/:kind': { params: { kind: 'a' | 'b' }; response: string }
}

export async function detailedRouteTests(): Promise<void> {
  const api = createClient<DetailedRoutes>({ baseUrl: '/api' })
  expectType<{ id: number }>()(await api.get('/items/1', { query: { tags: ['x', 'y'] } }))
  expectType<string>()(await api.get('/kinds/b'))
  // @ts-expect-error: id is a number
  await api.get('/items/one')
  // @ts-expect-error: kind is 'a' or 'b'
  await api.get('/kinds/c')
  // @ts-expect-error: unknown query key
  await api.get('/items/1', { query: { field: 'x' } })
  try {
    await api.get('/items/1')
  } catch (err) {
    if (isRouteError(err, api, 'GET /items/:id')) {
      if (err.status === 404) expectType<{ reason: string }>()(err.body)
      else expectType<{ message: string }>()(err.body)
    }
  }
}

/** A route map with nested lists of records (issue 14 item 5: tables). */
type TableRoutes = {
  'GET /users': { response: User[] }
  'GET /users/:id': { response: User }
  'GET /page': { response: { total: number; items: User[]; tags: string[] } }
  'POST /users/search': { body: { q: string }; response: User[] }
  'GET /scores': { response: number[] }
}

export async function tablesTests(): Promise<void> {
  // tables: true on the client: User[] comes back as a BFastTable<User> (or, where it cannot be
  // a table exactly, such as an empty list, the plain array).
  const grid = createClient<TableRoutes>({ baseUrl: '/api', tables: true })
  const users = await grid.get('/users')
  expectType<BFastTable<User> | User[]>()(users)
  if (users instanceof BFastTable) {
    expectType<User>()(users.get(0))
    expectType<User[]>()(users.toArray())
  }
  for (const user of users) expectType<User>()(user)
  expectType<number>()(users.length)
  expectType<User>()(await grid.get('/users/1'))
  expectType<{ total: number; items: BFastTable<User> | User[]; tags: string[] }>()(await grid.get('/page'))
  expectType<number[]>()(await grid.get('/scores'))
  expectType<BFastTable<User> | User[]>()(await grid.post('/users/search', { q: 'a' }))
  expectType<BFastTable<User> | User[]>()(await grid.request('GET', '/users'))
  // A call's own tables overrides the client's.
  expectType<User[]>()(await grid.get('/users', { tables: false }))
  expectType<User[]>()(await grid.post('/users/search', { q: 'a' }, { tables: false, timeout: 5 }))

  // Without it (the default), as before; per request, tables: true.
  const api = createClient<TableRoutes>({ baseUrl: '/api' })
  expectType<User[]>()(await api.get('/users'))
  expectType<BFastTable<User> | User[]>()(await api.get('/users', { tables: true }))
  expectType<BFastTable<User> | User[]>()(await api.get('/users?x=1', { tables: true, timeout: 1000 }))
  expectType<BFastTable<User> | User[]>()(await api.post('/users/search', { q: 'a' }, { tables: true }))
  expectType<BFastTable<User> | User[]>()(await api.request('GET', '/users', { tables: true }))
  const maybe: boolean = Math.random() > 0.5
  expectType<User[] | BFastTable<User>>()(await api.get('/users', { tables: maybe }))
  // Not known statically: either.
  const either = createClient<TableRoutes>({ baseUrl: '/api', tables: maybe })
  expectType<User[] | BFastTable<User>>()(await either.get('/users'))

  // The checks of bodies and options hold with tables too.
  // @ts-expect-error: extra body field
  await grid.post('/users/search', { q: 'a', extra: 1 }, { tables: true })
  // @ts-expect-error: unknown option
  await grid.get('/users', { tables: true, timeot: 5 })
  // @ts-expect-error: tables is a boolean or 'transport'
  await grid.get('/users', { tables: 'yes' })

  // tables: 'transport' (issue 16 item 5): tables on the wire, the plain values back.
  const wire = createClient<TableRoutes>({ baseUrl: '/api', tables: 'transport' })
  expectType<User[]>()(await wire.get('/users'))
  expectType<User[]>()(await wire.post('/users/search', { q: 'a' }))
  expectType<BFastTable<User> | User[]>()(await wire.get('/users', { tables: true }))
  expectType<User[]>()(await grid.get('/users', { tables: 'transport' }))
  expectType<User[]>()(await api.request('GET', '/users', { tables: 'transport' }))
  const untypedWire = createClient({ baseUrl: '/api', tables: 'transport' })
  expectType<User[]>()(await untypedWire.get<User[]>('/users'))
  // @ts-expect-error: not a table
  expectType<User[]>()(await grid.get('/users'))

  // The untyped client: the call's type argument, as Tabled under tables: true.
  const raw = createClient({ baseUrl: '/api', tables: true })
  expectType<User[]>()(await raw.get<User[]>('/users', { tables: 'transport' }))
  expectType<BFastTable<User> | User[]>()(await raw.get<User[]>('/users'))
  expectType<User[]>()(await raw.get<User[]>('/users', { tables: false }))
  const plain = createClient({ baseUrl: '/api' })
  expectType<User[]>()(await plain.get<User[]>('/users'))
  expectType<BFastTable<User> | User[]>()(await plain.get<User[]>('/users', { tables: true }))
  expectType<Tabled<User[]>>()(await plain.post<User[]>('/users/search', { q: 'a' }, { tables: true }))

  // Tabled, nested: arrays of records at any depth; other arrays and leaves stay.
  interface Team { name: string; members: User[]; lead: User; days: Date[] }
  expectType<BFastTable<{ name: string; members: BFastTable<User> | User[]; lead: User; days: Date[] }> |
    Array<{ name: string; members: BFastTable<User> | User[]; lead: User; days: Date[] }>>()(
    null as unknown as Tabled<Team[]>
  )
  expectType<Array<User | null>>()(null as unknown as Tabled<Array<User | null>>)
  expectType<string[][]>()(null as unknown as Tabled<string[][]>)

  // isRouteError takes a client with tables too.
  try {
    await grid.get('/users/1')
  } catch (err) {
    if (isRouteError(err, grid, 'GET /users/:id')) expectType<number>()(err.status)
  }
}
