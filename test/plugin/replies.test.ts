/**
 * What governed routes send: JSON byte-for-byte as without the plugin (schemas included),
 * B-FAST carrying exactly the JSON reply's fields, Vary on both, passthrough of what is not
 * an object, replies without content, errors, opt-out, and the JSON fallback for replies the
 * codec refuses. Every case runs through inject and over a real socket.
 */
import t from 'tap'
import { Readable } from 'node:stream'
import Fastify from 'fastify'
import type { FastifyInstance, preSerializationHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import compressPlugin from '@fastify/compress'
import bfast from '../../plugin/index.js'
import { decode, isCompressed } from '../../src/index.js'
import { listen } from '../../support/listen.js'
import { BFAST, DEFAULT_VARY, USER_SCHEMA, harness, JSON_CT, LOG_LEVEL, logCollector, viaInject, viaSocket } from './server.js'
import type { Reply } from './server.js'

const secretUser = () => ({
  id: 7,
  name: 'Ada',
  zip: 12345, // the schema coerces it to "12345"
  password: 'hunter2', // the schema drops it
  created: new Date('2024-01-15T10:30:45.123Z'),
  friends: [{ id: 1, token: 'x' }, { id: 2, token: 'y' }]
})

class Money {
  constructor(readonly cents: number) {}
  toJSON(): string {
    return (this.cents / 100).toFixed(2)
  }
}

/** Routes declared identically on the plugin and the plugin-less server. */
function routes(app: FastifyInstance): void {
  app.get('/object', async () => ({ id: 1, name: 'Ada', nested: { list: [1, 2.5, -3, null, true, 'x'] }, price: new Money(1999) }))
  app.get('/array', async () => [{ id: 1 }, { id: 2 }, 'three', 4])
  app.get('/unicode', async () => ({ emoji: '\u{1F600}', accents: 'éàü', cjk: '漢字', escapes: '"\\\n\t' }))
  app.get('/schema', { schema: { response: { 200: USER_SCHEMA } } }, async () => secretUser())
  app.get('/schema-2xx', { schema: { response: { '2xx': USER_SCHEMA } } }, async (_req, reply) => reply.code(201).send(secretUser()))
  app.get('/schema-by-type', { schema: { response: { 200: { content: { 'application/json': { schema: USER_SCHEMA } } } } } }, async () => secretUser())
  app.get('/schema-list', { schema: { response: { 200: { type: 'array', items: USER_SCHEMA } } } }, async () => [secretUser(), secretUser()])
  app.get('/own-serializer', async (_req, reply) => {
    reply.serializer((p: { id: number }) => JSON.stringify({ onlyId: p.id }))
    return { id: 9, secret: 's' }
  })
  app.register(async (child) => {
    child.setReplySerializer((p) => JSON.stringify({ wrapped: p }))
    child.get('/default-serializer', async () => ({ id: 3 }))
  })
  app.get('/string', async () => 'just text')
  app.get('/json-string', async (_req, reply) => reply.type('application/json').send('{"pre":"serialized"}'))
  app.get('/buffer', async () => Buffer.from([0x42, 0x46, 1, 2, 3]))
  app.get('/stream', async () => Readable.from([Buffer.from('streamed '), Buffer.from('bytes')]))
  app.get('/null', async (_req, reply) => reply.send(null))
  app.get('/number', async () => 42)
  app.get('/custom-type', async (_req, reply) => reply.type('application/vnd.thing+json').send({ a: 1 }))
  app.get('/no-content', async (_req, reply) => reply.code(204).send({ a: 1 }))
  app.get('/not-modified', async (_req, reply) => reply.code(304).send())
  app.get('/vary-set', async (_req, reply) => reply.header('vary', 'Origin, accept-encoding').send({ a: 1 }))
  app.get('/vary-accept', async (_req, reply) => reply.header('Vary', 'ACCEPT').send({ a: 1 }))
  app.get('/thrown', async () => {
    throw new Error('boom')
  })
  app.get('/http-error', async () => {
    throw Object.assign(new Error('I am a teapot'), { statusCode: 418, code: 'E_TEAPOT' })
  })
  app.get('/code-4xx', async (_req, reply) => reply.code(422).send({ error: 'invalid', fields: ['name'] }))
  app.get('/bad-schema-data', { schema: { response: { 200: { type: 'object', required: ['must'], properties: { must: { type: 'string' } } } } } }, async () => ({}))
}

/** Headers that differ between any two replies (time, connection) or that the plugin adds. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive', 'vary'])

function stable(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) if (!VOLATILE.has(k)) out[k] = v
  return out
}

/**
 * The Vary of a reply of a route under the default policy: the plugin-less reply's, plus Accept
 * and accept-encoding (a B-FAST reply of the route may carry a Content-Encoding), each once.
 */
function expectedVary(without: string | undefined): string {
  const names = without === undefined ? [] : without.split(',').map((n) => n.trim())
  for (const add of ['Accept', 'accept-encoding']) {
    if (!names.some((n) => n.toLowerCase() === add.toLowerCase())) names.push(add)
  }
  return names.join(', ')
}

const JSON_ACCEPTS: Array<string | undefined> = [undefined, '*/*', 'application/json', 'application/x-bfast;q=0.5, application/json', 'text/html']
const URLS = [
  '/object', '/array', '/unicode', '/schema', '/schema-2xx', '/schema-by-type', '/schema-list', '/own-serializer', '/default-serializer',
  '/string', '/json-string', '/buffer', '/stream', '/null', '/number', '/custom-type', '/no-content', '/not-modified', '/vary-set',
  '/vary-accept', '/thrown', '/http-error', '/code-4xx', '/bad-schema-data'
]

t.test('JSON replies are byte-for-byte those of a plugin-less server', async (t) => {
  const withPlugin = await harness({}, routes)
  const without = await harness(null, routes)
  t.teardown(async () => {
    await withPlugin.close()
    await without.close()
  })
  for (const url of URLS) {
    for (const accept of JSON_ACCEPTS) {
      const headers: Record<string, string> = accept === undefined ? {} : { accept }
      const [a, b] = await Promise.all([withPlugin.both({ url, headers }), without.both({ url, headers })])
      for (let i = 0; i < 2; i++) {
        const label = `${a[i].via} ${url} Accept ${String(accept)}`
        t.equal(a[i].status, b[i].status, `${label}: status`)
        t.same(stable(a[i].headers), stable(b[i].headers), `${label}: headers`)
        t.ok(a[i].body.equals(b[i].body), `${label}: body bytes`)
        t.equal(a[i].headers.vary, expectedVary(b[i].headers.vary), `${label}: Vary merged`)
      }
    }
  }
})

const ASK_BFAST = { accept: 'application/x-bfast' }

/** The decoded B-FAST reply, re-serialized as JSON: must equal the JSON reply's text. */
function asJsonText(res: Reply): string {
  return JSON.stringify(decode(res.body))
}

t.test('B-FAST replies carry exactly the JSON reply (fields, order, coercions)', async (t) => {
  const withPlugin = await harness({}, routes)
  const without = await harness(null, routes)
  t.teardown(async () => {
    await withPlugin.close()
    await without.close()
  })
  for (const url of ['/object', '/array', '/unicode', '/schema', '/schema-2xx', '/schema-by-type', '/schema-list', '/default-serializer', '/code-4xx']) {
    const [jsonReply] = await without.both({ url })
    for (const res of await withPlugin.both({ url, headers: ASK_BFAST })) {
      const label = `${res.via} ${url}`
      t.equal(res.status, jsonReply.status, `${label}: status`)
      t.equal(res.headers['content-type'], BFAST, `${label}: Content-Type`)
      t.equal(res.headers.vary, DEFAULT_VARY, `${label}: Vary`)
      t.equal(res.headers['content-length'], String(res.body.length), `${label}: Content-Length`)
      t.equal(asJsonText(res), jsonReply.body.toString('utf8'), `${label}: same fields and values as JSON`)
    }
  }
})

t.test('schema routes never leak dropped fields and keep Dates typed', async (t) => {
  const h = await harness({}, routes)
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/schema', headers: ASK_BFAST })) {
    const value = decode(res.body) as Record<string, unknown>
    t.notOk('password' in value, `${res.via}: password dropped`)
    t.same(Object.keys(value), ['id', 'name', 'zip', 'created', 'friends'], `${res.via}: schema keys in order`)
    t.equal(value.zip, '12345', `${res.via}: coerced as the schema says`)
    t.ok(value.created instanceof Date, `${res.via}: the Date stays a B-FAST datetime`)
    t.equal((value.created as Date).toISOString(), '2024-01-15T10:30:45.123Z', `${res.via}: same instant`)
    t.same(value.friends, [{ id: 1 }, { id: 2 }], `${res.via}: nested fields filtered`)
  }
})

t.test('what is not an object or array, or has its own type or serializer, is left alone', async (t) => {
  const withPlugin = await harness({}, routes)
  const without = await harness(null, routes)
  t.teardown(async () => {
    await withPlugin.close()
    await without.close()
  })
  for (const url of ['/string', '/json-string', '/buffer', '/stream', '/null', '/number', '/custom-type', '/own-serializer']) {
    const expected = await without.both({ url, headers: ASK_BFAST })
    for (const [i, res] of (await withPlugin.both({ url, headers: ASK_BFAST })).entries()) {
      t.not(res.headers['content-type'], BFAST, `${res.via} ${url}: not B-FAST`)
      t.same(stable(res.headers), stable(expected[i].headers), `${res.via} ${url}: headers as without the plugin`)
      t.ok(res.body.equals(expected[i].body), `${res.via} ${url}: body as without the plugin`)
      t.equal(res.headers.vary, DEFAULT_VARY, `${res.via} ${url}: Vary`)
    }
  }
})

t.test('an object sent with a 304 is not encoded and carries no body', async (t) => {
  const h = await harness({}, (app) => {
    app.get('/etag', async (_req, reply) => reply.code(304).send({ a: 1 }))
  })
  t.teardown(() => h.close())
  // inject only: undici rejects a 304 whose Content-Length (which Fastify sets from the
  // payload, plugin or not) announces a body the status forbids.
  const res = await h.app.inject({ url: '/etag', headers: ASK_BFAST })
  t.equal(res.statusCode, 304)
  t.equal(res.rawPayload.length, 0, 'no body')
  t.not(res.headers['content-type'], BFAST, 'not encoded')
  t.equal(res.headers.vary, DEFAULT_VARY)
})

t.test('HEAD, 204 and 304 carry no body', async (t) => {
  const h = await harness({}, routes)
  t.teardown(() => h.close())
  for (const headers of [{}, ASK_BFAST]) {
    const [getInject, getSocket] = await h.both({ url: '/object', headers })
    const heads = await h.both({ method: 'HEAD', url: '/object', headers })
    for (const [i, res] of heads.entries()) {
      const get = i === 0 ? getInject : getSocket
      t.equal(res.body.length, 0, `${res.via} HEAD: no body`)
      t.equal(res.headers['content-type'], get.headers['content-type'], `${res.via} HEAD: Content-Type as GET`)
      t.equal(res.headers['content-length'], get.headers['content-length'], `${res.via} HEAD: Content-Length as GET`)
      t.equal(res.headers.vary, DEFAULT_VARY, `${res.via} HEAD: Vary`)
    }
    for (const res of await h.both({ url: '/no-content', headers })) {
      t.equal(res.status, 204, `${res.via} 204`)
      t.equal(res.body.length, 0, `${res.via} 204: no body`)
      t.equal(res.headers['content-type'], undefined, `${res.via} 204: no Content-Type`)
    }
    for (const res of await h.both({ url: '/not-modified', headers })) {
      t.equal(res.status, 304, `${res.via} 304`)
      t.equal(res.body.length, 0, `${res.via} 304: no body`)
      t.equal(res.headers.vary, DEFAULT_VARY, `${res.via} 304: Vary`)
      t.not(res.headers['content-type'], BFAST, `${res.via} 304: not encoded`)
    }
  }
})

t.test('errors reach a B-FAST client readable and truthfully labelled', async (t) => {
  const h = await harness({}, routes)
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/thrown', headers: ASK_BFAST })) {
    t.equal(res.status, 500, `${res.via} thrown: 500`)
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} thrown: labelled JSON`)
    t.same(JSON.parse(res.body.toString('utf8')), { statusCode: 500, error: 'Internal Server Error', message: 'boom' }, `${res.via} thrown: JSON body`)
    t.equal(res.headers.vary, DEFAULT_VARY, `${res.via} thrown: Vary`)
  }
  for (const res of await h.both({ url: '/http-error', headers: ASK_BFAST })) {
    t.equal(res.status, 418, `${res.via} statusCode error`)
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} statusCode error: labelled JSON`)
    t.match(JSON.parse(res.body.toString('utf8')), { statusCode: 418, code: 'E_TEAPOT', message: 'I am a teapot' })
  }
  for (const res of await h.both({ url: '/code-4xx', headers: ASK_BFAST })) {
    t.equal(res.status, 422, `${res.via} reply.code(422).send(obj)`)
    t.equal(res.headers['content-type'], BFAST, `${res.via} 422: labelled B-FAST`)
    t.same(decode(res.body), { error: 'invalid', fields: ['name'] }, `${res.via} 422: decodes`)
  }
  for (const res of await h.both({ url: '/bad-schema-data', headers: ASK_BFAST })) {
    t.equal(res.status, 500, `${res.via} data the schema rejects: 500 as for JSON`)
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} schema failure: labelled JSON`)
    t.match(JSON.parse(res.body.toString('utf8')), { statusCode: 500, message: /must/ })
  }
})

t.test('a custom error handler returning an object answers in the negotiated format', async (t) => {
  const h = await harness({}, (app) => {
    app.setErrorHandler(async (err: Error, _req, reply) => reply.code(409).send({ problem: err.message }))
    app.get('/conflict', async () => {
      throw new Error('taken')
    })
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/conflict', headers: ASK_BFAST })) {
    t.equal(res.status, 409)
    t.equal(res.headers['content-type'], BFAST, `${res.via}: B-FAST`)
    t.same(decode(res.body), { problem: 'taken' })
  }
  for (const res of await h.both({ url: '/conflict' })) {
    t.equal(res.headers['content-type'], JSON_CT, `${res.via}: JSON for JSON clients`)
    t.equal(res.body.toString('utf8'), '{"problem":"taken"}')
  }
})

t.test('opt-out routes are plain Fastify; overrides apply per route', async (t) => {
  const big = { rows: Array.from({ length: 400 }, (_, i) => ({ id: i, label: `row ${i}` })) }
  const h = await harness({ compression: { network: 'fast' } }, (app) => {
    app.get('/out', { config: { bfast: false } }, async () => big)
    app.get('/in', async () => big)
    app.get('/slow', { config: { bfast: { compression: { network: 'slow' } } } }, async () => big)
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/out', headers: ASK_BFAST })) {
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} opted out: JSON`)
    t.equal(res.headers.vary, undefined, `${res.via} opted out: no Vary`)
    t.equal(res.body.toString('utf8'), JSON.stringify(big))
  }
  const [plainInject] = await h.both({ url: '/in', headers: ASK_BFAST })
  t.equal(plainInject.body.subarray(0, 2).toString('latin1'), 'BF', "network 'fast': uncompressed")
  for (const res of await h.both({ url: '/slow', headers: ASK_BFAST })) {
    t.not(res.body.subarray(0, 2).toString('latin1'), 'BF', `${res.via} route override 'slow': compressed`)
    t.ok(res.body.length < plainInject.body.length, `${res.via} override: smaller`)
    t.same(decode(res.body), big, `${res.via} override: decodes`)
  }
})

t.test('replies the codec refuses go out as JSON (or a clean 500), logged, never corrupt', async (t) => {
  const logs = logCollector()
  const longKey = 'k'.repeat(300)
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  const h = await harness(
    {},
    (app) => {
      app.get('/long-key', async () => ({ [longKey]: 1 }))
      app.get('/lone-surrogate', async () => ({ s: 'a\ud800b' }))
      app.get('/big-bigint', { schema: { response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } } } }, async () => ({ n: 2n ** 70n }))
      app.get('/cycle', async () => cyclic)
      app.get('/deep', async () => {
        let v: unknown = 1
        for (let i = 0; i < 200; i++) v = [v]
        return v
      })
    },
    { logger: { level: 'warn', stream: logs.stream } }
  )
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/long-key', headers: ASK_BFAST })) {
    t.equal(res.status, 200, `${res.via} long key: 200`)
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} long key: JSON`)
    t.same(JSON.parse(res.body.toString('utf8')), { [longKey]: 1 })
  }
  for (const res of await h.both({ url: '/lone-surrogate', headers: ASK_BFAST })) {
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} lone surrogate: JSON`)
    t.equal(res.body.toString('utf8'), '{"s":"a\\ud800b"}', `${res.via} lone surrogate: escaped as JSON does`)
  }
  for (const res of await h.both({ url: '/big-bigint', headers: ASK_BFAST })) {
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} bigint out of int64: JSON`)
    t.equal(res.body.toString('utf8'), `{"n":${2n ** 70n}}`)
  }
  for (const res of await h.both({ url: '/deep', headers: ASK_BFAST })) {
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} nesting past maxDepth: JSON`)
  }
  for (const res of await h.both({ url: '/cycle', headers: ASK_BFAST })) {
    t.equal(res.status, 500, `${res.via} cycle: clean 500`)
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} cycle: JSON error body`)
    t.match(JSON.parse(res.body.toString('utf8')), { statusCode: 500 })
  }
  const warnings = logs.lines.filter((l) => l.level === LOG_LEVEL.warn && String(l.msg).includes('fastify-bfast'))
  const codes = warnings.map((l) => (l.err as { code?: string } | undefined)?.code)

  for (const code of ['KEY_TOO_LONG', 'LONE_SURROGATE', 'INT_RANGE', 'DEPTH', 'CIRCULAR']) {
    t.ok(codes.includes(code), `the refusal ${code} is logged`)
  }
})

t.test('regression: a B-FAST serializer left on the reply would re-send stale bytes for a later error reply', async (t) => {
  // Pitfall 2 of issue 3: a reply serializer also runs for later string payloads with a
  // Content-Type (a custom error handler's). The plugin's serializer is one-shot.
  const h = await harness({}, (app) => {
    app.setErrorHandler((err: Error, _req, reply) => {
      reply.code(503).type('text/plain; charset=utf-8').send(`late: ${err.message}`)
    })
    app.get(
      '/late-failure',
      {
        onSend: (_req, reply, payload, done) => {
          if (reply.getHeader('content-type') === BFAST) done(new Error('onSend refused B-FAST'))
          else done(null, payload)
        }
      },
      async () => ({ big: 'x'.repeat(2000) })
    )
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/late-failure', headers: ASK_BFAST })) {
    t.equal(res.status, 503, `${res.via}: the error handler's status`)
    t.equal(res.headers['content-type'], 'text/plain; charset=utf-8', `${res.via}: its Content-Type`)
    t.equal(res.body.toString('utf8'), 'late: onSend refused B-FAST', `${res.via}: its body, not stale B-FAST bytes`)
    t.equal(res.headers.vary, DEFAULT_VARY, `${res.via}: Vary`)
  }
})

t.test('regression: an error after encoding must not reach the default error handler as B-FAST', async (t) => {
  const h = await harness({}, (app) => {
    app.get(
      '/late-failure',
      { onSend: (_req, reply, payload, done) => (reply.getHeader('content-type') === BFAST ? done(new Error('nope')) : done(null, payload)) },
      async () => ({ a: 1 })
    )
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/late-failure', headers: ASK_BFAST })) {
    t.equal(res.status, 500)
    t.equal(res.headers['content-type'], JSON_CT, `${res.via}: labelled JSON`)
    t.same(JSON.parse(res.body.toString('utf8')), { statusCode: 500, error: 'Internal Server Error', message: 'nope' }, `${res.via}: JSON body`)
  }
})

t.test('regression (issue 10 finding 1): `default` response schemas shape B-FAST replies as they shape JSON', async (t) => {
  const errorSchema = { type: 'object', properties: { statusCode: { type: 'integer' }, error: { type: 'string' } } } as const
  const h = await harness({}, (app) => {
    app.get('/default', { schema: { response: { default: USER_SCHEMA } } }, async () => secretUser())
    app.get('/default-by-type', { schema: { response: { default: { content: { 'application/json': { schema: USER_SCHEMA } } } } } }, async () => secretUser())
    app.get('/default-any-type', { schema: { response: { default: { content: { '*/*': { schema: USER_SCHEMA } } } } } }, async () => secretUser())
    app.get('/default-beside-4xx', { schema: { response: { '4xx': errorSchema, default: USER_SCHEMA } } }, async (_req, reply) => reply.code(201).send(secretUser()))
    app.get('/default-404', { schema: { response: { default: USER_SCHEMA } } }, async (_req, reply) => reply.code(404).send(secretUser()))
    app.get('/default-500', { schema: { response: { default: USER_SCHEMA } } }, async (_req, reply) => reply.code(500).send(secretUser()))
    app.register(async (child) => {
      child.setErrorHandler(async (_err: Error, _req, reply) => reply.code(409).send(secretUser()))
      child.get('/default-error-handler', { schema: { response: { default: USER_SCHEMA } } }, async () => {
        throw new Error('taken')
      })
      child.get('/child/default', { schema: { response: { '2xx': errorSchema, default: USER_SCHEMA } } }, async (_req, reply) => reply.code(302).send(secretUser()))
    })
  })
  t.teardown(() => h.close())
  for (const url of ['/default', '/default-by-type', '/default-any-type', '/default-beside-4xx', '/default-404', '/default-500', '/default-error-handler', '/child/default']) {
    const json = await viaSocket(h.base, { url })
    const expected = JSON.parse(json.body.toString('utf8')) as Record<string, unknown>
    t.notOk('password' in expected, `${url}: the JSON reply drops password (the route is set up right)`)
    for (const res of await h.both({ url, headers: ASK_BFAST })) {
      const label = `${res.via} ${url}`
      t.equal(res.status, json.status, `${label}: status as JSON`)
      t.equal(res.headers['content-type'], BFAST, `${label}: B-FAST`)
      const value = decode(res.body) as Record<string, unknown>
      t.notOk('password' in value, `${label}: password dropped as in JSON`)
      t.same(JSON.parse(asJsonText(res)), expected, `${label}: decode(B-FAST) equals JSON.parse(JSON)`)
      t.ok(value.created instanceof Date, `${label}: the date-time stays typed`)
    }
  }
})

/** A plugin registered after fastify-bfast that adds a route-level preSerialization hook from onRoute. */
function laterHook(hook: preSerializationHookHandler) {
  return fp(async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      const existing = route.preSerialization === undefined ? [] : Array.isArray(route.preSerialization) ? route.preSerialization : [route.preSerialization]
      route.preSerialization = [...existing, hook]
    })
  })
}

t.test('regression (issue 10 finding 5): a preSerialization hook added after the plugin is honoured for B-FAST as for JSON', async (t) => {
  const redact: preSerializationHookHandler = (_req, _reply, payload, done) => {
    if (typeof payload === 'object' && payload !== null && 'wipe' in payload) {
      done(null, 'wiped')
    } else if (typeof payload === 'object' && payload !== null && 'password' in payload) {
      const { password: _dropped, ...rest } = payload as Record<string, unknown>
      done(null, rest)
    } else {
      done(null, payload)
    }
  }
  const h = await harness({}, async (app) => {
    await app.register(laterHook(redact))
    app.get('/user', async () => ({ id: 1, name: 'Ada', password: 'hunter2', created: new Date(0) }))
    app.get('/schema-user', { schema: { response: { 200: { type: 'object', properties: { id: { type: 'integer' }, password: { type: 'string' } } } } } }, async () => ({ id: 2, password: 'hunter2' }))
    app.get('/to-string', async () => ({ wipe: true, password: 'x' }))
  })
  t.teardown(() => h.close())
  for (const url of ['/user', '/schema-user']) {
    const json = await viaSocket(h.base, { url })
    const expected = JSON.parse(json.body.toString('utf8')) as Record<string, unknown>
    t.notOk('password' in expected, `${url}: the JSON reply is redacted (the hook runs)`)
    for (const res of await h.both({ url, headers: ASK_BFAST })) {
      t.equal(res.headers['content-type'], BFAST, `${res.via} ${url}: B-FAST`)
      const value = decode(res.body) as Record<string, unknown>
      t.notOk('password' in value, `${res.via} ${url}: redacted`)
      t.same(JSON.parse(asJsonText(res)), expected, `${res.via} ${url}: decode(B-FAST) equals JSON.parse(JSON)`)
    }
  }
  // A later hook that turns the payload into a string: Fastify JSON-serializes it for a JSON
  // client, and a B-FAST client gets exactly that JSON.
  const json = await viaSocket(h.base, { url: '/to-string' })
  for (const res of await h.both({ url: '/to-string', headers: ASK_BFAST })) {
    t.equal(res.headers['content-type'], JSON_CT, `${res.via} hook returned a string: JSON`)
    t.equal(res.body.toString('utf8'), json.body.toString('utf8'), `${res.via}: the JSON reply's bytes`)
    t.equal(res.body.toString('utf8'), '"wiped"')
  }
})

t.test('regression (issue 10 finding 5): a later preSerialization hook that fails leaves no B-FAST serializer behind', async (t) => {
  const failing: preSerializationHookHandler = (_req, _reply, _payload, done) => done(new Error('hook refused'))
  const h = await harness({}, async (app) => {
    await app.register(laterHook(failing))
    app.setErrorHandler((err: Error, _req, reply) => {
      reply.code(503).type('text/plain; charset=utf-8').send(`late: ${err.message}`)
    })
    app.get('/user', async () => ({ id: 1 }))
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/user', headers: ASK_BFAST })) {
    t.equal(res.status, 503, `${res.via}: the error handler's status`)
    t.equal(res.headers['content-type'], 'text/plain; charset=utf-8', `${res.via}: its Content-Type`)
    t.equal(res.body.toString('utf8'), 'late: hook refused', `${res.via}: its text, not run through a serializer`)
  }
})

t.test('regression (issue 10 finding 8): HEAD announces the GET Content-Length with @fastify/compress registered before or after', async (t) => {
  const rows = Array.from({ length: 300 }, (_, i) => ({ id: i, label: `row number ${i}`, ok: true }))
  for (const order of ['compress first', 'bfast first'] as const) {
    const app = Fastify()
    if (order === 'compress first') await app.register(compressPlugin, { threshold: 0 })
    // In-format LZ4 only: the HTTP codings' HEAD and GET are in content-coding.test.ts.
    await app.register(bfast, { compression: { network: 'slow', encodings: ['lz4'] } })
    if (order === 'bfast first') await app.register(compressPlugin, { threshold: 0 })
    app.get('/rows', async () => rows)
    const { url: base } = await listen(app)
    t.teardown(() => app.close())
    for (const encoding of [undefined, 'gzip']) {
      const headers: Record<string, string> = encoding === undefined ? ASK_BFAST : { ...ASK_BFAST, 'accept-encoding': encoding }
      const label = `${order}, Accept-Encoding ${encoding ?? 'none'}`
      const gets = [await viaInject(app, { url: '/rows', headers }), await viaSocket(base, { url: '/rows', headers })]
      const heads = [await viaInject(app, { method: 'HEAD', url: '/rows', headers }), await viaSocket(base, { method: 'HEAD', url: '/rows', headers })]
      for (const [i, head] of heads.entries()) {
        const get = gets[i]!
        t.equal(get.headers['content-type'], BFAST, `${get.via} ${label}: GET is B-FAST`)
        t.ok(isCompressed(get.body), `${get.via} ${label}: GET compressed inside the format`)
        t.same(decode(get.body), rows, `${get.via} ${label}: GET decodes`)
        t.equal(head.body.length, 0, `${head.via} ${label}: HEAD has no body`)
        t.equal(head.headers['content-length'], String(get.body.length), `${head.via} ${label}: HEAD Content-Length is the GET body length`)
        t.equal(head.headers['content-type'], BFAST, `${head.via} ${label}: HEAD Content-Type as GET`)
      }
    }
  }
})
