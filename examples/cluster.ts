/**
 * The example server under node:cluster, one worker per core: `npm run build && node
 * dist/examples/cluster.js` (PORT, HOST and WORKERS override the defaults).
 *
 * Each worker builds its own app and listens on the same port (the primary distributes
 * connections). fastify-bfast keeps no state across requests (negotiation, encoding and
 * compression are per reply), so nothing needs sharing between workers.
 */
import cluster from 'node:cluster'
import os from 'node:os'
import { buildServer, EXAMPLE_DEFAULTS } from './server.js'

/** A worker that dies is replaced, but not in a tight loop: at most this many restarts per minute. */
const MAX_RESTARTS_PER_MINUTE = 10
const MINUTE_MS = 60_000

const port = Number(process.env.PORT ?? EXAMPLE_DEFAULTS.port)
const host = process.env.HOST ?? EXAMPLE_DEFAULTS.host

if (cluster.isPrimary) {
  const workers = Number(process.env.WORKERS ?? os.availableParallelism())
  console.log(`primary ${process.pid}: starting ${workers} workers on http://${host}:${port}`)
  for (let i = 0; i < workers; i++) cluster.fork()
  let restarts: number[] = []
  cluster.on('exit', (worker, code, signal) => {
    if (signal === 'SIGTERM' || signal === 'SIGINT' || code === 0) return
    const now = Date.now()
    restarts = restarts.filter((at) => now - at < MINUTE_MS)
    if (restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      console.error(`worker ${worker.process.pid} died (${signal ?? code}); too many restarts, not replacing it`)
      return
    }
    restarts.push(now)
    console.error(`worker ${worker.process.pid} died (${signal ?? code}); starting another`)
    cluster.fork()
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
      process.exit(0)
    })
  }
} else {
  const app = await buildServer({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
  await app.listen({ port, host })
  console.log(`worker ${process.pid} listening`)
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0))
  })
}
