/**
 * The bandwidth simulator (load-tests/throttle-proxy.ts) on real sockets: it must pass every
 * byte through unaltered and in order in both directions, keep half-closes, and never deliver
 * sooner than its link model allows. Only lower bounds on time are asserted: a busy machine
 * makes delivery later, never earlier, so these cannot flake.
 */
import net from 'node:net'
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import t from 'tap'
import type { Test } from 'tap'
import { startThrottleProxy } from '../../load-tests/throttle-proxy.js'
import { msPerByte } from '../../load-tests/link-model.js'
import { listen, LOOPBACK } from '../../support/listen.js'
import type { LinkSettings } from '../../load-tests/link-model.js'

interface EchoServer {
  port: number
  /** Connections whose client end (FIN) reached the server. */
  endsSeen: () => number
  close: () => Promise<void>
}

/** A TCP server that echoes every byte back and ends when its client ends. */
async function echoServer(): Promise<EchoServer> {
  let ends = 0
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('end', () => ends++)
    socket.pipe(socket)
  })
  const { port } = await listen(server)
  return { port, endsSeen: () => ends, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

function pattern(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 8)) & 0xff
  return bytes
}

/** Sends `payload` through the proxy to the echo server, half-closes, and collects the echo. */
async function roundTrip(port: number, payload: Buffer): Promise<{ echoed: Buffer; ms: number }> {
  const socket = net.connect({ host: LOOPBACK, port, allowHalfOpen: true })
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  const started = performance.now()
  socket.end(payload)
  await once(socket, 'end')
  const ms = performance.now() - started
  socket.destroy()
  return { echoed: Buffer.concat(chunks), ms }
}

/** An echo server behind a proxy of `link`, both closed when the test ends. */
async function echoBehindProxy(t: Test, link: LinkSettings): Promise<{ echo: EchoServer; port: number }> {
  const echo = await echoServer()
  t.teardown(echo.close)
  const proxy = await startThrottleProxy({ targetPort: echo.port, ...link })
  t.teardown(proxy.close)
  return { echo, port: proxy.port }
}

t.test('regression: the reply tail was lost when the server closed before the link drained (every byte comes back, in order, no sooner than the model)', async (t) => {
  const link = { mbps: 100, rttMs: 10 }
  const { port } = await echoBehindProxy(t, link)
  // The echo server closes as soon as it has echoed everything, while most of the echo is
  // still on the simulated link: the proxy used to tear the connection down then. Larger than
  // a slice and than the proxy's high-water mark, so pausing and resuming happen too.
  const payload = pattern(1_300_000)
  const { echoed, ms } = await roundTrip(port, payload)
  t.equal(echoed.length, payload.length)
  t.ok(echoed.equals(payload), 'the echo is byte for byte what was sent')
  // Each direction serializes the payload once and adds half the RTT; they overlap (the echo
  // starts before the upload ends), so the floor is one serialization plus the whole RTT.
  const floor = payload.length * msPerByte(link.mbps) + link.rttMs
  t.ok(ms >= floor, `took ${ms.toFixed(1)} ms, the model allows no less than ${floor.toFixed(1)} ms`)
})

t.test('half-closes go through both ways when no data was sent', async (t) => {
  const { echo, port } = await echoBehindProxy(t, { mbps: 1000, rttMs: 30 })
  // roundTrip resolves only when the server's end has come back through the proxy.
  const { echoed } = await roundTrip(port, Buffer.alloc(0))
  t.equal(echoed.length, 0)
  t.equal(echo.endsSeen(), 1, "the client's end reached the server")
})

t.test('a small request waits at least half the RTT each way', async (t) => {
  const link = { mbps: 1000, rttMs: 30 }
  const { port } = await echoBehindProxy(t, link)
  const { echoed, ms } = await roundTrip(port, Buffer.from('ping'))
  t.equal(echoed.toString(), 'ping')
  t.ok(ms >= link.rttMs, `took ${ms.toFixed(1)} ms, at least the ${link.rttMs} ms RTT`)
})

t.test('settings out of range are refused before listening', async (t) => {
  await t.rejects(startThrottleProxy({ targetPort: 1, mbps: 0, rttMs: 1 }), RangeError)
  await t.rejects(startThrottleProxy({ targetPort: 1, mbps: 10, rttMs: -5 }), RangeError)
})
