/**
 * The load tests' server process (load-tests/server-process.ts through ./child-server.ts): the
 * CPU route reports the garbage collections the process has run and its minor page faults, which
 * the throughput table shows beside the CPU time per reply.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startServerProcess } from '../../load-tests/child-server.js'
import type { ServerCpu } from '../../load-tests/child-server.js'

/** PerformanceObserver delivers 'gc' entries after the collection: poll this many times at most. */
const POLLS = 100
const POLL_MS = 20

t.test('the CPU route counts mark-compacts: the two full collections of the memory route show up', async (t) => {
  const server = await startServerProcess({ logger: { level: 'warn' } })
  t.teardown(() => server.stop())
  const before = await server.cpu()
  t.ok(Number.isInteger(before.gcMinor) && before.gcMinor >= 0, 'scavenges counted')
  t.ok(Number.isInteger(before.gcMajor) && before.gcMajor >= 0, 'mark-compacts counted')
  // The memory route runs gc() twice (the server is started with --expose-gc): two full collections.
  await server.memory()
  let after: ServerCpu = await server.cpu()
  for (let i = 0; i < POLLS && after.gcMajor < before.gcMajor + 2; i++) {
    await sleep(POLL_MS)
    after = await server.cpu()
  }
  t.ok(after.gcMajor >= before.gcMajor + 2, `mark-compacts ${before.gcMajor} -> ${after.gcMajor}`)
  t.ok(after.user + after.system > before.user + before.system, 'CPU time still reported')
})

t.test('the CPU route counts minor page faults: a first 100,000-user reply touches memory the server never had', async (t) => {
  const server = await startServerProcess({ logger: { level: 'warn' } })
  t.teardown(() => server.stop())
  const before = await server.cpu()
  const res = await fetch(`${server.origin}/users?n=100000`, { headers: { accept: 'application/x-bfast' } })
  const bytes = (await res.arrayBuffer()).byteLength
  const after = await server.cpu()
  // About 10 MB of reply (and the users behind it), larger than anything the server held before:
  // at least its size in 4 KiB pages is faulted in.
  t.ok(after.minorFaults - before.minorFaults >= bytes / 4096, `${after.minorFaults - before.minorFaults} faults for a ${bytes}-byte reply`)
})
