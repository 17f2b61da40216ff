/**
 * `npm run bench:readme`: puts the per-Node-line results side by side in the README (issue 11).
 *
 * Each line's full runs write their own files (bench/results/node-<major>/codec.md from
 * `npm run bench`, load-tests/results/node-<major>/results.json from `npm run load`, each run
 * under that line with `-- --node <major>`). This reads them and rewrites the README between
 * `<!-- bench-lines:begin -->` and `<!-- bench-lines:end -->`, so the quoted figures are always
 * the files' figures. Lines 24 and 26 come first (what users deploy today), then the older ones.
 *
 * Usage: npm run bench:readme [-- --check]   (--check: exit 1 if the README is out of date)
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { ROOT } from '../test/helpers/paths.js'
import { renderTable, type Table } from './report.js'

const README = `${ROOT}README.md`
const BENCH_RESULTS = `${ROOT}bench/results/`
const LOAD_RESULTS = `${ROOT}load-tests/results/`
const BEGIN = '<!-- bench-lines:begin -->'
const END = '<!-- bench-lines:end -->'
/** Shown first, in this order; any other line follows, newest first. */
const FIRST_LINES = [24, 26]
/** The README is read on the registry too, where only absolute links reach unshipped files. */
const REPOSITORY = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { homepage: string }).homepage.replace(/#.*$/, '')
const CODEC_TABLE = '### B-FAST vs JSON vs msgpackr'
const NOT_MEASURED = '–'

/** One Node line's figures, as read from its results files. */
export interface LineResults {
  major: number
  /** e.g. "v26.12.1", from the codec results' method line. */
  version?: string
  /** "dataset op" -> { json: '0.62x', msgpackr: '0.57x' } */
  codec: Map<string, { json: string; msgpackr: string }>
  /** 10,000-user route over a real socket: B-FAST / JSON requests/s and server CPU per reply. */
  load?: { reqPerSec: number; cpu: number; cpuLz4: number }
}

function majorsIn(dir: string): number[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .map((d) => /^node-(\d+)$/.exec(d)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
}

/** 24, 26, then the others newest first. */
export function orderLines(majors: Iterable<number>): number[] {
  const all = [...new Set(majors)]
  return [...FIRST_LINES.filter((m) => all.includes(m)), ...all.filter((m) => !FIRST_LINES.includes(m)).sort((a, b) => b - a)]
}

function cells(row: string): string[] {
  return row.split('|').slice(1, -1).map((c) => c.trim())
}

/** The ratio columns of the main table of a codec.md written by `npm run bench`. */
export function parseCodecResults(markdown: string): Pick<LineResults, 'version' | 'codec'> {
  const version = /^> Node (v\d+\.\d+\.\d+)/m.exec(markdown)?.[1]
  const codec = new Map<string, { json: string; msgpackr: string }>()
  const start = markdown.indexOf(CODEC_TABLE)
  if (start < 0) return { version, codec }
  const rows = markdown.slice(start).split('\n').slice(2)
  const table: string[] = []
  for (const row of rows) {
    if (!row.startsWith('|')) break
    table.push(row)
  }
  const [header, , ...body] = table
  if (header === undefined) return { version, codec }
  const h = cells(header)
  const json = h.indexOf('B-FAST / JSON')
  const msgpackr = h.indexOf('B-FAST / msgpackr')
  const ratioOf = (cell: string | undefined): string => /\d+\.\d+x/.exec(cell ?? '')?.[0] ?? NOT_MEASURED
  for (const row of body) {
    const c = cells(row)
    codec.set(`${c[0]} ${c[1]}`, { json: ratioOf(c[json]), msgpackr: ratioOf(c[msgpackr]) })
  }
  return { version, codec }
}

interface ThroughputRow {
  users: number
  format: string
  requestsPerSecond: number
  serverCpuMsPerReply: number
}

/** The 10,000-user ratios of a results.json written by `npm run load`. */
export function parseLoadResults(json: string): LineResults['load'] {
  const rows = (JSON.parse(json) as { throughput?: ThroughputRow[] }).throughput ?? []
  const big = Math.max(...rows.map((r) => r.users))
  const at = (format: string): ThroughputRow | undefined => rows.find((r) => r.users === big && r.format === format)
  const json0 = at('json')
  const bfast = at('bfast')
  const lz4 = at('lz4')
  if (json0 === undefined || bfast === undefined || lz4 === undefined) return undefined
  return {
    reqPerSec: bfast.requestsPerSecond / json0.requestsPerSecond,
    cpu: bfast.serverCpuMsPerReply / json0.serverCpuMsPerReply,
    cpuLz4: lz4.serverCpuMsPerReply / json0.serverCpuMsPerReply,
  }
}

/** The supported lines and their pinned versions, from the one place they are written. */
async function supportedLines(): Promise<Record<string, string>> {
  const mod = (await import(pathToFileURL(`${ROOT}scripts/node-lines.mjs`).href)) as { LINES: Record<string, string> }
  return mod.LINES
}

function readLine(major: number): LineResults {
  const codecFile = `${BENCH_RESULTS}node-${major}/codec.md`
  const loadFile = `${LOAD_RESULTS}node-${major}/results.json`
  const parsed = existsSync(codecFile) ? parseCodecResults(readFileSync(codecFile, 'utf8')) : { version: undefined, codec: new Map() }
  return { major, ...parsed, load: existsSync(loadFile) ? parseLoadResults(readFileSync(loadFile, 'utf8')) : undefined }
}

/** The README section: one table per comparison, a column per Node line. */
export function renderSection(lines: readonly (LineResults & { pinned?: string | undefined })[]): string {
  const head = lines.map((l) => `Node ${l.version ?? (l.pinned !== undefined ? `v${l.pinned}` : l.major)}`)
  const keys = [...new Set(lines.flatMap((l) => [...l.codec.keys()]))]
  const codecTable = (title: string, pick: 'json' | 'msgpackr'): Table => ({
    title,
    labelColumns: 2,
    headers: ['dataset', 'op', ...head],
    rows: keys.map((k) => {
      const [dataset = '', op = ''] = k.split(' ')
      return [dataset, op, ...lines.map((l) => l.codec.get(k)?.[pick] ?? NOT_MEASURED)]
    }),
  })
  const x = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? NOT_MEASURED : `${v.toFixed(2)}x`)
  const tables: Table[] = [
    codecTable('B-FAST time / JSON time (`npm run bench`, median of paired ratios; < 1 = B-FAST faster)', 'json'),
    codecTable('B-FAST time / msgpackr time (`npm run bench`)', 'msgpackr'),
    {
      title: '10,000-user route over a real socket (`npm run load`, policy `\'fast\'`), B-FAST / JSON',
      headers: ['measure', ...head],
      rows: [
        ['requests/s', ...lines.map((l) => x(l.load?.reqPerSec))],
        ['server CPU per reply', ...lines.map((l) => x(l.load?.cpu))],
        ['server CPU per reply, B-FAST + LZ4', ...lines.map((l) => x(l.load?.cpuLz4))],
      ],
    },
  ]
  // Only the folders a line has results in: a link to a folder that does not exist is a dead link.
  const link = (folder: string, major: number): string => `[\`${folder}/node-${major}/\`](${REPOSITORY}/tree/main/${folder}/node-${major})`
  const files = lines.filter((l) => l.codec.size > 0 || l.load !== undefined).map(
    (l) => `Node ${l.major}: ${[l.codec.size > 0 ? link('bench/results', l.major) : '', l.load !== undefined ? link('load-tests/results', l.major) : ''].filter((s) => s !== '').join(', ')}`
  )
  return [
    BEGIN,
    '<!-- written by `npm run bench:readme` from the per-line results files: edit those, not this -->',
    '',
    ...tables.flatMap((t) => [renderTable(t), '']),
    `${NOT_MEASURED}: not measured on that line yet. Every table, with p25-p75 and the method: ${files.join('; ')}.`,
    END,
  ].join('\n')
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check')
  const supported = await supportedLines()
  const majors = [...Object.keys(supported).map(Number), ...majorsIn(BENCH_RESULTS), ...majorsIn(LOAD_RESULTS)]
  const lines = orderLines(majors).map((major) => ({ pinned: supported[major], ...readLine(major) }))
  const readme = readFileSync(README, 'utf8')
  const begin = readme.indexOf(BEGIN)
  const end = readme.indexOf(END)
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} ... ${END} section`)
  const next = readme.slice(0, begin) + renderSection(lines) + readme.slice(end + END.length)
  if (check) {
    if (next !== readme) {
      console.error('README.md benchmark section is out of date: run npm run bench:readme')
      process.exitCode = 1
    }
    return
  }
  writeFileSync(README, next)
  console.log(`README.md: benchmark section rewritten from Node ${lines.map((l) => l.major).join(', ')}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
