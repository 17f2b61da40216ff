/**
 * The client tests' server: a real Fastify app with the fastify-bfast plugin registered,
 * listening on 127.0.0.1 on a free port, serving the routes of cases.ts.
 */
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import bfast from '../../plugin/index.js'
import { encode, MEDIA_TYPE } from '../../src/index.js'
import { compress, compressChunked } from '../../src/compress.js'
import {
  BAD_REQUEST_BODY,
  people,
  ROUTE,
  SERVER_ERROR_MESSAGE,
  SLOW_REPLY_MS,
  TEXT_BODY,
  TRICKLE_GAP_MS,
  TRICKLE_PIECE_BYTES,
  typedSample,
  USERS_COUNT,
  type Echo
} from './cases.js'

export interface TestServer {
  app: FastifyInstance
  /** `http://127.0.0.1:<port>` */
  baseUrl: string
  /** TCP connections the server has accepted so far. */
  connections(): number
  close(): Promise<void>
}

/** Bytes labelled B-FAST that are not a message: "BF", then an unknown version byte. */
const CORRUPT_BFAST = Uint8Array.from([0x42, 0x46, 0x00, 0x09, 0x00, 0x00, 0x10])

/** `bytes` as a stream of pieces with pauses between them, so that they reach the client apart. */
function trickle(bytes: Uint8Array): Readable {
  return Readable.from(
    (async function* pieces() {
      for (let p = 0; p < bytes.length; p += TRICKLE_PIECE_BYTES) {
        if (p > 0) await sleep(TRICKLE_GAP_MS)
        yield Buffer.from(bytes.subarray(p, p + TRICKLE_PIECE_BYTES))
      }
    })()
  )
}

/**
 * Starts the server. `setup` may add routes (the browser test adds its page and the static
 * module route) before the server starts listening.
 */
export async function startServer(setup?: (app: FastifyInstance) => void): Promise<TestServer> {
  const app = Fastify({ forceCloseConnections: true })
  await app.register(bfast)

  const users = people(USERS_COUNT)
  app.get(ROUTE.usersCompressed, { config: { bfast: { compression: { network: 'slow' } } } }, async () => users)
  app.get(ROUTE.usersPlain, { config: { bfast: { compression: { network: 'fast' } } } }, async () => users)
  app.get<{ Params: { id: string } }>(ROUTE.user, async (request, reply) => {
    const user = users[Number(request.params.id)]
    return user ?? reply.code(404).send({ error: 'Not Found', id: request.params.id })
  })
  app.get(ROUTE.typed, async () => typedSample())
  app.get(ROUTE.jsonOnly, { config: { bfast: false } }, async () => users)
  app.post(ROUTE.echo, async (request): Promise<Echo> => ({
    contentType: request.headers['content-type'] ?? null,
    accept: request.headers.accept ?? null,
    query: request.query as Record<string, string>,
    body: request.body ?? null
  }))
  app.get(ROUTE.badRequest, async (_request, reply) => reply.code(400).send(BAD_REQUEST_BODY))
  app.get(ROUTE.serverError, async () => {
    throw new Error(SERVER_ERROR_MESSAGE)
  })
  app.get(ROUTE.text, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(TEXT_BODY))
  app.get(ROUTE.noContent, async (_request, reply) => reply.code(204).send())
  app.get(ROUTE.slow, async (request) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SLOW_REPLY_MS)
      // The client gave up (abort or timeout): stop waiting so the server can close.
      request.raw.socket.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    return { late: true }
  })
  app.get(ROUTE.corrupt, { config: { bfast: false } }, async (_request, reply) =>
    reply.type(MEDIA_TYPE).send(Buffer.from(CORRUPT_BFAST))
  )
  const message = encode(users)
  const single = compress(message)
  const chunked = await compressChunked(message, { chunkSize: 65_536 })
  // Sent as they are (bfast: false): the bytes on the wire are exactly these, in pieces.
  for (const [path, wire] of [
    [ROUTE.usersTrickle, single],
    [ROUTE.usersTrickleChunked, chunked]
  ] as const) {
    app.get(path, { config: { bfast: false } }, async (_request, reply) =>
      reply.type(MEDIA_TYPE).header('content-length', wire.length).send(trickle(wire))
    )
  }
  app.get(ROUTE.usersCutOff, { config: { bfast: false } }, async (_request, reply) =>
    reply.type(MEDIA_TYPE).send(trickle(single.subarray(0, single.length >> 1)))
  )
  setup?.(app)

  let connections = 0
  app.server.on('connection', () => {
    connections++
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on TCP')
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    connections: () => connections,
    close: () => app.close()
  }
}
