/**
 * The client tests' server: a real Fastify app with the fastify-bfast plugin registered,
 * listening on 127.0.0.1 on a free port, serving the routes of cases.ts.
 */
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import zlib from 'node:zlib'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import bfast from '../../plugin/index.js'
import { encode, MEDIA_TYPE } from '../../src/index.js'
import { compress, compressChunked } from '../../src/compress.js'
import { listen } from '../../support/listen.js'
import { brotliOfZeros, gzipOfZeros } from '../helpers/bombs.js'
import { FIXTURES } from '../helpers/paths.js'
import {
  BAD_BODY_STATUS,
  BAD_REQUEST_BODY,
  ENCODED_REPLY,
  BOMB_BYTES,
  BOMB_CODINGS,
  STREAM_TYPES,
  JSON_AS_BFAST,
  nestedRecords,
  TABLE_ERROR_BODY,
  UNLABELLED_ROWS,
  people,
  ROUTE,
  SERVER_ERROR_MESSAGE,
  SLOW_REPLY_MS,
  TEXT_BODY,
  TRICKLE_GAP_MS,
  TRICKLE_PIECE_BYTES,
  typedSample,
  USERS_COUNT,
  LARGE_USERS_COUNT,
  type Echo
} from './cases.js'

type BombCoding = (typeof BOMB_CODINGS)[number]

export interface TestServer {
  app: FastifyInstance
  /** `http://127.0.0.1:<port>` */
  baseUrl: string
  /** TCP connections the server has accepted so far. */
  connections(): number
  /** ROUTE.endless replies by their `?id=`: bytes produced so far, and whether the reply's connection closed. */
  streams: Map<string, StreamStats>
  close(): Promise<void>
}

/** Bytes labelled B-FAST that are not a message: "BF", then an unknown version byte. */
const CORRUPT_BFAST = Uint8Array.from([0x42, 0x46, 0x00, 0x09, 0x00, 0x00, 0x10])

/** What the server knows of one endless reply. */
export interface StreamStats {
  produced: number
  closed: boolean
}

/** LZ4-looking bytes that are not LZ4: a size prefix of 100 (no "BF"), then a bad token. */
const BAD_LZ4 = Uint8Array.from([100, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff])

/** Piece size of the endless replies. */
const ENDLESS_PIECE_BYTES = 64 * 1024

/**
 * ENCODED_REPLY in one content coding (RFC 9110 section 8.4.1), or undefined for a coding the
 * server does not know. zstd comes from the fixture: Node 20's zlib has no zstd encoder.
 */
function encodedReply(coding: string, zstdFixture: Buffer): Buffer | undefined {
  const json = Buffer.from(JSON.stringify(ENCODED_REPLY))
  switch (coding) {
    case 'gzip':
      return zlib.gzipSync(json)
    case 'deflate':
      return zlib.deflateSync(json)
    case 'br':
      return zlib.brotliCompressSync(json)
    case 'zstd':
      return zstdFixture
    default:
      return undefined
  }
}

/** `bytes` as a stream of pieces with pauses between them, so that they reach the client apart. */
function trickle(bytes: Uint8Array): Readable {
  return Readable.from(
    (async function * pieces() {
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
  // In-format LZ4 only: fetch sends Accept-Encoding, and the policy would otherwise choose an
  // HTTP coding that fetch decodes before the client sees the bytes.
  const lz4Only = { compression: { network: 'slow', encodings: ['lz4'] } } as const
  app.get(ROUTE.usersCompressed, { config: { bfast: lz4Only } }, async () => users)
  app.get(ROUTE.usersPlain, { config: { bfast: { compression: { network: 'fast' }, tables: false } } }, async () => users)
  const unlabelled = Buffer.from(encode(UNLABELLED_ROWS, { tables: true }))
  app.get(ROUTE.unlabelledTable, { config: { bfast: false } }, async (_request, reply) => reply.type(MEDIA_TYPE).send(unlabelled))
  app.get(ROUTE.usersTable, { config: { bfast: { ...lz4Only, tables: true } } }, async () => users)
  app.get(ROUTE.usersTablePlain, { config: { bfast: { tables: true, compression: { network: 'fast' } } } }, async () => users)
  const many = people(LARGE_USERS_COUNT)
  app.get(ROUTE.usersTableLarge, { config: { bfast: { tables: true, compression: { network: 'fast' } } } }, async () => many)
  app.get(ROUTE.nestedTable, { config: { bfast: { tables: true } } }, async () => nestedRecords())
  app.get(ROUTE.tableError, { config: { bfast: { tables: true } } }, async (_request, reply) => reply.code(422).send(TABLE_ERROR_BODY))
  app.get<{ Params: { id: string } }>(ROUTE.user, async (request, reply) => {
    const user = users[Number(request.params.id)]
    return user ?? reply.code(404).send({ error: 'Not Found', id: request.params.id })
  })
  app.get(ROUTE.typed, async () => typedSample())
  app.get(ROUTE.jsonOnly, { config: { bfast: false } }, async () => users)
  app.post(ROUTE.echo, async (request): Promise<Echo> => ({
    contentType: request.headers['content-type'] ?? null,
    accept: request.headers.accept ?? null,
    acceptEncoding: request.headers['accept-encoding'] ?? null,
    trace: (request.headers['x-trace'] as string | undefined) ?? null,
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
  app.get(ROUTE.jsonAsBfast, { config: { bfast: false } }, async (_request, reply) => reply.type(MEDIA_TYPE).send(JSON_AS_BFAST))
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

  app.get<{ Querystring: { form?: string } }>(ROUTE.badErrorBody, { config: { bfast: false } }, async (request, reply) => {
    reply.code(BAD_BODY_STATUS).type(MEDIA_TYPE)
    switch (request.query.form) {
      case 'lz4':
        return reply.send(Buffer.from(BAD_LZ4))
      case 'lz4-gzip':
        return reply.header('content-encoding', 'gzip').send(zlib.gzipSync(BAD_LZ4))
      default:
        return reply.send(Buffer.from(CORRUPT_BFAST))
    }
  })

  const streams = new Map<string, StreamStats>()
  app.get<{ Querystring: { type?: keyof typeof STREAM_TYPES; id?: string; status?: string } }>(ROUTE.endless, { config: { bfast: false } }, async (request, reply) => {
    const stats: StreamStats = { produced: 0, closed: false }
    streams.set(request.query.id ?? '', stats)
    const type = request.query.type ?? 'text'
    // Starts as its type would (a B-FAST header, a JSON array), then never ends.
    const first = Buffer.from(type === 'bfast' ? 'BF\x01\x00' : type === 'json' ? '[' : 'x', 'latin1')
    const piece = Buffer.alloc(ENDLESS_PIECE_BYTES, type === 'json' ? ' ' : 'x')
    reply.raw.on('close', () => {
      stats.closed = true
    })
    const body = new Readable({
      read() {
        const chunk = stats.produced === 0 ? Buffer.concat([first, piece]) : piece
        stats.produced += chunk.length
        this.push(chunk)
      }
    })
    return reply.code(Number(request.query.status ?? 200)).type(STREAM_TYPES[type]).send(body)
  })

  // Built on first use; zstd from a fixture frame of 1 MiB of zeros (Node 20's zlib has no zstd encoder).
  const bombs = new Map<BombCoding, Promise<Buffer>>()
  const mib = BOMB_BYTES / (1024 * 1024)
  const makeBomb: Record<BombCoding, () => Promise<Buffer>> = {
    gzip: async () => gzipOfZeros(mib),
    br: async () => brotliOfZeros(mib),
    zstd: async () => Buffer.concat(Array.from({ length: mib }, () => readFileSync(`${FIXTURES}client/zeros-1mib.zst`)))
  }
  app.get<{ Querystring: { type?: keyof typeof STREAM_TYPES; coding?: BombCoding } }>(ROUTE.bomb, { config: { bfast: false } }, async (request, reply) => {
    const coding = request.query.coding ?? 'gzip'
    if (!BOMB_CODINGS.includes(coding)) return reply.code(400).type('text/plain').send(`no ${coding} bomb`)
    if (!bombs.has(coding)) bombs.set(coding, makeBomb[coding]())
    const bomb = await bombs.get(coding)!
    return reply.type(STREAM_TYPES[request.query.type ?? 'json']).header('content-encoding', coding).send(bomb)
  })

  const zstdReply = readFileSync(`${FIXTURES}client/reply.json.zst`)
  app.get(ROUTE.zstd, { config: { bfast: false } }, async (_request, reply) =>
    reply.type('application/json').header('content-encoding', 'zstd').send(zstdReply)
  )
  app.get<{ Querystring: { coding: string } }>(ROUTE.encoded, { config: { bfast: false } }, async (request, reply) => {
    const encoded = encodedReply(request.query.coding, zstdReply)
    if (encoded === undefined) return reply.code(501).type('text/plain').send(`no ${request.query.coding} encoder`)
    return reply.type('application/json').header('content-encoding', request.query.coding).send(encoded)
  })

  const flakyCounts = new Map<string, number>()
  const flaky = async (
    request: FastifyRequest<{ Params: { key: string }; Querystring: { fail?: string; status?: string; retryAfter?: string; drop?: string } }>,
    reply: FastifyReply
  ): Promise<unknown> => {
    const attempt = (flakyCounts.get(request.params.key) ?? 0) + 1
    flakyCounts.set(request.params.key, attempt)
    if (attempt <= Number(request.query.fail ?? 0)) {
      if (request.query.drop === '1') {
        request.raw.socket.destroy()
        return reply
      }
      if (request.query.retryAfter !== undefined) reply.header('retry-after', request.query.retryAfter)
      return reply.code(Number(request.query.status ?? 503)).send({ attempt })
    }
    return { attempt }
  }
  app.get(ROUTE.flaky, flaky)
  app.post(ROUTE.flaky, flaky)
  setup?.(app)

  let connections = 0
  app.server.on('connection', () => {
    connections++
  })
  const { url } = await listen(app)
  return {
    app,
    baseUrl: url,
    connections: () => connections,
    streams,
    close: () => app.close()
  }
}
