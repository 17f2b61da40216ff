/**
 * Issue 10 must-have 6, bounded and seeded in `npm test`: the plugin fuzz target
 * (test/helpers/plugin-fuzz.ts) against the example server in a child process over a real
 * socket, once with @fastify/compress registered and once without it, so that coded request
 * bodies meet the plugin's own decoding (issue 16 item 3). `npm run fuzz -- --plugin` runs it
 * for longer.
 */
import t from 'tap'
import { HEAP_GROWTH_LIMIT_BYTES, runPluginFuzz } from '../helpers/plugin-fuzz.js'

const SEED = 0xbfa5710
const RUNS = 400
/** A bound on the run, not a timing assertion: RUNS normally finish well before it. */
const SECONDS = 60

for (const [label, httpCompression, runs] of [['with @fastify/compress', true, RUNS], ["with the plugin's own request decoding", false, RUNS / 2]] as const) {
  t.test(`plugin fuzz ${label}: every request gets a 2xx/4xx, B-FAST replies decode, memory stays bounded`, async (t) => {
    const result = await runPluginFuzz(SEED, runs, SECONDS, undefined, httpCompression)
    t.ok(result.requests >= 100, `${result.requests} requests sent`)
    t.same(result.findings.slice(0, 5), [], `no 5xx, no dropped connection, no undecodable reply (seed ${SEED})`)
    t.same(result.errorLines.slice(0, 5), [], 'the server logged no error')
    const growth = result.heapAfter - result.heapBefore
    t.ok(growth < HEAP_GROWTH_LIMIT_BYTES, `heap after GC grew ${(growth / 2 ** 20).toFixed(1)} MiB (limit ${HEAP_GROWTH_LIMIT_BYTES / 2 ** 20} MiB)`)
  })
}
