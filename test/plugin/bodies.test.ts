/**
 * Request bodies (issue 3 "Request bodies", issue 6 "Server under fault"): good plain and
 * compressed bodies; malformed, truncated, oversized (413), decompression bombs and wrong
 * Content-Types get a clear 4xx with a code; the server keeps serving others meanwhile.
 */
import t from 'tap'
import { encode } from '../../src/index.js'
import { compress, compressChunked } from '../../src/compress.js'
import { users } from '../helpers/tagged.js'
import { BFAST, harness, JSON_CT } from './server.js'
import type { Harness, Reply } from './server.js'

const sample = { name: 'Ada', when: new Date('2024-01-15T10:30:45.123Z'), big: 2n ** 60n, bytes: new Uint8Array([1, 2, 3]), list: [1, 2.5, null] }

/** Routes echoing what the body parser produced, with types made visible to JSON. */
function echo(h: Parameters<Parameters<typeof harness>[1]>[0]): void {
  h.post('/echo', async (request) => {
    const body = request.body as Record<string, unknown>
    return {
      keys: Object.keys(body),
      whenIsDate: body.when instanceof Date,
      bigIsBigint: typeof body.big === 'bigint',
      bytesIsUint8Array: body.bytes instanceof Uint8Array,
      count: Array.isArray(body) ? body.length : undefined
    }
  })
  h.post('/count', async (request) => ({ count: (request.body as unknown[]).length }))
  h.get('/ping', async () => ({ pong: true }))
}

function errorOf(res: Reply): { statusCode: number; code: string; message: string } {
  return JSON.parse(res.body.toString('utf8')) as { statusCode: number; code: string; message: string }
}

async function post(h: Harness, url: string, body: Buffer | Uint8Array, contentType = BFAST): Promise<[Reply, Reply]> {
  return h.both({ method: 'POST', url, headers: { 'content-type': contentType }, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) })
}

/** A compressed single-block message whose size prefix claims `claimed` bytes. */
function lyingPrefix(message: Uint8Array, claimed: number): Buffer {
  const c = Buffer.from(compress(message))
  c.writeUInt32LE(claimed, 0)
  return c
}

t.test('good bodies: plain, single-block and chunked compressed', async (t) => {
  const h = await harness({}, echo)
  t.teardown(() => h.close())
  const plain = encode(sample)
  for (const [label, body] of [
    ['plain', plain],
    ['single block', compress(plain)],
    ['chunked', await compressChunked(plain, { chunkSize: 16 })]
  ] as const) {
    for (const res of await post(h, '/echo', body)) {
      t.equal(res.status, 200, `${res.via} ${label}: 200`)
      t.same(JSON.parse(res.body.toString('utf8')), { keys: ['name', 'when', 'big', 'bytes', 'list'], whenIsDate: true, bigIsBigint: true, bytesIsUint8Array: true }, `${res.via} ${label}: typed values`)
    }
  }
  const many = encode(users(5_000))
  for (const res of await post(h, '/count', compress(many))) t.same(JSON.parse(res.body.toString('utf8')), { count: 5_000 }, `${res.via}: 5,000 users`)
})

t.test('decode options pass through to request bodies', async (t) => {
  const h = await harness({ decode: { dates: 'string', int64: 'number' } }, echo)
  t.teardown(() => h.close())
  for (const res of await post(h, '/echo', encode(sample))) {
    t.match(JSON.parse(res.body.toString('utf8')), { whenIsDate: false, bigIsBigint: false }, `${res.via}: dates as text, int64 as number`)
  }
})

t.test('malformed bodies: 400 with FST_BFAST_BAD_BODY and the codec message', async (t) => {
  const h = await harness({}, echo)
  t.teardown(() => h.close())
  const plain = encode(sample)
  const cases: Array<[string, Buffer | Uint8Array, RegExp]> = [
    ['truncated', plain.subarray(0, plain.length - 3), /TRUNCATED/],
    ['trailing bytes', Buffer.concat([plain, Buffer.from([0x10])]), /TRAILING/],
    ['unknown tag', Buffer.from([0x42, 0x46, 0, 1, 0, 0, 0xee]), /UNKNOWN_TAG/],
    ['big-endian flag', Buffer.from([0x42, 0x46, 2, 1, 0, 0, 0x10]), /BAD_FLAGS/],
    ['bad version', Buffer.from([0x42, 0x46, 0, 9, 0, 0, 0x10]), /BAD_VERSION/],
    ['a list declaring 2^32-1 elements in 10 bytes', Buffer.from([0x42, 0x46, 0, 1, 0, 0, 0x60, 0xff, 0xff, 0xff, 0xff]), /TRUNCATED/],
    ['compressed with a prefix smaller than the output', lyingPrefix(plain, plain.length - 1), /BAD_COMPRESSION/],
    ['compressed with a prefix larger than the output', lyingPrefix(plain, plain.length + 10), /BAD_COMPRESSION|TRUNCATED/],
    ['a single byte', Buffer.from([0x42]), /TRUNCATED|BAD_MAGIC|BAD_COMPRESSION/]
  ]
  for (const [label, body, code] of cases) {
    for (const res of await post(h, '/echo', body)) {
      t.equal(res.status, 400, `${res.via} ${label}: 400`)
      t.equal(res.headers['content-type'], JSON_CT, `${res.via} ${label}: a JSON error`)
      const err = errorOf(res)
      t.equal(err.code, 'FST_BFAST_BAD_BODY', `${res.via} ${label}: code`)
      t.match(err.message, /^Invalid B-FAST request body: /, `${res.via} ${label}: says what`)
      t.match(err.message, code, `${res.via} ${label}: names the codec error`)
    }
  }
  let deep: Uint8Array = new Uint8Array([0x10])
  for (let i = 0; i < 200; i++) deep = Buffer.concat([Buffer.from([0x60, 1, 0, 0, 0]), deep])
  const nested = Buffer.concat([Buffer.from([0x42, 0x46, 0, 1, 0, 0]), deep])
  for (const res of await post(h, '/echo', nested)) {
    t.equal(res.status, 400, `${res.via} nesting past 128: 400`)
    t.match(errorOf(res).message, /DEPTH/)
  }
})

t.test('oversized bodies and decompression bombs: 413 before any large allocation', async (t) => {
  const bodyLimit = 64 * 1024
  const h = await harness({}, echo, { bodyLimit })
  t.teardown(() => h.close())
  const zeros = encode({ z: new Uint8Array(bodyLimit * 4) })
  const bomb = compress(zeros)
  t.ok(bomb.length < bodyLimit, `the bomb (${bomb.length} bytes) passes bodyLimit`)
  for (const res of await post(h, '/echo', bomb)) {
    t.equal(res.status, 413, `${res.via} bomb expanding past maxBodySize (= bodyLimit): 413`)
    const err = errorOf(res)
    t.equal(err.code, 'FST_BFAST_BODY_TOO_LARGE', `${res.via} bomb: code`)
    t.match(err.message, /too large/i)
  }
  for (const res of await post(h, '/echo', lyingPrefix(encode(sample), 0xffffffff))) {
    // 4 GiB from a body of a few dozen bytes: no LZ4 data can expand that far (255x), so the
    // body is malformed rather than too large.
    t.equal(res.status, 400, `${res.via} a 4 GiB size prefix on a small body: 400`)
    t.match(errorOf(res), { code: 'FST_BFAST_BAD_BODY', message: /claim 4294967295 bytes, more than LZ4 can expand \d+ bytes to/ })
  }
  // A claim LZ4 could reach from this many bytes, but beyond maxBodySize: 413.
  const plausible = Buffer.concat([lyingPrefix(encode(sample), 0), Buffer.alloc(bodyLimit / 2)])
  plausible.writeUInt32LE(bodyLimit * 8, 0)
  for (const res of await post(h, '/echo', plausible)) {
    t.equal(res.status, 413, `${res.via} a size prefix within 255x of the body but over maxBodySize: 413`)
    t.equal(errorOf(res).code, 'FST_BFAST_BODY_TOO_LARGE')
  }
  for (const res of await post(h, '/echo', encode({ z: new Uint8Array(bodyLimit * 2) }))) {
    t.equal(res.status, 413, `${res.via} plain body over bodyLimit: 413 from Fastify`)
    t.equal(errorOf(res).code, 'FST_ERR_CTP_BODY_TOO_LARGE')
  }
  const chunkedBomb = await compressChunked(zeros, { chunkSize: 65_536 })
  for (const res of await post(h, '/echo', chunkedBomb)) {
    t.equal(res.status, 413, `${res.via} chunked bomb: 413`)
  }

  const roomy = await harness({ maxBodySize: bodyLimit * 8 }, echo, { bodyLimit })
  t.teardown(() => roomy.close())
  for (const res of await post(roomy, '/echo', bomb)) {
    t.equal(res.status, 200, `${res.via} the same body under maxBodySize = 8 x bodyLimit: accepted`)
  }
  const tight = await harness({ maxBodySize: 100 }, echo)
  t.teardown(() => tight.close())
  for (const res of await post(tight, '/echo', encode({ s: 'x'.repeat(200) }))) {
    t.equal(res.status, 413, `${res.via} plain body over maxBodySize: 413`)
    t.match(errorOf(res), { code: 'FST_BFAST_BODY_TOO_LARGE', message: /maxBodySize \(100 bytes\)/ })
  }
})

t.test('regression: the parser told an impossible LZ4 size claim from an over-limit one by re-reading the size prefix (issue 15)', async (t) => {
  // The codec now says which it is (IMPOSSIBLE_SIZE or TOO_LARGE); the plugin maps the code.
  const bodyLimit = 64 * 1024
  const h = await harness({}, echo, { bodyLimit })
  t.teardown(() => h.close())
  const impossible = lyingPrefix(encode(sample), 0xffffffff)
  const binary = Buffer.concat([Buffer.from([0x01, 0x02]), impossible])
  for (const [label, body, hint] of [
    ['a 4 GiB claim on a small body', impossible, false],
    ['a claim binary bytes cannot reach', binary, false],
    ['JSON text', Buffer.from(' {"name":"Ada"}'), true]
  ] as const) {
    for (const res of await post(h, '/echo', body)) {
      const err = errorOf(res)
      t.equal(res.status, 400, `${res.via} ${label}: 400`)
      t.equal(err.code, 'FST_BFAST_BAD_BODY', `${res.via} ${label}: FST_BFAST_BAD_BODY`)
      t.match(err.message, /\(IMPOSSIBLE_SIZE at byte 0\)/, `${res.via} ${label}: names the codec's code`)
      t.equal(/It looks like JSON/.test(err.message), hint, `${res.via} ${label}: the JSON hint ${hint ? 'given' : 'not given'}`)
    }
  }
  const plausible = Buffer.concat([lyingPrefix(encode(sample), 0), Buffer.alloc(bodyLimit / 2)])
  plausible.writeUInt32LE(bodyLimit * 8, 0)
  for (const res of await post(h, '/echo', plausible)) {
    t.equal(res.status, 413, `${res.via} a reachable claim over maxBodySize: 413`)
    t.match(errorOf(res), { code: 'FST_BFAST_BODY_TOO_LARGE', message: /\(TOO_LARGE at byte 0\) \(maxBodySize 65536 bytes\)/ })
  }
})

t.test('wrong Content-Types', async (t) => {
  const h = await harness({}, echo)
  t.teardown(() => h.close())
  for (const res of await post(h, '/echo', encode(sample), 'application/json')) {
    t.equal(res.status, 400, `${res.via} B-FAST bytes labelled JSON: 400`)
    t.equal(errorOf(res).code, 'FST_ERR_CTP_INVALID_JSON_BODY')
  }
  for (const res of await post(h, '/echo', encode(sample), 'application/x-unknown')) {
    t.equal(res.status, 415, `${res.via} unknown type: 415`)
  }
  for (const res of await post(h, '/echo', encode(sample), 'Application/X-BFAST')) {
    t.equal(res.status, 200, `${res.via} the media type is case-insensitive`)
  }
  for (const res of await post(h, '/echo', encode(sample), 'application/x-bfast; v=1')) {
    t.equal(res.status, 200, `${res.via} parameters do not change the media type`)
  }
  for (const res of await post(h, '/echo', encode(sample), 'application/x-bfastx')) {
    t.equal(res.status, 415, `${res.via} a longer subtype is another type: 415`)
  }
  for (const body of ['{"name":"Ada"}', '\n  [1, 2, 3]']) {
    for (const res of await post(h, '/echo', Buffer.from(body))) {
      // regression: this was a 413 "too large". Not "BF", so read as compressed; its "size
      // prefix" is the text itself (1.8 GB for '{"na'), which 14 bytes can never expand to.
      t.equal(res.status, 400, `${res.via} JSON text labelled B-FAST: 400, not 413`)
      t.match(errorOf(res), { code: 'FST_BFAST_BAD_BODY', message: /does not start with "BF".*It looks like JSON: send it as application\/json/ })
    }
  }
  for (const res of await post(h, '/echo', Buffer.alloc(0))) {
    t.equal(res.status, 400, `${res.via} empty B-FAST body: 400`)
  }
})

t.test('the server keeps serving others while bad bodies arrive', async (t) => {
  const h = await harness({}, echo, { bodyLimit: 256 * 1024 })
  t.teardown(() => h.close())
  const bomb = compress(encode({ z: new Uint8Array(1 << 20) }))
  const garbage = Buffer.alloc(100_000, 0xee)
  const bad: Array<Promise<Reply[]>> = []
  const good: Array<Promise<Reply[]>> = []
  for (let i = 0; i < 30; i++) {
    bad.push(post(h, '/echo', i % 2 === 0 ? bomb : garbage))
    good.push(h.both({ url: '/ping', headers: { accept: BFAST } }))
    good.push(post(h, '/count', compress(encode(users(100)))))
  }
  // One Promise.all over both lists: awaiting `bad` first would leave a rejection of `good`
  // unhandled while it waits (issue 15 item 1).
  const [badReplies, goodReplies] = await Promise.all([Promise.all(bad), Promise.all(good)])
  for (const pair of badReplies) for (const res of pair) t.ok(res.status === 413 || res.status === 400, `${res.via} bad body: ${res.status}`)
  let ok = 0
  for (const pair of goodReplies) for (const res of pair) if (res.status === 200) ok++
  t.equal(ok, 120, 'every good request succeeded')
})

t.test('regression: a table in a B-FAST request body reached the handler as a lazy BFastTable instead of an array', async (t) => {
  const h = await harness({}, echo)
  t.teardown(() => h.close())
  const rows = [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]
  // The same rows as a v1 list are an array for the handler, as from a JSON body ...
  for (const res of await post(h, '/count', encode(rows))) {
    t.equal(res.status, 200, `${res.via} v1 list: 200`)
    t.same(JSON.parse(res.body.toString('utf8')), { count: 2 }, `${res.via} v1 list: an array of 2`)
  }
  // ... and a table (SPEC 8, a reply layout only) is refused as B-FAST v1 readers refuse it.
  for (const res of await post(h, '/count', encode(rows, { tables: true }))) {
    t.equal(res.status, 400, `${res.via} table: 400`)
    const err = errorOf(res)
    t.equal(err.code, 'FST_BFAST_BAD_BODY', `${res.via} table: code`)
    t.match(err.message, /a table, SPEC 8.*UNKNOWN_TAG/, `${res.via} table: says it is a table`)
  }
})
