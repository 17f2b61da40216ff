/**
 * The plugin's `tables` option (issue 14 item 4, SPEC 8): a client asking
 * `application/x-bfast;layout=table` gets arrays of records as tables, labelled so, on routes
 * that serve them; every other client gets exactly what it got before. The differential: the
 * table reply read back (`toArray()`, `JSON.stringify`) is the v1 reply and the JSON reply,
 * response schemas included; compression, HEAD, Vary, errors, serializers and
 * @fastify/compress as for v1. Every case runs through inject and over a real socket.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import compressPlugin from '@fastify/compress'
import Fastify from 'fastify'
import bfast from '../../plugin/index.js'
import zlib from 'node:zlib'
import { BFastTable, decode, decompress, isCompressed } from '../../src/index.js'
import { TABLE_DELTA, TABLE_SHUFFLE, TAG_TABLE } from '../../src/tags.js'
import { listen } from '../../support/listen.js'
import { BFAST, DEFAULT_VARY, USER_SCHEMA, harness, JSON_CT, viaSocket } from './server.js'
import type { Reply } from './server.js'

const TABLE = 'application/x-bfast;layout=table'
/** What the client sends with `tables: true`. */
const ASK_TABLE = { accept: 'application/x-bfast;layout=table, application/x-bfast;q=0.95, application/json;q=0.9' }
const ASK_BFAST = { accept: 'application/x-bfast' }
const TRANSFORMS = 'application/x-bfast;layout=table;transforms=1'
/** What the client sends with `tables: true` or `'transport'` (SPEC 8.6). */
const ASK_TRANSFORMS = {
  accept: `${TRANSFORMS}, application/x-bfast;layout=table;q=0.97, application/x-bfast;q=0.95, application/json;q=0.9`
}

/** What the client sends with `tables: 'transport'` (its default): v1 weighed as high as transforms. */
const ASK_TRANSPORT = {
  accept: `${TRANSFORMS}, application/x-bfast;layout=table;q=0.97, application/x-bfast, application/json;q=0.9`
}

/** More than the schema lets through, a coercion, Dates, nested records, nulls and a missing key. */
function users(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => {
    const user: Record<string, unknown> = {
      id: i,
      name: i % 3 === 0 ? `Ada ${i} é` : `user${i}`,
      zip: 10_000 + i,
      password: `hunter${i}`,
      created: new Date(Date.UTC(2024, 0, 1 + (i % 28), 10, 30, 45, i % 1000)),
      friends: [{ id: i + 1, token: 'x' }]
    }
    // The first row lacks zip, so zip is first seen in a later row before known keys: still one
    // order for every row, so a table (SPEC 8.4; regression: late optional key went v1).
    if (i % 5 === 0) delete user.zip
    if (i % 7 === 0) user.name = null
    return user
  })
}

/** Routes declared identically on the app with the plugin and the plugin-less one. */
function routes(app: FastifyInstance): void {
  app.get('/users', async () => users(50))
  app.get('/users-schema', { schema: { response: { 200: { type: 'array', items: USER_SCHEMA } } } }, async () => users(50))
  app.get('/page', { schema: { response: { 200: { type: 'object', properties: { total: { type: 'integer' }, items: { type: 'array', items: USER_SCHEMA } } } } } },
    async () => ({ total: 50, items: users(50), secret: 's' }))
  app.get('/empty', async () => [])
  app.get('/not-records', async () => [1, 'two', { three: 3 }])
  app.get('/key-orders', async () => [{ a: 1, b: 2 }, { b: 3, a: 4 }])
  app.get('/invalid', async (_req, reply) => reply.code(422).send({ errors: [{ field: 'name', why: 'empty' }, { field: 'zip', why: 'short' }] }))
  app.get('/thrown', async () => {
    throw new Error('boom')
  })
  app.register(async (child) => {
    child.setReplySerializer((p) => JSON.stringify({ wrapped: p }))
    child.get('/wrapped', async () => users(5))
  })
}

const URLS = ['/users', '/users-schema', '/page', '/empty', '/not-records', '/key-orders', '/wrapped'] as const

/** Every array of records in `value` that decode returned as a table, read back as plain rows. */
function plain(value: unknown): unknown {
  if (value instanceof BFastTable) return value.toArray().map(plain)
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = plain(v)
    return out
  }
  return value
}

function countTables(value: unknown): number {
  if (value instanceof BFastTable) return 1 + value.toArray().reduce<number>((n, row) => n + countTables(row), 0)
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countTables(v), 0)
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.values(value).reduce<number>((n, v) => n + countTables(v), 0)
  }
  return 0
}

t.test('differential: the table reply is the v1 reply and the JSON reply, schema routes included', async (t) => {
  const withPlugin = await harness({ tables: true }, routes)
  const without = await harness(null, routes)
  t.teardown(async () => {
    await withPlugin.close()
    await without.close()
  })
  for (const url of URLS) {
    const [[json], tableReplies, v1Replies] = await Promise.all([
      without.both({ url }),
      withPlugin.both({ url, headers: ASK_TABLE }),
      withPlugin.both({ url, headers: ASK_BFAST })
    ])
    for (let i = 0; i < 2; i++) {
      const table = tableReplies[i]!
      const v1 = v1Replies[i]!
      const label = `${table.via} ${url}`
      t.equal(table.status, json.status, `${label}: status`)
      t.equal(table.headers['content-type'], TABLE, `${label}: labelled layout=table`)
      t.equal(table.headers.vary, DEFAULT_VARY, `${label}: Vary`)
      t.equal(table.headers['content-length'], String(table.body.length), `${label}: Content-Length`)
      t.equal(v1.headers['content-type'], BFAST, `${label}: plain B-FAST for the client that did not ask`)
      const v1Value = decode(v1.body, { tables: false }) // throws UNKNOWN_TAG on any table
      const tableValue = decode(table.body)
      t.same(plain(tableValue), v1Value, `${label}: toArray() deep-equals decode(v1 reply)`)
      t.equal(JSON.stringify(tableValue), json.body.toString('utf8'), `${label}: JSON.stringify(table reply) is the JSON reply`)
    }
  }
})

t.test('arrays of records are tables; what cannot be a table exactly stays a v1 list', async (t) => {
  const h = await harness({ tables: true }, routes)
  t.teardown(() => h.close())
  const NO_TABLE = new Set(['/empty', '/not-records', '/key-orders'])
  for (const url of URLS) {
    for (const res of await h.both({ url, headers: ASK_TABLE })) {
      const tables = countTables(decode(res.body))
      if (NO_TABLE.has(url)) t.equal(tables, 0, `${res.via} ${url}: no table`)
      else t.ok(tables >= 1, `${res.via} ${url}: ${tables} table(s)`)
    }
  }
  for (const res of await h.both({ url: '/users-schema', headers: ASK_TABLE })) {
    const table = decode(res.body) as BFastTable
    t.ok(table instanceof BFastTable, `${res.via}: the root is a table`)
    t.equal(table.length, 50, `${res.via}: 50 rows, O(1)`)
    t.same(table.columnNames, ['id', 'name', 'zip', 'created', 'friends'], `${res.via}: the schema's columns, in order`)
    const row = table.get(2)
    t.notOk('password' in row, `${res.via}: the field the schema drops is no column`)
    t.equal(row.zip, '10002', `${res.via}: coerced as the schema says`)
    t.ok(row.created instanceof Date, `${res.via}: Dates stay typed`)
    t.same(plain(row.friends), [{ id: 3 }], `${res.via}: nested records filtered`)
    t.ok(table.column('id') instanceof Int32Array, `${res.via}: the id column is a typed array`)
  }
})

t.test('plugin-wide and per-route: config.bfast.tables overrides the plugin', async (t) => {
  const rows = async (): Promise<Array<{ id: number }>> => [{ id: 1 }, { id: 2 }]
  const off = await harness({ tables: false }, (app) => {
    app.get('/off', rows)
    app.get('/on', { config: { bfast: { tables: true } } }, rows)
    app.get('/on-compressed', { config: { bfast: { tables: true, compression: { network: 'fast' } } } }, rows)
  })
  // The default is tables: true (issue 16 item 5: the client asks for them as a transport form).
  const h = await harness({}, (app) => {
    app.get('/default', rows)
    app.get('/off', { config: { bfast: { tables: false } } }, rows)
    app.get('/inherits', { config: { bfast: { compression: { threshold: 10 } } } }, rows)
  })
  t.teardown(async () => {
    await h.close()
    await off.close()
  })
  const cases: Array<[typeof h, string, string]> = [
    [off, '/off', BFAST], [off, '/on', TABLE], [off, '/on-compressed', TABLE],
    [h, '/default', TABLE], [h, '/off', BFAST], [h, '/inherits', TABLE]
  ]
  for (const [app, url, type] of cases) {
    for (const res of await app.both({ url, headers: ASK_TABLE })) {
      t.equal(res.headers['content-type'], type, `${res.via} ${url}`)
      t.same(plain(decode(res.body)), [{ id: 1 }, { id: 2 }], `${res.via} ${url}: the rows`)
    }
  }
})

t.test('compression (in-format LZ4) applies to tables as to v1, by size and policy', async (t) => {
  const h = await harness({ tables: true, compression: { network: 'slow' } }, (app) => {
    app.get('/big', async () => users(2000))
    app.get('/small', async () => users(2))
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/big', headers: ASK_TABLE })) {
    t.equal(res.headers['content-type'], TABLE, `${res.via}: labelled`)
    t.ok(isCompressed(res.body), `${res.via}: compressed above the threshold`)
    const table = decode(res.body) as BFastTable
    t.ok(table instanceof BFastTable && table.length === 2000, `${res.via}: decodes to the table`)
    t.same(plain(table), plain(decode(res.body)), `${res.via}: stable`)
  }
  for (const res of await h.both({ url: '/small', headers: ASK_TABLE })) {
    t.notOk(isCompressed(res.body), `${res.via}: below the threshold, plain`)
    t.ok(decode(res.body) instanceof BFastTable, `${res.via}: a table`)
  }
})

t.test('HEAD announces the Content-Length of the GET table reply (compressed or not), with no body', async (t) => {
  const h = await harness({ tables: true, compression: { network: 'slow' } }, (app) => {
    app.get('/big', async () => users(2000))
    app.get('/small', async () => users(3))
  })
  t.teardown(() => h.close())
  for (const url of ['/big', '/small']) {
    const gets = await h.both({ url, headers: ASK_TABLE })
    const heads = await h.both({ method: 'HEAD', url, headers: ASK_TABLE })
    for (const [i, head] of heads.entries()) {
      t.equal(head.body.length, 0, `${head.via} HEAD ${url}: no body`)
      t.equal(head.headers['content-type'], TABLE, `${head.via} HEAD ${url}: Content-Type as GET`)
      t.equal(head.headers['content-length'], gets[i]!.headers['content-length'], `${head.via} HEAD ${url}: Content-Length as GET`)
      t.equal(head.headers.vary, DEFAULT_VARY, `${head.via} HEAD ${url}: Vary`)
    }
  }
})

t.test('errors: an error reply holds no table (labelled as negotiated); thrown errors stay JSON', async (t) => {
  const h = await harness({ tables: true }, routes)
  const without = await harness(null, routes)
  t.teardown(async () => {
    await h.close()
    await without.close()
  })
  const [[json]] = await Promise.all([without.both({ url: '/invalid' })])
  for (const res of await h.both({ url: '/invalid', headers: ASK_TABLE })) {
    t.equal(res.status, 422, `${res.via}: status`)
    t.equal(res.headers['content-type'], TABLE, `${res.via}: labelled as negotiated (SPEC 8.0: may hold tables)`)
    const value = decode(res.body, { tables: false }) // UNKNOWN_TAG if it held a table
    t.equal(JSON.stringify(value), json.body.toString('utf8'), `${res.via}: the JSON error body, as plain values`)
  }
  for (const res of await h.both({ url: '/thrown', headers: ASK_TABLE })) {
    t.equal(res.status, 500, `${res.via}: thrown`)
    t.equal(res.headers['content-type'], JSON_CT, `${res.via}: Fastify's JSON error, as for v1`)
  }
})

t.test('a later onSend hook replacing the payload: the table bytes are not compressed or relabelled', async (t) => {
  const h = await harness({ tables: true, compression: { network: 'slow', threshold: 0 } }, (app) => {
    app.get('/replaced', {
      onSend: async (_req, reply, payload) => {
        reply.type('text/plain')
        return `was ${Buffer.isBuffer(payload) ? 'bytes' : typeof payload}`
      }
    }, async () => users(3))
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/replaced', headers: ASK_TABLE })) {
    t.equal(res.headers['content-type'], 'text/plain', `${res.via}: the hook's type`)
    t.equal(res.body.toString('utf8'), 'was bytes', `${res.via}: the hook's body, untouched`)
  }
})

t.test('with @fastify/compress before or after: a table reply is never Content-Encoded', async (t) => {
  for (const first of ['compress', 'bfast'] as const) {
    const app = Fastify()
    if (first === 'compress') await app.register(compressPlugin, { threshold: 0 })
    await app.register(bfast, { tables: true, compression: { network: 'fast' } })
    if (first === 'bfast') await app.register(compressPlugin, { threshold: 0 })
    app.get('/users', async () => users(200))
    const { url: base } = await listen(app)
    t.teardown(() => app.close())
    const res: Reply = await viaSocket(base, { url: '/users', headers: { ...ASK_TABLE, 'accept-encoding': 'gzip, br' } })
    t.equal(res.headers['content-type'], TABLE, `${first} first: a table`)
    t.equal(res.headers['content-encoding'], undefined, `${first} first: not Content-Encoded`)
    t.equal((decode(res.body) as BFastTable).length, 200, `${first} first: decodes`)
  }
})

// ---- transforms (SPEC 8.6) ------------------------------------------------------------------

/** The plain message of a reply body: LZ4 undone, or the Content-Encoding. */
function plainMessage(res: Reply): Uint8Array {
  const coding = res.headers['content-encoding']
  if (coding === 'gzip') return zlib.gunzipSync(res.body)
  if (coding === 'br') return zlib.brotliDecompressSync(res.body)
  return isCompressed(res.body) ? decompress(res.body) : res.body
}

/** The flags byte of the root table of a plain message (the string table skipped), or -1. */
function rootTableFlags(msg: Uint8Array): number {
  let p = 6
  const count = msg[4]! | (msg[5]! << 8)
  for (let i = 0; i < count; i++) p += 1 + msg[p]!
  return msg[p] === TAG_TABLE ? msg[p + 1]! : -1
}

const BOTH_TRANSFORMS = TABLE_DELTA | TABLE_SHUFFLE

t.test('transforms: only to the client that announced them, only in replies that are compressed', async (t) => {
  // cpuBudget 'none': gzip must be a candidate on every line (the budget rules it out on Node 24's figures)
  const h = await harness({ tables: true, compression: { network: 'slow', encodings: ['lz4', 'gzip'], cpuBudget: 'none' } }, (app) => {
    app.get('/big', async () => users(2000))
    app.get('/small', async () => users(2))
  })
  const fast = await harness({ tables: true, compression: { network: 'fast' } }, (app) => {
    app.get('/big', async () => users(2000))
  })
  const without = await harness(null, (app) => {
    app.get('/big', async () => users(2000))
  })
  t.teardown(async () => {
    await h.close()
    await fast.close()
    await without.close()
  })
  const [[json]] = await Promise.all([without.both({ url: '/big' })])
  type Case = [typeof h, string, Record<string, string>, string, string | undefined, boolean, number, string]
  const cases: Case[] = [
    [h, '/big', ASK_TRANSFORMS, TRANSFORMS, undefined, true, BOTH_TRANSFORMS, 'announced, LZ4: transformed'],
    [h, '/big', { ...ASK_TRANSFORMS, 'accept-encoding': 'gzip' }, TRANSFORMS, 'gzip', true, BOTH_TRANSFORMS, 'announced, gzip: transformed'],
    [h, '/big', ASK_TABLE, TABLE, undefined, true, 0, 'not announced: plain table, compressed'],
    [h, '/small', ASK_TRANSFORMS, TRANSFORMS, undefined, false, 0, 'below the threshold, sent plain: not transformed'],
    [fast, '/big', ASK_TRANSFORMS, TRANSFORMS, undefined, false, 0, "policy 'fast', never compressed: not transformed"]
  ]
  for (const [app, url, headers, type, coding, compressed, flags, why] of cases) {
    for (const res of await app.both({ url, headers })) {
      const label = `${res.via} ${url}: ${why}`
      t.equal(res.headers['content-type'], type, `${label}: Content-Type echoes what was negotiated`)
      t.equal(res.headers['content-encoding'], coding, `${label}: Content-Encoding`)
      t.equal(res.headers['content-length'], String(res.body.length), `${label}: Content-Length`)
      t.equal(res.headers.vary, app === fast ? 'Accept' : DEFAULT_VARY, `${label}: Vary`)
      const msg = plainMessage(res)
      t.equal(isCompressed(res.body) || coding !== undefined, compressed, `${label}: compressed or not`)
      t.equal(rootTableFlags(msg), flags, `${label}: table flags 0x${flags.toString(16)}`)
      const table = decode<BFastTable>(msg)
      t.ok(table instanceof BFastTable, `${label}: a table`)
      if (url === '/big') t.equal(JSON.stringify(table), json.body.toString('utf8'), `${label}: JSON.stringify is the JSON reply`)
    }
  }
})

t.test('transforms: HEAD announces the GET length; a strong ETag is weakened when compressed', async (t) => {
  const h = await harness({ tables: true, compression: { network: 'slow' } }, (app) => {
    app.get('/big', async (_req, reply) => {
      reply.header('etag', '"v1"')
      return users(2000)
    })
  })
  t.teardown(() => h.close())
  const gets = await h.both({ url: '/big', headers: ASK_TRANSFORMS })
  const heads = await h.both({ method: 'HEAD', url: '/big', headers: ASK_TRANSFORMS })
  for (const [i, head] of heads.entries()) {
    const get = gets[i]!
    t.equal(rootTableFlags(plainMessage(get)), BOTH_TRANSFORMS, `${get.via}: GET transformed`)
    t.equal(head.body.length, 0, `${head.via} HEAD: no body`)
    t.equal(head.headers['content-type'], TRANSFORMS, `${head.via} HEAD: Content-Type as GET`)
    t.equal(head.headers['content-length'], get.headers['content-length'], `${head.via} HEAD: Content-Length as GET`)
    t.equal(head.headers.vary, DEFAULT_VARY, `${head.via} HEAD: Vary`)
    t.equal(get.headers.etag, 'W/"v1"', `${get.via}: the ETag names other bytes now: weak`)
  }
})

t.test('transforms: a response-schema route sends the schema\'s columns, transformed, equal to the JSON reply', async (t) => {
  const h = await harness({ tables: true, compression: { network: 'slow', threshold: 0 } }, routes)
  const without = await harness(null, routes)
  t.teardown(async () => {
    await h.close()
    await without.close()
  })
  for (const url of ['/users-schema', '/page']) {
    const [[json], replies, v1Replies] = await Promise.all([
      without.both({ url }),
      h.both({ url, headers: ASK_TRANSFORMS }),
      h.both({ url, headers: ASK_BFAST })
    ])
    for (const [i, res] of replies.entries()) {
      const label = `${res.via} ${url}`
      t.equal(res.headers['content-type'], TRANSFORMS, `${label}: labelled`)
      const value = decode(plainMessage(res))
      t.ok(countTables(value) >= 1, `${label}: holds tables`)
      t.same(plain(value), decode(v1Replies[i]!.body, { tables: false }), `${label}: the v1 reply's values`)
      t.equal(JSON.stringify(value), json.body.toString('utf8'), `${label}: the JSON reply`)
    }
  }
  for (const res of await h.both({ url: '/users-schema', headers: ASK_TRANSFORMS })) {
    t.equal(rootTableFlags(plainMessage(res)), BOTH_TRANSFORMS, `${res.via}: the root table is transformed`)
    t.same((decode(plainMessage(res)) as BFastTable).columnNames, ['id', 'name', 'zip', 'created', 'friends'], `${res.via}: the schema's columns`)
  }
})

t.test("a tie between v1 and tables ('transport'): v1 from the compiled writer where the reply goes uncompressed, tables elsewhere", async (t) => {
  const list = { schema: { response: { 200: { type: 'array', items: USER_SCHEMA } } } }
  const h = await harness({ compression: { network: 'fast' } }, (app) => {
    app.get('/schema', list, async () => users(50))
    app.get('/schema-compressed', { ...list, config: { bfast: { compression: { network: 'slow', threshold: 0 } } } }, async () => users(50))
    app.get('/no-schema', async () => users(50))
  })
  t.teardown(() => h.close())
  const cases: Array<[string, Record<string, string>, string, string]> = [
    ['/schema', ASK_TRANSPORT, BFAST, 'schema route, uncompressed: v1 (the compiled writer)'],
    ['/schema', ASK_TRANSFORMS, TRANSFORMS, '`tables: true` (no tie): the table layout'],
    ['/schema-compressed', ASK_TRANSPORT, TRANSFORMS, 'schema route, compressed: tables (smaller, SPEC 8.6)'],
    ['/no-schema', ASK_TRANSPORT, TRANSFORMS, 'no schema: tables']
  ]
  for (const [url, headers, type, why] of cases) {
    const v1 = await h.both({ url, headers: ASK_BFAST })
    for (const [i, res] of (await h.both({ url, headers })).entries()) {
      t.equal(res.headers['content-type'], type, `${res.via} ${url}: ${why}`)
      t.equal(res.headers.vary, v1[i]!.headers.vary, `${res.via} ${url}: the same Vary as v1's`)
      t.same(plain(decode(res.body)), plain(decode(v1[i]!.body)), `${res.via} ${url}: the v1 reply's values`)
      if (type === BFAST) t.same(res.body, v1[i]!.body, `${res.via} ${url}: the v1 reply's bytes`)
    }
  }
})
