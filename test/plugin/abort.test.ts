/**
 * Clients that abort mid-reply (issue 6 "Server under fault"): no log lines beyond what
 * Fastify itself writes for the same abort without the plugin, no error-level lines, and no
 * connection left open.
 */
import t from 'tap'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { users } from '../helpers/tagged.js'
import { BFAST, harness, LOG_LEVEL, logCollector } from './server.js'

const BIG = users(60_000) // about 6 MB encoded: the chunked, thread-pool path
const HANDLER_DELAY_MS = 50

function routes(app: FastifyInstance): void {
  app.get('/big', async () => BIG)
  app.get('/slow', async () => {
    await sleep(HANDLER_DELAY_MS)
    return BIG
  })
}

/** Sends a raw request and destroys the socket after `afterBytes` bytes of reply (0: at once). */
function abortingRequest(port: number, path: string, afterBytes: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${BFAST}\r\n\r\n`)
      if (afterBytes === 0) {
        socket.destroy()
        resolve(0)
      }
    })
    let received = 0
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      if (received >= afterBytes) socket.destroy()
    })
    socket.on('close', () => resolve(received))
    socket.on('error', () => resolve(received))
  })
}

async function scenario(plugin: boolean): Promise<{ lines: Array<Record<string, unknown>>; served: boolean }> {
  const logs = logCollector()
  const h = await harness(plugin ? { compression: { network: 'slow' } } : null, routes, { logger: { level: 'info', stream: logs.stream } })
  const port = h.port
  await Promise.all([
    abortingRequest(port, '/slow', 0), // gone before the handler returns
    abortingRequest(port, '/big', 0), // gone during encode/compression
    abortingRequest(port, '/big', 64 * 1024), // gone mid-body
    abortingRequest(port, '/slow', 1) // gone right after the first byte
  ])
  await sleep(HANDLER_DELAY_MS * 4)
  const [check] = await h.both({ url: '/big', headers: { accept: BFAST } })
  const connections = await new Promise<number>((resolve) => h.app.server.getConnections((_e, n) => resolve(n)))
  await h.close()
  return { lines: logs.lines, served: check.status === 200 && connections <= 1 }
}

function loud(lines: Array<Record<string, unknown>>): string[] {
  return lines.filter((l) => (l.level as number) >= LOG_LEVEL.warn).map((l) => `${String(l.level)} ${String(l.msg)}`).sort()
}

t.test('aborted replies log nothing beyond Fastify and leak no connection', async (t) => {
  const without = await scenario(false)
  const withPlugin = await scenario(true)
  t.ok(withPlugin.served, 'the server still serves, with no stray connection')
  t.same(loud(withPlugin.lines), loud(without.lines), 'the same warnings and errors as without the plugin')
  t.equal(withPlugin.lines.filter((l) => (l.level as number) >= LOG_LEVEL.error).length, 0, 'no error-level line')
  t.equal(withPlugin.lines.filter((l) => JSON.stringify(l).includes('fastify-bfast')).length, 0, 'nothing from the plugin')
})
