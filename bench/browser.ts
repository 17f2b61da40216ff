/**
 * `npm run bench:browser`: the codec as the browser client runs it (the pure-TS build in
 * dist/src, no Buffer) in headless Chromium, side by side with JSON and msgpackr's browser build.
 *
 * Node encodes every dataset (bench/datasets.ts) with the real codec, lz4-napi and msgpackr,
 * serves the bytes, the page (bench/browser-page/) and the compiled modules from a static
 * server on 127.0.0.1, and drives the page through playwright-core. The page measures with the
 * method of bench/harness.ts (interleaved rounds, rotated order, a full GC before every sample)
 * and hands back raw samples; Node computes medians and paired ratios with harness.ts.
 *
 * Usage: npm run bench:browser -- [--node 20|22|24|26] [--rounds=N] [--warmup=N] [--dataset=users-10k]
 *        [--profile[=ms]] [--tables-only]
 * A full run (no --dataset, no --profile, no --tables-only) writes the tables to
 * bench/results/node-<major>/browser.md. After the codec comparisons it measures B-FAST tables
 * (issue 14 item 6: open, the first rows, toArray() against v1 decode and the JSON path) on
 * users-10k and users-100k, and toArray() again in a page whose Content-Security-Policy forbids
 * `new Function`; --tables-only runs only that part.
 * --profile also records Chromium CPU profiles (CDP Profiler) of B-FAST's encode and decode
 * and prints where their time goes.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Packr } from 'msgpackr'
import { chromium, type Browser, type Page } from 'playwright-core'
import { encode, isCompressed } from '../src/index.js'
import { compress } from '../src/compress.js'
import { ROOT } from '../test/helpers/paths.js'
import { listen, LOOPBACK } from '../support/listen.js'
import {
  BENCH_API_KEY, DATA_KINDS, DECODE, ENCODE, NO_CODEGEN_QUERY, ROUTES, TABLE,
  type BenchApi, type BenchConfig, type Op, type PageInfo, type RunResult
} from './browser-page/protocol.js'
import { FIRST_ROWS } from './browser-page/table-reads.js'
import { datasets, users, type Dataset } from './datasets.js'
import { HARNESS_DEFAULTS, summarize, type Comparison } from './harness.js'
import { bytes, fine, fineVerdict, ratio, renderTable, timing, resultsFile, writeResults, type Table } from './report.js'
import { TABLE_TARGETS } from './targets.js'

/** Debian's chromium package installs here (as in test/client/browser.test.ts). */
const CHROMIUM_PATH = '/usr/bin/chromium'
/**
 * The tests' flags (headless in a container: no sandbox as root, no GPU, no network chatter),
 * plus `gc()` in the page so a full GC can run before every sample, as in the Node harness.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc',
]
const DIST = path.join(ROOT, 'dist')
/** The only compiled trees the page may load: the codec and the page's own modules. */
const SERVED_TREES = ['src', path.join('bench', 'browser-page')]
const PAGE_HTML = path.join(ROOT, 'bench', 'browser-page', 'index.html')
const MSGPACKR_DIR = path.join(ROOT, 'node_modules', 'msgpackr')
/** index.html's import map points `msgpackr` at this file of ROUTES.msgpackr. */
const MSGPACKR_BROWSER_ENTRY = './index.js'
/** Where a full run writes its tables (for the README). */
const RESULTS_FILE = resultsFile('browser.md')
/** Same as bench/codec.ts: every codec encodes and decodes every dataset this many times first. */
const PRIME_ITERATIONS = 20
/** How long the page may take to load its modules and data. */
const LOAD_TIMEOUT_MS = 60_000
/** Default time each profiled candidate runs under the CPU profiler. */
const PROFILE_DEFAULT_MS = 3_000
/** CDP sampling interval of the profiler, microseconds (Chromium's default is 1000). */
const PROFILE_INTERVAL_US = 100
/** Functions listed per profile. */
const PROFILE_TOP = 12
/**
 * COOP + COEP make the page cross-origin isolated, which gives performance.now() 5 us
 * resolution instead of 100 us (Chromium's timer coarsening); every response is same-origin.
 */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cache-control': 'no-store',
} as const
/**
 * The policy of the NO_CODEGEN_QUERY page: scripts from this origin only and no 'unsafe-eval',
 * so `new Function` throws, as on a site with a strict CSP. (It also refuses index.html's inline
 * import map, which only msgpackr needs; that page does not load msgpackr.)
 */
const NO_CODEGEN_CSP = "script-src 'self'"
/** The row lists of the table comparison, as bench/tables.ts measures them in Node. */
const TABLE_SETS = [
  { name: 'users-10k', rows: 10_000 },
  { name: 'users-100k', rows: 100_000 },
] as const
/** The set the no-codegen page measures (bench/tables.ts's toArray section uses users-10k too). */
const NO_CODEGEN_SET = TABLE_SETS[0].name
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
}

interface Args {
  rounds: number
  warmupRounds: number
  dataset: string | undefined
  profileMs: number | undefined
  full: boolean
  /** Run the codec comparisons (not with --tables-only). */
  codec: boolean
  /** Run the table comparisons (full runs and --tables-only). */
  tables: boolean
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    rounds: HARNESS_DEFAULTS.rounds,
    warmupRounds: HARNESS_DEFAULTS.warmupRounds,
    dataset: undefined,
    profileMs: undefined,
    full: true,
    codec: true,
    tables: true,
  }
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?]
    if (key === '--rounds') args.rounds = Number.parseInt(value, 10)
    else if (key === '--warmup') args.warmupRounds = Number.parseInt(value, 10)
    else if (key === '--dataset') {
      args.dataset = value
      args.full = false
      args.tables = false
    } else if (key === '--profile') {
      args.profileMs = value === '' ? PROFILE_DEFAULT_MS : Number.parseInt(value, 10)
      args.full = false
      args.tables = false
    } else if (key === '--tables-only') {
      args.codec = false
      args.full = false
    } else throw new Error(`unknown argument ${arg}; see the header of bench/browser.ts`)
  }
  return args
}

/** Whether msgpackr ships a browser ES module build that index.html can import; why not otherwise. */
function msgpackrBrowserBuild(): { ok: true } | { ok: false; reason: string } {
  const manifest = path.join(MSGPACKR_DIR, 'package.json')
  if (!existsSync(manifest)) return { ok: false, reason: 'msgpackr is not installed' }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, { browser?: unknown }> }
  const browser = pkg.exports?.['.']?.browser
  if (browser !== MSGPACKR_BROWSER_ENTRY) return { ok: false, reason: `msgpackr's "exports" has no browser entry ${MSGPACKR_BROWSER_ENTRY} (found ${String(browser)})` }
  return { ok: true }
}

interface Encoded {
  json: Buffer
  bfast: Uint8Array
  lz4: Uint8Array
  msgpack: Buffer
}

/** Every form of a dataset the page receives, made with the real encoders. */
function encodeDataset(set: Dataset): Encoded {
  const bfast = encode(set.value)
  const lz4 = compress(bfast)
  if (!isCompressed(lz4)) throw new Error(`${set.name}: compress() returned the plain message (SPEC 4.2 "BF" rule)`)
  // pack returns a view into the Packr's reusable buffer: copy it.
  const msgpack = Buffer.from(new Packr({ useRecords: true }).pack(set.value))
  return { json: Buffer.from(JSON.stringify(set.value)), bfast, lz4, msgpack }
}

/** A file under `base` named by a URL path below it, or null when it would leave `base` or is not a module. */
function fileUnder(base: string, relative: string): string | null {
  const file = path.join(base, path.normalize(decodeURIComponent(relative)))
  if (!file.startsWith(base + path.sep) || !file.endsWith('.js') || !existsSync(file)) return null
  return file
}

/** The static server: the page, the compiled modules it imports, msgpackr, and the data. */
async function startServer(data: ReadonlyMap<string, Uint8Array>, withMsgpackr: boolean): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`)
    const policy = url.search === NO_CODEGEN_QUERY ? { 'content-security-policy': NO_CODEGEN_CSP } : {}
    const send = (status: number, type: string, body: Uint8Array | string): void => {
      res.writeHead(status, { 'content-type': type, ...ISOLATION_HEADERS, ...policy })
      res.end(body)
    }
    let file: string | null = null
    if (url.pathname === ROUTES.page) file = PAGE_HTML
    else if (url.pathname.startsWith(ROUTES.dist)) {
      const relative = url.pathname.slice(ROUTES.dist.length)
      file = fileUnder(DIST, relative)
      if (file !== null && !SERVED_TREES.some((tree) => file!.startsWith(path.join(DIST, tree) + path.sep))) file = null
    } else if (withMsgpackr && url.pathname.startsWith(ROUTES.msgpackr)) {
      file = fileUnder(MSGPACKR_DIR, url.pathname.slice(ROUTES.msgpackr.length))
    } else if (url.pathname.startsWith(ROUTES.data)) {
      const body = data.get(decodeURIComponent(url.pathname.slice(ROUTES.data.length)))
      if (body !== undefined) return send(200, 'application/octet-stream', body)
    }
    if (file === null) return send(404, 'text/plain; charset=utf-8', `not served: ${url.pathname}`)
    send(200, CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', readFileSync(file))
  })
  const { url } = await listen(server)
  return { server, baseUrl: url }
}

/** Calls the page's BenchApi (page.evaluate serialises the arguments and the result). */
function callPage<K extends keyof BenchApi>(page: Page, method: K, ...params: Parameters<BenchApi[K]>): Promise<Awaited<ReturnType<BenchApi[K]>>> {
  return page.evaluate(
    ([key, m, p]) => {
      const api = (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>)[key]!
      return api[m]!(...p)
    },
    [BENCH_API_KEY, method, params] as const
  ) as Promise<Awaited<ReturnType<BenchApi[K]>>>
}

/** "0.48x [0.45-0.52]": median of per-round ratios and its p25-p75; "-" against itself or a missing reference. */
function ratioCell(c: Comparison, a: string, b: string | undefined): string {
  if (b === undefined || a === b || !c.stats.some((s) => s.name === b)) return '-'
  const q = c.ratioQuartiles(a, b)
  return `${ratio(q.median)} [${q.p25.toFixed(2)}-${q.p75.toFixed(2)}]`
}

interface Measured {
  dataset: string
  decode: Comparison
  encode: Comparison
}

function toComparison(run: RunResult, what: string, anomalies: string[]): Comparison {
  if (run.failures.length > 0) anomalies.push(`${what}: WRONG RESULTS: ${run.failures.join('; ')}`)
  return summarize(run.names, run.samples, run.iterations)
}

function speedTable(measured: readonly Measured[], withMsgpackr: boolean): Table {
  const rows: string[][] = []
  for (const m of measured) {
    for (const [op, c, text, bytesRef, mp] of [
      ['decode', m.decode, DECODE.jsonText, DECODE.jsonBytes, DECODE.msgpackr],
      ['encode', m.encode, ENCODE.jsonText, ENCODE.jsonBytes, ENCODE.msgpackr],
    ] as const) {
      for (const s of c.stats) {
        rows.push([
          m.dataset, op, s.name, timing(s),
          ratioCell(c, s.name, text), ratioCell(c, s.name, bytesRef),
          ...(withMsgpackr ? [ratioCell(c, s.name, mp)] : []),
        ])
      }
    }
  }
  return {
    title: 'Chromium: B-FAST vs JSON vs msgpackr (median ms per operation, p25-p75; ratios: median of per-round ratios [p25-p75])',
    labelColumns: 3,
    headers: ['dataset', 'op', 'candidate', 'median ms', 'vs JSON string', 'vs JSON bytes', ...(withMsgpackr ? ['vs msgpackr'] : [])],
    rows,
    notes: [
      'decode: `decode(bytes)` of the plain message / of its single-block LZ4 form (pure-TS LZ4 decoder, then decode);',
      '`JSON.parse(text)` of a string already in memory; `JSON.parse(TextDecoder(bytes))` from the UTF-8 bytes, which is',
      "what fetch's `response.json()` does; msgpackr `new Packr({ useRecords: true }).unpack(bytes)` (browser build, pure JS).",
      'encode: `encode(value)` (a fresh Uint8Array); `JSON.stringify(value)` (a string); `TextEncoder.encode(JSON.stringify(value))`',
      '(bytes, what a fetch body of JSON costs); msgpackr `pack(value)`. The value encoded is `JSON.parse` of the dataset.',
      '"vs JSON string" = against JSON.parse(text) / JSON.stringify; "vs JSON bytes" = against the TextDecoder / TextEncoder forms.',
    ],
  }
}

function summaryTable(measured: readonly Measured[], withMsgpackr: boolean): Table {
  return {
    title: 'Chromium summary: B-FAST time as a ratio of the other side (median of per-round ratios; < 1 = B-FAST faster)',
    headers: [
      'dataset', 'decode vs JSON.parse(text)', 'decode vs response.json() path', 'LZ4 decode vs response.json() path',
      'encode vs JSON.stringify+TextEncoder', ...(withMsgpackr ? ['decode vs msgpackr', 'encode vs msgpackr'] : []),
    ],
    rows: measured.map((m) => [
      m.dataset,
      ratio(m.decode.ratio(DECODE.bfast, DECODE.jsonText)),
      ratio(m.decode.ratio(DECODE.bfast, DECODE.jsonBytes)),
      ratio(m.decode.ratio(DECODE.bfastLz4, DECODE.jsonBytes)),
      ratio(m.encode.ratio(ENCODE.bfast, ENCODE.jsonBytes)),
      ...(withMsgpackr ? [ratio(m.decode.ratio(DECODE.bfast, DECODE.msgpackr)), ratio(m.encode.ratio(ENCODE.bfast, ENCODE.msgpackr))] : []),
    ]),
  }
}

/**
 * Issue 14 item 6 in Chromium: each row's time and its paired ratios to the JSON path
 * (`response.json()`'s work) and to v1 decode, with the targets' verdicts, as bench/tables.ts
 * reports them for Node.
 */
function tablesTable(bySet: ReadonlyMap<string, Comparison>, noCodegen: Comparison): Table {
  const rows: string[][] = []
  const cells = (c: Comparison, name: string, vsJson: number | null, vsV1: number | null): string[] => {
    const j = c.ratioQuartiles(name, TABLE.jsonBytes)
    const v = c.ratioQuartiles(name, TABLE.v1)
    return [
      timing(c.get(name)),
      name === TABLE.jsonBytes ? '-' : vsJson === null ? `${fine(j.median)}x [${fine(j.p25)}-${fine(j.p75)}]` : fineVerdict(j, vsJson),
      name === TABLE.v1 ? '-' : vsV1 === null ? `${fine(v.median)}x [${fine(v.p25)}-${fine(v.p75)}]` : fineVerdict(v, vsV1),
    ]
  }
  for (const [set, c] of bySet) {
    rows.push(
      [set, TABLE.open, ...cells(c, TABLE.open, TABLE_TARGETS.openVsJson, null)],
      [set, TABLE.firstRows, ...cells(c, TABLE.firstRows, TABLE_TARGETS.firstRowsVsJson, null)],
      [set, TABLE.toArray, ...cells(c, TABLE.toArray, null, TABLE_TARGETS.toArrayVsV1)],
      [set, TABLE.v1, ...cells(c, TABLE.v1, null, null)],
      [set, TABLE.jsonBytes, ...cells(c, TABLE.jsonBytes, null, null)]
    )
  }
  rows.push([`${NO_CODEGEN_SET}, no new Function`, TABLE.toArray, ...cells(noCodegen, TABLE.toArray, null, TABLE_TARGETS.toArrayVsV1)])
  rows.push([`${NO_CODEGEN_SET}, no new Function`, TABLE.v1, ...cells(noCodegen, TABLE.v1, null, null)])
  const open = TABLE_SETS.map((t) => bySet.get(t.name)?.get(TABLE.open).medianMs ?? Number.NaN)
  const flat = open[1]! / open[0]!
  return {
    title: `Chromium: B-FAST tables, ${TABLE_SETS.map((t) => t.name).join(' and ')} (median ms per operation, p25-p75; ratios: median of per-round ratios [p25-p75])`,
    labelColumns: 2,
    headers: ['rows', 'candidate', 'median ms', `vs ${TABLE.jsonBytes}`, `vs ${TABLE.v1}`],
    rows,
    notes: [
      `Issue 14 item 6 targets: open <= ${TABLE_TARGETS.openVsJson}x and open + ${FIRST_ROWS} rows <= ${TABLE_TARGETS.firstRowsVsJson}x the JSON path, toArray() <= ${TABLE_TARGETS.toArrayVsV1}x v1 decode`,
      `(also without new Function), open flat from 10,000 to 100,000 rows (<= ${TABLE_TARGETS.openFlatness}x): here ${flat.toFixed(2)}x ${flat <= TABLE_TARGETS.openFlatness ? 'PASS' : 'MISS'}.`,
      `open = \`decode(table bytes)\` (a BFastTable, no row built); open + ${FIRST_ROWS} rows adds \`get(i)\` for the first ${FIRST_ROWS}; toArray() = \`decode(bytes).toArray()\`;`,
      'v1 decode = `decode(bytes)` of the same rows as a v1 message; the JSON path = `JSON.parse(new TextDecoder().decode(bytes))`, what `response.json()` does.',
      'Each row list\'s candidates run in one rotation; at 100,000 rows toArray(), v1 decode and the JSON path make one run per sample (as bench/tables.ts).',
      `"no new Function": a second page served with \`Content-Security-Policy: ${NO_CODEGEN_CSP}\` (no 'unsafe-eval'), where the codec's generated readers cannot be built.`,
    ],
  }
}

/** Opens the benchmark page at `url` and waits for its API; load errors go to `pageErrors`. */
async function openPage(browser: Browser, url: string, pageErrors: string[]): Promise<Page> {
  const page = await browser.newPage()
  page.on('pageerror', (err) => pageErrors.push(err.message))
  page.on('response', (res) => {
    if (!res.ok()) pageErrors.push(`HTTP ${res.status()} ${res.url()}`)
  })
  await page.goto(url)
  await page.waitForFunction((key) => key in globalThis, BENCH_API_KEY, { timeout: LOAD_TIMEOUT_MS }).catch(() => {
    throw new Error(`the benchmark page ${url} did not load: ${pageErrors.join(' | ') || 'no error seen'}`)
  })
  return page
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
  samples?: number[]
  timeDeltas?: number[]
}

/** Self time by function of one candidate run under Chromium's CPU profiler; lines for the report. */
async function profile(page: Page, dataset: string, op: Op, candidate: string, ms: number): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US })
  await cdp.send('Profiler.start')
  const count = await callPage(page, 'spin', dataset, op, candidate, ms)
  const { profile: p } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile }
  await cdp.detach()
  const byNode = new Map(p.nodes.map((n) => [n.id, n.callFrame]))
  const self = new Map<string, number>()
  let total = 0
  const samples = p.samples ?? []
  const deltas = p.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const frame = byNode.get(samples[i]!)
    const dt = deltas[i] ?? 0
    if (frame === undefined) continue
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/dist\//, '').replace(/^.*\/msgpackr\//, 'msgpackr/')}:${frame.lineNumber + 1}`
    const key = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`
    self.set(key, (self.get(key) ?? 0) + dt)
    total += dt
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, PROFILE_TOP)
  return [
    `${dataset} ${candidate}: ${count} runs in ${ms} ms (${(ms / count).toFixed(2)} ms per run); self time:`,
    ...top.map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`),
  ]
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install -y chromium)`)
  const mp = msgpackrBrowserBuild()
  const withMsgpackr = mp.ok

  let sets = datasets()
  // Every dataset is loaded and primed whatever --dataset says (see prime() in page.ts).
  const data = new Map<string, Uint8Array>()
  const sizes: Table = {
    title: 'Message sizes (bytes)',
    headers: ['dataset', 'JSON', 'msgpackr', 'B-FAST', 'B-FAST + LZ4', 'B-FAST / JSON', 'B-FAST+LZ4 / JSON'],
    rows: [],
  }
  for (const set of sets) {
    const e = encodeDataset(set)
    data.set(`${set.name}.${DATA_KINDS.json}`, e.json)
    data.set(`${set.name}.${DATA_KINDS.bfast}`, e.bfast)
    data.set(`${set.name}.${DATA_KINDS.lz4}`, e.lz4)
    data.set(`${set.name}.${DATA_KINDS.msgpack}`, e.msgpack)
    sizes.rows.push([
      set.name, bytes(e.json.length), bytes(e.msgpack.length), bytes(e.bfast.length), bytes(e.lz4.length),
      ratio(e.bfast.length / e.json.length), ratio(e.lz4.length / e.json.length),
    ])
  }
  if (args.tables) {
    for (const set of TABLE_SETS) {
      const rows = users(set.rows)
      data.set(`${set.name}.${DATA_KINDS.json}`, Buffer.from(JSON.stringify(rows)))
      data.set(`${set.name}.${DATA_KINDS.bfast}`, encode(rows))
      data.set(`${set.name}.${DATA_KINDS.table}`, encode(rows, { tables: true }))
    }
  }
  const allNames = sets.map((s) => s.name)
  if (args.dataset !== undefined) {
    sets = sets.filter((s) => s.name === args.dataset)
    if (sets.length === 0) throw new Error(`unknown dataset ${args.dataset}; datasets: ${allNames.join(', ')}`)
  }

  const { server, baseUrl } = await startServer(data, withMsgpackr)
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
  const anomalies: string[] = []
  try {
    const pageErrors: string[] = []
    const page = await openPage(browser, baseUrl + ROUTES.page, pageErrors)
    const config: BenchConfig = {
      datasets: args.codec ? allNames : [],
      tableDatasets: args.tables ? TABLE_SETS.map((t) => t.name) : [],
      msgpackr: withMsgpackr,
      rounds: args.rounds,
      warmupRounds: args.warmupRounds,
      minSampleMs: HARNESS_DEFAULTS.minSampleMs,
      maxIterations: HARNESS_DEFAULTS.maxIterations,
      settleAfterGcMs: HARNESS_DEFAULTS.settleAfterGcMs,
      primeIterations: PRIME_ITERATIONS,
    }
    const info: PageInfo = await callPage(page, 'load', config)
    const method = describeBrowserMethod(browser.version(), info, config, mp)
    console.log('B-FAST browser benchmark (Chromium)\n')
    for (const line of method) console.log(line)
    console.log('')
    if (!info.gcExposed) anomalies.push('gc() was not exposed in the page: no GC between samples')

    await callPage(page, 'prime')

    if (args.profileMs !== undefined) {
      const ms = args.profileMs
      for (const set of sets) {
        for (const [op, candidate] of [['decode', DECODE.bfast], ['decode', DECODE.bfastLz4], ['encode', ENCODE.bfast], ['decode', DECODE.jsonBytes]] as const) {
          console.log((await profile(page, set.name, op, candidate, ms)).join('\n'), '\n')
        }
      }
      console.log(`--profile: ${RESULTS_FILE} left as it was.`)
      return
    }

    const measured: Measured[] = []
    for (const set of args.codec ? sets : []) {
      const dec = toComparison(await callPage(page, 'run', set.name, 'decode'), `${set.name} decode`, anomalies)
      const enc = toComparison(await callPage(page, 'run', set.name, 'encode'), `${set.name} encode`, anomalies)
      measured.push({ dataset: set.name, decode: dec, encode: enc })
      console.log(`  ${set.name}: done`)
    }

    const tableTables: Table[] = []
    if (args.tables) {
      // After the codec comparisons, so that those measure the state they always did.
      await callPage(page, 'primeTables')
      const bySet = new Map<string, Comparison>()
      for (const set of TABLE_SETS) {
        bySet.set(set.name, toComparison(await callPage(page, 'run', set.name, 'table'), `${set.name} table`, anomalies))
        console.log(`  ${set.name} table: done`)
      }
      const strict = await openPage(browser, baseUrl + ROUTES.page + NO_CODEGEN_QUERY, pageErrors)
      const strictInfo = await callPage(strict, 'load', { ...config, datasets: [], msgpackr: false, tableDatasets: [NO_CODEGEN_SET] })
      if (strictInfo.codegen) anomalies.push(`the page served with "${NO_CODEGEN_CSP}" could still compile strings: its row measures nothing new`)
      if (!info.codegen) anomalies.push('the main page could not compile strings')
      await callPage(strict, 'primeTables')
      const noCodegen = toComparison(await callPage(strict, 'run', NO_CODEGEN_SET, 'table'), `${NO_CODEGEN_SET} table, no codegen`, anomalies)
      await strict.close()
      console.log(`  ${NO_CODEGEN_SET} table without new Function: done`)
      tableTables.push(tablesTable(bySet, noCodegen))
    }
    if (pageErrors.length > 0) anomalies.push(`page errors: ${pageErrors.join(' | ')}`)

    const tables = [...(args.codec ? [summaryTable(measured, withMsgpackr), speedTable(measured, withMsgpackr), sizes] : []), ...tableTables]
    for (const t of tables) console.log(`\n${renderTable(t)}\n`)
    if (anomalies.length > 0) {
      console.log('ANOMALIES:')
      for (const a of anomalies) console.log(`  - ${a}`)
      process.exitCode = 1
    }
    if (args.full) {
      writeResults({ file: RESULTS_FILE, title: 'Browser benchmark (Chromium)', command: 'npm run bench:browser', method, tables, anomalies })
    } else {
      console.log(`Partial run (--dataset or --tables-only): ${RESULTS_FILE} left as it was.`)
    }
  } finally {
    await browser.close()
    server.close()
  }
}

/** The method, printed above the tables so numbers are never quoted without it. */
function describeBrowserMethod(version: string, info: PageInfo, config: BenchConfig, mp: { ok: true } | { ok: false; reason: string }): string[] {
  const cpus = os.cpus()
  return [
    `Chromium ${version} (headless, ${CHROMIUM_PATH}, driven by playwright-core), ${info.userAgent.match(/\(([^)]*)\)/)?.[1] ?? ''};`,
    `host: ${os.platform()}/${os.arch()}, ${cpus.length} CPU(s): ${cpus[0]?.model.trim() ?? 'unknown'}; Node ${process.version} serves the page on ${LOOPBACK}.`,
    `The page runs the BUILT codec (dist/src, pure TypeScript: no Buffer in a browser) and msgpackr's browser build ${mp.ok ? `(${MSGPACKR_BROWSER_ENTRY}, records on)` : `: NOT compared (${mp.reason})`},`,
    `on bytes encoded in Node (codec, lz4-napi single block, msgpackr) and on JSON text. Every codec first encodes and decodes every dataset ${config.primeIterations} times.`,
    `Candidates of one comparison run interleaved in the page, round-robin, order rotated every round; ${config.warmupRounds} warm-up rounds discarded, then`,
    `${config.rounds} measured rounds; each sample repeats the operation until it lasts >= ${config.minSampleMs} ms; ${info.gcExposed ? `a full GC (--js-flags=--expose-gc) runs before every sample, then ${config.settleAfterGcMs} ms untimed for its concurrent sweeping` : 'no GC between samples'};`,
    `timer: performance.now() ${info.crossOriginIsolated ? '(cross-origin isolated: 5 us resolution)' : '(not isolated: 100 us resolution)'}. The last result of every sample is checked`,
    '(decoders: deep-equal to JSON.parse of the dataset; B-FAST encode: byte-equal to Node\'s encode; JSON: equal to Node\'s text) outside the timed span.',
    'Ratios are medians of per-round ratios (paired samples). The machine is shared (2 vCPU, other processes at once): quote the ratios.',
  ]
}

await main()
