/**
 * Each in-format compression decision (issue 3 "Compression policy"): size against the
 * threshold, each network policy, each client hint and the Vary it adds, the chunked form on a
 * multi-megabyte reply, incompressible data, and composition with @fastify/compress. The routes
 * here may use LZ4 only (`encodings: ['lz4']`), so no reply carries a Content-Encoding; the HTTP
 * codings are in content-coding.test.ts.
 */
import t from 'tap'
import type { Test } from 'tap'
import compressPlugin from '@fastify/compress'
import { decode, isCompressed } from '../../src/index.js'
import { AUTO_ASSUMED_MBPS, CODING_FIGURES } from '../../plugin/index.js'
import type { BfastPluginOptions, ReplyCoding } from '../../plugin/index.js'
import { users } from '../helpers/tagged.js'
import { BFAST, harness, viaInject } from './server.js'
import type { Reply } from './server.js'

const ASK = { accept: BFAST }
const LZ4_ONLY: ReplyCoding[] = ['lz4']
/** This line's measured LZ4 figures, and the bandwidth under which LZ4 beats plain: 8 (1 - R) / (1/C + 1/D). */
const LZ4 = CODING_FIGURES.find((f) => f.coding === 'lz4')!
const BREAK_EVEN_MBPS = (8 * (1 - LZ4.ratio)) / (1 / LZ4.compressMBps + 1 / LZ4.decompressMBps)
/** Repetitive rows: compress well. */
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, label: `row number ${i}`, ok: true }))

/** The plain message size of `/plain` (a route with network 'fast'), as the plugin measures it. */
async function plainSize(h: { app: Parameters<typeof viaInject>[0] }): Promise<Reply> {
  return viaInject(h.app, { url: '/plain', headers: ASK })
}

/** Reads the SPEC 4 chunked framing; undefined when the body is not chunked-shaped. */
function chunkedLayout(body: Buffer): { total: number; chunks: number } | undefined {
  if (body.length < 8) return undefined
  const total = body.readUInt32LE(0)
  const chunks = body.readUInt32LE(4)
  let p = 8
  let sum = 0
  for (let i = 0; i < chunks; i++) {
    if (p + 4 > body.length) return undefined
    const len = body.readUInt32LE(p)
    if (p + 4 + len > body.length || len < 4) return undefined
    sum += body.readUInt32LE(p + 4)
    p += 4 + len
  }
  return p === body.length && sum === total ? { total, chunks } : undefined
}

function check(t: Test, res: Reply, compressed: boolean, expected: unknown, label: string): void {
  t.equal(res.headers['content-type'], BFAST, `${res.via} ${label}: B-FAST`)
  t.equal(isCompressed(res.body), compressed, `${res.via} ${label}: ${compressed ? 'compressed' : 'plain'}`)
  t.equal(res.headers['content-encoding'], undefined, `${res.via} ${label}: never Content-Encoding`)
  t.same(decode(res.body), expected, `${res.via} ${label}: decodes to the payload`)
}

t.test('the cost model: auto assumes a bandwidth under the LZ4 break-even point', async (t) => {
  t.ok(BREAK_EVEN_MBPS > AUTO_ASSUMED_MBPS, `break-even ${BREAK_EVEN_MBPS.toFixed(0)} Mbps > auto's ${AUTO_ASSUMED_MBPS} Mbps`)
  t.ok(BREAK_EVEN_MBPS < 10_000, 'a 10 Gbps link does not pay for compression')
})

t.test('threshold: never below it, from it on', async (t) => {
  const small = { s: 'x'.repeat(10) }
  const h = await harness({ compression: { network: 'slow', encodings: LZ4_ONLY } }, (app) => {
    app.get('/plain', { config: { bfast: { compression: { network: 'fast', encodings: LZ4_ONLY } } } }, async () => rows(40))
    app.get('/rows', async () => rows(40))
    app.get('/small', async () => small)
  })
  t.teardown(() => h.close())
  const plain = await plainSize(h)
  t.notOk(isCompressed(plain.body), "network 'fast' sends the plain message")
  const size = plain.body.length
  t.ok(size > 1024, 'the rows message is above the default threshold')
  for (const res of await h.both({ url: '/rows', headers: ASK })) check(t, res, true, rows(40), 'above 1024')
  for (const res of await h.both({ url: '/small', headers: ASK })) check(t, res, false, small, 'below 1024')

  const exact = await harness({ compression: { network: 'slow', threshold: size, encodings: LZ4_ONLY } }, (app) => {
    app.get('/rows', async () => rows(40))
  })
  t.teardown(() => exact.close())
  for (const res of await exact.both({ url: '/rows', headers: ASK })) check(t, res, true, rows(40), 'size == threshold')
  const above = await harness({ compression: { network: 'slow', threshold: size + 1, encodings: LZ4_ONLY } }, (app) => {
    app.get('/rows', async () => rows(40))
  })
  t.teardown(() => above.close())
  for (const res of await above.both({ url: '/rows', headers: ASK })) check(t, res, false, rows(40), 'size == threshold - 1')
})

t.test('each network policy', async (t) => {
  const cases: Array<[BfastPluginOptions['compression'], boolean, string]> = [
    [{ network: 'fast' }, false, "'fast' never compresses"],
    [{ network: 'slow' }, true, "'slow' compresses"],
    [{ network: 'auto' }, true, `'auto' assumes ${AUTO_ASSUMED_MBPS} Mbps`],
    [{}, true, "the default is 'auto'"],
    [{ network: { mbps: 10 } }, true, '10 Mbps'],
    [{ network: { mbps: Math.floor(BREAK_EVEN_MBPS) } }, true, 'just under the break-even bandwidth'],
    [{ network: { mbps: Math.ceil(BREAK_EVEN_MBPS) } }, false, 'at the break-even bandwidth'],
    [{ network: { mbps: 10_000 } }, false, '10 Gbps']
  ]
  for (const [compression, compressed, why] of cases) {
    const h = await harness({ compression: { ...compression, encodings: LZ4_ONLY } }, (app) => {
      app.get('/rows', async () => rows(100))
    })
    for (const res of await h.both({ url: '/rows', headers: ASK })) check(t, res, compressed, rows(100), why)
    for (const res of await h.both({ url: '/rows', headers: ASK })) t.equal(res.headers.vary, 'Accept', `${res.via} ${why}: Vary`)
    await h.close()
  }
})

t.test('client hints decide per request; Vary names Save-Data and ECT on every reply they could have changed', async (t) => {
  const fast = await harness({ compression: { network: 'fast', encodings: LZ4_ONLY }, clientHints: true }, (app) => {
    app.get('/rows', async () => rows(100))
    app.get('/small', async () => ({ a: 1 }))
  })
  const slow = await harness({ compression: { network: 'slow', encodings: LZ4_ONLY }, clientHints: true }, (app) => {
    app.get('/rows', async () => rows(100))
  })
  const off = await harness({ compression: { network: 'fast', encodings: LZ4_ONLY } }, (app) => {
    app.get('/rows', async () => rows(100))
  })
  t.teardown(async () => {
    await fast.close()
    await slow.close()
    await off.close()
  })
  const cases: Array<[typeof fast, Record<string, string>, boolean, string, string]> = [
    [fast, {}, false, 'Accept, Save-Data, ECT', "no hints: 'fast' holds, and the reply says hints could change it"],
    [fast, { 'save-data': 'on' }, true, 'Accept, Save-Data, ECT', 'Save-Data: on'],
    [fast, { 'save-data': 'off' }, false, 'Accept, Save-Data, ECT', 'Save-Data: off is no hint'],
    [fast, { ect: 'slow-2g' }, true, 'Accept, Save-Data, ECT', 'ECT slow-2g'],
    [fast, { ect: '2g' }, true, 'Accept, Save-Data, ECT', 'ECT 2g'],
    [fast, { ect: '3g' }, true, 'Accept, Save-Data, ECT', 'ECT 3g'],
    [fast, { ect: '4g' }, false, 'Accept, Save-Data, ECT', 'ECT 4g alone decides nothing'],
    [fast, { downlink: '1.5' }, true, 'Accept, Save-Data, ECT', 'Downlink 1.5 Mbps (Downlink itself never in Vary)'],
    [fast, { downlink: 'fast' }, false, 'Accept, Save-Data, ECT', 'a malformed Downlink is ignored'],
    [fast, { 'save-data': 'on', ect: '2g', downlink: '10' }, true, 'Accept, Save-Data, ECT', 'Save-Data decides first'],
    [slow, { 'save-data': 'on' }, true, 'Accept', "Save-Data under 'slow' changes nothing: no Vary"],
    [slow, { ect: '2g' }, true, 'Accept', "ECT under 'slow' changes nothing: no Vary"],
    [slow, { downlink: '100000' }, false, 'Accept', 'Downlink 100 Gbps turns compression off, without Vary'],
    [off, { 'save-data': 'on', ect: '2g' }, false, 'Accept', 'clientHints off: hints ignored']
  ]
  for (const [h, hints, compressed, vary, why] of cases) {
    for (const res of await h.both({ url: '/rows', headers: { ...ASK, ...hints } })) {
      check(t, res, compressed, rows(100), why)
      t.equal(res.headers.vary, vary, `${res.via} ${why}: Vary`)
      t.equal(res.headers['accept-ch'], h === off ? undefined : 'ECT, Downlink, RTT', `${res.via} ${why}: Accept-CH`)
    }
  }
  for (const res of await fast.both({ url: '/small', headers: { ...ASK, 'save-data': 'on' } })) {
    check(t, res, false, { a: 1 }, 'below the threshold, hints do not matter')
    t.equal(res.headers.vary, 'Accept, Save-Data, ECT', `${res.via} below threshold: the route's Vary all the same`)
  }
  for (const res of await fast.both({ url: '/rows', headers: { 'save-data': 'on' } })) {
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8', `${res.via} JSON client with hints: JSON`)
    t.equal(res.headers.vary, 'Accept, Save-Data, ECT', `${res.via} JSON reply: the same Vary as the B-FAST ones (one Vary per URL in caches)`)
  }
})

t.test('the chunked form on a multi-megabyte reply, a single block below parallelThreshold', async (t) => {
  const big = users(40_000)
  const h = await harness({ compression: { network: 'slow', encodings: LZ4_ONLY } }, (app) => {
    app.get('/big', async () => big)
    app.get('/medium', async () => users(2_000))
    app.get('/tuned', { config: { bfast: { compression: { parallelThreshold: 50_000, chunkSize: 16_384 } } } }, async () => users(2_000))
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/big', headers: ASK })) {
    const layout = chunkedLayout(res.body)
    t.ok(layout, `${res.via}: chunked framing (SPEC 4)`)
    t.ok(layout !== undefined && layout.total > 4_000_000, `${res.via}: a multi-megabyte message (${layout?.total} bytes)`)
    t.equal(layout?.chunks, Math.ceil((layout?.total ?? 0) / 262_144), `${res.via}: 262,144-byte chunks`)
    t.ok(res.body.length < (layout?.total ?? 0) / 2, `${res.via}: compressed`)
    const decoded = decode(res.body) as typeof big
    t.equal(decoded.length, big.length, `${res.via}: all rows`)
    t.same(decoded[39_999], big[39_999], `${res.via}: last row intact`)
  }
  for (const res of await h.both({ url: '/medium', headers: ASK })) {
    t.ok(isCompressed(res.body), `${res.via} medium: compressed`)
    t.equal(chunkedLayout(res.body), undefined, `${res.via} medium: a single block`)
    t.same(decode(res.body), users(2_000))
  }
  for (const res of await h.both({ url: '/tuned', headers: ASK })) {
    const layout = chunkedLayout(res.body)
    t.equal(layout?.chunks, Math.ceil((layout?.total ?? 0) / 16_384), `${res.via} route override: chunked with 16 KiB chunks`)
    t.same(decode(res.body), users(2_000))
  }
})

t.test('incompressible messages go out plain', async (t) => {
  const noise = new Uint8Array(64 * 1024)
  let x = 0x2545f491
  for (let i = 0; i < noise.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    noise[i] = x & 0xff
  }
  const h = await harness({ compression: { network: 'slow', encodings: LZ4_ONLY } }, (app) => {
    app.get('/noise', async () => ({ noise }))
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/noise', headers: ASK })) {
    t.notOk(isCompressed(res.body), `${res.via}: LZ4 would not shrink it: sent plain`)
    t.same((decode(res.body) as { noise: Uint8Array }).noise, noise)
  }
})

t.test('composes with @fastify/compress: B-FAST is never Content-Encoded', async (t) => {
  const h = await harness({ compression: { network: 'slow', encodings: LZ4_ONLY } }, async (app) => {
    await app.register(compressPlugin, { threshold: 0 })
    app.get('/rows', async () => rows(200))
  })
  t.teardown(() => h.close())
  for (const res of await h.both({ url: '/rows', headers: { ...ASK, 'accept-encoding': 'gzip' } })) {
    check(t, res, true, rows(200), 'with @fastify/compress')
  }
  const json = await h.app.inject({ url: '/rows', headers: { 'accept-encoding': 'gzip' } })
  t.equal(json.headers['content-encoding'], 'gzip', 'JSON replies are still gzipped by @fastify/compress')
  t.match(String(json.headers.vary), /accept-encoding/i)
  t.match(String(json.headers.vary), /\bAccept\b/)
})

t.test('HEAD of a compressed reply announces the GET reply Content-Length, with no body', async (t) => {
  const h = await harness({ compression: { network: 'slow', encodings: LZ4_ONLY } }, (app) => {
    app.get('/rows', async () => rows(300))
  })
  t.teardown(() => h.close())
  const gets = await h.both({ url: '/rows', headers: ASK })
  const heads = await h.both({ method: 'HEAD', url: '/rows', headers: ASK })
  for (const [i, head] of heads.entries()) {
    t.ok(isCompressed(gets[i].body), `${gets[i].via} GET: compressed`)
    t.equal(head.body.length, 0, `${head.via} HEAD: no body`)
    t.equal(head.headers['content-length'], String(gets[i].body.length), `${head.via} HEAD: the compressed GET length`)
    t.equal(head.headers['content-type'], BFAST)
  }
})
