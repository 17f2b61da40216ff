/**
 * `npm run bench`: B-FAST against JSON and msgpackr (targets of issue 11), LZ4 inside the format,
 * the plugin's overhead (issue 3) and the client's (issue 4).
 *
 * Usage: npm run bench -- [--node 20|22|24|26] [--rounds=N] [--only=codec,lz4,plugin,client]
 *        [--dataset=users-10k] [--no-prime]   (--node: scripts/node-lines.mjs runs the pinned line)
 * A full run (no --only / --dataset) also writes the tables to bench/results/node-<major>/codec.md;
 * `--only=SECTIONS --write` writes a partial run there too, its title naming the sections (a quick
 * per-line codec table: the README's tables read only the codec section).
 */
import { isDeepStrictEqual } from 'node:util'
import { Packr, isNativeAccelerationEnabled } from 'msgpackr'
import { decode, decompress, encode, isCompressed } from '../src/index.js'
import { compress, compressChunked } from '../src/compress.js'
import { CLIENT_BENCH_METHOD, benchClient } from './client.js'
import { LARGE_USERS_COUNT, datasets, users, type Dataset } from './datasets.js'
import { compare, describeMethod, type Options } from './harness.js'
import { benchPlugin } from './plugin.js'
import { bytes, ms, ratio, renderTable, timing, verdict, resultsFile, writeResults, type Table } from './report.js'
import { NON_ASCII_DATASET, TARGETS } from './targets.js'

/** Sections of the report, in order. */
const SECTIONS = ['codec', 'lz4', 'plugin', 'client'] as const
type Section = (typeof SECTIONS)[number]

/** Where a full run writes its tables (for the README). */
const RESULTS_FILE = resultsFile('codec.md')

const textDecoder = new TextDecoder()

/** Times every codec encodes and decodes every dataset before anything is measured. */
const PRIME_ITERATIONS = 20

/**
 * A server sends many shapes. Measured on a codec that has only ever seen users-10k, B-FAST's
 * encode of it was twice as fast as after the writer had also seen twitter.json and
 * citm_catalog.json (its property loads went megamorphic), so results depended on the order
 * of the datasets and on --dataset. Every codec first runs over every dataset, so each
 * measurement is of that steady state whatever is selected.
 */
function primeCodecs(all: readonly Dataset[]): void {
  const packr = new Packr({ useRecords: true })
  for (let i = 0; i < PRIME_ITERATIONS; i++) {
    for (const set of all) {
      decode(compress(encode(set.value)))
      JSON.parse(textDecoder.decode(Buffer.from(JSON.stringify(set.value))))
      packr.unpack(packr.pack(packInput(set)))
    }
  }
}

const packInputs = new WeakMap<Dataset, unknown>()

/**
 * msgpackr's own copy of a dataset (Dataset.build): its pack changes the element kind of the
 * lists it packs, which would change what JSON and B-FAST are measured on.
 */
function packInput(set: Dataset): unknown {
  let value = packInputs.get(set)
  if (value === undefined) {
    value = set.build()
    packInputs.set(set, value)
  }
  return value
}

interface Args {
  options: Options
  sections: Set<Section>
  dataset: string | undefined
  full: boolean
  prime: boolean
  /** --write: a partial run (--only, every dataset, primed) writes its results file too. */
  write: boolean
}

function parseArgs(argv: readonly string[]): Args {
  const options: Options = {}
  let sections = new Set<Section>(SECTIONS)
  let dataset: string | undefined
  let full = true
  let prime = true
  let write = false
  for (const arg of argv) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?]
    if (key === '--rounds') options.rounds = Number.parseInt(value, 10)
    else if (key === '--warmup') options.warmupRounds = Number.parseInt(value, 10)
    else if (key === '--only') {
      const names = value.split(',')
      const unknown = names.filter((s) => !(SECTIONS as readonly string[]).includes(s))
      if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`)
      sections = new Set(names as Section[])
      full = false
    } else if (key === '--dataset') {
      dataset = value
      full = false
    } else if (key === '--write') {
      write = true
    } else if (key === '--no-prime') {
      prime = false
      full = false
    } else throw new Error(`unknown argument ${arg}; see the header of bench/codec.ts`)
  }
  return { options, sections, dataset, full, prime, write: write && dataset === undefined && prime }
}

/** Encode and decode against JSON and msgpackr; sizes. */
async function codecSection(sets: readonly Dataset[], options: Options, anomalies: string[]): Promise<Table[]> {
  const speed: Table = {
    title: 'B-FAST vs JSON vs msgpackr (median ms per operation, p25-p75)',
    labelColumns: 2,
    headers: ['dataset', 'op', 'B-FAST', 'JSON', 'msgpackr', 'B-FAST / JSON', 'B-FAST / msgpackr'],
    rows: [],
    notes: [
      'JSON = `Buffer.from(JSON.stringify(x))` / `JSON.parse(textDecoder.decode(bytes))`;',
      `msgpackr = \`new Packr({ useRecords: true })\` pack / unpack (native string extractor: ${isNativeAccelerationEnabled ? 'on' : 'off'});`,
      'B-FAST = `encode(x)` (returns a fresh copy) / `decode(bytes)` of a plain message.',
      'msgpackr packs a copy of its own of each dataset, built the same way: its pack turns lists of doubles into lists of boxed numbers, which JSON and B-FAST would then be measured on.',
      'Ratio cells: median of per-round ratios [p25-p75], PASS/MISS against the target of issue 11 (the median decides).',
    ],
  }
  const sizes: Table = {
    title: 'Message sizes (bytes)',
    headers: ['dataset', 'JSON', 'msgpackr', 'B-FAST', 'B-FAST + LZ4', 'B-FAST / JSON', 'B-FAST+LZ4 / JSON'],
    rows: [],
  }
  for (const set of sets) {
    const value = set.value
    const packr = new Packr({ useRecords: true })
    const json = Buffer.from(JSON.stringify(value))
    // msgpackr returns a view into its reusable buffer: copy it so later packs cannot touch it.
    const packValue = packInput(set)
    const packed = Buffer.from(packr.pack(packValue))
    const message = encode(value)
    const compressed = compress(message)

    if (!isDeepStrictEqual(decode(message), JSON.parse(json.toString('utf8')))) {
      anomalies.push(`${set.name}: decode(encode(x)) differs from JSON.parse(JSON.stringify(x))`)
    }

    const enc = await compare(
      [
        { name: 'B-FAST', fn: () => encode(value) },
        { name: 'JSON', fn: () => Buffer.from(JSON.stringify(value)) },
        { name: 'msgpackr', fn: () => packr.pack(packValue) },
      ],
      options
    )
    const dec = await compare(
      [
        { name: 'B-FAST', fn: () => decode(message) },
        { name: 'JSON', fn: () => JSON.parse(textDecoder.decode(json)) },
        { name: 'msgpackr', fn: () => packr.unpack(packed) },
      ],
      options
    )
    const encodeJsonTarget = set.name === NON_ASCII_DATASET ? TARGETS.encodeVsJsonTwitter : TARGETS.encodeVsJson
    speed.rows.push(
      [
        set.name,
        'encode',
        timing(enc.get('B-FAST')),
        timing(enc.get('JSON')),
        timing(enc.get('msgpackr')),
        verdict(enc.ratioQuartiles('B-FAST', 'JSON'), encodeJsonTarget),
        verdict(enc.ratioQuartiles('B-FAST', 'msgpackr'), TARGETS.encodeVsMsgpackr),
      ],
      [
        set.name,
        'decode',
        timing(dec.get('B-FAST')),
        timing(dec.get('JSON')),
        timing(dec.get('msgpackr')),
        verdict(dec.ratioQuartiles('B-FAST', 'JSON'), set.name === NON_ASCII_DATASET ? TARGETS.decodeVsJsonTwitter : TARGETS.decodeVsJson),
        verdict(dec.ratioQuartiles('B-FAST', 'msgpackr'), TARGETS.decodeVsMsgpackr),
      ]
    )
    sizes.rows.push([
      set.name,
      bytes(json.length),
      bytes(packed.length),
      bytes(message.length),
      bytes(compressed.length),
      ratio(message.length / json.length),
      ratio(compressed.length / json.length),
    ])
    console.log(`  ${set.name}: done`)
  }
  return [speed, sizes]
}

/** LZ4 inside the format (SPEC 4): compress, decompress, and what it adds to decode. */
async function lz4Section(sets: readonly Dataset[], options: Options, anomalies: string[]): Promise<Table[]> {
  const single: Table = {
    title: 'LZ4 inside the format, single block (median ms, p25-p75)',
    headers: ['dataset', 'B-FAST bytes', 'LZ4 bytes', 'size ratio', 'compress', 'decompress', 'decode plain', 'decode LZ4', 'decode LZ4 / plain'],
    rows: [],
    notes: [
      '`compress` = `compress(message)` (lz4-napi, sync); `decompress` = `decompress(lz4)` (pure TypeScript);',
      '`decode LZ4` = `decode(lz4)` = decompress + decode.',
    ],
  }
  for (const set of sets) {
    const message = encode(set.value)
    const lz4 = compress(message)
    if (!isCompressed(lz4)) anomalies.push(`${set.name}: compress() returned the plain message (SPEC 4.2 "BF" rule)`)
    const c = await compare(
      [
        { name: 'compress', fn: () => compress(message) },
        { name: 'decompress', fn: () => decompress(lz4) },
        { name: 'decode plain', fn: () => decode(message) },
        { name: 'decode LZ4', fn: () => decode(lz4) },
      ],
      options
    )
    single.rows.push([
      set.name,
      bytes(message.length),
      bytes(lz4.length),
      ratio(lz4.length / message.length),
      timing(c.get('compress')),
      timing(c.get('decompress')),
      timing(c.get('decode plain')),
      timing(c.get('decode LZ4')),
      ratio(c.ratio('decode LZ4', 'decode plain')),
    ])
    console.log(`  ${set.name}: done`)
  }

  // The size at which the plugin switches to the chunked form compressed on the thread pool.
  const big = encode(users(LARGE_USERS_COUNT))
  const block = compress(big)
  const chunked = await compressChunked(big)
  if (!isDeepStrictEqual(decode(chunked), decode(big))) anomalies.push('users-12k: decode(compressChunked(m)) differs from decode(m)')
  const c = await compare(
    [
      { name: 'single', fn: () => compress(big) },
      { name: 'chunked', fn: () => compressChunked(big) },
      { name: 'decode single', fn: () => decode(block) },
      { name: 'decode chunked', fn: () => decode(chunked) },
    ],
    options
  )
  const parallel: Table = {
    title: `LZ4, single block vs chunked (users-${LARGE_USERS_COUNT / 1000}k, ${bytes(big.length)} bytes; median ms, p25-p75)`,
    headers: ['form', 'LZ4 bytes', 'size ratio', 'compress', 'compress vs single', 'decode', 'decode vs single'],
    rows: [
      ['single block: `compress`', bytes(block.length), ratio(block.length / big.length), timing(c.get('single')), ratio(1), timing(c.get('decode single')), ratio(1)],
      [
        'chunked: `compressChunked`',
        bytes(chunked.length),
        ratio(chunked.length / big.length),
        timing(c.get('chunked')),
        ratio(c.ratio('chunked', 'single')),
        timing(c.get('decode chunked')),
        ratio(c.ratio('decode chunked', 'decode single')),
      ],
    ],
    notes: [
      '`compressChunked` is wall time of the promise (chunks compressed in parallel on the libuv pool, default chunk 262,144 bytes);',
      'it keeps the event loop free while it runs, which is its point, not raw speed on 2 shared cores.',
    ],
  }
  return [single, parallel]
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const method = [
    ...describeMethod(args.options),
    args.prime
      ? `Before any measurement every codec encodes and decodes every dataset ${PRIME_ITERATIONS} times (the state of a server sending varied shapes).`
      : 'NOT primed (--no-prime): each codec meets the datasets in report order; figures depend on that order.',
  ]
  console.log('B-FAST benchmark\n')
  for (const line of method) console.log(line)
  console.log('')

  let sets = datasets()
  if (args.prime) primeCodecs(sets)
  if (args.dataset !== undefined) {
    const all = sets
    sets = sets.filter((s) => s.name === args.dataset)
    if (sets.length === 0) throw new Error(`unknown dataset ${args.dataset}; datasets: ${all.map((s) => s.name).join(', ')}`)
  }
  const anomalies: string[] = []
  const tables: Table[] = []
  const run = async (section: Section, fn: () => Promise<Table[]>): Promise<void> => {
    if (!args.sections.has(section)) return
    console.log(`[${section}]`)
    for (const table of await fn()) {
      tables.push(table)
      console.log(`\n${renderTable(table)}\n`)
    }
  }
  await run('codec', () => codecSection(sets, args.options, anomalies))
  await run('lz4', () => lz4Section(sets, args.options, anomalies))
  await run('plugin', () => benchPlugin(args.options))
  await run('client', async () => {
    const rows = await benchClient(args.options)
    return [
      {
        title: 'Client overhead over a bare `decode` (10,000 users; median ms)',
        labelColumns: 2,
        headers: ['measurement', 'relative to', 'median ms', 'ratio'],
        rows: rows.map((r) => [r.name, r.baseline, ms(r.medianMs), ratio(r.ratio)]),
        notes: CLIENT_BENCH_METHOD,
      },
    ]
  })

  if (anomalies.length > 0) {
    console.log('ANOMALIES:')
    for (const a of anomalies) console.log(`  - ${a}`)
  }
  if (args.full || args.write) {
    const only = [...args.sections].join(',')
    const title = args.full ? 'Benchmarks' : `Benchmarks (partial run: sections ${only})`
    const command = args.full ? 'npm run bench' : `npm run bench -- --only=${only} --write`
    writeResults({ file: RESULTS_FILE, title, command, method, tables, anomalies })
  } else {
    console.log(`Partial run (--only/--dataset, no --write): ${RESULTS_FILE} left as it was.`)
  }
}

await main()
