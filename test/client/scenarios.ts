/**
 * The client's end-to-end cases, written once and run twice: by the Node test (global fetch
 * and undici's fetch) and, compiled, inside headless Chromium by the browser test. Each case
 * talks to the real test server (server.ts) and throws an Error saying what differs.
 * Browser-safe: imports only the built client, the codec's browser modules and cases.ts.
 */
import {
  createClient,
  decodeResponse,
  BFastRequestError,
  BFastTable,
  TABLE_ACCEPT,
  TRANSPORT_ACCEPT,
  HttpError,
  TimeoutError,
  BFastError,
  DEFAULT_ACCEPT,
  type FetchFunction,
  type RetryContext
} from '../../client/index.js'
import { decode, decompress, encode, isCompressed, MEDIA_TYPE, MEDIA_TYPE_TABLE_TRANSFORMS } from '../../src/index.js'
import { allowWasmTexts } from '../../src/table-reader.js'
import {
  BAD_BODY_FORMS,
  BAD_BODY_STATUS,
  BAD_REQUEST_BODY,
  BOMB_CODINGS,
  ENCODED_REPLY,
  nestedRecords,
  STREAM_TYPES,
  TABLE_ERROR_BODY,
  UNLABELLED_ROWS,
  type FlakyReply,
  difference,
  people,
  peopleAsJson,
  ROUTE,
  SERVER_ERROR_MESSAGE,
  SHORT_WAIT_MS,
  TEXT_BODY,
  typedSample,
  USERS_COUNT,
  LARGE_USERS_COUNT,
  type Echo,
  type Person
} from './cases.js'

/** Where the cases run: the server's origin and, optionally, the fetch to use. */
export interface ScenarioContext {
  baseUrl: string
  fetch?: FetchFunction
}

export interface Scenario {
  name: string
  run(ctx: ScenarioContext): Promise<void>
}

/** The outcome of one case, as the browser reports it back. */
export interface ScenarioResult {
  name: string
  ok: boolean
  error?: string
}

/** The routes of the test server as a route map: the typed client is what the cases use. */
export type TestRoutes = {
  'GET /users/compressed': { response: Person[] }
  'GET /users/plain': { response: Person[] }
  'GET /users/table': { response: Person[] }
  'GET /users/table-plain': { response: Person[] }
  'GET /unlabelled/table': { response: Array<{ id: number; name: string }> }
  'GET /fail/table': { response: never }
  'GET /nested/table': { response: ReturnType<typeof nestedRecords> }
  'GET /users/:id': { response: Person }
  'GET /typed': { response: Record<string, unknown> }
  'GET /json-only': { response: unknown }
  'POST /echo': { body: unknown; response: Echo }
  'GET /fail/400': { response: never }
  'GET /fail/500': { response: never }
  'GET /text': { response: string }
  'GET /no-content': { response: undefined }
  'GET /slow': { response: unknown }
  'GET /corrupt': { response: unknown }
  'GET /users/trickle': { response: Person[] }
  'GET /users/trickle-chunked': { response: Person[] }
  'GET /users/cut-off': { response: Person[] }
  'GET /fail/bad-body': { response: never }
  'GET /endless': { response: unknown }
  'GET /bomb': { response: unknown }
  'GET /flaky/:key': { response: FlakyReply }
  'GET /zstd': { response: unknown }
  'GET /encoded': { response: unknown }
  'POST /flaky/:key': { response: FlakyReply }
}

/** A key for ROUTE.flaky that no other run used (the browser and Node runs share one server). */
function flakyKey(): string {
  return `k${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`
}

/** Retry waits for the tests: short, so the cases stay quick. */
const QUICK_DELAY_MS = 10

/** A maxResponseSize far below the 10,000-user replies (about 700 KB plain, 200 KB in LZ4, 1 MB of JSON). */
const SMALL_LIMIT = 300_000

/** The maxResponseSize the endless and bomb cases use (the default, 64 MiB, is checked in Node). */
const STREAM_LIMIT = 4 * 1024 * 1024

/**
 * Checks that `err` is the client's TOO_LARGE for `url`, at `offset`: the limit where the body
 * ran past it, 0 where an LZ4 reply's size prefix declared too much (the codec's check, SPEC 6).
 */
function checkTooLarge(err: unknown, url: string, offset: number, what: string): void {
  check(err instanceof BFastRequestError, `${what}: rejected with ${nameOf(err)} ${String(err)}, not BFastRequestError`)
  check(err instanceof BFastError && err.code === 'TOO_LARGE', `${what}: code ${err.code}`)
  check(err.offset === offset, `${what}: offset ${err.offset}, expected ${offset}`)
  check(err.method === 'GET' && err.url === url && err.message.includes(`GET ${url}`), `${what}: method/url/message ${err.method} ${err.url} "${err.message}"`)
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

function same(actual: unknown, expected: unknown, what: string): void {
  const d = difference(actual, expected)
  if (d !== undefined) throw new Error(`${what}: ${d}`)
}

/** Awaits a promise that must reject, and returns what it rejected with. */
async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error(`${what}: resolved instead of rejecting`)
}

/** How many BFastTables `value` holds, at any depth (tables inside tables' rows too). */
function tablesIn(value: unknown): number {
  if (value instanceof BFastTable) return 1 + value.toArray().reduce((n: number, row) => n + tablesIn(row), 0)
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + tablesIn(v), 0)
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).reduce((n: number, v) => n + tablesIn(v), 0)
  }
  return 0
}

/** The codings an Accept-Encoding value names (RFC 9110 section 12.5.3), identity left out. */
function codingsOf(acceptEncoding: string | null): string[] {
  return (acceptEncoding ?? '')
    .split(',')
    .map((c) => c.trim().split(';')[0]!.toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
}

function nameOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : typeof err
}

function client(ctx: ScenarioContext, options: { timeout?: number; tables?: false } = {}) {
  return createClient<TestRoutes>({ baseUrl: ctx.baseUrl, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }), ...options })
}

/** SPEC 8.6: the table flags of a transformed table (DELTA | SHUFFLE). */
const TRANSFORMED = 0x18

/** The flags byte of the root table of a plain message (SPEC 8.1, the string table skipped), or -1. */
function rootTableFlags(msg: Uint8Array): number {
  let p = 6
  const count = msg[4]! | (msg[5]! << 8)
  for (let i = 0; i < count; i++) p += 1 + msg[p]!
  return msg[p] === 0xa0 ? msg[p + 1]! : -1
}

/** The raw reply bytes of a GET that accepts B-FAST, read without the client. */
async function wireBytes(ctx: ScenarioContext, path: string): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  const res = await fetch(ctx.baseUrl + path, { headers: { accept: MEDIA_TYPE } })
  check(res.ok, `${path}: status ${res.status}`)
  return { bytes: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get('content-type') }
}

export const scenarios: Scenario[] = [
  {
    name: 'tables: true (issue 14): 10,000 users as a BFastTable, compressed and plain, equal to the v1 reply',
    async run(ctx) {
      const expected = people(USERS_COUNT)
      const grid = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, tables: true, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const echo = await grid.post(ROUTE.echo, null)
      same(echo.accept, TABLE_ACCEPT, 'the Accept header sent')
      for (const route of [ROUTE.usersTable, ROUTE.usersTablePlain]) {
        const table = await grid.get(route)
        check(table instanceof BFastTable, `${route}: not a BFastTable (${nameOf(table)})`)
        check(table.length === USERS_COUNT, `${route}: length ${table.length}`)
        same(table.get(4321), expected[4321], `${route}: row 4321`)
        check(table.get(4321).createdAt instanceof Date, `${route}: Dates stay typed`)
        same(table.columnNames, Object.keys(expected[0]!), `${route}: columns`)
        check(table.column('id') instanceof Int32Array || table.column('id') instanceof Float64Array, `${route}: numeric column`)
        same(table.toArray(), expected, `${route}: toArray()`)
        check(JSON.stringify(table) === JSON.stringify(expected), `${route}: JSON.stringify(table)`)
      }
      const wire = await fetch(ctx.baseUrl + ROUTE.usersTable, { headers: { accept: TABLE_ACCEPT } })
      same(wire.headers.get('content-type'), MEDIA_TYPE_TABLE_TRANSFORMS, 'the table reply is labelled with its transforms')
      const body = new Uint8Array(await wire.arrayBuffer())
      check(isCompressed(body), 'the table reply is compressed (network: slow)')
      same(rootTableFlags(decompress(body)), TRANSFORMED, 'compressed, so transformed (SPEC 8.6)')
      const plain = await fetch(ctx.baseUrl + ROUTE.usersTablePlain, { headers: { accept: TABLE_ACCEPT } })
      same(plain.headers.get('content-type'), MEDIA_TYPE_TABLE_TRANSFORMS, 'uncompressed: labelled as negotiated')
      same(rootTableFlags(new Uint8Array(await plain.arrayBuffer())), 0, 'uncompressed (network: fast): not transformed')
    }
  },
  {
    name: 'tables of more rows than TABLE_READ_BLOCK: the rows as sent, with WebAssembly texts and without (in browsers)',
    async run(ctx) {
      const expected = people(LARGE_USERS_COUNT)
      const grid = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, tables: true, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      // Chromium has had the JS String Builtins since 130: there the WebAssembly path must run,
      // or this case would test only the fallback. (Node reads with latin1Slice either way.)
      const chrome = /Chrome\/(\d+)/.exec((globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? '')
      const wasm = allowWasmTexts(true)
      if (chrome !== null && Number(chrome[1]) >= 130) check(wasm, `Chrome ${chrome[1]}: the WebAssembly texts are not available`)
      try {
        for (const allow of wasm ? [true, false] : [false]) {
          allowWasmTexts(allow)
          const mode = allow ? 'WebAssembly texts' : 'no WebAssembly texts'
          // A table of its own for each mode: a table keeps the columns it has read.
          const table = await grid.get(ROUTE.usersTableLarge)
          check(table instanceof BFastTable && table.length === LARGE_USERS_COUNT, `${mode}: ${nameOf(table)}`)
          same(table.get(LARGE_USERS_COUNT - 1), expected[LARGE_USERS_COUNT - 1], `${mode}: the last row`)
          same(table.toArray(), expected, `${mode}: toArray()`)
        }
      } finally {
        allowWasmTexts(true)
      }
    }
  },
  {
    name: 'tables: per request over the client; a client that did not ask, or a route without tables, gets arrays',
    async run(ctx) {
      const expected = people(USERS_COUNT)
      const grid = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, tables: true, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const off = await grid.get(ROUTE.usersTable, { tables: false })
      check(Array.isArray(off), `tables: false on the request: ${nameOf(off)}`)
      same(off, expected, 'tables: false on the request')
      const v1Route = await grid.get(ROUTE.usersPlain)
      check(Array.isArray(v1Route), `a route without tables: ${nameOf(v1Route)}`)
      same(v1Route, expected, 'a route without tables')
      const plain = await client(ctx, { tables: false }).get(ROUTE.usersTable)
      check(Array.isArray(plain), `a client without tables: ${nameOf(plain)}`)
      same(plain, expected, 'a client without tables')
      const byDefault = await client(ctx).get(ROUTE.usersTable)
      check(Array.isArray(byDefault), `the default client ('transport'): ${nameOf(byDefault)}`)
      same(byDefault, expected, "the default client ('transport')")
      const asked = await client(ctx).get(ROUTE.usersTablePlain, { tables: true })
      check(asked instanceof BFastTable && asked.length === USERS_COUNT, `tables: true on the request: ${nameOf(asked)}`)
      same(asked.toArray(), expected, 'tables: true on the request')
      const json = await grid.get(ROUTE.jsonOnly)
      check(Array.isArray(json) && json.length === USERS_COUNT, 'a JSON route: the JSON array')
    }
  },
  {
    name: "tables: 'transport' (issue 16 item 5): the table layout on the wire, the plain values of tables: false back",
    async run(ctx) {
      const wire = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, tables: 'transport', ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      same((await wire.post(ROUTE.echo, null)).accept, TRANSPORT_ACCEPT, 'the Accept header sent: tables or v1, the server chooses')
      same((await client(ctx).post(ROUTE.echo, null)).accept, TRANSPORT_ACCEPT, "the default is 'transport'")
      const v1 = client(ctx, { tables: false })
      // What travels: tables, nested ones too (checked with the codec, without the client).
      const raw = await fetch(ctx.baseUrl + ROUTE.nestedTable, { headers: { accept: TRANSPORT_ACCEPT } })
      same(raw.headers.get('content-type'), MEDIA_TYPE_TABLE_TRANSFORMS, 'the reply on the wire is a table')
      const onWire = decode(new Uint8Array(await raw.arrayBuffer())) as { groups: unknown }
      check(onWire.groups instanceof BFastTable && tablesIn(onWire) > 1, `tables on the wire: ${tablesIn(onWire)}`)
      for (const route of [ROUTE.usersTable, ROUTE.usersTablePlain, ROUTE.nestedTable, ROUTE.usersPlain, ROUTE.jsonOnly] as const) {
        const got: unknown = await wire.get(route)
        check(tablesIn(got) === 0, `${route}: ${tablesIn(got)} BFastTable(s) handed back`)
        same(got, await v1.get(route), `${route}: what tables: false returns`)
      }
      same(await wire.get(ROUTE.nestedTable), nestedRecords(), 'nested tables: the records the server sent')
      const users = await client(ctx).get(ROUTE.usersTable, { tables: 'transport' })
      check(Array.isArray(users) && users[4321]!.createdAt instanceof Date, 'per request: plain rows, Dates typed')
      same(users, people(USERS_COUNT), "per request: tables: 'transport'")
      const err = await rejection(wire.get(ROUTE.tableError), 'the 422')
      check(err instanceof HttpError && err.status === 422, `rejected with ${nameOf(err)} ${String(err)}`)
      same(err.body, TABLE_ERROR_BODY, 'the error body, plain')
    }
  },
  {
    name: 'tables: an error reply holds plain values (HttpError.body), never a table',
    async run(ctx) {
      const grid = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, tables: true, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const err = await rejection(grid.get(ROUTE.tableError), 'the 422')
      check(err instanceof HttpError && err.status === 422, `rejected with ${nameOf(err)} ${String(err)}`)
      same(err.headers.get('content-type'), MEDIA_TYPE_TABLE_TRANSFORMS, 'labelled as negotiated')
      same(err.body, TABLE_ERROR_BODY, 'the error body, plain')
    }
  },
  {
    name: '10,000 users, compressed on the wire (route policy network: slow)',
    async run(ctx) {
      const expected = people(USERS_COUNT)
      const wire = await wireBytes(ctx, ROUTE.usersCompressed)
      check(wire.contentType?.startsWith(MEDIA_TYPE) === true, `content-type ${wire.contentType}`)
      check(isCompressed(wire.bytes), 'the reply on the wire is not LZ4-compressed')
      const plainSize = encode(expected).length
      check(wire.bytes.length < plainSize, `compressed reply (${wire.bytes.length} B) is not smaller than the plain message (${plainSize} B)`)
      same(await client(ctx).get(ROUTE.usersCompressed), expected, 'decoded users')
    }
  },
  {
    name: '10,000 users, not compressed (route policy network: fast)',
    async run(ctx) {
      const expected = people(USERS_COUNT)
      const wire = await wireBytes(ctx, ROUTE.usersPlain)
      check(!isCompressed(wire.bytes), 'the reply on the wire is compressed')
      same(wire.bytes, Uint8Array.from(encode(expected)), 'wire bytes vs encode(users)')
      same(await client(ctx).get(ROUTE.usersPlain), expected, 'decoded users')
    }
  },
  {
    name: 'Dates, bigint int64, bytes, Float64Array and unicode text decode to themselves',
    async run(ctx) {
      const typed = await client(ctx).get(ROUTE.typed)
      same(typed, typedSample(), 'decoded sample')
      check(typeof typed.big === 'bigint', 'big is not a bigint')
      check(typed.samples instanceof Float64Array, 'samples is not a Float64Array')
      check(typed.bytes instanceof Uint8Array, 'bytes is not a Uint8Array')
      check(typed.when instanceof Date, 'when is not a Date')
    }
  },
  {
    name: "decode options reach the codec, a request's merged over the client's",
    async run(ctx) {
      const api = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, decode: { int64: 'bigint' }, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const sample = typedSample()
      const both = await api.get(ROUTE.typed, { decode: { dates: 'string' } })
      same(both.negative, BigInt(sample.negative as number), "client's int64: 'bigint'")
      check(typeof both.when === 'string', `request's dates: 'string' gave ${typeof both.when}`)
      same(new Date(both.when), sample.when, "request's dates: 'string', the text sent")
      same((await api.get(ROUTE.typed)).when, sample.when, 'dates back to Date without the request option')
    }
  },
  {
    name: 'a path parameter reaches its route and a query is appended',
    async run(ctx) {
      same(await client(ctx).get('/users/42'), people(43)[42], 'user 42')
      const echo = await client(ctx).post(`${ROUTE.echo}?a=1`, null, { query: { b: 2, c: 'x y', skipped: undefined } })
      same(echo.body, null, 'echoed null body')
      same(echo.query, { a: '1', b: '2', c: 'x y' }, 'query the server saw')
    }
  },
  {
    name: 'a baseUrl with a path prefix keeps it; HEAD resolves to undefined',
    async run(ctx) {
      const prefixed = createClient({ baseUrl: `${ctx.baseUrl}/users/`, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      same(await prefixed.get('/7'), people(8)[7], 'user 7 under the /users/ prefix')
      const untyped = createClient({ baseUrl: ctx.baseUrl, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      same(await untyped.request('HEAD', ROUTE.typed), undefined, 'HEAD reply')
    }
  },
  {
    name: 'JSON fallback: a route opted out of B-FAST replies JSON, which the client decodes',
    async run(ctx) {
      const res = await fetch(ctx.baseUrl + ROUTE.jsonOnly, { headers: { accept: DEFAULT_ACCEPT } })
      check(res.headers.get('content-type')?.startsWith('application/json') === true, `content-type ${res.headers.get('content-type')}`)
      await res.arrayBuffer()
      same(await client(ctx).get(ROUTE.jsonOnly), peopleAsJson(USERS_COUNT), 'users from JSON')
    }
  },
  {
    name: 'request bodies are sent as B-FAST by default and keep their types',
    async run(ctx) {
      const echo = await client(ctx).post(ROUTE.echo, typedSample())
      check(echo.contentType === MEDIA_TYPE, `the server saw content-type ${echo.contentType}`)
      same(echo.body, typedSample(), 'echoed body')
      same(echo.accept, TRANSPORT_ACCEPT, "accept header sent (the default, tables: 'transport')")
      same((await client(ctx, { tables: false }).post(ROUTE.echo, null)).accept, DEFAULT_ACCEPT, 'tables: false: v1, then JSON')
    }
  },
  {
    name: 'the Content-Type decides: a table in a reply not labelled layout=table is an error under plain values',
    async run(ctx) {
      // SPEC 8.0: only a reply labelled layout=table may hold tables; the client never sniffs.
      const url = ctx.baseUrl + ROUTE.unlabelledTable
      for (const tables of [undefined, false, 'transport'] as const) {
        const api = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, ...(tables === undefined ? {} : { tables }), ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
        const err = await rejection(api.get(ROUTE.unlabelledTable), `tables: ${String(tables)}`)
        check(err instanceof BFastRequestError && err.code === 'UNKNOWN_TAG', `tables: ${String(tables)}: ${nameOf(err)} ${String(err)}`)
        check(err.url === url && err.status === 200, `tables: ${String(tables)}: url/status ${err.url} ${err.status}`)
      }
      const grid = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, tables: true, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const table = await grid.get(ROUTE.unlabelledTable)
      check(table instanceof BFastTable, `tables: true reads what arrives: ${nameOf(table)}`)
      same(table.toArray(), UNLABELLED_ROWS, 'tables: true: the rows')
      const asked = await client(ctx).get(ROUTE.unlabelledTable, { decode: { tables: true } })
      check(asked instanceof BFastTable, `decode.tables: true set by the caller: ${nameOf(asked)}`)
    }
  },
  {
    name: 'a body B-FAST cannot carry rejects with BFastError before anything is sent',
    async run(ctx) {
      const circular: Record<string, unknown> = { name: 'loop' }
      circular.self = circular
      const err = await rejection(client(ctx).post(ROUTE.echo, circular), 'POST a circular body')
      check(err instanceof BFastError && err.code === 'CIRCULAR', `rejected with ${nameOf(err)} ${String((err as { code?: unknown }).code)}`)
    }
  },
  {
    name: "bodyFormat 'json' sends JSON; headers override the defaults",
    async run(ctx) {
      const when = new Date('2030-01-02T03:04:05.006Z')
      const api = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, bodyFormat: 'json', headers: { accept: MEDIA_TYPE }, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const echo = await api.post(ROUTE.echo, { when, n: 1, s: 'ü' })
      check(echo.contentType?.startsWith('application/json') === true, `the server saw content-type ${echo.contentType}`)
      same(echo.body, { when: when.toISOString(), n: 1, s: 'ü' }, 'echoed JSON body')
      same(echo.accept, MEDIA_TYPE, 'accept header sent')
    }
  },
  {
    name: 'a 4xx reply rejects with HttpError carrying the decoded B-FAST body',
    async run(ctx) {
      const err = await rejection(client(ctx).get(ROUTE.badRequest), 'GET /fail/400')
      check(err instanceof HttpError, `rejected with ${nameOf(err)}, not HttpError`)
      check(err.status === 400, `status ${err.status}`)
      check(err.code === 'ERR_BFAST_CLIENT_HTTP_STATUS', `code ${err.code}`)
      check(err.headers.get('content-type')?.startsWith(MEDIA_TYPE) === true, `content-type ${err.headers.get('content-type')}`)
      same(err.body, BAD_REQUEST_BODY, 'error body')
      check(err.response.status === 400 && err.method === 'GET' && err.url === ctx.baseUrl + ROUTE.badRequest, 'response/method/url')
    }
  },
  {
    name: 'a 5xx reply rejects with HttpError carrying the error handler body',
    async run(ctx) {
      const err = await rejection(client(ctx).get(ROUTE.serverError), 'GET /fail/500')
      check(err instanceof HttpError, `rejected with ${nameOf(err)}, not HttpError`)
      check(err.status === 500, `status ${err.status}`)
      const body = err.body as { statusCode?: unknown; message?: unknown }
      check(body.statusCode === 500, `body.statusCode ${String(body.statusCode)}`)
      check(body.message === SERVER_ERROR_MESSAGE, `body.message ${String(body.message)}`)
      check(err.message.includes(SERVER_ERROR_MESSAGE), `error message "${err.message}"`)
    }
  },
  {
    name: 'an unknown route rejects with HttpError 404',
    async run(ctx) {
      const untyped = createClient({ baseUrl: ctx.baseUrl, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const err = await rejection(untyped.get('/no/such/route'), 'GET /no/such/route')
      check(err instanceof HttpError && err.status === 404, `rejected with ${nameOf(err)}`)
      check((err.body as { statusCode?: unknown }).statusCode === 404, 'decoded 404 body')
    }
  },
  {
    name: 'text replies decode as text, 204 as undefined',
    async run(ctx) {
      same(await client(ctx).get(ROUTE.text), TEXT_BODY, 'text reply')
      same(await client(ctx).get(ROUTE.noContent), undefined, '204 reply')
    }
  },
  {
    name: 'a reply labelled B-FAST that is not rejects with BFastError (no guessing)',
    async run(ctx) {
      const err = await rejection(client(ctx).get('/corrupt'), 'GET /corrupt')
      check(err instanceof BFastError, `rejected with ${nameOf(err)}, not BFastError`)
      // Issue 13 item 7: the codec error says which request failed, its code and offset kept.
      const url = ctx.baseUrl + ROUTE.corrupt
      check(err instanceof BFastRequestError, 'rejected with a BFastError without the request')
      check(err.method === 'GET' && err.url === url && err.status === 200, `method/url/status ${err.method} ${err.url} ${err.status}`)
      check(err.message.startsWith(`GET ${url}: `), `message "${err.message}"`)
      const direct = await rejection(fetch(url).then((res) => decodeResponse(res)), 'decodeResponse(/corrupt)')
      check(direct instanceof BFastError && err.code === direct.code && err.offset === direct.offset, `code/offset ${err.code}@${err.offset} vs decodeResponse's`)
      check(err.cause === undefined || err.cause instanceof BFastError, 'cause is the codec error')
    }
  },
  {
    name: 'LZ4 replies arriving in many pieces (single block and chunked) decode to the same users',
    async run(ctx) {
      const expected = people(USERS_COUNT)
      for (const path of [ROUTE.usersTrickle, ROUTE.usersTrickleChunked] as const) {
        const wire = await wireBytes(ctx, path)
        check(isCompressed(wire.bytes), `${path}: the reply on the wire is not compressed`)
        same(await client(ctx).get(path), expected, `${path}: client`)
        same(await decodeResponse(await fetch(ctx.baseUrl + path)), expected, `${path}: decodeResponse`)
      }
    }
  },
  {
    name: 'an LZ4 reply cut off mid-way rejects with the BFastError decode() gives for the same bytes',
    async run(ctx) {
      const wire = await wireBytes(ctx, ROUTE.usersCutOff)
      const whole = await rejection(Promise.resolve().then(() => decode(wire.bytes)), 'decode(cut-off bytes)')
      check(whole instanceof BFastError, `decode() threw ${nameOf(whole)}`)
      // Thunks, not promises: each request starts only when it is awaited, so no rejection can
      // settle unobserved while the other one is awaited (the unhandledRejection this test once had).
      for (const [what, attempt] of [
        ['client', () => client(ctx).get(ROUTE.usersCutOff)],
        ['decodeResponse', () => fetch(ctx.baseUrl + ROUTE.usersCutOff).then((res) => decodeResponse(res))]
      ] as const) {
        const err = await rejection(attempt(), `${what} GET ${ROUTE.usersCutOff}`)
        check(err instanceof BFastError, `${what}: rejected with ${nameOf(err)}, not BFastError`)
        check(what === 'decodeResponse' || (err instanceof BFastRequestError && err.url === ctx.baseUrl + ROUTE.usersCutOff), `${what}: no request in ${err.message}`)
        check(err.code === whole.code && err.offset === whole.offset, `${what}: ${err.code}@${err.offset}, decode() ${whole.code}@${whole.offset}`)
      }
    }
  },
  {
    name: 'an AbortSignal aborts a request in flight, and an aborted one never starts',
    async run(ctx) {
      const controller = new AbortController()
      setTimeout(() => controller.abort(), SHORT_WAIT_MS)
      const err = await rejection(client(ctx).get(ROUTE.slow, { signal: controller.signal }), 'aborted GET /slow')
      check(nameOf(err) === 'AbortError', `rejected with ${nameOf(err)}, not AbortError`)
      const reason = new Error('gave up')
      const err2 = await rejection(client(ctx).get(ROUTE.typed, { signal: AbortSignal.abort(reason) }), 'pre-aborted GET')
      check(err2 === reason, `rejected with ${nameOf(err2)}, not the abort reason`)
    }
  },
  {
    name: 'timeout rejects with TimeoutError keeping its cause',
    async run(ctx) {
      const err = await rejection(client(ctx).get(ROUTE.slow, { timeout: SHORT_WAIT_MS }), 'GET /slow with timeout')
      check(err instanceof TimeoutError, `rejected with ${nameOf(err)}, not TimeoutError`)
      check(err.timeout === SHORT_WAIT_MS, `timeout ${err.timeout}`)
      check(err.code === 'ERR_BFAST_CLIENT_TIMEOUT', `code ${err.code}`)
      check(err.cause !== undefined, 'no cause')
      const err2 = await rejection(client(ctx, { timeout: SHORT_WAIT_MS }).get(ROUTE.slow), 'GET /slow with client timeout')
      check(err2 instanceof TimeoutError, `client-wide timeout: rejected with ${nameOf(err2)}`)
    }
  },
  {
    name: 'signal and timeout combine: whichever fires first wins',
    async run(ctx) {
      const controller = new AbortController()
      setTimeout(() => controller.abort(), SHORT_WAIT_MS)
      const err = await rejection(client(ctx, { timeout: SHORT_WAIT_MS * 20 }).get(ROUTE.slow, { signal: controller.signal }), 'signal first')
      check(nameOf(err) === 'AbortError', `signal first: rejected with ${nameOf(err)}`)
      const late = new AbortController()
      const err2 = await rejection(client(ctx).get(ROUTE.slow, { signal: late.signal, timeout: SHORT_WAIT_MS }), 'timeout first')
      late.abort()
      check(err2 instanceof TimeoutError, `timeout first: rejected with ${nameOf(err2)}`)
      // A timeout left on the client does not outlive a quick request.
      same(await client(ctx, { timeout: SHORT_WAIT_MS * 20 }).get(ROUTE.text), TEXT_BODY, 'quick request under a timeout')
    }
  },
  {
    name: 'decodeResponse decodes a plain fetch Response',
    async run(ctx) {
      const res = await fetch(ctx.baseUrl + ROUTE.usersCompressed, { headers: { accept: DEFAULT_ACCEPT } })
      same(await decodeResponse(res), people(USERS_COUNT), 'decodeResponse(users)')
      const json = await fetch(ctx.baseUrl + ROUTE.jsonOnly)
      same(await decodeResponse(json), peopleAsJson(USERS_COUNT), 'decodeResponse(json)')
    }
  }
]

/** Cases of issue 10 (findings 6 and 7) and issue 13 item 7 (errors that name the request, hooks, retries). */
scenarios.push(
  {
    name: 'regression: a non-2xx reply with a B-FAST body that does not decode (plain, LZ4, LZ4 under gzip) rejects with HttpError, status kept (issue 10 finding 6)',
    async run(ctx) {
      for (const form of BAD_BODY_FORMS) {
        const err = await rejection(client(ctx).get(`${ROUTE.badErrorBody}?form=${form}`), `GET bad-body ${form}`)
        check(err instanceof HttpError, `${form}: rejected with ${nameOf(err)} (${String(err)}), not HttpError`)
        check(err.status === BAD_BODY_STATUS, `${form}: status ${err.status}`)
        check(err.body === undefined, `${form}: body ${String(err.body)}`)
        check(err.cause instanceof BFastError, `${form}: cause ${nameOf(err.cause)}, not the decode error`)
      }
      // An error body past maxResponseSize: still the HttpError, the size error as its cause.
      const limited = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, maxResponseSize: STREAM_LIMIT, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const endless = await rejection(limited.get(`${ROUTE.endless}?type=bfast&status=500` as '/endless'), 'GET endless 500')
      check(endless instanceof HttpError && endless.status === 500 && endless.body === undefined, `endless 500: ${String(endless)}`)
      check(endless.cause instanceof BFastError && endless.cause.code === 'TOO_LARGE', `endless 500: cause ${String(endless.cause)}`)
    }
  },
  {
    name: 'maxResponseSize bounds plain B-FAST, in-format LZ4 and JSON replies alike (TOO_LARGE at the limit, naming the request)',
    async run(ctx) {
      const limited = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, maxResponseSize: SMALL_LIMIT, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      for (const path of [ROUTE.usersPlain, ROUTE.jsonOnly] as const) {
        checkTooLarge(await rejection(limited.get(path), `GET ${path}`), ctx.baseUrl + path, SMALL_LIMIT, path)
      }
      for (const path of [ROUTE.usersCompressed, ROUTE.usersTrickle, ROUTE.usersTrickleChunked] as const) {
        checkTooLarge(await rejection(limited.get(path), `GET ${path}`), ctx.baseUrl + path, 0, path)
      }
      // A request's limit overrides the client's; the same replies fit under a larger one.
      same(await limited.get(ROUTE.usersCompressed, { maxResponseSize: 8 * 1024 * 1024 }), people(USERS_COUNT), 'users under a larger request limit')
      // decode.maxDecompressedSize, when given, can only lower the bound.
      const err = await rejection(client(ctx).get(ROUTE.usersCompressed, { decode: { maxDecompressedSize: SMALL_LIMIT } }), 'decode.maxDecompressedSize')
      checkTooLarge(err, ctx.baseUrl + ROUTE.usersCompressed, 0, 'decode.maxDecompressedSize')
      const direct = await rejection(fetch(ctx.baseUrl + ROUTE.jsonOnly).then((res) => decodeResponse(res, { maxResponseSize: SMALL_LIMIT })), 'decodeResponse')
      check(direct instanceof BFastError && direct.code === 'TOO_LARGE' && direct.offset === SMALL_LIMIT, `decodeResponse: ${String(direct)}`)
    }
  },
  {
    name: 'regression: an endless body and a 1 MB gzip reply of 1 GiB reject with TOO_LARGE at maxResponseSize, of every type (issue 10 finding 7)',
    async run(ctx) {
      const limited = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, maxResponseSize: STREAM_LIMIT, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      for (const type of Object.keys(STREAM_TYPES)) {
        for (const route of [ROUTE.endless, ROUTE.bomb] as const) {
          const path = `${route}?type=${type}` as const
          checkTooLarge(await rejection(limited.get(path as '/endless'), `GET ${path}`), ctx.baseUrl + path, STREAM_LIMIT, path)
        }
      }
    }
  },
  {
    name: 'a reply of 1 GiB in each coding the request advertised (gzip, br, zstd) rejects with TOO_LARGE at maxResponseSize (issue 16 item 4)',
    async run(ctx) {
      const limited = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, maxResponseSize: STREAM_LIMIT, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }) })
      const advertised = codingsOf((await limited.post(ROUTE.echo, null)).acceptEncoding)
      const bombs = BOMB_CODINGS.filter((coding) => advertised.includes(coding))
      check(bombs.includes('gzip'), `gzip not advertised (${advertised.join(', ')})`)
      for (const coding of bombs) {
        for (const type of Object.keys(STREAM_TYPES)) {
          const path = `${ROUTE.bomb}?coding=${coding}&type=${type}`
          checkTooLarge(await rejection(limited.get(path as '/bomb'), `GET ${path}`), ctx.baseUrl + path, STREAM_LIMIT, path)
        }
      }
    }
  },
  {
    name: 'every content coding the fetch advertises decodes; a zstd reply it does not decode is an error, never raw bytes (issue 16 item 4)',
    async run(ctx) {
      const api = client(ctx)
      const echo = await api.post(ROUTE.echo, null)
      const advertised = codingsOf(echo.acceptEncoding)
      check(advertised.length > 0, `no Accept-Encoding reached the server (${String(echo.acceptEncoding)})`)
      for (const coding of advertised) {
        same(await api.get(`${ROUTE.encoded}?coding=${coding}` as '/encoded'), ENCODED_REPLY, `${coding} (advertised: ${echo.acceptEncoding})`)
      }
      // A zstd reply whatever was asked: what this fetch makes of it, then what the client does.
      const raw = await (ctx.fetch ?? fetch)(ctx.baseUrl + ROUTE.zstd, { method: 'GET', headers: {} }).then(
        async (res) => new Uint8Array(await res.arrayBuffer()),
        (err: unknown) => err
      )
      const got = await rejection(
        api.get(ROUTE.zstd).then((value) => {
          // eslint-disable-next-line no-throw-literal -- a marker no client error can be mistaken for
          throw { value }
        }),
        'GET /zstd'
      )
      if (!(raw instanceof Uint8Array)) {
        // The fetch refused the coding itself (a browser that does not decode it fails the request).
        check(nameOf(got) === nameOf(raw), `fetch rejected with ${nameOf(raw)}, the client with ${nameOf(got)}`)
      } else if (raw[0] === 0x28 && raw[1] === 0xb5 && raw[2] === 0x2f && raw[3] === 0xfd) {
        check(!advertised.includes('zstd'), `zstd advertised (${echo.acceptEncoding}) but not decoded`)
        check(got instanceof BFastRequestError && got.code === 'BAD_COMPRESSION' && /zstd/.test(got.message), `undecoded zstd: ${String(got)}`)
      } else {
        same((got as { value?: unknown }).value, ENCODED_REPLY, 'zstd decoded by fetch')
      }
    }
  },
  {
    name: 'hooks: beforeRequest changes the request, afterResponse may replace the reply',
    async run(ctx) {
      const seen: string[] = []
      const api = createClient<TestRoutes>({
        baseUrl: ctx.baseUrl,
        ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
        hooks: {
          beforeRequest: [(request) => void (request.init.headers['x-trace'] = 'client')],
          afterResponse: [(response, request) => void seen.push(`${request.method} ${response.status}`)]
        }
      })
      const echo = await api.post(ROUTE.echo, { a: 1 }, {
        hooks: { beforeRequest: [(request) => void (request.init.headers['x-trace'] += '+request')] }
      })
      same(echo.trace, 'client+request', 'x-trace set by the client hook, then the request hook')
      same(echo.body, { a: 1 }, 'the body still sent')
      same(seen, ['POST 200'], 'afterResponse saw the reply')
      const replaced = await api.get(ROUTE.text, {
        hooks: {
          afterResponse: [() => new Response(encode({ replaced: true }) as Uint8Array<ArrayBuffer>, { status: 200, headers: { 'content-type': MEDIA_TYPE } })]
        }
      })
      same(replaced, { replaced: true }, 'the reply an afterResponse hook returned')
      const moved = await api.get(ROUTE.text, { hooks: { beforeRequest: [(request) => void (request.url = ctx.baseUrl + ROUTE.typed)] } })
      same(moved, typedSample(), 'the URL a beforeRequest hook set')
    }
  },
  {
    name: 'retry: idempotent requests are retried on 503 with backoff; beforeRetry sees each one; the last failure is an HttpError',
    async run(ctx) {
      const retries: Array<Pick<RetryContext, 'attempt' | 'delay'> & { status: number | undefined }> = []
      const api = createClient<TestRoutes>({
        baseUrl: ctx.baseUrl,
        ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
        retry: { limit: 2, delay: (n) => QUICK_DELAY_MS * n },
        hooks: { beforeRetry: [(r) => void retries.push({ attempt: r.attempt, delay: r.delay, status: r.response?.status })] }
      })
      same(await api.get(`/flaky/${flakyKey()}?fail=2&status=503`), { attempt: 3 }, 'third attempt succeeded')
      same(retries, [{ attempt: 1, delay: QUICK_DELAY_MS, status: 503 }, { attempt: 2, delay: 2 * QUICK_DELAY_MS, status: 503 }], 'beforeRetry calls')
      const err = await rejection(api.get(`/flaky/${flakyKey()}?fail=5&status=500`, { retry: { limit: 1 } }), 'limit 1')
      check(err instanceof HttpError && err.status === 500, `limit 1: rejected with ${String(err)}`)
      same(err.body, { attempt: 2 }, 'limit 1: the second attempt is the one reported')
      const notRetried = await rejection(api.get(`/flaky/${flakyKey()}?fail=1&status=400`), '400')
      check(notRetried instanceof HttpError && notRetried.status === 400, `400: ${String(notRetried)}`)
      same(notRetried.body, { attempt: 1 }, '400 is not a retry status')
      same(await createClient<TestRoutes>({ baseUrl: ctx.baseUrl, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }), retry: 2 }).get(`/flaky/${flakyKey()}?fail=1&status=408`, { retry: { delay: () => 0 } }), { attempt: 2 }, 'retry: 2 and a request delay')
    }
  },
  {
    name: 'retry: POST is never retried unless listed in retry.methods',
    async run(ctx) {
      const api = createClient<TestRoutes>({ baseUrl: ctx.baseUrl, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }), retry: { limit: 3, delay: () => QUICK_DELAY_MS } })
      const err = await rejection(api.post(`/flaky/${flakyKey()}?fail=1&status=503`), 'POST')
      check(err instanceof HttpError && err.status === 503, `POST: ${String(err)}`)
      same(err.body, { attempt: 1 }, 'POST: one attempt only')
      same(await api.post(`/flaky/${flakyKey()}?fail=1&status=503`, undefined, { retry: { methods: ['post'] } }), { attempt: 2 }, 'POST listed: retried')
    }
  },
  {
    name: 'retry: Retry-After sets the wait, one beyond maxRetryAfter is not waited for; the timeout covers the waits',
    async run(ctx) {
      const delays: number[] = []
      const api = createClient<TestRoutes>({
        baseUrl: ctx.baseUrl,
        ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
        retry: { limit: 1, delay: () => 0, maxRetryAfter: 5_000 },
        hooks: { beforeRetry: [(r) => void delays.push(r.delay)] }
      })
      const started = Date.now()
      same(await api.get(`/flaky/${flakyKey()}?fail=1&status=429&retryAfter=1`), { attempt: 2 }, 'retried after Retry-After: 1')
      const waited = Date.now() - started
      same(delays, [1000], 'the wait is the Retry-After, not the backoff')
      check(waited >= 990, `waited ${waited} ms, Retry-After said 1 s`)
      const err = await rejection(api.get(`/flaky/${flakyKey()}?fail=1&status=503&retryAfter=120`), 'Retry-After: 120')
      check(err instanceof HttpError && err.status === 503, `Retry-After 120: ${String(err)}`)
      same(err.body, { attempt: 1 }, 'Retry-After beyond maxRetryAfter: not retried')
      const slow = await rejection(api.get(`/flaky/${flakyKey()}?fail=5&status=500`, { retry: { limit: 5, delay: () => 60_000 }, timeout: SHORT_WAIT_MS }), 'timeout')
      check(slow instanceof TimeoutError, `a wait past the timeout: ${nameOf(slow)}`)
    }
  }
)

/** Runs every case in order; one failing does not stop the rest. */
export async function runScenarios(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = []
  for (const scenario of scenarios) {
    try {
      await scenario.run(ctx)
      results.push({ name: scenario.name, ok: true })
    } catch (err) {
      results.push({ name: scenario.name, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    }
  }
  return results
}
