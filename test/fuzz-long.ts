/**
 * `npm run fuzz`: the fuzz targets of test/src/fuzz.test.ts, run for longer (issue 6).
 *
 *   npm run fuzz -- --seconds 300 --runs 1000000 --seed 42 [--only table]
 *   FUZZ_SECONDS=300 FUZZ_RUNS=1000000 FUZZ_SEED=42 npm run fuzz
 *   npm run fuzz -- --plugin --seconds 300      the plugin over a real socket (issue 10)
 *   npm run fuzz -- --browser --only table       the codec loaded as a browser loads it (no Buffer)
 *
 * Bounded by a case count and a time budget (both optional; defaults 60 s and no count
 * limit). Seeded: each round uses seed + round, so a finding reproduces from the printed seed
 * and path. Prints the number of cases per target and the first (shrunk) finding of each;
 * exits 1 on a finding.
 */
import fc from 'fast-check'
import type { Finding } from './helpers/fuzz-cases.js'
import { codecWithoutBuffer } from './helpers/browser-codec.js'
// The targets and the plugin fuzz load the codec, so they are imported below, after --browser
// has had the chance to load it first without Buffer (test/helpers/browser-codec.ts).

const DEFAULT_SECONDS = 60
/** Cases per fast-check run; a round runs every target once with this many cases. */
const ROUND_RUNS = 5000

function arg(name: string, env: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1]
  return process.env[env]
}

function numberArg(name: string, env: string, fallback: number): number {
  const raw = arg(name, env)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} / ${env} must be a non-negative number, got ${raw}`)
    process.exit(2)
  }
  return n
}

const seconds = numberArg('seconds', 'FUZZ_SECONDS', DEFAULT_SECONDS)
const pluginMode = process.argv.includes('--plugin') || process.env.FUZZ_PLUGIN === '1'
const maxRuns = numberArg('runs', 'FUZZ_RUNS', Infinity)
const seed = numberArg('seed', 'FUZZ_SEED', Date.now() % 0x7fffffff)
/** Only the targets whose name contains this text (e.g. "table"). */
const only = arg('only', 'FUZZ_ONLY')
/**
 * The codec as browsers run it: src/utf8.ts and src/table-reader.ts pick their paths (JS UTF-8,
 * TextDecoder, fromCharCode texts) when they load, so this loads them while Buffer is hidden and
 * every target below reads through those paths.
 */
const browserMode = process.argv.includes('--browser') || process.env.FUZZ_BROWSER === '1'

if (browserMode && pluginMode) {
  console.error('--browser is for the codec targets; the plugin fuzz runs the server in Node')
  process.exit(2)
}
if (browserMode) {
  await codecWithoutBuffer()
  console.log('fuzz --browser: the codec loaded without Buffer (its browser paths)')
}

if (pluginMode) {
  const { HEAP_GROWTH_LIMIT_BYTES, runPluginFuzz } = await import('./helpers/plugin-fuzz.js')
  const seedValue = numberArg('seed', 'FUZZ_SEED', Date.now() % 0x7fffffff)
  console.log(`fuzz --plugin: seed ${seedValue}, up to ${seconds} s${Number.isFinite(maxRuns) ? `, up to ${maxRuns} requests` : ''}`)
  const result = await runPluginFuzz(seedValue, Number.isFinite(maxRuns) ? maxRuns : Number.MAX_SAFE_INTEGER, seconds)
  const growth = result.heapAfter - result.heapBefore
  console.log(`  ${result.requests} requests; statuses ${[...result.statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`).join(', ')}`)
  console.log(`  server heap after GC ${(result.heapBefore / 2 ** 20).toFixed(1)} -> ${(result.heapAfter / 2 ** 20).toFixed(1)} MiB (growth limit ${HEAP_GROWTH_LIMIT_BYTES / 2 ** 20} MiB)`)
  console.log(`  ${result.findings.length} finding(s), ${result.errorLines.length} server error line(s)`)
  for (const f of result.findings.slice(0, 20)) console.log(JSON.stringify(f))
  for (const l of result.errorLines.slice(0, 5)) console.log(l)
  process.exit(result.findings.length > 0 || result.errorLines.length > 0 || growth >= HEAP_GROWTH_LIMIT_BYTES ? 1 : 0)
}

const { checkedFuzzTargets } = await import('./helpers/fuzz-targets.js')
const targets = checkedFuzzTargets().filter((x) => only === undefined || x.name.includes(only))
const counts = new Map<string, number>(targets.map((x) => [x.name, 0]))
const findings: Array<{ target: string; seed: number; path: string | null; finding: Finding | undefined }> = []

const deadline = Date.now() + seconds * 1000
let total = 0
console.log(`fuzz: seed ${seed}, up to ${seconds} s${Number.isFinite(maxRuns) ? `, up to ${maxRuns} cases` : ''}`)
for (let round = 0; Date.now() < deadline && total < maxRuns && findings.length < targets.length; round++) {
  for (const target of targets) {
    // One finding per target is enough to act on (it comes shrunk); keep fuzzing the others.
    if (findings.some((f) => f.target === target.name)) continue
    const left = Math.min(ROUND_RUNS, maxRuns - total)
    if (left <= 0 || Date.now() >= deadline) break
    const roundSeed = (seed + round) | 0
    const details = fc.check(fc.property(target.input, (bytes) => target.check(bytes) === undefined), {
      seed: roundSeed,
      numRuns: left,
      interruptAfterTimeLimit: Math.max(1, deadline - Date.now()),
      markInterruptAsFailure: false
    })
    total += details.numRuns
    counts.set(target.name, (counts.get(target.name) ?? 0) + details.numRuns)
    if (details.failed) {
      const example = details.counterexample?.[0]
      findings.push({ target: target.name, seed: roundSeed, path: details.counterexamplePath, finding: example ? target.check(example) : undefined })
    }
  }
}

for (const [name, n] of counts) console.log(`  ${String(n).padStart(9)}  ${name}`)
console.log(`fuzz: ${total} cases in ${((Date.now() - (deadline - seconds * 1000)) / 1000).toFixed(0)} s, ${findings.length} finding(s)`)
for (const f of findings) console.log(JSON.stringify(f))
process.exitCode = findings.length > 0 ? 1 : 0
