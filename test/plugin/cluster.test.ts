/**
 * The plugin keeps no cross-request state: two node:cluster workers sharing one port answer
 * interleaved B-FAST and JSON requests of different sizes, each reply complete and correct.
 */
import t from 'tap'
import cluster from 'node:cluster'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { decode } from '../../src/index.js'
import { users } from '../helpers/tagged.js'
import { BFAST } from './server.js'

const WORKERS = 2

t.test('two workers, interleaved B-FAST and JSON replies, all correct', async (t) => {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)) })
  const workers = Array.from({ length: WORKERS }, () => cluster.fork())
  t.teardown(() => {
    for (const w of workers) if (w.isConnected()) w.send('close')
  })
  // A worker that dies before listening fails the test instead of leaving it waiting.
  const ports = await Promise.all(
    workers.map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          w.once('message', (m: { port: number }) => resolve(m.port))
          w.once('exit', (code) => reject(new Error(`worker exited with ${code} before listening`)))
        })
    )
  )
  const port = ports[0]
  t.equal(new Set(ports).size, 1, 'the workers share one port')
  const seen = new Set<number>()
  const asks: Array<Promise<void>> = []
  for (let i = 0; i < 60; i++) {
    const n = [1, 50, 3_000][i % 3]
    const bfast = i % 2 === 0
    asks.push(
      (async () => {
        const res = await request(`http://127.0.0.1:${port}/users/${n}`, { headers: bfast ? { accept: BFAST } : {} })
        const body = Buffer.from(await res.body.arrayBuffer())
        const value = (bfast ? decode(body) : JSON.parse(body.toString('utf8'))) as { worker: number; rows: unknown[] }
        t.equal(res.headers['content-type'], bfast ? BFAST : 'application/json; charset=utf-8', `request ${i}: format`)
        t.same(value.rows, users(n), `request ${i}: ${n} rows intact`)
        seen.add(value.worker)
      })()
    )
  }
  await Promise.all(asks)
  t.ok(seen.size >= 1, `answered by worker(s) ${[...seen].join(', ')}`)
})
