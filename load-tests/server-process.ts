/**
 * The example server in a child process, for the load generator (load-tests/run.ts,
 * load-tests/soak.ts) to measure from another process. Started by ./child-server.ts, which
 * passes the example server's options in an environment variable and gets the port back over
 * IPC. Adds one admin route reporting memory after a full GC (node --expose-gc).
 */
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks'
import { buildServer } from '../examples/server.js'
import { users, USERS_MAX } from '../examples/data.js'
import type { ExampleServerOptions } from '../examples/server.js'
import { listen } from '../support/listen.js'
import { ADMIN_CPU_PATH, ADMIN_MEMORY_PATH, LZ4_ANY_SIZE_PATH, SERVER_OPTIONS_ENV } from './constants.js'
import type { ServerCpu, ServerMemory, ServerReady } from './child-server.js'

const raw = process.env[SERVER_OPTIONS_ENV]
const options = (raw === undefined ? {} : JSON.parse(raw)) as ExampleServerOptions
const app = await buildServer(options)

// Memory as the soak test reads it: after a full collection, so only live data counts.
app.get(ADMIN_MEMORY_PATH, { config: { bfast: false } }, async (): Promise<ServerMemory> => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('start the server process with --expose-gc')
  gc()
  gc()
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers }
})

// The threshold sweep's LZ4 side: the users list compressed whatever its size.
app.get<{ Querystring: { n: number } }>(
  LZ4_ANY_SIZE_PATH,
  {
    schema: { querystring: { type: 'object', properties: { n: { type: 'integer', minimum: 0, maximum: USERS_MAX } }, required: ['n'] } },
    config: { bfast: { compression: { network: 'slow', threshold: 0 } } }
  },
  async (request) => users(request.query.n)
)

// Garbage collections so far, by kind: a 10,000-user reply's CPU time depends on whether the
// request's data is promoted and swept by mark-compacts (docs/PERFORMANCE-NOTES.md "The
// 10,000-user reply on a real socket"), so the throughput table shows the counts beside it.
const gcCounts = { minor: 0, major: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // Node's 'gc' entries carry the kind in `detail` (not in @types/node 20's PerformanceEntry).
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } | null }).detail?.kind
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) gcCounts.minor++
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcCounts.major++
  }
}).observe({ entryTypes: ['gc'] })

// CPU time the server process has used: the load tests divide it by the requests served, a
// cost per reply that other work on the machine disturbs far less than requests/s.
app.get(ADMIN_CPU_PATH, { config: { bfast: false } }, async (): Promise<ServerCpu> => ({
  ...process.cpuUsage(),
  gcMinor: gcCounts.minor,
  gcMajor: gcCounts.major,
  minorFaults: process.resourceUsage().minorPageFault
}))

const { port } = await listen(app)
const ready: ServerReady = { port }
process.send?.(ready)
process.on('disconnect', () => {
  void app.close().then(() => process.exit(0))
})
