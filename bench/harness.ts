/**
 * A small side-by-side benchmark harness.
 *
 * Why side by side: these machines are shared (2 vCPU, several processes at once) and absolute
 * timings drift 10-20% between runs (PERFORMANCE-NOTES.md). Candidates that are compared run
 * interleaved in one process, round-robin, with the order rotated every round so that no
 * candidate always runs right after the same neighbour (or right after a GC); each round yields
 * one sample per candidate, and ratios are taken per round (paired samples) before the median,
 * so a slow stretch of the machine hits both sides of a ratio alike.
 */
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { CALIBRATION_RUNS, iterationsFor, recalibrate } from './browser-page/calibration.js'

/** Defaults of the harness, in one table. */
export const HARNESS_DEFAULTS = {
  /** Rounds measured (one sample per candidate per round). */
  rounds: 40,
  /** Rounds run and thrown away first, so every candidate reaches optimised code. */
  warmupRounds: 8,
  /** A sample repeats the operation until it has taken at least this long (timer resolution). */
  minSampleMs: 10,
  /** Upper bound on repetitions per sample, whatever the calibration says. */
  maxIterations: 10_000,
  /**
   * Awaited runs between two turns of the event loop within a sample. `fastify.inject` settles
   * through microtasks alone, and each inject leaves about 8 KB (light-my-request and node:http
   * objects) that is released only once the loop turns: 200,000 injects without a turn held
   * 1.6 GB on Node 20 and 26, with or without the plugin, and the full `npm run bench` on
   * Node 26 ran out of heap in the plugin section. A real server turns the loop for every
   * request; a turn (setImmediate) costs 1-4 us, under 0.1% of a 1-user inject per 256 runs.
   */
  yieldEveryAsyncRuns: 256,
  /**
   * Milliseconds the harness waits, untimed, after the full GC before a sample. V8 sweeps the
   * old generation on helper threads after a mark-compact, so the GC that `gc()` finishes still
   * runs for a few milliseconds after it returns, and a sample that starts at once shares the
   * two cores and the caches with it. That charged the shorter candidate of a comparison most:
   * a users-100k table encode alone, 40 samples after `gc()` on Node 26, took 7.0-7.4 ms at the
   * median and 9.5-10.1 at p75 with no wait, 6.3-6.4 and 6.7-6.8 with 10 ms (the same as under
   * `--no-concurrent-sweeping`) (docs/PERFORMANCE-NOTES.md, "The harness's GC and the sample after it").
   */
  settleAfterGcMs: 10,
} as const

export interface Candidate {
  /** Row label. */
  name: string
  /** The operation measured; a returned promise is awaited (and its time counted). */
  fn: () => unknown
}

export interface Options {
  rounds?: number
  warmupRounds?: number
  minSampleMs?: number
}

export interface Stats {
  name: string
  /** Median time of one operation, milliseconds. */
  medianMs: number
  p25Ms: number
  p75Ms: number
  /** Time of one operation in each measured round, milliseconds (index = round). */
  samples: number[]
  /** Operations per sample (calibrated during warm-up). */
  iterations: number
  /**
   * Median over the measured rounds of the minor page faults per operation (the process's, from
   * `process.resourceUsage()`), or undefined where they are not counted (a browser page).
   */
  faultsPerRun: number | undefined
}

/** Results of one comparison: candidates' stats in the order they were given. */
export interface Comparison {
  stats: Stats[]
  /** Median over rounds of a.sample / b.sample (paired, same round); the figure to quote. */
  ratio(a: string, b: string): number
  /** p25, median and p75 over rounds of a.sample / b.sample. */
  ratioQuartiles(a: string, b: string): { p25: number; median: number; p75: number }
  get(name: string): Stats
}

/** Keeps the last result reachable so the optimiser cannot drop the work that made it. */
export let sink: unknown
function consume(value: unknown): void {
  sink = value
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc

/** Whether `--expose-gc` was given (then a full GC runs before every sample). */
export const GC_EXPOSED = typeof gc === 'function'

/** The full GC before a sample, and the wait for its sweeping (see settleAfterGcMs). */
async function collect(): Promise<void> {
  if (gc === undefined) return
  gc()
  await new Promise((resolve) => setTimeout(resolve, HARNESS_DEFAULTS.settleAfterGcMs))
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Promise<unknown>).then === 'function'
}

function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** The process's minor page faults so far (getrusage; about a microsecond, never inside a timing). */
function minorFaults(): number {
  return process.resourceUsage().minorPageFault
}

/** One sample: the time of one run, and the minor page faults of one run (both averaged over the sample). */
interface Sample {
  ms: number
  faults: number
}

/**
 * Runs `fn` `iterations` times and returns the time of one run in milliseconds. An asynchronous
 * `fn` also gets a turn of the event loop after the sample, untimed: a sample of large replies
 * makes fewer runs than yieldEveryAsyncRuns (10,000 users: about ten), and without that turn
 * their leftovers pile up across samples (the Node 24 full bench ran out of heap so).
 */
async function sample(fn: () => unknown, iterations: number): Promise<Sample> {
  let awaited = false
  const faults = minorFaults()
  const start = performance.now()
  for (let i = 0; i < iterations; i++) {
    const result = fn()
    // Sync candidates are not charged for a microtask hop they do not need.
    if (isPromise(result)) {
      awaited = true
      consume(await result)
      if ((i + 1) % HARNESS_DEFAULTS.yieldEveryAsyncRuns === 0) await turnEventLoop()
    } else {
      consume(result)
    }
  }
  const ms = (performance.now() - start) / iterations
  const faulted = (minorFaults() - faults) / iterations
  if (awaited) await turnEventLoop()
  return { ms, faults: faulted }
}

/** Linear-interpolated quantile of an ascending array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((x, y) => x - y), 0.5)
}

/**
 * Measures `candidates` interleaved: `warmupRounds` discarded rounds (which also calibrate how
 * many operations a sample needs to last `minSampleMs`), then `rounds` measured rounds, each
 * running every candidate once in an order rotated by one per round, with a full GC before
 * every sample when `--expose-gc` is on (so nobody pays for garbage somebody else made), and
 * time for that GC's sweeping to end (settleAfterGcMs).
 */
export async function compare(candidates: readonly Candidate[], options: Options = {}): Promise<Comparison> {
  const rounds = options.rounds ?? HARNESS_DEFAULTS.rounds
  const warmupRounds = options.warmupRounds ?? HARNESS_DEFAULTS.warmupRounds
  const minSampleMs = options.minSampleMs ?? HARNESS_DEFAULTS.minSampleMs
  const n = candidates.length
  const runsFor = (msPerRun: number): number => iterationsFor(msPerRun, minSampleMs, HARNESS_DEFAULTS.maxIterations)

  // A first calibration on single runs, keeping the fastest (least disturbed) time; the warm-up
  // rounds calibrate again (recalibrate).
  const iterations: number[] = []
  for (const c of candidates) {
    let best = Number.POSITIVE_INFINITY
    for (let i = 0; i < CALIBRATION_RUNS; i++) {
      best = Math.min(best, (await sample(c.fn, 1)).ms)
    }
    iterations.push(runsFor(best))
  }

  const warmupBest = candidates.map(() => Number.POSITIVE_INFINITY)
  const samples: number[][] = candidates.map(() => [])
  const faults: number[][] = candidates.map(() => [])
  for (let round = 0; round < warmupRounds + rounds; round++) {
    if (round === warmupRounds && round > 0) recalibrate(iterations, warmupBest, (_, ms) => runsFor(ms))
    for (let k = 0; k < n; k++) {
      const index = (k + round) % n
      const c = candidates[index]!
      await collect()
      const { ms, faults: faulted } = await sample(c.fn, iterations[index]!)
      if (round >= warmupRounds) {
        samples[index]!.push(ms)
        faults[index]!.push(faulted)
      } else warmupBest[index] = Math.min(warmupBest[index]!, ms)
    }
  }

  return summarize(
    candidates.map((c) => c.name),
    samples,
    iterations,
    faults
  )
}

/**
 * Stats and paired ratios of per-round samples (index = candidate, then round), as `compare`
 * reports them; also for samples taken elsewhere by the same method (bench/browser.ts: in a
 * browser page, where `faults` are not counted).
 */
export function summarize(
  names: readonly string[],
  samples: readonly (readonly number[])[],
  iterations: readonly number[],
  faults?: readonly (readonly number[])[]
): Comparison {
  const stats: Stats[] = names.map((name, i) => {
    const sorted = [...samples[i]!].sort((x, y) => x - y)
    return {
      name,
      medianMs: quantile(sorted, 0.5),
      p25Ms: quantile(sorted, 0.25),
      p75Ms: quantile(sorted, 0.75),
      samples: [...samples[i]!],
      iterations: iterations[i]!,
      faultsPerRun: faults === undefined ? undefined : median(faults[i]!),
    }
  })
  const byName = new Map(stats.map((s) => [s.name, s]))
  const get = (name: string): Stats => {
    const s = byName.get(name)
    if (s === undefined) throw new Error(`no candidate named ${JSON.stringify(name)}`)
    return s
  }
  const pairedRatios = (a: string, b: string): number[] => {
    const sb = get(b).samples
    return get(a).samples.map((x, i) => x / sb[i]!).sort((x, y) => x - y)
  }
  return {
    stats,
    get,
    ratio: (a, b) => quantile(pairedRatios(a, b), 0.5),
    ratioQuartiles(a, b) {
      const r = pairedRatios(a, b)
      return { p25: quantile(r, 0.25), median: quantile(r, 0.5), p75: quantile(r, 0.75) }
    },
  }
}

/** The method, printed above every report so numbers are never quoted without it. */
export function describeMethod(options: Options = {}): string[] {
  const rounds = options.rounds ?? HARNESS_DEFAULTS.rounds
  const warmupRounds = options.warmupRounds ?? HARNESS_DEFAULTS.warmupRounds
  const minSampleMs = options.minSampleMs ?? HARNESS_DEFAULTS.minSampleMs
  const cpus = os.cpus()
  return [
    `Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}, ${cpus.length} CPU(s): ${cpus[0]?.model.trim() ?? 'unknown'}`,
    'Candidates of one comparison run interleaved in one process, round-robin, order rotated every round;',
    `${warmupRounds} warm-up rounds discarded, then ${rounds} measured rounds; each sample repeats the operation until it lasts >= ${minSampleMs} ms`,
    `(an asynchronous one awaited each time, the event loop turned every ${HARNESS_DEFAULTS.yieldEveryAsyncRuns} runs);`,
    `${GC_EXPOSED ? `a full GC (--expose-gc) runs before every sample, then ${HARNESS_DEFAULTS.settleAfterGcMs} ms untimed for its concurrent sweeping` : 'no GC between samples (run with --expose-gc for that)'}; times are medians per operation, with p25-p75.`,
    'Ratios are medians of per-round ratios (paired samples). The machine is shared (other processes run at the same time):',
    'absolute times drift 10-20% between runs; quote the ratios.',
    ...describeFaults(),
  ]
}

/**
 * glibc's malloc settings of this process, as its environment gives them. They decide whether a
 * large fresh buffer (an encode's output, a reply) reuses pages or faults them in again after a
 * GC: with the default (dynamic) thresholds glibc gives freed memory back to the kernel, and on
 * this VM each minor fault costs ~20 us (docs/PERFORMANCE-NOTES.md, "Page faults in the bench
 * figures").
 */
const MALLOC_ENV = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_'] as const

/** The glibc version this process runs on, or undefined (macOS, musl, Windows): from Node's diagnostic report header. */
function glibcVersion(): string | undefined {
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } }
  return report.header?.glibcVersionRuntime
}

function describeFaults(): string[] {
  const set = MALLOC_ENV.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`)
  const glibc = glibcVersion()
  return [
    'Time cells marked "· N pf": a median of N minor page faults per operation over the measured rounds (the whole process\'s, process.resourceUsage());',
    'unmarked: under one. The faults show where a fresh buffer\'s pages came back from the kernel, which costs far more on a VM than the work of most rows.',
    glibc === undefined
      ? 'malloc: not glibc (the MALLOC_* settings do not apply).'
      : set.length === 0
        ? `malloc: glibc ${glibc} with its default thresholds (what a process started without MALLOC_* settings gets).`
        : `malloc: glibc ${glibc}, ${set.join(' ')} (from the environment).`,
  ]
}
