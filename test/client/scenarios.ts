/**
 * The client's end-to-end cases, written once and run twice: by the Node test (global fetch
 * and undici's fetch) and, compiled, inside headless Chromium by the browser test. Each case
 * talks to the real test server (server.ts) and throws an Error saying what differs.
 * Browser-safe: imports only the built client, the codec's browser modules and cases.ts.
 */
import { createClient, decodeResponse, HttpError, TimeoutError, BFastError, DEFAULT_ACCEPT, type FetchFunction } from '../../client/index.js'
import { decode, encode, isCompressed, MEDIA_TYPE } from '../../src/index.js'
import {
  BAD_REQUEST_BODY,
  difference,
  people,
  peopleAsJson,
  ROUTE,
  SERVER_ERROR_MESSAGE,
  SHORT_WAIT_MS,
  TEXT_BODY,
  typedSample,
  USERS_COUNT,
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

function nameOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : typeof err
}

function client(ctx: ScenarioContext, options: { timeout?: number } = {}) {
  return createClient<TestRoutes>({ baseUrl: ctx.baseUrl, ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }), ...options })
}

/** The raw reply bytes of a GET that accepts B-FAST, read without the client. */
async function wireBytes(ctx: ScenarioContext, path: string): Promise<{ bytes: Uint8Array; contentType: string | null }> {
  const res = await fetch(ctx.baseUrl + path, { headers: { accept: MEDIA_TYPE } })
  check(res.ok, `${path}: status ${res.status}`)
  return { bytes: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get('content-type') }
}

export const scenarios: Scenario[] = [
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
      same(echo.accept, DEFAULT_ACCEPT, 'accept header sent')
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
