/**
 * The sampling loop of bench/harness.ts `compare`, in the page: the same calibration, warm-up,
 * interleaved rounds with the order rotated every round, and a full GC before every sample when
 * Chromium exposes one, followed by the same untimed wait for its concurrent sweeping.
 * harness.ts itself cannot load here (it imports node:os and node:perf_hooks); the page returns
 * raw samples and Node turns them into stats and paired ratios with harness.ts `summarize`, so
 * only this loop is written twice.
 *
 * Unlike the Node harness, every sample's last result is checked after its timer stops: a
 * decoder that returns the wrong value cannot look fast.
 */
import { CALIBRATION_RUNS, iterationsFor, recalibrate } from './calibration.js'
import type { RunResult } from './protocol.js'

export interface PageCandidate {
  name: string
  fn: () => unknown
  /** Why `result` is wrong, or null when it is right. */
  check: (result: unknown) => string | null
  /**
   * One run per sample, right after the full GC, whatever minSampleMs says (bench/tables.ts does
   * the same at 100,000 rows: a second run in the sample paid scavenges of the rows the first
   * left behind).
   */
  oneRunPerSample?: boolean
}

export interface RoundOptions {
  rounds: number
  warmupRounds: number
  minSampleMs: number
  maxIterations: number
  settleAfterGcMs: number
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc

/** Keeps the last result reachable so the optimiser cannot drop the work that made it. */
export let sink: unknown

/** Runs `fn` `iterations` times; the time of one run in milliseconds. */
function sample(fn: () => unknown, iterations: number): number {
  let last: unknown
  const start = performance.now()
  for (let i = 0; i < iterations; i++) last = fn()
  const elapsed = performance.now() - start
  sink = last
  return elapsed / iterations
}

/** The full GC before a sample, and the wait for its sweeping (bench/harness.ts collect). */
async function collect(settleMs: number): Promise<void> {
  if (gc === undefined) return
  gc()
  await new Promise((resolve) => setTimeout(resolve, settleMs))
}

export async function runRounds(candidates: readonly PageCandidate[], options: RoundOptions): Promise<RunResult> {
  const failures: string[] = []
  let checked = 0
  const check = (c: PageCandidate, round: number): void => {
    checked++
    const why = c.check(sink)
    if (why !== null && failures.length < 10) failures.push(`${c.name} (round ${round}): ${why}`)
  }

  const runsFor = (c: PageCandidate, msPerRun: number): number =>
    c.oneRunPerSample === true ? 1 : iterationsFor(msPerRun, options.minSampleMs, options.maxIterations)
  const iterations: number[] = []
  for (const c of candidates) {
    let best = Number.POSITIVE_INFINITY
    for (let i = 0; i < CALIBRATION_RUNS; i++) best = Math.min(best, sample(c.fn, 1))
    check(c, -1)
    iterations.push(runsFor(c, best))
  }

  const n = candidates.length
  const warmupBest = candidates.map(() => Number.POSITIVE_INFINITY)
  const samples: number[][] = candidates.map(() => [])
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    if (round === options.warmupRounds && round > 0) recalibrate(iterations, warmupBest, (i, ms) => runsFor(candidates[i]!, ms))
    for (let k = 0; k < n; k++) {
      const index = (k + round) % n
      const c = candidates[index]!
      await collect(options.settleAfterGcMs)
      const ms = sample(c.fn, iterations[index]!)
      check(c, round)
      if (round >= options.warmupRounds) samples[index]!.push(ms)
      else warmupBest[index] = Math.min(warmupBest[index]!, ms)
    }
  }
  sink = undefined
  return { names: candidates.map((c) => c.name), samples, iterations, failures, checked }
}
