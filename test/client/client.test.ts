/**
 * The client in Node (issue 4): every case of scenarios.ts against a real Fastify server with
 * the plugin on a real socket, with Node's global fetch and with undici's fetch, plus what only
 * Node can check (keep-alive through an undici Agent, network failures' cause).
 */
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { Agent, fetch as undiciFetch } from 'undici'
import {
  BFastError, BFastRequestError, CLIENT_ERROR_CODES, ClientOptionError, createClient, decodeResponse,
  DEFAULT_ACCEPT, DEFAULT_MAX_RESPONSE_SIZE, HttpError, TRANSPORT_ACCEPT, type FetchFunction, type FetchInit, type FetchResponse
} from '../../client/index.js'
import { BOMB_CODINGS, difference, ENCODED_REPLY, people, ROUTE, typedSample, USERS_COUNT } from './cases.js'
import { scenarios, type ScenarioContext, type TestRoutes } from './scenarios.js'
import { gzipOfZeros } from '../helpers/bombs.js'
import { caught } from '../helpers/thrown.js'
import { startServer } from './server.js'

const server = await startServer()
t.teardown(() => server.close())

const NODE_MAJOR = Number(process.versions.node.split('.')[0])

const FETCHES = [
  ['global fetch', (url: string, init: FetchInit) => fetch(url, init as RequestInit)],
  ["undici's fetch", undiciFetch as FetchFunction]
] as const

/**
 * `fetchFn` whose replies count the body bytes the client takes from them, so that a test can
 * tell how much of a body was read (not only that the request failed).
 */
function counting(fetchFn: FetchFunction): { fetch: FetchFunction; taken: () => number } {
  let taken = 0
  return {
    taken: () => taken,
    fetch: async (url, init) => {
      const response = (await fetchFn(url, init)) as Response
      if (response.body === null) return response
      const counted = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            taken += chunk.length
            controller.enqueue(chunk)
          }
        })
      )
      return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers }) as FetchResponse
    }
  }
}

for (const [label, fetchFn] of [
  ['global fetch', undefined],
  ["undici's fetch", undiciFetch]
] as const) {
  t.test(label, async (t) => {
    const ctx: ScenarioContext = fetchFn === undefined ? { baseUrl: server.baseUrl } : { baseUrl: server.baseUrl, fetch: fetchFn }
    for (const scenario of scenarios) {
      await t.test(scenario.name, async (t) => {
        await t.resolves(scenario.run(ctx), scenario.name)
      })
    }
  })
}

t.test("undici's fetch with an Agent dispatcher keeps one connection alive", async (t) => {
  const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 })
  t.teardown(() => agent.close())
  const seen: FetchInit[] = []
  const fetchSpy: FetchFunction = (url, init) => {
    seen.push(init)
    return undiciFetch(url, init)
  }
  // Counted by the agent itself, not only as the server's accepts before and after. The server
  // count also takes a connection another client began (the scenarios above abort fetches whose
  // pools may still be dialling), and it once read more than 1 here (one run in five, while other
  // suites loaded the host; not reproduced since). The agent's count fails only for a second
  // connection of its own, and then says why the first one closed.
  let opened = 0
  const closed: string[] = []
  agent.on('connect', () => opened++)
  agent.on('disconnect', (_origin, _targets, err) => closed.push(err.message))
  const api = createClient<TestRoutes>({ baseUrl: server.baseUrl, fetch: fetchSpy, dispatcher: agent })
  const before = server.connections()
  for (let i = 0; i < 5; i++) {
    t.equal(difference(await api.get(ROUTE.usersCompressed), people(USERS_COUNT)), undefined, `users, request ${i + 1}`)
    t.equal(difference((await api.post(ROUTE.echo, typedSample())).body, typedSample()), undefined, `echo, request ${i + 1}`)
  }
  t.equal(opened, 1, `ten requests, one connection opened by the agent (closed meanwhile: ${closed.join('; ') || 'none'})`)
  const accepted = server.connections() - before
  t.ok(accepted >= 1, `and the server accepted it (${accepted} accepted meanwhile)`)
  t.equal(seen.length, 10, 'every request went through the fetch given')
  t.ok(seen.every((init) => (init as { dispatcher?: unknown }).dispatcher === agent), 'with the dispatcher given')
})

t.test('a network failure rejects with fetch’s own error, cause kept', async (t) => {
  const closed = await startServer()
  const baseUrl = closed.baseUrl
  await closed.close()
  const api = createClient({ baseUrl })
  const err = await api.get(ROUTE.typed).then(
    () => undefined,
    (e: unknown) => e
  )
  t.type(err, TypeError, 'fetch failed')
  t.not(err instanceof HttpError, true)
  t.equal(((err as Error).cause as { code?: string } | undefined)?.code, 'ECONNREFUSED', 'the cause says why')
})

t.test('bad options from plain JavaScript fail loudly', async (t) => {
  t.throws(() => createClient({ baseUrl: server.baseUrl, timeout: -1 }), TypeError, 'negative client timeout')
  t.throws(() => createClient({ baseUrl: server.baseUrl, bodyFormat: 'xml' as 'json' }), TypeError, 'unknown client bodyFormat')
  const api = createClient({ baseUrl: server.baseUrl })
  await t.rejects(api.get(ROUTE.typed, { timeout: Number.NaN }), TypeError, 'NaN request timeout')
  await t.rejects(api.post(ROUTE.echo, 1, { bodyFormat: 'yaml' as 'json' }), TypeError, 'unknown request bodyFormat')
})

t.test('bad options: ClientOptionError, a TypeError with a code; decode options checked by the codec', async (t) => {
  const isOptionError = (e: unknown, what: RegExp): boolean =>
    e instanceof ClientOptionError && e instanceof TypeError && what.test(e.message) &&
    e.code === CLIENT_ERROR_CODES.ERR_BFAST_CLIENT_BAD_OPTION && e.code === 'ERR_BFAST_CLIENT_BAD_OPTION'
  const timeoutErr = caught(() => createClient({ baseUrl: server.baseUrl, timeout: -1 }))
  t.ok(isOptionError(timeoutErr, /createClient options\.timeout/), 'timeout')
  const decodeErr = caught(() => createClient({ baseUrl: server.baseUrl, decode: { int64: 'string' as 'auto' } }))
  t.ok(
    isOptionError(decodeErr, /^option createClient options\.decode\.int64 must be one of 'auto', 'number', 'bigint'/),
    `client decode option: ${String(decodeErr)}`
  )
  const cause = (decodeErr as Error).cause
  t.ok(cause instanceof BFastError && cause.code === 'BAD_OPTION', "its cause is the codec's BAD_OPTION")

  // A request's decode options are checked before anything is sent.
  let fetched = 0
  const api = createClient({
    baseUrl: server.baseUrl,
    fetch: async (url, init) => {
      fetched++
      return await fetch(url, init as RequestInit)
    }
  })
  const rejected = await api.get(ROUTE.typed, { decode: { maxDepth: 0 } }).then(() => undefined, (e: unknown) => e)
  t.ok(isOptionError(rejected, /^option request options\.decode\.maxDepth must be an integer from 1/), String(rejected))
  t.equal(fetched, 0, 'nothing was sent')
  t.same(await api.get(ROUTE.typed, { decode: { maxDepth: 64 } }), typedSample(), 'a good one is used')
  t.equal(fetched, 1)

  const reply = new Response('{}', { headers: { 'content-type': 'application/json' } })
  const direct = await decodeResponse(reply, { float64Array: 'list' as 'array' }).then(
    () => undefined,
    (e: unknown) => e
  )
  t.ok(isOptionError(direct, /^option decodeResponse options\.float64Array must be one of 'typed', 'array'/), 'direct')
  t.equal(reply.bodyUsed, false, 'the body was not read')
})

t.test("the tables option: true, false or 'transport', checked before anything is sent; decode.tables: false conflicts", async (t) => {
  const bad = caught(() => createClient({ baseUrl: server.baseUrl, tables: 'yes' as unknown as boolean }))
  t.ok(bad instanceof ClientOptionError && /createClient options\.tables must be one of false, true, 'transport', got yes/.test(bad.message), String(bad))
  let fetched = 0
  const api = createClient({
    baseUrl: server.baseUrl,
    fetch: async (url, init) => {
      fetched++
      return await fetch(url, init as RequestInit)
    }
  })
  const perRequest = await api.get(ROUTE.usersTable, { tables: 1 as unknown as boolean }).then(() => undefined, (e: unknown) => e)
  t.ok(perRequest instanceof ClientOptionError && /request options\.tables must be one of false, true/.test(perRequest.message), String(perRequest))
  const conflict = await api.get(ROUTE.usersTable, { tables: true, decode: { tables: false } }).then(() => undefined, (e: unknown) => e)
  t.ok(conflict instanceof ClientOptionError && /tables: true asks GET .*\/users\/table for tables, which decode\.tables: false refuses/.test(conflict.message), String(conflict))
  const transport = await api.get(ROUTE.usersTable, { tables: 'transport', decode: { tables: false } }).then(() => undefined, (e: unknown) => e)
  t.ok(transport instanceof ClientOptionError && /tables: 'transport' asks GET .*\/users\/table for tables, which decode\.tables: false refuses/.test(transport.message), String(transport))
  t.equal(fetched, 0, 'nothing was sent')
  // The default ('transport') gives way to decode.tables: false: v1 asked for, v1 read.
  const v1Only = createClient({ baseUrl: server.baseUrl, decode: { tables: false } })
  t.equal((await v1Only.post(ROUTE.echo, null) as { accept: string }).accept, DEFAULT_ACCEPT, 'decode.tables: false, client-wide')
  t.equal(difference(await v1Only.get(ROUTE.usersTable), people(USERS_COUNT)), undefined, 'the rows, as v1')
  const perCall = await api.post(ROUTE.echo, null, { decode: { tables: false } }) as { accept: string }
  t.equal(perCall.accept, DEFAULT_ACCEPT, 'decode.tables: false on the request')
  t.equal((await api.post(ROUTE.echo, null) as { accept: string }).accept, TRANSPORT_ACCEPT, 'the default otherwise')
  // A user's own Accept still wins over the one tables chooses.
  const own = await api.post(ROUTE.echo, null, { tables: true, headers: { accept: 'application/x-bfast' } })
  t.equal((own as { accept: string }).accept, 'application/x-bfast', 'the Accept header given')
})

t.test('the gzip bomb route is a real gzip member (its construction, checked small)', async (t) => {
  const small = gzipOfZeros(3)
  const plain = gunzipSync(small)
  t.equal(plain.length, 3 * 1024 * 1024, 'inflates to 3 MiB')
  t.ok(plain.every((b) => b === 0), 'of zeros')
  const bomb = gzipOfZeros(1024)
  t.ok(bomb.length < 1.5 * 1024 * 1024, `1 GiB of zeros in ${bomb.length} bytes`)
})

for (const [label, fetchFn] of FETCHES) {
  t.test(`regression (issue 10 finding 7, issue 16 item 4), ${label}: a gzip, br or zstd reply of 1 GiB stops at the default maxResponseSize, read no further`, async (t) => {
    // Whether this fetch decodes zstd at all (Node 20 and 22's built-in fetch, and any fetch on 20, do not).
    const zstdReply = new Uint8Array(await (await fetchFn(server.baseUrl + ROUTE.zstd, { method: 'GET', headers: {} })).arrayBuffer())
    const decodesZstd = zstdReply[0] === 0x7b
    for (const coding of BOMB_CODINGS) {
      for (const type of ['json', 'bfast', 'text']) {
        const probe = counting(fetchFn)
        const api = createClient({ baseUrl: server.baseUrl, fetch: probe.fetch })
        const err = await api.get(`${ROUTE.bomb}?coding=${coding}&type=${type}`).then(
          () => undefined,
          (e: unknown) => e
        )
        if (coding === 'zstd' && !decodesZstd) {
          t.ok(err instanceof BFastRequestError && err.code === 'BAD_COMPRESSION', `${coding} ${type}: not decoded by this fetch, BAD_COMPRESSION (${String(err)})`)
          continue
        }
        t.ok(err instanceof BFastRequestError && err.code === 'TOO_LARGE', `${coding} ${type}: TOO_LARGE (${String(err)})`)
        t.equal((err as BFastError).offset, DEFAULT_MAX_RESPONSE_SIZE, `${coding} ${type}: at the default limit, 64 MiB`)
        // The client takes at most one piece past the limit before it cancels.
        t.ok(probe.taken() <= DEFAULT_MAX_RESPONSE_SIZE + 1024 * 1024, `${coding} ${type}: read ${probe.taken()} bytes of 1 GiB`)
      }
    }
  })

  t.test(`${label}: Accept-Encoding names every coding this fetch decodes and none it does not (issue 16 item 4)`, async (t) => {
    const own = fetchFn === FETCHES[0][1]
    // The built-in fetch decodes br everywhere and zstd from Node 24 (undici 7.11+); the client asks for
    // exactly those through it. A fetch passed in (here undici's) keeps its own header.
    const expected = own ? (NODE_MAJOR >= 24 ? 'zstd, br, gzip, deflate' : 'br, gzip, deflate') : 'gzip, deflate'
    const api = createClient<TestRoutes>({ baseUrl: server.baseUrl, ...(own ? {} : { fetch: fetchFn }) })
    t.equal((await api.post(ROUTE.echo, null)).acceptEncoding, expected, `Node ${process.versions.node}: ${expected}`)
    t.equal((await api.post(ROUTE.echo, null, { headers: { 'Accept-Encoding': 'gzip' } })).acceptEncoding, 'gzip', 'a header given wins')
    for (const coding of expected.split(', ')) {
      const res = await api.get(`${ROUTE.encoded}?coding=${coding}` as '/encoded')
      t.same(res, ENCODED_REPLY, `${coding}: decoded`)
    }
  })

  t.test(`regression (issue 15), ${label}: a reply claiming more than LZ4 can make is IMPOSSIBLE_SIZE, one over maxResponseSize TOO_LARGE`, async (t) => {
    const api = createClient({ baseUrl: server.baseUrl, fetch: fetchFn })
    const json = await api.get(ROUTE.jsonAsBfast).then(() => undefined, (e: unknown) => e)
    t.ok(json instanceof BFastRequestError && json.code === 'IMPOSSIBLE_SIZE' && json.offset === 0, `JSON labelled B-FAST: ${String(json)}`)
    const direct = await fetchFn(server.baseUrl + ROUTE.jsonAsBfast, { method: 'GET', headers: {} }).then((res) => decodeResponse(res)).then(() => undefined, (e: unknown) => e)
    t.ok(direct instanceof BFastError && direct.code === 'IMPOSSIBLE_SIZE', `decodeResponse: ${String(direct)}`)
    // A real LZ4 reply whose bytes fit maxResponseSize but whose plain message does not: the
    // codec refuses its size prefix before allocating.
    const url = server.baseUrl + ROUTE.usersCompressed
    const wire = new Uint8Array(await (await fetchFn(url, { method: 'GET', headers: { accept: 'application/x-bfast' } })).arrayBuffer())
    t.ok(wire[0] !== 0x42 || wire[1] !== 0x46, 'the reply is compressed')
    const limit = wire.length
    const over = await api.get(ROUTE.usersCompressed, { maxResponseSize: limit }).then(() => undefined, (e: unknown) => e)
    t.ok(over instanceof BFastRequestError && over.code === 'TOO_LARGE' && over.offset === 0, `LZ4 reply of ${limit} bytes: ${String(over)}`)
  })

  t.test(`regression (issue 10 finding 7), ${label}: an endless body is cancelled at maxResponseSize; the server sees the connection close`, async (t) => {
    const limit = 8 * 1024 * 1024
    for (const type of ['bfast', 'json', 'text']) {
      const id = `${label}-${type}`
      const probe = counting(fetchFn)
      const api = createClient({ baseUrl: server.baseUrl, fetch: probe.fetch, maxResponseSize: limit })
      const err = await api.get(`${ROUTE.endless}?type=${type}&id=${encodeURIComponent(id)}`).then(
        () => undefined,
        (e: unknown) => e
      )
      t.ok(err instanceof BFastRequestError && err.code === 'TOO_LARGE' && err.offset === limit, `${type}: TOO_LARGE at ${limit} (${String(err)})`)
      t.ok(probe.taken() <= limit + 1024 * 1024, `${type}: read ${probe.taken()} bytes`)
      const stats = server.streams.get(id)!
      for (let waited = 0; !stats.closed && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
      t.ok(stats.closed, `${type}: the server saw the download stop after ${stats.produced} bytes`)
    }
  })

  t.test(`retry, ${label}: a dropped connection (network error) is retried for GET, never for POST`, async (t) => {
    const errors: unknown[] = []
    const api = createClient({
      baseUrl: server.baseUrl,
      fetch: fetchFn,
      retry: { limit: 2, delay: () => 10 },
      hooks: { beforeRetry: [(r) => void errors.push(r.error)] }
    })
    const key = `drop-${label.replace(/\W/g, '')}-${Date.now()}`
    t.same(await api.get(`/flaky/${key}?fail=2&drop=1`), { attempt: 3 }, 'succeeded after two dropped connections')
    t.equal(errors.length, 2, 'two retries')
    t.ok(errors.every((e) => e instanceof TypeError), 'each after fetch rejected with its network error')
    const post = await api.post(`/flaky/${key}-post?fail=1&drop=1`).then(
      () => undefined,
      (e: unknown) => e
    )
    t.type(post, TypeError, 'POST: the network error, not retried')
  })
}

t.test('issue 13 item 7: a request body that does not encode names the request, before anything is sent', async (t) => {
  const before = server.connections()
  const api = createClient({ baseUrl: server.baseUrl })
  const err = await api.put('/users/1', { n: 2n ** 70n }).then(
    () => undefined,
    (e: unknown) => e
  )
  t.ok(err instanceof BFastRequestError && err instanceof BFastError, 'a BFastRequestError, still a BFastError')
  const e = err as BFastRequestError
  t.equal(e.code, 'INT_RANGE', 'the codec\'s code')
  t.equal(e.method, 'PUT')
  t.equal(e.url, `${server.baseUrl}/users/1`)
  t.equal(e.status, undefined, 'no reply')
  t.match(e.message, `PUT ${server.baseUrl}/users/1: `)
  t.ok(e.cause instanceof BFastError && (e.cause as BFastError).offset === e.offset, 'cause: the codec error, same offset')
  t.equal(server.connections(), before, 'nothing was sent')
})

t.test('bad retry, size and hook options fail loudly', async (t) => {
  t.throws(() => createClient({ baseUrl: server.baseUrl, maxResponseSize: -1 }), TypeError, 'negative maxResponseSize')
  t.throws(() => createClient({ baseUrl: server.baseUrl, maxResponseSize: 1.5 }), TypeError, 'fractional maxResponseSize')
  t.throws(() => createClient({ baseUrl: server.baseUrl, retry: -1 }), TypeError, 'negative retry')
  t.throws(() => createClient({ baseUrl: server.baseUrl, retry: { limit: Number.NaN } }), TypeError, 'NaN retry.limit')
  t.throws(() => createClient({ baseUrl: server.baseUrl, hooks: { beforeRequest: ['x' as never] } }), TypeError, 'a hook that is not a function')
  const api = createClient({ baseUrl: server.baseUrl })
  await t.rejects(api.get(ROUTE.typed, { maxResponseSize: Number.POSITIVE_INFINITY }), TypeError, 'infinite request maxResponseSize')
  await t.rejects(decodeResponse(new Response('{}', { headers: { 'content-type': 'application/json' } }), { maxResponseSize: -1 }), TypeError, 'negative decodeResponse maxResponseSize')
})
