/**
 * Type tests of route maps derived from the server's route schemas (issue 13 item 5), under the
 * TypeBox and json-schema-to-ts type providers: compiled by the normal `tsc -p tsconfig.json`
 * build, so a call that drifts from the schemas (wrong path, body, param, query or reply use)
 * must fail to compile, or the build reports the unused `@ts-expect-error`. `expectType<T>()`
 * fails the build unless the value's type is exactly `T`. Nothing here runs.
 *
 * The server side is typed too: the same `routes` object registered with each provider, so the
 * handler's and the client's types come from one schema.
 */
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify from 'fastify'
import { createClient, HttpError, isRouteError, type RoutesFromSchemas, type WithDates } from '../../client/index.js'
import { jsonSchemaRoutes, typeboxRoutes } from '../helpers/route-schemas.js'
import { expectType } from './expect-type.js'

/** What both route sets' user replies are in the client: date-time fields are Dates, `format: 'date'` text. */
interface ClientUser {
  id: number
  name: string
  born: Date
  seen: Date | null
  day: string
  visits: Date[]
  note?: string
}

export async function typeboxChecks(): Promise<void> {
  // The server: the handler's reply is checked against the same schemas.
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  const when = new Date()
  const user = { id: 1, name: 'Ada', born: when, seen: null, day: '1815-12-10', visits: [when] }
  app.get('/tb/users/:id', { schema: typeboxRoutes['GET /tb/users/:id'] }, async (request, reply) => {
    expectType<number>()(request.params.id)
    expectType<string | undefined>()(request.query.fields)
    if (request.params.id === 0) return reply.code(404).send({ title: 'Not Found', status: 404, at: when })
    return user
  })
  // @ts-expect-error: the server's handler drifts (born must be a Date)
  app.get('/tb/users/me', { schema: typeboxRoutes['GET /tb/users/me'] }, async () => ({ ...user, born: 42 }))

  type Routes = RoutesFromSchemas<typeof typeboxRoutes, TypeBoxTypeProvider>
  const api = createClient<Routes>({ baseUrl: '/api', routes: typeboxRoutes })

  // Replies: the union of 2xx statuses, date-time fields as Date.
  const one = await api.get('/tb/users/42')
  expectType<Date>()(one.born)
  expectType<Date | null>()(one.seen)
  expectType<string>()(one.day)
  expectType<Date[]>()(one.visits)
  expectType<string | undefined>()(one.note)
  expectType<ClientUser[]>()(await api.get('/tb/users', { query: { limit: 10 } }))
  expectType<ClientUser[]>()(await api.get('/tb/users?x=1', { query: { limit: 10, tag: ['a', 'b'] } }))
  // A fixed path wins over a parameter that would match it.
  expectType<Date>()((await api.get('/tb/users/me')).born)
  expectType<Date>()((await api.post('/tb/users', { name: 'Ada', born: '1815-12-10T00:00:00.000Z' })).born)
  expectType<undefined>()(await api.delete('/tb/users/7'))
  expectType<Date>()((await api.request('GET', '/tb/users/1', { query: { fields: 'name' } })).born)

  // @ts-expect-error: wrong path
  await api.get('/tb/user/42')
  // @ts-expect-error: wrong param: id is an integer
  await api.get('/tb/users/ada')
  // @ts-expect-error: wrong param in a template
  await api.get(`/tb/users/${'ada' as string}`)
  // @ts-expect-error: the query's required `limit` is missing
  await api.get('/tb/users')
  // @ts-expect-error: wrong query value
  await api.get('/tb/users', { query: { limit: 'ten' } })
  // @ts-expect-error: unknown query key
  await api.get('/tb/users', { query: { limit: 1, sort: 'name' } })
  // @ts-expect-error: wrong body (born is date-time text in a request)
  await api.post('/tb/users', { name: 'Ada', born: 1815 })
  // @ts-expect-error: missing body field
  await api.post('/tb/users', { name: 'Ada' })
  // @ts-expect-error: no PUT route
  await api.put('/tb/users/1', { name: 'Ada', born: '' })
  // @ts-expect-error: wrong reply use: born is a Date, not text
  ;(await api.get('/tb/users/1')).born.toUpperCase()
  // @ts-expect-error: wrong reply use: a list, not one user
  expectType<ClientUser>()(await api.get('/tb/users', { query: { limit: 1 } }))

  // Error bodies, typed by status through isRouteError.
  try {
    await api.get('/tb/users/42')
  } catch (err) {
    if (isRouteError(err, api, 'GET /tb/users/:id')) {
      expectType<404>()(err.status)
      expectType<Date>()(err.body.at)
      expectType<string>()(err.body.title)
    }
    if (isRouteError(err, api, 'DELETE /tb/users/:id')) {
      // '4xx': any status from 400 to 499.
      if (err.status === 409) expectType<Date>()(err.body.at)
      // @ts-expect-error: wrong error use: a '4xx' route's error is never a 500
      if (err.status === 500) void err
    }
    // A route without error schemas: a plain HttpError.
    if (isRouteError(err, api, 'GET /tb/users/me')) expectType<unknown>()(err.body)
    // @ts-expect-error: not a route of this client
    isRouteError(err, api, 'GET /tb/nope')
    if (err instanceof HttpError) expectType<unknown>()(err.body)
  }
}

export async function jsonSchemaChecks(): Promise<void> {
  // The server, with the provider's default options: date-time replies are text in the handler.
  const app = Fastify().withTypeProvider<JsonSchemaToTsProvider>()
  app.get('/js/users/:id', { schema: jsonSchemaRoutes['GET /js/users/:id'] }, async (request) => {
    expectType<number>()(request.params.id)
    const at = new Date().toISOString()
    return { id: request.params.id, name: 'Ada', born: at, seen: null, day: '1815-12-10', visits: [at] }
  })

  type Routes = RoutesFromSchemas<typeof jsonSchemaRoutes, JsonSchemaToTsProvider>
  const api = createClient<Routes>({ baseUrl: '/api', routes: jsonSchemaRoutes })
  const one = await api.get('/js/users/1', { query: { fields: 'name' } })
  expectType<Date>()(one.born)
  expectType<Date | null>()(one.seen)
  expectType<string>()(one.day)
  expectType<Date[]>()(one.visits)
  expectType<ClientUser[]>()(await api.get('/js/users', { query: { limit: 5, tag: ['x'] } }))
  // Through a local $ref.
  expectType<Array<{ kind: string; at: Date }>>()(await api.get('/js/users/1/history'))
  expectType<Date>()((await api.post('/js/users', { name: 'Ada', born: '1815-12-10T00:00:00.000Z' })).born)
  // A literal param type and an OpenAPI `content` reply.
  expectType<Date | undefined>()((await api.get('/js/kinds/a')).since)

  // @ts-expect-error: wrong path
  await api.get('/js/user/1')
  // @ts-expect-error: wrong param: id is an integer
  await api.get('/js/users/x')
  // @ts-expect-error: wrong param: kind is 'a' or 'b'
  await api.get('/js/kinds/c')
  // @ts-expect-error: missing query
  await api.get('/js/users')
  // @ts-expect-error: wrong query value
  await api.get('/js/users', { query: { limit: 1, tag: 'x' } })
  // @ts-expect-error: unknown query key (additionalProperties: false)
  await api.get('/js/users/1', { query: { field: 'name' } })
  // @ts-expect-error: wrong body
  await api.post('/js/users', { name: 'Ada', born: new Date() })
  // @ts-expect-error: wrong reply use
  ;(await api.get('/js/users/1')).seen.getTime()

  try {
    await api.post('/js/users', { name: 'Ada', born: '' })
  } catch (err) {
    if (isRouteError(err, api, 'POST /js/users')) {
      expectType<400>()(err.status)
      expectType<Date>()(err.body.at)
    }
  }
}

// The Date rule on its own: a nullable date-time (type list), in an anyOf, nested in arrays.
type Nullable = WithDates<{ readonly type: readonly ['string', 'null']; readonly format: 'date-time' }, string | null>
expectType<Date | null>()(null as unknown as Nullable)
interface DateTimeSchema {
  readonly type: 'string'
  readonly format: 'date-time'
}
type AnyOf = WithDates<{ readonly anyOf: readonly [DateTimeSchema, { readonly type: 'null' }] }, string | null>
expectType<Date | null>()(null as unknown as AnyOf)
type Nested = WithDates<{ readonly type: 'array'; readonly items: { readonly items: DateTimeSchema } }, string[][]>
expectType<Date[][]>()(null as unknown as Nested)
type DateOnly = WithDates<{ readonly type: 'string'; readonly format: 'date' }, string>
expectType<string>()(null as unknown as DateOnly)
