/**
 * How many runs a sample makes: the calibration of bench/harness.ts `compare`, shared with the
 * Chromium page's copy of its sampling loop (./rounds.ts), which cannot import harness.ts
 * (node:os, node:perf_hooks). Browser-safe.
 */

/** Single runs timed per candidate before the warm-up rounds; the fastest decides. */
export const CALIBRATION_RUNS = 3
/** Floor on a run's time, so that a run under the timer's tick cannot ask for infinity. */
const MIN_RUN_MS = 1e-4

/** Runs a sample needs to last `minSampleMs` at `msPerRun` (at least 1, at most `maxIterations`). */
export function iterationsFor(msPerRun: number, minSampleMs: number, maxIterations: number): number {
  return Math.max(1, Math.min(maxIterations, Math.ceil(minSampleMs / Math.max(msPerRun, MIN_RUN_MS))))
}

/**
 * Sets each candidate's runs per sample from its fastest warm-up sample (time per run), through
 * `runsFor(index, msPerRun)`. The first calibration times cold runs: an operation whose first
 * runs are slow (code not yet optimized, pages faulted in for the first time) got too few runs,
 * and its measured samples then lasted a fraction of minSampleMs, one or two runs each, right
 * after the full GC (PERFORMANCE-NOTES "Table toArray in a fresh process").
 */
export function recalibrate(iterations: number[], warmupMsPerRun: readonly number[], runsFor: (index: number, msPerRun: number) => number): void {
  for (let i = 0; i < iterations.length; i++) {
    const best = warmupMsPerRun[i]!
    if (Number.isFinite(best)) iterations[i] = runsFor(i, best)
  }
}
