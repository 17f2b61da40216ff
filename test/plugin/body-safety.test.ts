/**
 * Issue 10 findings 2, 3 and 4 over real sockets (with inject beside them): prototype
 * poisoning through B-FAST bodies obeys the app's onProtoPoisoning / onConstructorPoisoning
 * exactly as JSON bodies do; decode amplification is refused with 413 as it is read; routes
 * with `config.bfast: false` answer 415 as plain Fastify does and never decode.
 */
import t from 'tap'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { encode } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import bfast from '../../plugin/index.js'
import { listen } from '../../support/listen.js'
import { BFAST, harness, viaSocket } from './server.js'
import type { Harness, Reply } from './server.js'

const MIB = 1 << 20

function errorOf(res: Reply): { statusCode: number; code: string; message: string } {
  return JSON.parse(res.body.toString('utf8')) as { statusCode: number; code: string; message: string }
}

async function post(h: Harness, url: string, body: Uint8Array, contentType = BFAST): Promise<[Reply, Reply]> {
  return h.both({ method: 'POST', url, headers: { 'content-type': contentType }, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) })
}

/** The body: ~4 KiB of LZ4 expanding to a 1 MiB message of empty containers. */
function amplifier(kind: 'objects' | 'float64 arrays'): Uint8Array {
  const n = kind === 'objects' ? (MIB - 11) >> 1 : Math.floor((MIB - 11) / 5)
  return compress(encode(Array.from({ length: n }, () => (kind === 'objects' ? {} : new Float64Array(0)))))
}

t.test('finding 3: amplification bodies get 413 FST_BFAST_BODY_OVER_BUDGET and the server keeps serving', async (t) => {
  const h = await harness({}, (app) => {
    app.post('/count', async (request) => ({ count: (request.body as unknown[]).length }))
    app.get('/ping', async () => ({ pong: true }))
  })
  t.teardown(() => h.close())
  for (const kind of ['objects', 'float64 arrays'] as const) {
    const body = amplifier(kind)
    t.ok(body.length < 5000, `${kind}: a ${body.length}-byte body`)
    for (const res of await post(h, '/count', body)) {
      t.equal(res.status, 413, `${res.via} ${kind}: 413`)
      t.match(errorOf(res), { code: 'FST_BFAST_BODY_OVER_BUDGET', message: /work budget.*OVER_BUDGET.*raise decode\.maxHeapPerByte/ }, `${res.via} ${kind}: says why and what to change`)
    }
  }
  // Fifty of them at once, beside good requests: every one refused, every good one served.
  const body = Buffer.from(amplifier('objects'))
  const bad = Array.from({ length: 50 }, () => viaSocket(h.base, { method: 'POST', url: '/count', headers: { 'content-type': BFAST }, body }))
  const good = Array.from({ length: 20 }, () => viaSocket(h.base, { url: '/ping' }))
  const [badReplies, goodReplies] = await Promise.all([Promise.all(bad), Promise.all(good)])
  t.same(new Set(badReplies.map((r) => r.status)), new Set([413]), '50 amplification bodies: all 413')
  t.same(new Set(goodReplies.map((r) => r.status)), new Set([200]), 'good requests meanwhile: all 200')
  // Real data still goes through, compressed.
  const users = Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `user ${i}`, tags: ['a', 'b'], active: i % 2 === 0 }))
  for (const res of await post(h, '/count', compress(encode(users)))) t.same(JSON.parse(res.body.toString('utf8')), { count: 2000 }, `${res.via}: real data accepted`)
})

t.test('finding 3: decode.maxHeapPerByte reaches request bodies and is validated', async (t) => {
  const h = await harness({ decode: { maxHeapPerByte: Infinity } }, (app) => {
    app.post('/count', async (request) => ({ count: (request.body as unknown[]).length }))
  })
  t.teardown(() => h.close())
  for (const res of await post(h, '/count', amplifier('objects'))) t.equal(res.status, 200, `${res.via}: budget switched off, accepted`)
  for (const bad of [0, -1, '16']) {
    const app = Fastify()
    await t.rejects(async () => app.register(bfast, { decode: { maxHeapPerByte: bad as number } }).ready(), { code: 'FST_BFAST_BAD_OPTION', message: /decode\.maxHeapPerByte/ }, `maxHeapPerByte ${bad}`)
  }
  for (const key of ['onProtoPoisoning', 'onConstructorPoisoning']) {
    const app = Fastify()
    await t.rejects(async () => app.register(bfast, { decode: { [key]: 'ignore' } as never }).ready(), { code: 'FST_BFAST_BAD_OPTION', message: new RegExp(`decode\\.${key} is set with Fastify's own ${key}`) }, `decode.${key}: set on Fastify`)
  }
})

/**
 * A route that does what careless handlers do with a body: Object.assign into a new object,
 * and a naive recursive merge. The merge target's prototype is a sandbox with its own
 * `constructor.prototype`, so that a poisoned body pollutes the sandbox, observably, instead
 * of this process's Object.prototype.
 */
function mergeRoute(app: FastifyInstance): void {
  app.post('/merge', async (request) => {
    const sandbox: Record<string, unknown> = { constructor: { prototype: {} } }
    const target = Object.create(sandbox) as Record<string, unknown>
    const merge = (to: Record<string, unknown>, from: Record<string, unknown>): void => {
      for (const key in from) {
        const v = from[key]
        if (v !== null && typeof v === 'object' && to[key] !== null && typeof to[key] === 'object') merge(to[key] as Record<string, unknown>, v as Record<string, unknown>)
        else to[key] = v
      }
    }
    const body = request.body as Record<string, unknown>
    const assigned = Object.assign({}, body)
    merge(target, body)
    return {
      keys: Object.keys(body),
      assignedPrototypeChanged: Object.getPrototypeOf(assigned) !== Object.prototype,
      sandboxPolluted: Object.keys(sandbox).length > 1 || Object.keys((sandbox.constructor as { prototype: object }).prototype).length > 0
    }
  })
}

t.test('finding 2: B-FAST bodies obey onProtoPoisoning / onConstructorPoisoning exactly as JSON bodies', async (t) => {
  const bodies: Record<string, string> = {
    __proto__: '{"a":1,"__proto__":{"polluted":true}}',
    'constructor.prototype': '{"a":1,"constructor":{"prototype":{"polluted":true}}}',
    'nested __proto__': '{"user":{"name":"x","__proto__":{"isAdmin":true}}}',
    'harmless constructor': '{"constructor":{"name":"ok"}}'
  }
  const settings: Array<[string, FastifyServerOptions]> = [
    ["Fastify's defaults", {}],
    ['error', { onProtoPoisoning: 'error', onConstructorPoisoning: 'error' }],
    ['remove', { onProtoPoisoning: 'remove', onConstructorPoisoning: 'remove' }],
    ['ignore', { onProtoPoisoning: 'ignore', onConstructorPoisoning: 'ignore' }],
    ['proto remove, constructor error', { onProtoPoisoning: 'remove', onConstructorPoisoning: 'error' }]
  ]
  for (const [label, options] of settings) {
    const h = await harness({}, mergeRoute, options)
    t.teardown(() => h.close())
    for (const [name, text] of Object.entries(bodies)) {
      const [jsonInject, jsonSocket] = await post(h, '/merge', Buffer.from(text), 'application/json')
      const bfastReplies = await post(h, '/merge', encode(JSON.parse(text)))
      for (const [res, json] of [[bfastReplies[0], jsonInject], [bfastReplies[1], jsonSocket]] as const) {
        t.equal(res.status, json.status, `${label}, ${name}, ${res.via}: ${res.status}, as JSON`)
        if (res.status === 200) t.same(JSON.parse(res.body.toString('utf8')), JSON.parse(json.body.toString('utf8')), `${label}, ${name}, ${res.via}: the handler sees what it sees for JSON`)
        else t.match(errorOf(res), { statusCode: 400, code: 'FST_BFAST_BAD_BODY', message: /forbidden prototype property.*FORBIDDEN_PROPERTY/ }, `${label}, ${name}, ${res.via}: says why`)
        if (label !== 'ignore' && res.status === 200) {
          t.match(JSON.parse(res.body.toString('utf8')), { assignedPrototypeChanged: false, sandboxPolluted: false }, `${label}, ${name}, ${res.via}: nothing polluted`)
        }
      }
    }
  }
})

t.test('finding 4: a route with config.bfast false answers 415 to a B-FAST body as plain Fastify does, without decoding it', async (t) => {
  const h = await harness({}, (app) => {
    app.post('/plain', { config: { bfast: false } }, async (request) => ({ got: typeof request.body }))
    app.post('/negotiated', async (request) => ({ got: typeof request.body }))
  })
  t.teardown(() => h.close())
  const plain = Fastify()
  plain.post('/plain', async (request) => ({ got: typeof request.body }))
  const { url: plainBase } = await listen(plain)
  t.teardown(() => plain.close())
  // A good body, and one that decoding would refuse (413): both 415, so neither was decoded.
  for (const [name, body] of [['a good body', encode({ a: 1 })], ['an amplification body', amplifier('objects')]] as const) {
    const expected = await viaSocket(plainBase, { method: 'POST', url: '/plain', headers: { 'content-type': BFAST }, body: Buffer.from(body) })
    t.equal(expected.status, 415, `plain Fastify: 415 for ${name}`)
    for (const res of await post(h, '/plain', body)) {
      t.equal(res.status, 415, `${res.via} ${name}: 415`)
      t.same(errorOf(res), errorOf(expected), `${res.via} ${name}: the same error as plain Fastify`)
    }
  }
  for (const res of await post(h, '/negotiated', encode({ a: 1 }))) t.equal(res.status, 200, `${res.via}: other routes still parse B-FAST`)
  // JSON bodies are untouched on the opted-out route.
  for (const res of await post(h, '/plain', Buffer.from('{"a":1}'), 'application/json')) t.equal(res.status, 200, `${res.via}: JSON on the opted-out route`)
})
