/**
 * The compression decision and Vary merging as functions (the HTTP-level behaviour is in
 * compression.test.ts): forms, hint precedence, and which hints reach Vary.
 */
import t from 'tap'
import { decideCompression, routeVary, hintVerdict, BREAK_EVEN_MBPS, LZ4_MODEL, networkWants, paysAt } from '../../plugin/policy.js'
import type { ResolvedCompression } from '../../plugin/options.js'
import { mergeVary } from '../../plugin/vary.js'

const route = (over: Partial<ResolvedCompression> = {}): ResolvedCompression => ({
  threshold: 1024,
  network: 'slow',
  parallelThreshold: 1_000_000,
  chunkSize: 262_144,
  ...over
})

t.test('the break-even bandwidth follows from the measured constants', async (t) => {
  const perByteCost = 1 / LZ4_MODEL.compressBytesPerSecond + 1 / LZ4_MODEL.decompressBytesPerSecond
  const perByteSaving = (1 - LZ4_MODEL.compressedRatio) * 8
  t.equal(BREAK_EVEN_MBPS, perByteSaving / perByteCost / 1e6)
  t.ok(paysAt(BREAK_EVEN_MBPS * 0.99))
  t.notOk(paysAt(BREAK_EVEN_MBPS))
  t.equal(networkWants('fast'), false)
  t.equal(networkWants('slow'), true)
  t.equal(networkWants({ mbps: BREAK_EVEN_MBPS * 2 }), false)
})

t.test('forms: none below the threshold, a block, chunked from parallelThreshold', async (t) => {
  t.same(decideCompression(1023, route(), undefined), { form: 'none' })
  t.same(decideCompression(1024, route(), undefined), { form: 'block' })
  t.same(decideCompression(999_999, route(), undefined), { form: 'block' })
  t.same(decideCompression(1_000_000, route(), undefined), { form: 'chunked' })
  t.same(decideCompression(5_000_000, route({ network: 'fast' }), undefined), { form: 'none' })
  t.same(decideCompression(0, route({ threshold: 0 }), undefined), { form: 'block' })
})

t.test('hints: Save-Data, then slow ECT, then Downlink; a route names the first two in Vary whenever they could change a reply', async (t) => {
  t.same(hintVerdict({}), undefined)
  t.same(hintVerdict({ 'save-data': ' ON ' }), { compress: true, field: 'save-data' })
  t.same(hintVerdict({ ect: '3G' }), { compress: true, field: 'ect' })
  t.same(hintVerdict({ ect: '4g' }), undefined)
  t.same(hintVerdict({ ect: '4g', downlink: '0' }), { compress: true, field: 'downlink' })
  t.same(hintVerdict({ downlink: String(BREAK_EVEN_MBPS * 2) }), { compress: false, field: 'downlink' })
  t.same(hintVerdict({ downlink: '-1' }), undefined)
  t.same(hintVerdict({ downlink: '' }), undefined)
  t.same(hintVerdict({ 'save-data': ['on', 'off'] }), { compress: true, field: 'save-data' })
  const fast = route({ network: 'fast' })
  t.same(decideCompression(5000, fast, { 'save-data': 'on' }), { form: 'block' })
  t.same(decideCompression(5000, fast, { ect: '2g' }), { form: 'block' })
  t.same(decideCompression(5000, fast, { downlink: '2' }), { form: 'block' })
  t.same(decideCompression(5000, fast, {}), { form: 'none' })
  t.same(decideCompression(5000, route(), { 'save-data': 'on' }), { form: 'block' })
  t.same(decideCompression(5000, route(), { downlink: '100000' }), { form: 'none' })
  t.same(decideCompression(500, fast, { 'save-data': 'on' }), { form: 'none' })
  // regression: every reply of a route where hints could change the outcome names them,
  // unhinted, JSON and small replies too, or a shared cache mixes the variants up
  t.same(routeVary(fast, true), ['Accept', 'Save-Data', 'ECT'])
  t.same(routeVary(fast, false), ['Accept'])
  t.same(routeVary(route({ network: 'slow' }), true), ['Accept'])
  t.same(routeVary(route({ network: { mbps: BREAK_EVEN_MBPS * 2 } }), true), ['Accept', 'Save-Data', 'ECT'])
})

t.test('mergeVary: case-insensitive, once each, "*" absorbs all', async (t) => {
  t.equal(mergeVary(undefined, ['Accept']), 'Accept')
  t.equal(mergeVary('', ['Accept']), 'Accept')
  t.equal(mergeVary('Origin', ['Accept']), 'Origin, Accept')
  t.equal(mergeVary('accept', ['Accept', 'ECT']), 'accept, ECT')
  t.equal(mergeVary('Accept-Encoding,  origin ,ORIGIN', ['Accept']), 'Accept-Encoding, origin, Accept')
  t.equal(mergeVary(['Origin', 'Accept-Language'], ['Accept']), 'Origin, Accept-Language, Accept')
  t.equal(mergeVary('*', ['Accept']), '*')
  t.equal(mergeVary('Origin, *', ['Accept']), '*')
})
