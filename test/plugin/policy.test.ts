/**
 * The compression decision and Vary merging as functions (the HTTP-level behaviour is in
 * compression.test.ts and content-coding.test.ts): the cost model's choice at each bandwidth and
 * accepted set, forms, hint precedence, and which request fields reach Vary. The model runs on
 * the hand-made figures below, whose crossover bandwidths are worked out by hand; the measured
 * figures are checked for the properties the README states.
 */
import t from 'tap'
import { hintMbps, networkMbps, RoutePolicy, SEND_BLOCK, SEND_CHUNKED, SEND_PLAIN } from '../../plugin/policy.js'
import type { CompressionDecision } from '../../plugin/policy.js'
import {
  AUTO_ASSUMED_MBPS, budgetMinCompressMBps, CODING_FIGURES, CONSIDERED_LEVELS, DOWNLINK_CAP_MBPS, MEASURED,
  MEASURED_BUDGET, SERVER_BUDGET, SLOW_ASSUMED_MBPS
} from '../../plugin/coding-model.js'
import type { CodingFigures, ServerBudget } from '../../plugin/coding-model.js'
import { browserHeaders } from '../../load-tests/browser-hints.js'
import { LINKS } from '../../load-tests/constants.js'
import { DEFAULTS } from '../../plugin/options.js'
import type { ResolvedCompression } from '../../plugin/options.js'
import { AVAILABLE_CODINGS } from '../../plugin/content-coding.js'
import { mergeVary } from '../../plugin/vary.js'

const route = (over: Partial<ResolvedCompression> = {}): ResolvedCompression => ({
  threshold: 1024,
  network: 'slow',
  parallelThreshold: 1_000_000,
  chunkSize: 262_144,
  encodings: DEFAULTS.encodings,
  levels: DEFAULTS.levels,
  cpuBudget: 'none',
  ...over
})

/**
 * Per plain byte, with B in bits/s: plain 8/B; lz4 2 ns + 2/B; zstd-1 3 ns + 1.2/B;
 * br-5 11 ns + 0.8/B; gzip-6 11 ns + 1.2/B. Crossovers: lz4 beats plain below 3,000 Mbps,
 * zstd-1 beats lz4 below 800 Mbps, br-5 beats zstd-1 below 50 Mbps and lz4 below 133 Mbps,
 * gzip-6 beats lz4 below 88.9 Mbps (and zstd-1 beats plain below 2,267 Mbps).
 */
const FIGURES: readonly CodingFigures[] = [
  { coding: 'lz4', level: 0, compressMBps: 1000, decompressMBps: 1000, ratio: 0.25 },
  { coding: 'zstd', level: 1, compressMBps: 500, decompressMBps: 1000, ratio: 0.15 },
  { coding: 'br', level: 5, compressMBps: 100, decompressMBps: 1000, ratio: 0.1 },
  { coding: 'gzip', level: 6, compressMBps: 100, decompressMBps: 1000, ratio: 0.15 }
]
const HAS_ZSTD = AVAILABLE_CODINGS.includes('zstd')
const LEVELS = { zstd: [1], br: [5], gzip: [6] }
const policy = (over: Partial<ResolvedCompression> = {}, hints = false): RoutePolicy =>
  new RoutePolicy(route({ levels: LEVELS, ...over }), hints, FIGURES)
const content = (coding: string, level: number): CompressionDecision => ({ form: 'content', coding, level } as CompressionDecision)
const ALL = { 'accept-encoding': 'gzip, deflate, br, zstd' }

t.test('network policies stand for bandwidths', async (t) => {
  t.equal(networkMbps('fast'), Infinity)
  t.equal(networkMbps('slow'), SLOW_ASSUMED_MBPS)
  t.equal(networkMbps('auto'), AUTO_ASSUMED_MBPS)
  t.equal(networkMbps({ mbps: 12 }), 12)
})

t.test('the cheapest acceptable coding at each bandwidth (hand-made figures)', async (t) => {
  const at = (mbps: number, headers: Record<string, string> = ALL): CompressionDecision =>
    policy({ network: { mbps } }).decide(100_000, headers)
  t.same(at(10_000), SEND_PLAIN, 'above 3,000 Mbps nothing pays')
  t.same(at(2_000), SEND_BLOCK, 'LZ4 between 800 and 3,000 Mbps')
  if (HAS_ZSTD) {
    t.same(at(100), content('zstd', 1), 'zstd-1 between 50 and 800 Mbps')
    t.same(at(51), content('zstd', 1))
  }
  t.same(at(49), content('br', 5), 'br-5 below 50 Mbps')
  t.same(at(1), content('br', 5))
  // A client without zstd and br (or a Node line without zstd) gets gzip where it pays, else LZ4.
  t.same(at(88, { 'accept-encoding': 'gzip' }), content('gzip', 6), 'gzip below 88.9 Mbps')
  t.same(at(90, { 'accept-encoding': 'gzip' }), SEND_BLOCK, 'LZ4 above')
  t.same(at(200, { 'accept-encoding': 'br' }), SEND_BLOCK, 'br-5 beats LZ4 only below 133 Mbps')
  t.same(at(130, { 'accept-encoding': 'br' }), content('br', 5))
  t.same(at(10, {}), SEND_BLOCK, 'no Accept-Encoding: identity only, so LZ4')
  t.same(at(10, { 'accept-encoding': '' }), SEND_BLOCK, 'an empty Accept-Encoding: identity only')
  t.same(at(10, { 'accept-encoding': 'deflate' }), SEND_BLOCK, 'only codings the plugin does not produce')
  t.same(at(10, { 'accept-encoding': 'br;q=0, *' }), HAS_ZSTD ? content('zstd', 1) : content('gzip', 6), '* admits the others')
  // identity refused: any accepted coding, even where plain would be cheaper.
  t.same(at(10_000, { 'accept-encoding': 'gzip, identity;q=0' }), content('gzip', 6), 'identity;q=0')
  t.same(at(10_000, { 'accept-encoding': 'gzip, *;q=0' }), content('gzip', 6), '*;q=0 without identity')
  t.same(at(2_000, { 'accept-encoding': 'identity;q=0' }), SEND_PLAIN, 'nothing acceptable: plain all the same')
})

t.test('size: the threshold, and the chunked LZ4 form from parallelThreshold', async (t) => {
  const lz4 = policy({ network: { mbps: 2_000 } })
  t.same(lz4.decide(1023, ALL), SEND_PLAIN)
  t.same(lz4.decide(1024, ALL), SEND_BLOCK)
  t.same(lz4.decide(999_999, ALL), SEND_BLOCK)
  t.same(lz4.decide(1_000_000, ALL), SEND_CHUNKED)
  t.same(policy({ network: { mbps: 10 } }).decide(5_000_000, ALL), content('br', 5), 'content codings are never chunked')
  t.same(policy({ network: 'fast' }).decide(5_000_000, ALL), SEND_PLAIN)
  t.same(policy({ threshold: 0 }).decide(0, {}), SEND_BLOCK)
})

t.test('compressesFrom: the size from which a request\'s replies are compressed (transformed tables, SPEC 8.6)', async (t) => {
  const slow = new RoutePolicy(route(), false, FIGURES)
  t.equal(slow.compressesFrom({}), 1024, "'slow': from the threshold")
  for (const size of [1023, 1024]) {
    t.equal(slow.compressesFrom({}) <= size, slow.decide(size, {}) !== SEND_PLAIN, `agrees with decide at ${size} bytes`)
  }
  t.equal(new RoutePolicy(route({ network: 'fast' }), false, FIGURES).compressesFrom({}), Infinity, "'fast': never")
  const hinted = new RoutePolicy(route({ network: 'fast' }), true, FIGURES)
  t.equal(hinted.compressesFrom({ 'save-data': 'on' }), 1024, "'fast' with hints, Save-Data: from the threshold")
  t.equal(hinted.compressesFrom({}), Infinity, "'fast' with hints, none sent: never")
})

t.test('the encodings and levels options bound the choice', async (t) => {
  t.same(policy({ network: { mbps: 10 }, encodings: ['lz4'] }).decide(5000, ALL), SEND_BLOCK)
  t.same(policy({ network: { mbps: 10 }, encodings: ['gzip'] }).decide(5000, ALL), content('gzip', 6))
  t.same(policy({ network: { mbps: 10 }, encodings: [] }).decide(5000, ALL), SEND_PLAIN)
  t.same(policy({ network: { mbps: 10 }, encodings: ['gzip'] }).decide(5000, {}), SEND_PLAIN, 'no LZ4: plain')
  const levels = new RoutePolicy(route({ network: { mbps: 10 }, levels: { zstd: [1], br: [4], gzip: [6] } }), false, FIGURES)
  t.same(levels.decide(5000, { 'accept-encoding': 'br' }), SEND_BLOCK, 'a level without figures is never chosen')
})

t.test('client hints: bandwidths, strongest first', async (t) => {
  t.equal(hintMbps({}), undefined)
  t.equal(hintMbps({ 'save-data': ' ON ' }), SLOW_ASSUMED_MBPS)
  t.equal(hintMbps({ ect: '3G' }), 0.7)
  t.equal(hintMbps({ ect: 'slow-2g' }), 0.05)
  t.equal(hintMbps({ ect: '4g' }), undefined)
  t.equal(hintMbps({ ect: 'constructor' }), undefined, 'no prototype lookups')
  t.equal(hintMbps({ ect: '4g', downlink: '0' }), 0)
  t.equal(hintMbps({ downlink: '2.5' }), 2.5)
  t.equal(hintMbps({ downlink: '-1' }), undefined)
  t.equal(hintMbps({ downlink: '' }), undefined)
  t.equal(hintMbps({ downlink: 'fast' }), undefined)
  t.equal(hintMbps({ 'save-data': ['on', 'off'] }), SLOW_ASSUMED_MBPS)
  t.equal(hintMbps({ 'save-data': 'on', ect: '2g', downlink: '100' }), SLOW_ASSUMED_MBPS)
  // Downlink before ECT: a 1.6 Mbps link with a 300 ms RTT is "3g" by its RTT alone.
  t.equal(hintMbps({ ect: '3g', downlink: '1.6' }), 1.6, 'Downlink before a slow ECT')
  t.equal(hintMbps({ ect: '3g', downlink: 'fast' }), 0.7, 'a malformed Downlink leaves ECT to decide')
  // Chromium never reports more than DOWNLINK_CAP_MBPS: at the cap, Downlink is a lower bound.
  t.equal(hintMbps({ downlink: String(DOWNLINK_CAP_MBPS) }, AUTO_ASSUMED_MBPS), AUTO_ASSUMED_MBPS, 'at the cap: the route, if faster')
  t.equal(hintMbps({ downlink: String(DOWNLINK_CAP_MBPS) }, SLOW_ASSUMED_MBPS), DOWNLINK_CAP_MBPS, 'at the cap: the cap, if the route is slower')
  t.equal(hintMbps({ downlink: '9.975' }, AUTO_ASSUMED_MBPS), 9.975, 'below the cap: the measurement')
  t.equal(hintMbps({ ect: '3g', downlink: '10' }, AUTO_ASSUMED_MBPS), AUTO_ASSUMED_MBPS, 'a Downlink at the cap outranks ECT too')
  t.equal(hintMbps({ downlink: '2000' }, Infinity), Infinity, "above the cap on a 'fast' route: still 'fast'")

  const fast = policy({ network: 'fast' }, true)
  t.same(fast.decide(5000, { ...ALL, 'save-data': 'on' }), content('br', 5))
  t.same(fast.decide(5000, { 'save-data': 'on' }), SEND_BLOCK, 'a hinted client without Accept-Encoding: LZ4')
  t.same(fast.decide(5000, { ...ALL, downlink: '2000' }), SEND_PLAIN, "Downlink 2,000 says at least that: 'fast' holds")
  t.same(policy({ network: { mbps: 1 } }, true).decide(5000, { ...ALL, downlink: '2000' }), SEND_BLOCK, 'LZ4 at 2,000 Mbps')
  t.same(fast.decide(5000, { ...ALL, downlink: '5' }), content('br', 5), 'below the cap: the measured 5 Mbps')
  t.same(fast.decide(5000, { ...ALL, downlink: '0' }), content('br', 5), 'Downlink 0: the strongest')
  t.same(fast.decide(5000, ALL), SEND_PLAIN)
  t.same(fast.decide(500, { ...ALL, 'save-data': 'on' }), SEND_PLAIN, 'the threshold first')
  t.same(policy({ network: 'fast' }, false).decide(5000, { ...ALL, 'save-data': 'on' }), SEND_PLAIN, 'hints off')
  t.same(policy({ network: 'auto' }, true).decide(5000, { ...ALL, downlink: '100000' }), SEND_PLAIN)
})

t.test('Vary names every request field that can change the reply, on every reply of the route', async (t) => {
  // regression: every reply of a route where hints could change the outcome names them,
  // unhinted, JSON and small replies too, or a shared cache mixes the variants up
  t.same(policy({ network: 'fast' }, false).vary, ['Accept'], "'fast' without hints never compresses")
  t.same(policy({ network: 'fast' }, true).vary, ['Accept', 'accept-encoding', 'Save-Data', 'ECT'])
  t.same(policy({ network: 'auto' }, false).vary, ['Accept', 'accept-encoding'])
  t.same(policy({ network: 'auto' }, true).vary, ['Accept', 'accept-encoding', 'Save-Data', 'ECT'])
  t.same(policy({ network: 'slow', encodings: ['lz4'] }, false).vary, ['Accept'], 'LZ4 alone: no Content-Encoding')
  t.same(policy({ network: 'slow', encodings: ['lz4'] }, true).vary, ['Accept'], 'hints cannot change LZ4 at 1.6 Mbps')
  t.same(policy({ network: { mbps: 10_000 }, encodings: ['lz4'] }, true).vary, ['Accept', 'Save-Data', 'ECT'])
  t.same(policy({ network: 'slow', levels: LEVELS }, true).vary, ['Accept', 'accept-encoding'],
    'every hinted bandwidth picks what 1.6 Mbps picks')
})

t.test('lz4-napi is needed only where LZ4 may be chosen', async (t) => {
  t.equal(policy({ network: 'fast' }).mayUseLz4, false)
  t.equal(policy({ network: 'fast' }, true).mayUseLz4, true)
  t.equal(policy({ network: 'slow' }).mayUseLz4, true)
  t.equal(policy({ network: 'slow', encodings: ['zstd', 'br', 'gzip'] }).mayUseLz4, false)
})

t.test('the measured figures: every line, every considered level, sane values', async (t) => {
  for (const [line, figures] of Object.entries(MEASURED)) {
    const expected = ['lz4', ...(['zstd', 'br', 'gzip'] as const)
      .filter((c) => c !== 'zstd' || line !== '20')
      .flatMap((c) => CONSIDERED_LEVELS[c].map((l) => `${c}-${l}`))]
    t.same(figures.map((f) => f.coding === 'lz4' ? 'lz4' : `${f.coding}-${f.level}`), expected, `Node ${line}: the considered levels`)
    for (const f of figures) {
      t.ok(f.ratio > 0 && f.ratio < 1 && f.compressMBps > 0 && f.decompressMBps > 0, `Node ${line} ${f.coding}-${f.level}`)
    }
  }
  t.ok(CODING_FIGURES.length > 0, 'this line has figures')
  // What the README says each link profile gets, with this line's figures and a browser's Accept-Encoding.
  const defaults = (network: ResolvedCompression['network']): CompressionDecision =>
    new RoutePolicy(route({ network }), false).decide(100_000, ALL)
  t.same(defaults('fast'), SEND_PLAIN)
  t.equal(defaults({ mbps: 10_000 }).form, 'none', '10 Gbps: plain')
  t.equal(defaults('auto').form, 'content', `'auto' (${AUTO_ASSUMED_MBPS} Mbps): a Content-Encoding`)
  t.equal(defaults('slow').form, 'content')
  t.equal(new RoutePolicy(route({ network: 'auto' }), false).decide(100_000, {}).form, 'block', 'no Accept-Encoding: LZ4')
})

t.test('the server CPU budget: codings that compress slower than it leaves room for are not chosen', async (t) => {
  // 1/160 - 1/400 per MB leaves 1/266.7: br-5 and gzip-6 (100 MB/s) are out, zstd-1 (500) and LZ4 in.
  const budget: ServerBudget = { encodeMBps: 400, jsonGzipMBps: 160 }
  t.equal(Math.round(budgetMinCompressMBps(budget) * 10) / 10, 266.7)
  t.equal(budgetMinCompressMBps({ encodeMBps: 100, jsonGzipMBps: 200 }), Infinity, 'encoding alone over budget')
  const within = (over: Partial<ResolvedCompression> = {}, hints = false): RoutePolicy =>
    new RoutePolicy(route({ levels: LEVELS, cpuBudget: 'json-gzip', ...over }), hints, FIGURES, budget)
  const at = (p: RoutePolicy, headers: Record<string, string> = ALL): CompressionDecision => p.decide(100_000, headers)
  t.same(at(within({ network: { mbps: 1 } })), HAS_ZSTD ? content('zstd', 1) : SEND_BLOCK, 'br-5 would win at 1 Mbps: zstd-1 instead')
  t.same(at(within({ network: { mbps: 1 } }), { 'accept-encoding': 'gzip, br' }), SEND_BLOCK, 'no zstd: LZ4, not br-5 or gzip-6')
  t.same(at(within({ network: { mbps: 1 }, cpuBudget: 'none' })), content('br', 5), "cpuBudget 'none': the model alone")
  t.same(at(within({ network: 'fast' }, true), { ...ALL, 'save-data': 'on' }), HAS_ZSTD ? content('zstd', 1) : SEND_BLOCK, 'hints too')
  const broke = new RoutePolicy(route({ levels: LEVELS, cpuBudget: 'json-gzip', network: { mbps: 1 } }), false, FIGURES,
    { encodeMBps: 100, jsonGzipMBps: 200 })
  t.same(at(broke), SEND_PLAIN, 'no room at all: plain')
  t.same(broke.vary, ['Accept'], 'and nothing that could vary')
})

/** The coding the cost model picks by brute force: least T/S among the codings the budget admits and the client accepts. */
function bruteForce(figures: readonly CodingFigures[], budget: ServerBudget, mbps: number, accepts: readonly string[]): string {
  const minCompress = budgetMinCompressMBps(budget)
  let best = 'plain'
  let least = 8 / (mbps * 1e6)
  for (const f of figures) {
    if (f.compressMBps < minCompress) continue
    if (f.coding !== 'lz4' && (!accepts.includes(f.coding) || !AVAILABLE_CODINGS.includes(f.coding))) continue
    if (f.coding !== 'lz4' && !(DEFAULTS.levels[f.coding] as readonly number[]).includes(f.level)) continue
    const cost = 1 / (f.compressMBps * 1e6) + 1 / (f.decompressMBps * 1e6) + (f.ratio * 8) / (mbps * 1e6)
    if (cost < least) {
      least = cost
      best = f.coding === 'lz4' ? 'lz4' : `${f.coding}-${f.level}`
    }
  }
  return best
}

function label(d: CompressionDecision): string {
  return d.form === 'content' ? `${d.coding}-${d.level}` : d.form === 'none' ? 'plain' : 'lz4'
}

t.test("each link profile's choice for a browser, on every line's figures: the model's least cost within the budget", async (t) => {
  // issue 16 item 6: the plugin defaults with clientHints, asked as the load tests' browser asks on each profile.
  const browser = ['gzip', 'br', 'zstd']
  for (const [line, figures] of Object.entries(MEASURED)) {
    const budget = MEASURED_BUDGET[Number(line) as keyof typeof MEASURED_BUDGET]
    const minCompress = budgetMinCompressMBps(budget)
    const policy = new RoutePolicy({ ...DEFAULTS, network: 'auto' }, true, figures, budget)
    for (const link of LINKS) {
      const headers = browserHeaders(link)
      const mbps = hintMbps(headers, AUTO_ASSUMED_MBPS)!
      const chosen = label(policy.decide(100_000, headers))
      t.equal(chosen, bruteForce(figures, budget, mbps, browser), `Node ${line}, ${link.name} (model at ${mbps} Mbps): ${chosen}`)
      const f = figures.find((x) => (x.coding === 'lz4' ? 'lz4' : `${x.coding}-${x.level}`) === chosen)
      if (f !== undefined) {
        t.ok(1 / budget.encodeMBps + 1 / f.compressMBps <= 1 / budget.jsonGzipMBps, `Node ${line}, ${link.name}: ${chosen} within the budget`)
      }
    }
    // The budget binds where it matters: some default level is over it on every line.
    const overBudget = figures.filter((f) => f.coding !== 'lz4' && (DEFAULTS.levels[f.coding] as readonly number[]).includes(f.level) &&
      f.compressMBps < minCompress)
    t.ok(overBudget.length > 0, `Node ${line}: the budget excludes a default level`)
  }
  t.ok(Number.isFinite(budgetMinCompressMBps(SERVER_BUDGET)), 'this line leaves compression some room')
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
