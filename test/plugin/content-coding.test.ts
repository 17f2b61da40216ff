/**
 * B-FAST replies with an HTTP Content-Encoding (issue 16 items 1-3), on a real socket with real
 * zlib: each coding decoded by hand (node:zlib) and by undici's fetch, Vary, Content-Length for
 * GET and HEAD, ETags, a Content-Encoding set by the handler, JSON replies left to
 * @fastify/compress, and @fastify/compress registered before or after the plugin (never twice
 * encoded).
 */
import zlib from 'node:zlib'
import t from 'tap'
import compressPlugin from '@fastify/compress'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { fetch as undiciFetch, request } from 'undici'
import { decode, encode, isCompressed } from '../../src/index.js'
import bfast from '../../plugin/index.js'
import type { BfastPluginOptions } from '../../plugin/index.js'
import { AVAILABLE_CODINGS } from '../../plugin/content-coding.js'
import type { HttpCoding } from '../../plugin/content-coding.js'
import { listen } from '../../support/listen.js'
import { users } from '../helpers/tagged.js'
import { BFAST, JSON_CT } from './server.js'

const BROWSER = 'gzip, deflate, br, zstd'
const MAGIC = Buffer.from('BF')

/** Decodes a body sent with `coding` as a client does, by hand. */
function decodeBody(coding: string | undefined, body: Buffer): Buffer {
  if (coding === undefined) return body
  if (coding === 'gzip') return zlib.gunzipSync(body)
  if (coding === 'br') return zlib.brotliDecompressSync(body)
  if (coding === 'zstd') return (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(body)
  throw new Error(`unexpected coding ${coding}`)
}

interface Raw {
  status: number
  headers: Record<string, string | undefined>
  body: Buffer
}

/** The bytes as they came off the socket (undici's request never decodes). */
async function raw(base: string, url: string, headers: Record<string, string>, method: 'GET' | 'HEAD' = 'GET'): Promise<Raw> {
  const res = await request(base + url, { method, headers })
  const body = Buffer.from(await res.body.arrayBuffer())
  const flat: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(res.headers)) flat[k] = Array.isArray(v) ? v.join(', ') : v
  return { status: res.statusCode, headers: flat, body }
}

async function serve(
  options: BfastPluginOptions,
  routes: (app: FastifyInstance) => void | Promise<void>
): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify()
  await app.register(bfast, options)
  await routes(app)
  const { url } = await listen(app)
  return { app, base: url }
}

// Every server here sets cpuBudget: 'none': these tests are about each coding's mechanics (one
// coding, lengths, Vary, ETag, composition), and the per-line server CPU budget, tested in
// policy.test.ts, rules some codings out on some lines (gzip on Node 24's figures).
const payload = users(500)
const plain = Buffer.from(encode(payload))

for (const coding of AVAILABLE_CODINGS) {
  t.test(`${coding}: one Content-Encoding, decoded by hand and by fetch, GET and HEAD lengths alike`, async (t) => {
    const { app, base } = await serve({ compression: { network: 'slow', cpuBudget: 'none', encodings: [coding] } }, (app) => {
      app.get('/users', async () => payload)
    })
    t.teardown(() => app.close())
    const ask = { accept: BFAST, 'accept-encoding': BROWSER }
    const get = await raw(base, '/users', ask)
    t.equal(get.status, 200)
    t.equal(get.headers['content-type'], BFAST)
    t.equal(get.headers['content-encoding'], coding)
    t.equal(get.headers.vary, 'Accept, accept-encoding')
    t.equal(get.headers['content-length'], String(get.body.length), 'Content-Length is the encoded length')
    t.ok(get.body.length < plain.length / 4, `${get.body.length} of ${plain.length} bytes`)
    const decoded = decodeBody(coding, get.body)
    t.same(decoded, plain, 'decodes to exactly the B-FAST message (no LZ4 inside: never two compressions)')
    t.same(decode(decoded), payload)

    const head = await raw(base, '/users', ask, 'HEAD')
    t.equal(head.body.length, 0, 'HEAD: no body')
    t.equal(head.headers['content-encoding'], coding)
    t.equal(head.headers['content-length'], get.headers['content-length'], "HEAD: the GET reply's Content-Length")
    t.equal(head.headers.vary, get.headers.vary)

    const res = await undiciFetch(base + '/users', { headers: ask })
    t.equal(res.headers.get('content-encoding'), coding)
    t.same(decode(new Uint8Array(await res.arrayBuffer())), payload, "undici's fetch decodes it natively")

    // A client that does not accept the coding gets in-format LZ4 ('slow' has no other choice here).
    const other = await raw(base, '/users', { accept: BFAST, 'accept-encoding': 'identity' })
    t.equal(other.headers['content-encoding'], undefined)
    t.equal(other.headers.vary, 'Accept, accept-encoding', 'the same Vary on every reply of the route')
    t.same(decode(other.body), payload)
  })
}

t.test('the default policy: a browser gets a Content-Encoding, a client without Accept-Encoding LZ4', async (t) => {
  const { app, base } = await serve({}, (app) => {
    app.get('/users', async () => payload)
  })
  t.teardown(() => app.close())
  const browser = await raw(base, '/users', { accept: BFAST, 'accept-encoding': BROWSER })
  const coding = browser.headers['content-encoding']
  t.ok(coding !== undefined && AVAILABLE_CODINGS.includes(coding as HttpCoding), `'auto' chose ${coding}`)
  t.same(decodeBody(coding, browser.body), plain)
  const bare = await raw(base, '/users', { accept: BFAST })
  t.equal(bare.headers['content-encoding'], undefined)
  t.ok(isCompressed(bare.body), 'in-format LZ4')
  t.same(decode(bare.body), payload)
  for (const reply of [browser, bare]) t.equal(reply.headers.vary, 'Accept, accept-encoding')
})

t.test('JSON replies are never encoded by the plugin, and carry the same Vary', async (t) => {
  const { app, base } = await serve({ compression: { network: 'slow', cpuBudget: 'none' } }, (app) => {
    app.get('/users', async () => payload)
  })
  t.teardown(() => app.close())
  const json = await raw(base, '/users', { accept: 'application/json', 'accept-encoding': BROWSER })
  t.equal(json.headers['content-type'], JSON_CT)
  t.equal(json.headers['content-encoding'], undefined, 'JSON is @fastify/compress\'s business')
  t.equal(json.headers.vary, 'Accept, accept-encoding')
  t.same(JSON.parse(json.body.toString('utf8')), JSON.parse(JSON.stringify(payload)))
})

t.test('a Content-Encoding the handler set is left alone; a strong ETag is weakened when the plugin encodes', async (t) => {
  const { app, base } = await serve({ compression: { network: 'slow', cpuBudget: 'none' } }, (app) => {
    app.get('/tagged', async (_req, reply) => {
      reply.header('etag', '"v1"')
      return payload
    })
    app.get('/weak', async (_req, reply) => {
      reply.header('etag', 'W/"v1"')
      return payload
    })
    app.get('/labelled', async (_req, reply) => {
      reply.header('content-encoding', 'identity')
      return payload
    })
    app.get('/theirs', async (_req, reply) => {
      // A handler that says it encoded the body itself owns it: the plugin must not encode again.
      reply.header('content-encoding', 'x-custom')
      return payload
    })
  })
  t.teardown(() => app.close())
  const ask = { accept: BFAST, 'accept-encoding': BROWSER }
  const tagged = await raw(base, '/tagged', ask)
  t.ok(tagged.headers['content-encoding'] !== undefined)
  t.equal(tagged.headers.etag, 'W/"v1"', 'weakened: the bytes differ by coding')
  const lz4 = await raw(base, '/tagged', { accept: BFAST })
  t.ok(isCompressed(lz4.body))
  t.equal(lz4.headers.etag, 'W/"v1"', 'in-format LZ4 is other bytes too')
  t.equal((await raw(base, '/weak', ask)).headers.etag, 'W/"v1"', 'a weak ETag stays as it is')
  const labelled = await raw(base, '/labelled', ask)
  t.not(labelled.headers['content-encoding'], 'identity', "identity is no coding: the plugin's choice replaces it")
  const theirs = await raw(base, '/theirs', ask)
  t.equal(theirs.headers['content-encoding'], 'x-custom')
  t.same(theirs.body, plain, 'sent as encoded, not encoded again')
})

for (const order of ['before', 'after'] as const) {
  for (const customTypes of [undefined, /x-bfast|json/]) {
    const which = customTypes === undefined ? 'default types' : 'B-FAST among its types'
    t.test(`@fastify/compress registered ${order} the plugin (${which}): one coding, never two`, async (t) => {
      const app = Fastify()
      const compressOptions = { threshold: 0, ...(customTypes === undefined ? {} : { customTypes }) }
      if (order === 'before') await app.register(compressPlugin, compressOptions)
      await app.register(bfast, { compression: { network: 'slow', cpuBudget: 'none' } })
      if (order === 'after') await app.register(compressPlugin, compressOptions)
      app.get('/users', async () => payload)
      const { url: base } = await listen(app)
      t.teardown(() => app.close())

      for (const acceptEncoding of [BROWSER, 'gzip']) {
        const ask = { accept: BFAST, 'accept-encoding': acceptEncoding }
        const get = await raw(base, '/users', ask)
        const coding = get.headers['content-encoding']
        t.ok(coding !== undefined && !coding.includes(','), `${acceptEncoding}: one coding (${coding})`)
        const once = decodeBody(coding, get.body)
        t.ok(once.subarray(0, 2).equals(MAGIC) || isCompressed(once), 'decoding once gives a B-FAST message')
        t.same(decode(once), payload)
        t.match(get.headers.vary ?? '', /\bAccept\b/)
        t.equal((get.headers.vary ?? '').toLowerCase().split('accept-encoding').length, 2, 'accept-encoding named once')
        const head = await raw(base, '/users', ask, 'HEAD')
        t.equal(head.headers['content-encoding'], coding)
        if (head.headers['content-length'] !== undefined || get.headers['content-length'] !== undefined) {
          t.equal(head.headers['content-length'], get.headers['content-length'], 'HEAD and GET lengths alike')
        }
        const fetched = await undiciFetch(base + '/users', { headers: ask })
        t.same(decode(new Uint8Array(await fetched.arrayBuffer())), payload, 'fetch decodes it')
      }
      const json = await raw(base, '/users', { accept: 'application/json', 'accept-encoding': 'gzip' })
      t.equal(json.headers['content-encoding'], 'gzip', 'JSON: gzipped by @fastify/compress')
      t.same(JSON.parse(zlib.gunzipSync(json.body).toString('utf8')), JSON.parse(JSON.stringify(payload)))
      t.equal((json.headers.vary ?? '').toLowerCase().split('accept-encoding').length, 2, 'JSON: accept-encoding named once')
    })
  }
}
