/**
 * The client in Node (issue 4): every case of scenarios.ts against a real Fastify server with
 * the plugin on a real socket, with Node's global fetch and with undici's fetch, plus what only
 * Node can check (keep-alive through an undici Agent, network failures' cause).
 */
import t from 'tap'
import { Agent, fetch as undiciFetch } from 'undici'
import { createClient, HttpError, type FetchFunction, type FetchInit } from '../../client/index.js'
import { difference, people, ROUTE, typedSample, USERS_COUNT } from './cases.js'
import { scenarios, type ScenarioContext, type TestRoutes } from './scenarios.js'
import { startServer } from './server.js'

const server = await startServer()
t.teardown(() => server.close())

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
  const api = createClient<TestRoutes>({ baseUrl: server.baseUrl, fetch: fetchSpy, dispatcher: agent })
  const before = server.connections()
  for (let i = 0; i < 5; i++) {
    t.equal(difference(await api.get(ROUTE.usersCompressed), people(USERS_COUNT)), undefined, `users, request ${i + 1}`)
    t.equal(difference((await api.post(ROUTE.echo, typedSample())).body, typedSample()), undefined, `echo, request ${i + 1}`)
  }
  t.equal(server.connections() - before, 1, 'ten requests, one new connection')
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
