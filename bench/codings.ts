/**
 * `npm run bench:codings`: the figures of the plugin's compression cost model (plugin/coding-model.ts,
 * issue 16 item 1), measured on this machine for the Node line running it: for in-format LZ4 and for
 * each zstd level, brotli quality and gzip level the model considers, the compress speed (server),
 * the decompress speed (client) and the compressed/plain size ratio, on the B-FAST encoding of
 * each dataset.
 *
 * Usage: npm run bench:codings -- [--node 20|22|24|26] [--rounds=N]
 *        node dist/bench/codings.js --choices   (no timing: what the model in plugin/coding-model.ts
 *                                                chooses per link and client, for every Node line)
 *        node --expose-gc dist/bench/codings.js --cpu   (the server's work per reply at each link's
 *                                                choice, against JSON + gzip as @fastify/compress
 *                                                sends it: paired ratios; run under flock)
 * Writes bench/results/node-<major>/codings.md and codings.json, and prints the figures as the
 * TypeScript row plugin/coding-model.ts keeps for the line (the model takes, per coding, the
 * slowest speeds and the largest ratio over the datasets, so that it errs towards compressing less).
 *
 * Speeds are MB/s of plain (B-FAST) bytes: compressing S plain bytes takes S / compress seconds,
 * decompressing back to them S / decompress. LZ4 is lz4-napi's block compress (what the plugin
 * runs) and the pure-TypeScript decompress the client runs (src/frame.ts); the HTTP codings are
 * node:zlib on both sides, the libraries browsers also decode with (zstd, brotli, zlib).
 * Times are absolute (the model needs MB/s, not ratios), so every candidate runs interleaved in
 * one process and each figure is a median over rounds: run it under `flock /tmp/bench.lock` on a
 * quiet machine.
 */
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import zlib from 'node:zlib'
import { decompress, encode } from '../src/index.js'
import { asBuffer, compress } from '../src/compress.js'
import {
  budgetMinCompressMBps, CONSIDERED_LEVELS, MEASURED, MEASURED_BUDGET, type CodingFigures, type MeasuredCoding, type ServerBudget
} from '../plugin/coding-model.js'
import { DEFAULTS } from '../plugin/options.js'
import { RoutePolicy, type CompressionDecision } from '../plugin/policy.js'
import { AVAILABLE_CODINGS, decodeContentSync, encodeContentSync } from '../plugin/content-coding.js'
import { jsonFixture } from '../test/helpers/paths.js'
import { users } from './datasets.js'
import { compare, describeMethod, type Candidate, type Options } from './harness.js'
import { bytes, NODE_MAJOR, renderTable, resultsFile, writeResults, type Table } from './report.js'

const DEFAULT_ROUNDS = 12
const DEFAULT_WARMUP = 3
const MB = 1e6

interface Input {
  name: string
  value: unknown
  plain: Buffer
}

/** The B-FAST messages measured: a 1,000- and a 10,000-user reply (SPEC 7) and the two corpus documents. */
function inputs(): Input[] {
  const named: ReadonlyArray<[string, unknown]> = [
    ['users-1k', users(1_000)],
    ['users-10k', users(10_000)],
    ['twitter.json', jsonFixture('twitter.json')],
    ['citm_catalog.json', jsonFixture('citm_catalog.json')]
  ]
  return named.map(([name, value]) => ({ name, value, plain: asBuffer(encode(value)) }))
}

/** Every coding and level measured on this line: LZ4, then the considered levels of each available HTTP coding. */
function codings(): MeasuredCoding[] {
  const list: MeasuredCoding[] = [{ coding: 'lz4', level: 0 }]
  for (const coding of AVAILABLE_CODINGS) {
    for (const level of CONSIDERED_LEVELS[coding]) list.push({ coding, level })
  }
  return list
}

function label(c: MeasuredCoding): string {
  return c.coding === 'lz4' ? 'lz4' : `${c.coding}-${c.level}`
}

function compressor(c: MeasuredCoding): (plain: Buffer) => Uint8Array {
  if (c.coding === 'lz4') return (plain) => compress(plain)
  const { coding, level } = c
  return (plain) => encodeContentSync(coding, level, plain)
}

function decompressor(c: MeasuredCoding): (encoded: Buffer) => Uint8Array {
  if (c.coding === 'lz4') return (encoded) => decompress(encoded)
  const coding = c.coding
  return (encoded) => decodeContentSync(coding, encoded)
}

/** What the server budget compares, per dataset (MB/s of the value's B-FAST bytes). */
interface BudgetRow extends ServerBudget {
  dataset: string
  /** budgetMinCompressMBps of this dataset's two speeds. */
  minCompressMBps: number
}

/** The budget's two candidates: encode, and JSON.stringify + gzip at zlib's default level (as @fastify/compress). */
const ENCODE = 'encode'
const JSON_GZIP = 'JSON + gzip'

interface Row extends MeasuredCoding {
  dataset: string
  plainBytes: number
  encodedBytes: number
  compressMBps: number
  decompressMBps: number
}

async function measure(input: Input, list: readonly MeasuredCoding[], options: Options): Promise<{ rows: Row[]; budget: BudgetRow }> {
  const candidates: Candidate[] = [
    { name: ENCODE, fn: () => encode(input.value) },
    { name: JSON_GZIP, fn: () => zlib.gzipSync(Buffer.from(JSON.stringify(input.value))) }
  ]
  const encodedOf = new Map<string, Buffer>()
  for (const c of list) {
    const name = label(c)
    const encoded = asBuffer(compressor(c)(input.plain))
    const back = decompressor(c)(encoded)
    if (Buffer.compare(asBuffer(back), input.plain) !== 0) throw new Error(`${name} did not round-trip ${input.name}`)
    encodedOf.set(name, encoded)
    const comp = compressor(c)
    const decomp = decompressor(c)
    candidates.push({ name: `c:${name}`, fn: () => comp(input.plain) })
    candidates.push({ name: `d:${name}`, fn: () => decomp(encoded) })
  }
  const result = await compare(candidates, options)
  const mbps = (name: string): number => input.plain.length / MB / (result.get(name).medianMs / 1000)
  const speeds = { encodeMBps: mbps(ENCODE), jsonGzipMBps: mbps(JSON_GZIP) }
  const budget = { dataset: input.name, ...speeds, minCompressMBps: budgetMinCompressMBps(speeds) }
  const rows = list.map((c) => {
    const name = label(c)
    return {
      ...c,
      dataset: input.name,
      plainBytes: input.plain.length,
      encodedBytes: encodedOf.get(name)!.length,
      compressMBps: input.plain.length / MB / (result.get(`c:${name}`).medianMs / 1000),
      decompressMBps: input.plain.length / MB / (result.get(`d:${name}`).medianMs / 1000)
    }
  })
  return { rows, budget }
}

/** The line's budget: the dataset leaving compression the least time (the highest least compress speed). */
function bindingBudget(budgets: readonly BudgetRow[]): BudgetRow {
  return budgets.reduce((a, b) => (b.minCompressMBps > a.minCompressMBps ? b : a))
}

/** The model's figures for one coding: slowest speeds and largest ratio over the datasets. */
function modelFigures(rows: readonly Row[], list: readonly MeasuredCoding[]): CodingFigures[] {
  return list.map((c) => {
    const mine = rows.filter((r) => r.coding === c.coding && r.level === c.level)
    return {
      coding: c.coding,
      level: c.level,
      compressMBps: Math.round(Math.min(...mine.map((r) => r.compressMBps))),
      decompressMBps: Math.round(Math.min(...mine.map((r) => r.decompressMBps))),
      ratio: Math.ceil(Math.max(...mine.map((r) => r.encodedBytes / r.plainBytes)) * 1000) / 1000
    }
  })
}

/** The links the README and the load tests name (Mbps), and the clients asked. */
const LINKS_MBPS: ReadonlyArray<[string, number]> = [
  ['ECT 2g (0.07)', 0.07], ['3G (1.6)', 1.6], ['10 Mbps', 10], ['100 Mbps', 100], ['1 Gbps', 1000], ['10 Gbps', 10_000]
]
const CLIENTS: ReadonlyArray<[string, string | undefined]> = [
  ['browser (gzip, deflate, br, zstd)', 'gzip, deflate, br, zstd'],
  ['no zstd (gzip, deflate, br)', 'gzip, deflate, br'],
  ['gzip only', 'gzip'],
  ['no Accept-Encoding', undefined]
]

function decisionLabel(d: CompressionDecision): string {
  if (d.form === 'content') return `${d.coding}-${d.level}`
  return d.form === 'none' ? 'plain' : 'lz4'
}

/** What the model chooses with `figures` and `budget` for a 100 KB reply, per link and client. */
export function choices(figures: readonly CodingFigures[], budget: ServerBudget, title: string): Table {
  return {
    title,
    headers: ['client', ...LINKS_MBPS.map(([name]) => name)],
    rows: CLIENTS.map(([client, acceptEncoding]) => [
      client,
      ...LINKS_MBPS.map(([, mbps]) => {
        const route = { ...DEFAULTS, network: { mbps } }
        const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding }
        return decisionLabel(new RoutePolicy(route, false, figures, budget).decide(100_000, headers))
      })
    ])
  }
}

function parseRounds(argv: readonly string[]): Options {
  const options: Options = { rounds: DEFAULT_ROUNDS, warmupRounds: DEFAULT_WARMUP }
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?]
    if (key === '--rounds') options.rounds = Number.parseInt(value, 10)
  }
  return options
}

/**
 * The server's work per reply (encode, then compress as the model chooses for a browser at each
 * link) against JSON.stringify + gzip at zlib's default level, what @fastify/compress sends a
 * client asking gzip: the issue 16 item 6 bound "no more server CPU per reply than JSON + gzip".
 */
async function serverWork(options: Options): Promise<void> {
  const browser = { 'accept-encoding': 'gzip, deflate, br, zstd' }
  for (const n of [1_000, 10_000]) {
    const value = users(n)
    const candidates: Candidate[] = [
      { name: 'JSON + gzip', fn: () => zlib.gzipSync(Buffer.from(JSON.stringify(value))) }
    ]
    const links: ReadonlyArray<[string, number]> = [['3G', 1.6], ['10 Mbps', 10], ['100 Mbps', 100], ['1 Gbps', 1000]]
    for (const [name, mbps] of links) {
      const decision = new RoutePolicy({ ...DEFAULTS, network: { mbps } }, false).decide(1e6, browser)
      const label = `${name}: B-FAST + ${decisionLabel(decision)}`
      if (decision.form === 'content') {
        const { coding, level } = decision
        candidates.push({ name: label, fn: () => encodeContentSync(coding!, level, asBuffer(encode(value))) })
      } else if (decision.form === 'none') {
        candidates.push({ name: label, fn: () => encode(value) })
      } else {
        candidates.push({ name: label, fn: () => compress(encode(value)) })
      }
    }
    const result = await compare(candidates, options)
    const table: Table = {
      title: `users-${n}: server work per reply / JSON + gzip (median of paired ratios, p25-p75)`,
      headers: ['reply', 'ratio'],
      rows: candidates.slice(1).map((c) => {
        const q = result.ratioQuartiles(c.name, 'JSON + gzip')
        return [c.name, `${q.median.toFixed(2)}x (${q.p25.toFixed(2)}-${q.p75.toFixed(2)})`]
      }),
      notes: [`Node ${process.versions.node}, load average ${os.loadavg()[0]!.toFixed(1)} at the end.`]
    }
    console.log(renderTable(table) + '\n')
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--cpu')) {
    await serverWork(parseRounds(process.argv.slice(2)))
    return
  }
  if (process.argv.includes('--choices')) {
    for (const [line, figures] of Object.entries(MEASURED)) {
      // The model drops zstd where this process cannot produce it: run --choices on Node >= 22.15.
      const budget = MEASURED_BUDGET[Number(line) as keyof typeof MEASURED_BUDGET]
      console.log(renderTable(choices(figures, budget, `Node ${line}: the coding the model sends a 100 KB reply`)) + '\n')
    }
    return
  }
  const options = parseRounds(process.argv.slice(2))
  const loadBefore = os.loadavg()[0]!
  const list = codings()
  const rows: Row[] = []
  const budgets: BudgetRow[] = []
  for (const input of inputs()) {
    console.log(`measuring ${input.name} (${bytes(input.plain.length)} bytes)`)
    const measured = await measure(input, list, options)
    rows.push(...measured.rows)
    budgets.push(measured.budget)
  }
  const figures = modelFigures(rows, list)
  const binding = bindingBudget(budgets)
  const budget: ServerBudget = { encodeMBps: Math.round(binding.encodeMBps), jsonGzipMBps: Math.round(binding.jsonGzipMBps) }
  const tables: Table[] = inputs().map((input) => ({
    title: `${input.name} (B-FAST, ${bytes(input.plain.length)} bytes)`,
    headers: ['coding', 'bytes', 'ratio', 'compress MB/s', 'decompress MB/s'],
    rows: rows
      .filter((r) => r.dataset === input.name)
      .map((r) => [
        label(r),
        bytes(r.encodedBytes),
        (r.encodedBytes / r.plainBytes).toFixed(3),
        r.compressMBps.toFixed(0),
        r.decompressMBps.toFixed(0)
      ])
  }))
  tables.push({
    title: 'Server CPU budget: B-FAST encode and JSON + gzip, MB/s of B-FAST bytes (plugin/coding-model.ts)',
    headers: ['dataset', 'encode MB/s', 'JSON + gzip MB/s', 'least compress MB/s within budget'],
    rows: budgets.map((b) => [
      b.dataset + (b === binding ? ' (binding)' : ''),
      b.encodeMBps.toFixed(0),
      b.jsonGzipMBps.toFixed(0),
      Number.isFinite(b.minCompressMBps) ? b.minCompressMBps.toFixed(0) : 'none (encode alone exceeds it)'
    ])
  })
  tables.push(choices(figures, budget, 'What these figures choose for a 100 KB reply (default encodings, levels and budget)'))
  tables.push({
    title: 'Model figures (slowest speed and largest ratio over the datasets)',
    headers: ['coding', 'ratio', 'compress MB/s', 'decompress MB/s'],
    rows: figures.map((f) => [label(f), f.ratio.toFixed(3), String(f.compressMBps), String(f.decompressMBps)])
  })
  writeResults({
    file: resultsFile('codings.md'),
    title: `Compression cost model figures, Node ${process.versions.node}`,
    command: `npm run bench:codings -- --node ${NODE_MAJOR}`,
    method: [
      ...describeMethod(options),
      `Load average (1 min) ${loadBefore.toFixed(1)} when the run started, ${os.loadavg()[0]!.toFixed(1)} when it ended, on`,
      `${os.cpus().length} CPUs: figures measured under load are lower than on a quiet machine, which makes the model compress less.`,
      'Compress: lz4-napi block (LZ4) or node:zlib (zstd, br, gzip) of the B-FAST message; decompress: the',
      "client's pure-TypeScript LZ4 decoder (src/frame.ts) or node:zlib. MB/s of plain bytes (1 MB = 10^6 bytes)."
    ],
    tables,
    anomalies: []
  })
  writeFileSync(
    resultsFile('codings.json'),
    JSON.stringify({ node: process.versions.node, rows, figures, budgets, budget }, null, 2) + '\n'
  )
  console.log(`\n// Node ${NODE_MAJOR} (${process.versions.node}), for plugin/coding-model.ts:`)
  console.log(`${NODE_MAJOR}: [`)
  for (const f of figures) {
    console.log(`  { coding: '${f.coding}', level: ${f.level}, compressMBps: ${f.compressMBps}, ` +
      `decompressMBps: ${f.decompressMBps}, ratio: ${f.ratio} },`)
  }
  console.log('],')
  console.log(`// MEASURED_BUDGET (${binding.dataset} binds):`)
  console.log(`${NODE_MAJOR}: { encodeMBps: ${budget.encodeMBps}, jsonGzipMBps: ${budget.jsonGzipMBps} },`)
}

await main()
