/**
 * OpenAPI documents of governed routes (issue 13 item 4, plugin/openapi.ts): with
 * @fastify/swagger registered before or after the plugin, every governed route lists
 * `application/x-bfast` beside `application/json` for every documented reply status and for its
 * request body, from `produces`/`consumes` and from `content` maps alike; opted-out routes and
 * routes documented as producing something else stay as they are; the user's (shared) schema
 * objects are never changed. The replies and bodies of the same routes are checked over a real
 * socket: JSON byte for byte as from the same app without the plugin, B-FAST carrying the JSON
 * reply's fields, B-FAST bodies validated like JSON ones.
 */
import t from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import bfast from '../../plugin/index.js'
import { withBfastMediaTypes } from '../../plugin/openapi.js'
import { decode, encode } from '../../src/index.js'
import { listen } from '../../support/listen.js'
import { BFAST, JSON_CT, LOG_LEVEL, logCollector, viaSocket } from './server.js'
import type { Reply } from './server.js'

const JSON_TYPE = 'application/json'
const TABLE = `${BFAST};layout=table`
/** Request bodies: JSON and B-FAST v1 (never tables). */
const BOTH = [JSON_TYPE, BFAST]
/** Replies of a governed route under the plugin's default `tables: true`: the table layout too (SPEC 8.0). */
const REPLIES = [JSON_TYPE, BFAST, TABLE]

interface Media {
  schema?: unknown
}
interface Operation {
  operationId?: string
  requestBody?: { content: Record<string, Media> }
  responses: Record<string, { description: string; content?: Record<string, Media> }>
  produces?: string[]
  consumes?: string[]
}
type Paths = Record<string, Record<string, Operation>>

const user = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'integer' }, name: { type: 'string' } }
}
const newUser = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1 } },
  additionalProperties: false
}
const problem = { type: 'object', properties: { message: { type: 'string' } } }

/** What a handler returns: more than the reply schemas let through. */
function stored(id: number, name: string): Record<string, unknown> {
  return { id, name, password: 'hunter2' }
}

function created(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(201).send(stored(7, (request.body as { name: string }).name))
}

/** Routes declared identically on the apps with and without the plugin. */
function routes(app: FastifyInstance): void {
  app.get('/users/:id', { schema: { response: { 200: user, 404: problem } } }, async (request, reply) => {
    const id = Number((request.params as { id: string }).id)
    return id === 0 ? reply.code(404).send({ message: 'no user 0', stack: 'secret' }) : stored(id, 'Ada')
  })
  app.post('/users', { schema: { body: newUser, response: { 201: user } } }, created)
  const byType = (schema: object): { content: Record<string, Media> } => ({ content: { [JSON_TYPE]: { schema } } })
  app.get('/by-type', { schema: { response: { 200: byType(user) } } }, async () => stored(1, 'Ada'))
  app.post('/by-type', { schema: { body: byType(newUser), response: { 201: user } } }, created)
  app.get('/no-schema', async () => ({ free: 'form', list: [1, 2.5] }))
  const optOut = { bfast: false } as const
  app.get('/json-only', { config: optOut, schema: { response: { 200: user } } }, async () => stored(2, 'Bob'))
  app.post('/json-only', { config: optOut, schema: { body: newUser, response: { 201: user } } }, created)
  app.get('/csv', { schema: { produces: ['text/csv'], response: { 200: { type: 'string' } } } },
    async (_request, reply) => reply.type('text/csv').send('id,name\n1,Ada\n'))
  app.get('/mixed', { schema: { produces: [JSON_TYPE, 'text/csv'], response: { 200: user } } },
    async () => stored(3, 'Cy'))
}

type Order = 'bfast first' | 'swagger first'
const ORDERS: readonly Order[] = ['bfast first', 'swagger first']

async function build(order: Order | 'no plugin', swaggerOptions: object = { openapi: {} },
  serverOptions: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions)
  if (order === 'bfast first') await app.register(bfast)
  await app.register(swagger, swaggerOptions)
  if (order === 'swagger first') await app.register(bfast)
  routes(app)
  return app
}

function pathsOf(app: FastifyInstance): Paths {
  return (app.swagger() as unknown as { paths: Paths }).paths
}

function keys(media: Record<string, Media> | undefined): string[] {
  return Object.keys(media ?? {})
}

for (const order of ORDERS) {
  t.test(`OpenAPI 3 document, ${order}`, async (t) => {
    const app = await build(order)
    t.teardown(() => app.close())
    await app.ready()
    const paths = pathsOf(app)

    const get = paths['/users/{id}']!.get!
    t.same(keys(get.responses['200']!.content), REPLIES, 'GET: the 200 reply in both formats')
    t.same(keys(get.responses['404']!.content), REPLIES, 'GET: the 404 reply in both formats')
    t.same(get.responses['200']!.content![BFAST], get.responses['200']!.content![JSON_TYPE], 'the same schema for both')

    const post = paths['/users']!.post!
    t.same(keys(post.requestBody?.content), BOTH, 'POST: the body in both formats')
    t.same(post.requestBody!.content[BFAST], post.requestBody!.content[JSON_TYPE])
    t.same(keys(post.responses['201']!.content), REPLIES, 'POST: the 201 reply in both formats')

    const byType = paths['/by-type']!
    t.same(keys(byType.get!.responses['200']!.content), REPLIES, 'a content-map reply gets a B-FAST entry')
    t.same(byType.get!.responses['200']!.content![BFAST], byType.get!.responses['200']!.content![JSON_TYPE])
    t.same(keys(byType.post!.requestBody?.content), BOTH, 'a content-map body gets a B-FAST entry')

    t.same(paths['/no-schema']!.get!.responses, { 200: { description: 'Default Response' } },
      'no schema: documented as @fastify/swagger always does (no reply schema, no media type)')

    const jsonOnly = paths['/json-only']!
    t.same(keys(jsonOnly.get!.responses['200']!.content), [JSON_TYPE], 'opted out: JSON only')
    t.same(keys(jsonOnly.post!.requestBody?.content), [JSON_TYPE], 'opted out: JSON bodies only')
    t.same(keys(jsonOnly.post!.responses['201']!.content), [JSON_TYPE])

    t.same(keys(paths['/csv']!.get!.responses['200']!.content), ['text/csv'], 'producing something else: left alone')
    t.same(keys(paths['/mixed']!.get!.responses['200']!.content), [JSON_TYPE, BFAST, TABLE, 'text/csv'],
      'B-FAST after JSON')
  })
}

t.test('both registration orders give the same document', async (t) => {
  const [a, b] = [await build(ORDERS[0]!), await build(ORDERS[1]!)]
  t.teardown(async () => {
    await a.close()
    await b.close()
  })
  await a.ready()
  await b.ready()
  t.same(a.swagger(), b.swagger())
})

t.test('Swagger 2 document: produces and consumes per operation', async (t) => {
  for (const order of ORDERS) {
    const app = await build(order, { swagger: {} })
    t.teardown(() => app.close())
    await app.ready()
    const paths = pathsOf(app)
    t.same(paths['/users']!.post!.produces, REPLIES, `${order}: produces`)
    t.same(paths['/users']!.post!.consumes, BOTH, `${order}: consumes`)
    t.same(paths['/users/{id}']!.get!.produces, REPLIES)
    t.equal(paths['/json-only']!.get!.produces, undefined, 'opted out: left to the document default')
    t.equal(paths['/json-only']!.post!.consumes, undefined)
  }
})

t.test('HEAD routes exposed with an operationId, plugin registered first', async (t) => {
  const app = Fastify()
  await app.register(bfast)
  await app.register(swagger, { openapi: {}, exposeHeadRoutes: true })
  app.get('/op', { schema: { operationId: 'op', response: { 200: user } } }, async () => stored(1, 'Ada'))
  t.teardown(() => app.close())
  await app.ready()
  const op = pathsOf(app)['/op']!
  t.equal(op.head!.operationId, 'op-head')
  t.same(keys(op.get!.responses['200']!.content), REPLIES)
  t.same(keys(op.head!.responses['200']!.content), REPLIES)
})

t.test('routes with tables list application/x-bfast;layout=table for their replies, never for bodies', async (t) => {
  const list = { type: 'array', items: user }
  for (const order of ORDERS) {
    const app = Fastify()
    if (order === 'bfast first') await app.register(bfast, { tables: true })
    await app.register(swagger, { openapi: {} })
    if (order === 'swagger first') await app.register(bfast, { tables: true })
    app.get('/list', { schema: { response: { 200: list } } }, async () => [stored(1, 'Ada'), stored(2, 'Bob')])
    app.get('/list-by-type', { schema: { response: { 200: { content: { [JSON_TYPE]: { schema: list } } } } } },
      async () => [stored(1, 'Ada'), stored(2, 'Bob')])
    app.post('/users', { schema: { body: newUser, response: { 201: user } } }, created)
    app.get('/v1', { config: { bfast: { tables: false } }, schema: { response: { 200: list } } }, async () => [])
    t.teardown(() => app.close())
    const { url: base } = await listen(app)
    const paths = pathsOf(app)
    t.same(keys(paths['/list']!.get!.responses['200']!.content), [JSON_TYPE, BFAST, TABLE], `${order}: replies`)
    t.same(keys(paths['/list-by-type']!.get!.responses['200']!.content), [JSON_TYPE, BFAST, TABLE],
      `${order}: a content map gets both B-FAST entries`)
    t.same(keys(paths['/users']!.post!.requestBody?.content), BOTH, `${order}: bodies are never tables`)
    t.same(keys(paths['/users']!.post!.responses['201']!.content), [JSON_TYPE, BFAST, TABLE])
    t.same(keys(paths['/v1']!.get!.responses['200']!.content), BOTH, `${order}: a route with tables: false`)
    // Fastify compiles the content map with the parameterised key, and the reply is still shaped.
    const accept = `${TABLE}, ${BFAST};q=0.9`
    const res = await viaSocket(base, { url: '/list-by-type', headers: { accept } })
    t.equal(res.headers['content-type'], TABLE, `${order}: served as a table`)
    t.same(JSON.parse(JSON.stringify(decode(res.body))), [{ id: 1, name: 'Ada' }, { id: 2, name: 'Bob' }],
      `${order}: the schema's fields only`)
  }
})

t.test('shared schema objects are copied, never changed', async (t) => {
  const schema = {
    body: { content: { [JSON_TYPE]: { schema: newUser } } },
    response: { 201: { content: { [JSON_TYPE]: { schema: user } } }, 400: problem }
  }
  const before = JSON.stringify(schema)
  for (const order of ORDERS) {
    const app = Fastify()
    if (order === 'bfast first') await app.register(bfast)
    await app.register(swagger, { openapi: {} })
    if (order === 'swagger first') await app.register(bfast)
    app.post('/governed', { schema }, created)
    app.post('/opted-out', { schema, config: { bfast: false } }, created)
    app.post('/governed-too', { schema }, created)
    t.teardown(() => app.close())
    await app.ready()
    const paths = pathsOf(app)
    for (const url of ['/governed', '/governed-too']) {
      const op = paths[url]!.post!
      t.same(keys(op.requestBody?.content), BOTH, `${order}: ${url} body`)
      t.same(keys(op.responses['201']!.content), REPLIES, `${order}: ${url} 201`)
      t.same(keys(op.responses['400']!.content), REPLIES, `${order}: ${url} 400`)
    }
    const optedOut = paths['/opted-out']!.post!
    t.same(keys(optedOut.requestBody?.content), [JSON_TYPE], `${order}: the opted-out route sharing it stays JSON-only`)
    t.same(keys(optedOut.responses['201']!.content), [JSON_TYPE])
    t.same(keys(optedOut.responses['400']!.content), [JSON_TYPE])
  }
  t.equal(JSON.stringify(schema), before, 'the user\'s schema is as it was')
  t.notOk('produces' in schema || 'consumes' in schema)
})

t.test('withBfastMediaTypes leaves a schema that already lists B-FAST as it is', async (t) => {
  const listed: FastifySchema = { produces: BOTH, consumes: [BFAST], body: newUser, response: { 200: user } }
  t.equal(withBfastMediaTypes(listed), listed)
  const table = `${BFAST};layout=table`
  const content = { [JSON_TYPE]: { schema: user }, [table]: { schema: problem } }
  const ownEntry = { response: { 200: { content } }, produces: BOTH }
  t.equal(withBfastMediaTypes(ownEntry), ownEntry, 'a content map naming B-FAST (any parameters) is the user\'s choice')
  const other: FastifySchema = { produces: ['text/html'], consumes: ['multipart/form-data'], body: {} }
  t.equal(withBfastMediaTypes(other), other, 'no JSON listed: not a JSON route')
  const params: FastifySchema = { params: { type: 'object' } }
  t.same(withBfastMediaTypes(params), { params: { type: 'object' }, produces: BOTH }, 'no body: produces only')
  t.same(params, { params: { type: 'object' } }, 'copied')
  const upper = { response: { 200: { content: { 'Application/JSON; charset=utf-8': { schema: user } } } } }
  const response = withBfastMediaTypes(upper).response as Record<string, { content: Record<string, Media> }>
  t.same(keys(response[200]!.content), ['Application/JSON; charset=utf-8', BFAST],
    'media types compared case-insensitively, parameters ignored')
})

type Method = 'GET' | 'POST'

/** The same request's replies from the app with the plugin and from the app without. */
async function ask(bases: { plugin: string; plain: string }, method: Method, url: string,
  headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ plugin: Reply; plain: Reply }> {
  const plugin = await viaSocket(bases.plugin, { method, url, headers, body })
  const plain = await viaSocket(bases.plain, { method, url, headers, body })
  return { plugin, plain }
}

const text = (reply: Reply): string => reply.body.toString('latin1')
const parsed = (reply: Reply): unknown => JSON.parse(reply.body.toString('utf8'))

for (const order of ORDERS) {
  t.test(`replies and bodies over a real socket, ${order}`, async (t) => {
    const logs = logCollector()
    const app = await build(order, undefined, { logger: { level: 'debug', stream: logs.stream } })
    const plain = await build('no plugin')
    t.teardown(async () => {
      await app.close()
      await plain.close()
    })
    const bases = { plugin: (await listen(app)).url, plain: (await listen(plain)).url }
    const postBfast = (url: string, value: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
      viaSocket(bases.plugin, {
        method: 'POST', url, headers: { 'content-type': BFAST, ...headers }, body: Buffer.from(encode(value))
      })
    const postJson = (url: string, value: unknown): Promise<Reply> =>
      viaSocket(bases.plugin, {
        method: 'POST', url, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(value)
      })

    for (const url of ['/users/1', '/users/0', '/by-type', '/no-schema', '/json-only', '/mixed', '/csv']) {
      const { plugin, plain } = await ask(bases, 'GET', url)
      t.equal(plugin.status, plain.status, `${url}: status`)
      t.equal(plugin.headers['content-type'], plain.headers['content-type'], `${url}: JSON Content-Type`)
      t.equal(text(plugin), text(plain), `${url}: JSON byte for byte`)
    }
    for (const url of ['/users/1', '/users/0', '/by-type', '/no-schema', '/mixed']) {
      const { plugin, plain } = await ask(bases, 'GET', url, { accept: BFAST })
      t.equal(plugin.headers['content-type'], BFAST, `${url}: B-FAST`)
      t.same(decode(plugin.body), parsed(plain), `${url}: the JSON reply's fields (no password, no stack)`)
    }
    const optedOut = await ask(bases, 'GET', '/json-only', { accept: BFAST })
    t.equal(optedOut.plugin.headers['content-type'], JSON_CT, 'opted out: JSON for a B-FAST client')
    t.equal(text(optedOut.plugin), text(optedOut.plain))

    for (const url of ['/users', '/by-type']) {
      const jsonReply = await ask(bases, 'POST', url, { 'content-type': JSON_TYPE }, JSON.stringify({ name: 'Ada' }))
      t.equal(jsonReply.plugin.status, 201, `${url}: JSON body`)
      t.equal(text(jsonReply.plugin), text(jsonReply.plain), `${url}: JSON reply byte for byte`)
      const bfastReply = await postBfast(url, { name: 'Ada' }, { accept: BFAST })
      t.equal(bfastReply.status, 201, `${url}: B-FAST body accepted`)
      t.same(decode(bfastReply.body), { id: 7, name: 'Ada' }, `${url}: B-FAST reply`)
      // Regression (issue 13 item 4): on a route whose body schema is a content map, Fastify
      // validates only the media types listed, and a B-FAST body reached the handler unvalidated.
      const invalid = await postBfast(url, { nick: 'Ada' })
      t.equal(invalid.status, 400, `${url}: an invalid B-FAST body is refused like an invalid JSON body`)
      const invalidJson = await postJson(url, { nick: 'Ada' })
      t.same(parsed(invalid), parsed(invalidJson), `${url}: with the same validation error`)
    }
    const refused = await postBfast('/json-only', { name: 'Ada' })
    t.equal(refused.status, 415, 'opted out: a B-FAST body is not a media type the route takes')
    // The B-FAST writer still finds each reply schema (a content map's by its application/json
    // entry): a schema it could not find would be logged as a round-trip fallback.
    const fallbacks = logs.lines.filter((l) => String(l.msg).includes('not compiled'))
    t.same(fallbacks, [], 'every reply schema compiled to a writer')
    t.notOk(logs.lines.some((l) => Number(l.level) >= LOG_LEVEL.warn), 'nothing logged as a warning')
  })
}
