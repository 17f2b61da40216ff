/**
 * Route types from the server, at run time (issue 13 item 5): the route schemas of
 * test/helpers/route-schemas.ts registered on a real Fastify server with the plugin, on a real
 * socket, under the TypeBox and json-schema-to-ts providers; a client given the same `routes`
 * gets the same values, date-time fields as `Date`s, whether the reply came as B-FAST or JSON,
 * and whether the handler returned Dates (B-FAST tag 0xD1) or date-time text.
 */
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import t from 'tap'
import bfast from '../../plugin/index.js'
import { createClient, HttpError, isRouteError, type RoutesFromSchemas } from '../../client/index.js'
import { jsonSchemaRoutes, typeboxRoutes } from '../helpers/route-schemas.js'
import { listen } from '../../support/listen.js'

const BORN = new Date('1815-12-10T08:00:00.000Z')
const SEEN = new Date('1852-11-27T12:30:00.250Z')
const DAY = '1815-12-10'

const app = Fastify()
await app.register(bfast)

// TypeBox: handlers return Dates (the plugin sends them as B-FAST dates, JSON as text).
const tb = app.withTypeProvider<TypeBoxTypeProvider>()
const tbUser = (id: number) => ({
  id,
  name: 'Ada',
  born: BORN,
  seen: id % 2 === 0 ? SEEN : null,
  day: DAY,
  visits: [BORN, SEEN]
})
tb.get('/tb/users', { schema: typeboxRoutes['GET /tb/users'] }, async (request) =>
  Array.from({ length: request.query.limit }, (_, i) => ({ ...tbUser(i), name: (request.query.tag ?? []).join('+') })))
tb.get('/tb/users/me', { schema: typeboxRoutes['GET /tb/users/me'] }, async () => ({ ...tbUser(1), note: 'me' }))
tb.get('/tb/users/:id', { schema: typeboxRoutes['GET /tb/users/:id'] }, async (request, reply) => {
  if (request.params.id === 0) return reply.code(404).send({ title: 'no user 0', status: 404, at: SEEN })
  return tbUser(request.params.id)
})
tb.post('/tb/users', { schema: typeboxRoutes['POST /tb/users'] }, async (request, reply) => {
  if (request.body.name === '') return reply.code(400).send({ title: 'a name is needed', status: 400, at: SEEN })
  return reply.code(201).send({ ...tbUser(7), name: request.body.name, born: new Date(request.body.born) })
})
tb.delete('/tb/users/:id', { schema: typeboxRoutes['DELETE /tb/users/:id'] }, async (request, reply) => {
  if (request.params.id === 0) return reply.code(404).send({ title: 'no user 0', status: 404, at: SEEN })
  // A status the route does not declare: its body is no Problem.
  if (request.params.id === 500) throw new Error('down')
  return reply.code(204).send(null)
})

// json-schema-to-ts with its default options: handlers return date-time text (B-FAST carries text too).
const js = app.withTypeProvider<JsonSchemaToTsProvider>()
const jsUser = (id: number) => ({
  id,
  name: 'Ada',
  born: BORN.toISOString(),
  seen: null,
  day: DAY,
  visits: [SEEN.toISOString()]
})
js.get('/js/users', { schema: jsonSchemaRoutes['GET /js/users'] }, async (request) =>
  Array.from({ length: request.query.limit }, (_, i) => jsUser(i)))
js.get('/js/users/:id', { schema: jsonSchemaRoutes['GET /js/users/:id'] }, async (request) => jsUser(request.params.id))
js.get('/js/users/:id/history', { schema: jsonSchemaRoutes['GET /js/users/:id/history'] }, async () => [
  { kind: 'born', at: BORN.toISOString() },
  { kind: 'seen', at: SEEN.toISOString() }
])
js.post('/js/users', { schema: jsonSchemaRoutes['POST /js/users'] }, async (request, reply) => {
  if (request.body.name === '') {
    return reply.code(400).send({ title: 'a name is needed', status: 400, at: SEEN.toISOString() })
  }
  return reply.code(201).send({ ...jsUser(3), name: request.body.name, born: request.body.born })
})
js.get('/js/kinds/:kind', { schema: jsonSchemaRoutes['GET /js/kinds/:kind'] }, async () => ({
  since: BORN.toISOString()
}))

t.teardown(() => app.close())
const { url: baseUrl } = await listen(app)

/** A reply over each format: B-FAST (the client's default Accept) and JSON. */
const FORMATS = [
  ['B-FAST', { accept: 'application/x-bfast' }],
  ['JSON', { accept: 'application/json' }]
] as const

type TypeBoxRoutes = RoutesFromSchemas<typeof typeboxRoutes, TypeBoxTypeProvider>
type JsonSchemaRoutes = RoutesFromSchemas<typeof jsonSchemaRoutes, JsonSchemaToTsProvider>
const tbApi = createClient<TypeBoxRoutes>({ baseUrl, routes: typeboxRoutes })
const jsApi = createClient<JsonSchemaRoutes>({ baseUrl, routes: jsonSchemaRoutes })

/** Makes the same call over each format, one after the other: [B-FAST reply, JSON reply]. */
async function both<T>(call: (headers: Record<string, string>) => Promise<T>): Promise<[T, T]> {
  const viaBfast = await call(FORMATS[0][1])
  const viaJson = await call(FORMATS[1][1])
  return [viaBfast, viaJson]
}

t.test('TypeBox routes: the same values, Dates included, over B-FAST and over JSON', async (t) => {
  const [viaBfast, viaJson] = await both((headers) => tbApi.get('/tb/users/2', { headers }))
  t.strictSame(viaBfast, viaJson, 'equal values')
  t.strictSame(viaJson, tbUser(2), 'the handler\'s values, Dates as Dates')
  for (const user of [viaBfast, viaJson]) {
    t.ok(user.born instanceof Date && user.seen instanceof Date, 'date-time fields are Dates')
    t.ok(user.visits.every((v) => v instanceof Date), 'in arrays too')
    t.equal(user.day, DAY, "format: 'date' stays text")
  }
  const [listBfast, listJson] = await both((headers) =>
    tbApi.get('/tb/users', { headers, query: { limit: 3, tag: ['x', 'y'] } }))
  t.strictSame(listBfast, listJson)
  t.equal(listJson.length, 3)
  t.equal(listJson[0]?.name, 'x+y', 'a query list reaches the server as a list')
  t.ok(listJson.every((u) => u.born instanceof Date))
  const [meBfast, meJson] = await both((headers) => tbApi.get('/tb/users/me', { headers }))
  t.strictSame(meBfast, meJson)
  t.equal(meJson.note, 'me', 'a fixed path wins over /tb/users/:id')
  const [made, madeJson] = await both((headers) =>
    tbApi.post('/tb/users', { name: 'Ada', born: SEEN.toISOString() }, { headers }))
  t.strictSame(made, madeJson)
  t.strictSame(madeJson.born, SEEN)
  const [gone, goneJson] = await both((headers) => tbApi.delete('/tb/users/4', { headers }))
  t.equal(gone, undefined)
  t.equal(goneJson, undefined)
})

t.test('json-schema-to-ts routes: date-time text is revived into Dates in both formats', async (t) => {
  const [viaBfast, viaJson] = await both((headers) => jsApi.get('/js/users/5', { headers, query: { fields: 'all' } }))
  t.strictSame(viaBfast, viaJson)
  t.strictSame(viaJson, { ...jsUser(5), born: BORN, visits: [SEEN] })
  t.ok(viaBfast.born instanceof Date && viaJson.born instanceof Date)
  t.equal(viaJson.seen, null, 'a null date-time stays null')
  const [history, historyJson] = await both((headers) => jsApi.get('/js/users/5/history', { headers }))
  t.strictSame(history, historyJson)
  t.strictSame(historyJson, [
    { kind: 'born', at: BORN },
    { kind: 'seen', at: SEEN }
  ], 'through a local $ref')
  const [kinds, kindsJson] = await both((headers) => jsApi.get('/js/kinds/a', { headers }))
  t.strictSame(kinds, { since: BORN }, "through an OpenAPI 'content' reply")
  t.strictSame(kindsJson, { since: BORN })
  const [list, listJson] = await both((headers) => jsApi.get('/js/users', { headers, query: { limit: 2 } }))
  t.strictSame(list, listJson)
  t.ok(list.every((u) => u.born instanceof Date))
})

t.test('without `routes` the formats differ: the reviver is what makes them equal', async (t) => {
  const plain = createClient({ baseUrl })
  const bfastReply = await plain.get<Record<string, unknown>>('/js/users/1')
  const jsonReply = await plain.get<Record<string, unknown>>('/js/users/1', { headers: { accept: 'application/json' } })
  t.equal(typeof bfastReply.born, 'string', 'the handler returned text: B-FAST carries text')
  t.equal(typeof jsonReply.born, 'string')
  const tbBfast = await plain.get<Record<string, unknown>>('/tb/users/1')
  const tbJson = await plain.get<Record<string, unknown>>('/tb/users/1', { headers: { accept: 'application/json' } })
  t.ok(tbBfast.born instanceof Date, 'the handler returned a Date: B-FAST carries a Date')
  t.equal(typeof tbJson.born, 'string', 'JSON carries text')
})

t.test('error bodies: revived, and typed by status through isRouteError', async (t) => {
  for (const [name, headers] of FORMATS) {
    const err: unknown = await tbApi.get('/tb/users/0', { headers }).then(
      () => undefined,
      (e: unknown) => e
    )
    t.ok(isRouteError(err, tbApi, 'GET /tb/users/:id'), `${name}: a declared 404 of the route`)
    if (!isRouteError(err, tbApi, 'GET /tb/users/:id')) continue
    t.equal(err.status, 404)
    t.strictSame(err.body, { title: 'no user 0', status: 404, at: SEEN }, `${name}: the error body, its date revived`)
    t.notOk(isRouteError(err, tbApi, 'DELETE /tb/users/:id'), 'not an error of another method')
    t.notOk(isRouteError(err, tbApi, 'GET /tb/users/me'), 'not an error of another path')

    const fromJs: unknown = await jsApi.post('/js/users', { name: '', born: SEEN.toISOString() }, { headers }).then(
      () => undefined,
      (e: unknown) => e
    )
    t.ok(
      isRouteError(fromJs, jsApi, 'POST /js/users') && fromJs.status === 400 && fromJs.body.at instanceof Date,
      `${name}: json-schema-to-ts 400`
    )

    const viaClass: unknown = await tbApi.delete('/tb/users/0', { headers }).then(
      () => undefined,
      (e: unknown) => e
    )
    t.ok(isRouteError(viaClass, tbApi, 'DELETE /tb/users/:id'), `${name}: a 404 under the route's '4xx'`)
    const undeclared: unknown = await tbApi.delete('/tb/users/500', { headers }).then(
      () => undefined,
      (e: unknown) => e
    )
    t.ok(undeclared instanceof HttpError && undeclared.status === 500)
    t.notOk(
      isRouteError(undeclared, tbApi, 'DELETE /tb/users/:id'),
      `${name}: a status the route does not declare is not typed as one`
    )
  }
})

t.test('createClient checks the routes option', async (t) => {
  t.throws(() => createClient({ baseUrl, routes: 'nope' as unknown as object }), TypeError)
})
