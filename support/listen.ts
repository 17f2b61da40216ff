/**
 * Starting a server on a free loopback port and reading where it listens: the one helper the
 * tests, benchmarks and load tests share (issue 15 item 5). It lives in support/, beside
 * test/, bench/ and load-tests/ rather than in any of them, so that benchmarks and load tests
 * need not reach into the test tree; nothing here is shipped or loaded by a browser.
 */
import type { AddressInfo, Server } from 'node:net'
import type { FastifyInstance } from 'fastify'

/** Every test and benchmark server listens here only: never reachable from another machine. */
export const LOOPBACK = '127.0.0.1'

/** Where a server listens. */
export interface Listening {
  port: number
  /** `http://127.0.0.1:<port>`: the base URL of an HTTP server on that port. */
  url: string
}

function isFastify(server: FastifyInstance | Server): server is FastifyInstance {
  return typeof (server as FastifyInstance).inject === 'function'
}

/**
 * Starts `server` on loopback port 0, so that the system picks a free port and test files
 * running in parallel never collide, and returns the port it got. A Fastify app listens through
 * `app.listen` (which readies it first); a node:net or node:http server through `server.listen`,
 * rejecting with its 'error'. Closing stays with the caller (e.g. `t.teardown(() => app.close())`),
 * who knows what else must go with it.
 *
 * @example
 * ```ts
 * const { url } = await listen(app)
 * t.teardown(() => app.close())
 * ```
 */
export async function listen(server: FastifyInstance | Server): Promise<Listening> {
  let address: ReturnType<Server['address']>
  if (isFastify(server)) {
    await server.listen({ port: 0, host: LOOPBACK })
    address = server.server.address()
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, LOOPBACK, () => {
        server.off('error', reject)
        resolve()
      })
    })
    address = server.address()
  }
  if (address === null || typeof address === 'string') throw new Error(`not listening on TCP: ${String(address)}`)
  const port = (address as AddressInfo).port
  return { port, url: `http://${LOOPBACK}:${port}` }
}
