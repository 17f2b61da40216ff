/**
 * The `mallocWarmup` option (plugin/malloc-warmup.ts): registering the plugin leaves glibc's
 * malloc reusing freed blocks of up to 31 MiB instead of returning them to the kernel, which a
 * fresh process does not. Each case is a fresh Node process (glibc starts at its 128 KiB
 * thresholds) that registers the plugin on a real Fastify instance and then allocates, fills and
 * frees an 8 MiB (or 24 MiB) buffer three times, counting the minor page faults of each fill: a
 * reused block faults none of its pages, a fresh one faults them all. Page faults, not time: the count
 * is deterministic (V8's sweeping kept on the main thread, `--single-threaded-gc`).
 */
import t from 'tap'
import type { Test } from 'tap'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'

/** The buffer each cycle fills: 8 MiB, and 24 MiB (a block over a 16 MiB warm-up, under 31 MiB). */
const SMALL = 8 << 20
const LARGE = 24 << 20
/** Pages of the 8 MiB buffer (4 KiB pages). */
const PAGES = SMALL / 4096

interface Run {
  faults: number[]
  glibc: string | null
}

const script = (mallocWarmup: boolean, size: number): string => `
import Fastify from 'fastify'
import bfast from ${distSpecifier('plugin/index.js')}
const app = Fastify()
await app.register(bfast, { mallocWarmup: ${mallocWarmup} })
await app.ready()
gc()
const cycle = () => {
  const before = process.resourceUsage().minorPageFault
  let b = Buffer.allocUnsafeSlow(${size}).fill(1)
  b = null
  const faults = process.resourceUsage().minorPageFault - before
  gc()
  return faults
}
const faults = [cycle(), cycle(), cycle()]
await app.close()
console.log(JSON.stringify({ faults, glibc: process.report.getReport().header.glibcVersionRuntime ?? null }))
`

const run = (mallocWarmup: boolean, size = SMALL): Run =>
  moduleOutput<Run>(script(mallocWarmup, size), ['--expose-gc', '--single-threaded-gc'])

// The thresholds are glibc's (mallopt(3)); elsewhere the option does nothing to test.
const probe = process.platform === 'linux' ? run(true) : null
const skip = probe === null ? 'Linux only' : probe.glibc === null ? 'glibc only (this libc has no dynamic thresholds)' : false

/** The first fill of a `pages`-page block maps fresh memory; the second and third reuse it. */
function reusedAfterFirstFill(t: Test, faults: number[], pages: number): void {
  t.ok(faults[0]! >= pages / 2, `the first fill maps fresh memory (${faults[0]} faults)`)
  t.ok(faults[1]! < pages / 8, `the second reuses it (${faults[1]} faults of ${pages} pages)`)
  t.ok(faults[2]! < pages / 8, `and the third (${faults[2]} faults)`)
}

t.test('with mallocWarmup (the default), a freed 8 MiB block is reused: its second fill faults no page in', { skip }, (t) => {
  reusedAfterFirstFill(t, probe!.faults, PAGES)
  t.end()
})

t.test('without it, the freed block goes back to the kernel and the second fill faults every page in again', { skip }, (t) => {
  // The control: shows that the case above can fail, i.e. that what it counts is the option's doing.
  const { faults } = run(false)
  t.ok(faults[1]! >= PAGES / 2, `the second fill faults again (${faults[1]} faults of ${PAGES} pages)`)
  t.end()
})

// Regression: the warm-up was 16 MiB, and a process sending replies of 7-11 MB (a 100,000-row
// table, its JSON) still gave its heap back after many collections. A freed block between 16 and
// 31 MiB must now be reused too.
t.test('with mallocWarmup, a freed 24 MiB block is reused as well', { skip }, (t) => {
  reusedAfterFirstFill(t, run(true, LARGE).faults, LARGE / 4096)
  t.end()
})
