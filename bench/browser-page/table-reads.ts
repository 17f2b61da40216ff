/**
 * What the table benchmarks do the same way in Node (bench/tables.ts) and in Chromium (page.ts):
 * the first screen of a grid, and the probe for a policy that forbids code generation.
 * Browser-safe (the page loads it).
 */
import type { BFastTable } from '../../src/index.js'

/** Rows the "open + N rows" measurement reads: the first screen of a grid. */
export const FIRST_ROWS = 50

/**
 * Above this many rows, toArray(), v1 decode and the JSON path make one run per sample, right
 * after the full GC: a second run in a sample paid the scavenges of the rows the first one left.
 */
export const ONE_RUN_ROWS = 10_000

/** Reads the first FIRST_ROWS rows of `table`; returns the last one. */
export function firstRows(table: BFastTable): unknown {
  let last: unknown
  for (let i = 0; i < FIRST_ROWS; i++) last = table.get(i)
  return last
}

/** Whether `new Function` works here (not under --disallow-code-generation-from-strings or a CSP without 'unsafe-eval'). */
export function canCompile(): boolean {
  try {
    // eslint-disable-next-line no-new-func -- the probe for a CSP that forbids code generation
    return new Function('return true')() === true
  } catch {
    return false
  }
}
