/**
 * The `mallocWarmup` option (plugin/malloc-warmup.ts): registering the plugin leaves glibc's
 * malloc reusing freed blocks of up to 16 MiB instead of returning them to the kernel, which a
 * fresh process does not. Each case is a fresh Node process (glibc starts at its 128 KiB
 * thresholds) that registers the plugin on a real Fastify instance and then allocates, fills and
 * frees an 8 MiB buffer three times, counting the minor page faults of each fill: a reused block
 * faults none of its 2,048 pages, a fresh one faults them all. Page faults, not time: the count
 * is deterministic (V8's sweeping kept on the main thread, `--single-threaded-gc`).
 */
import t from 'tap'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'

/** Pages of the 8 MiB buffer each cycle fills (4 KiB pages). */
const PAGES = (8 << 20) / 4096

interface Run {
  faults: number[]
  glibc: string | null
}

const script = (mallocWarmup: boolean): string => `
import Fastify from 'fastify'
import bfast from ${distSpecifier('plugin/index.js')}
const app = Fastify()
await app.register(bfast, { mallocWarmup: ${mallocWarmup} })
await app.ready()
gc()
const cycle = () => {
  const before = process.resourceUsage().minorPageFault
  let b = Buffer.allocUnsafeSlow(${8 << 20}).fill(1)
  b = null
  const faults = process.resourceUsage().minorPageFault - before
  gc()
  return faults
}
const faults = [cycle(), cycle(), cycle()]
await app.close()
console.log(JSON.stringify({ faults, glibc: process.report.getReport().header.glibcVersionRuntime ?? null }))
`

const run = (mallocWarmup: boolean): Run => moduleOutput<Run>(script(mallocWarmup), ['--expose-gc', '--single-threaded-gc'])

// The thresholds are glibc's (mallopt(3)); elsewhere the option does nothing to test.
const probe = process.platform === 'linux' ? run(true) : null
const skip = probe === null ? 'Linux only' : probe.glibc === null ? 'glibc only (this libc has no dynamic thresholds)' : false

t.test('with mallocWarmup (the default), a freed 8 MiB block is reused: its second fill faults no page in', { skip }, (t) => {
  const { faults } = probe!
  t.ok(faults[0]! >= PAGES / 2, `the first fill maps fresh memory (${faults[0]} faults)`)
  t.ok(faults[1]! < PAGES / 8, `the second reuses it (${faults[1]} faults of ${PAGES} pages)`)
  t.ok(faults[2]! < PAGES / 8, `and the third (${faults[2]} faults)`)
  t.end()
})

t.test('without it, the freed block goes back to the kernel and the second fill faults every page in again', { skip }, (t) => {
  // The control: shows that the case above can fail, i.e. that what it counts is the option's doing.
  const { faults } = run(false)
  t.ok(faults[1]! >= PAGES / 2, `the second fill faults again (${faults[1]} faults of ${PAGES} pages)`)
  t.end()
})
