/**
 * The example server: Fastify + fastify-bfast with a few realistic routes, and a browser page
 * that compares JSON, B-FAST and B-FAST + LZ4 on the same data, and shows a 10,000-row grid
 * whose first screen comes from a B-FAST table (SPEC 8) beside the same grid from JSON.
 *
 * Run it with `npm start` (PORT, default 3000; HOST, default 127.0.0.1). Tests and load tests
 * build their own instance with `buildServer(options)`.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import compressPlugin from '@fastify/compress'
import bfast, { prefersBfast } from '../plugin/index.js'
import type { BfastPluginOptions } from '../plugin/index.js'
import { profile, users, USERS_DEFAULT, USERS_MAX } from './data.js'
import type { NewUser, Profile, User } from './data.js'

/** Defaults of the runnable example (environment variables override them). */
export const EXAMPLE_DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  /** Request bodies (JSON or B-FAST, before decompression) up to 1 MiB, Fastify's default. */
  bodyLimit: 1_048_576,
  /** Largest `POST /users` name and score list: a bound on what one body may ask us to hold. */
  nameMaxLength: 200,
  scoresMaxItems: 100
} as const

/**
 * Routes whose compression policy is pinned, so the page can show both B-FAST forms side by side,
 * and the grid's route, which sends tables to clients that ask (`tables: true`, not compressed:
 * a table is opened in place, LZ4 would first inflate all of it).
 */
export const DEMO_ROUTES = {
  plain: '/demo/users-plain',
  lz4: '/demo/users-lz4',
  grid: '/demo/users-grid'
} as const

/** Project root, whether this runs from examples/ (source) or dist/examples/ (compiled). */
const HERE = fileURLToPath(new URL('.', import.meta.url))
export const ROOT = HERE.includes('/dist/examples/') ? fileURLToPath(new URL('../../', import.meta.url)) : fileURLToPath(new URL('../', import.meta.url))

/**
 * The compiled browser-safe modules the page imports, by URL area: /modules/client/*.js and
 * /modules/src/*.js mirror dist/, so the client's relative `../src/index.js` imports resolve.
 * src/compress.js is Node-only (lz4-napi) and never served.
 */
const MODULE_AREAS: Readonly<Record<string, string>> = { client: 'dist/client/', src: 'dist/src/' }
const MODULE_NOT_SERVED: ReadonlySet<string> = new Set(['compress.js'])
const MODULE_FILE = /^[a-z0-9][a-z0-9_-]*\.js$/i
const JS_TYPE = 'text/javascript; charset=utf-8'
const HTML_TYPE = 'text/html; charset=utf-8'
const PAGE_FILE = 'examples/public/index.html'

export interface ExampleServerOptions {
  /** fastify-bfast options; the example's own default is `{ clientHints: true }` over the plugin defaults. */
  bfast?: BfastPluginOptions
  /** Also register @fastify/compress (gzip/brotli for JSON, by Accept-Encoding). Default false. */
  httpCompression?: boolean
  /** Fastify's logger option. Default false. */
  logger?: FastifyServerOptions['logger']
  /** Fastify's bodyLimit (bytes). */
  bodyLimit?: number
}

/** The `GET /users` query. */
interface UsersQuery {
  n: number
}

/** Field names of a stored account that must never reach a client. */
interface Account {
  id: number
  name: string
  email: string
  createdAt: Date
  passwordHash: string
}

/** Users created by `POST /users` get ids above the generated range; per process (no shared state). */
let nextId = USERS_MAX

/** JSON spelling of the profile for JSON clients: bigint as decimal text, bytes as base64. */
function profileJson(value: Profile): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
    return v
  })
}

/**
 * Builds the example app (not listening).
 *
 * @example
 * ```ts
 * const app = await buildServer({ bfast: { compression: { network: 'fast' } } })
 * await app.listen({ port: 0, host: '127.0.0.1' })
 * ```
 */
export async function buildServer(options: ExampleServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? EXAMPLE_DEFAULTS.bodyLimit })
  if (options.httpCompression === true) {
    // Registered before fastify-bfast: it compresses JSON by Accept-Encoding and leaves
    // application/x-bfast alone (that media type is not in its compressible list).
    await app.register(compressPlugin, { global: true })
  }
  await app.register(bfast, options.bfast ?? { clientHints: true })

  app.get('/', { config: { bfast: false } }, async (_request, reply) => {
    reply.type(HTML_TYPE)
    return readFile(ROOT + PAGE_FILE)
  })

  app.get<{ Params: { area: string; file: string } }>('/modules/:area/:file', { config: { bfast: false } }, async (request, reply) => {
    const { area, file } = request.params
    const dir = MODULE_AREAS[area]
    if (dir === undefined || !MODULE_FILE.test(file) || MODULE_NOT_SERVED.has(file)) {
      return reply.code(404).send({ error: 'Not Found', message: `no module ${area}/${file}` })
    }
    try {
      const source = await readFile(ROOT + dir + file)
      reply.type(JS_TYPE)
      return source
    } catch {
      return reply.code(404).send({ error: 'Not Found', message: `no module ${area}/${file} (run npm run build)` })
    }
  })

  const usersQuery = {
    type: 'object',
    properties: { n: { type: 'integer', minimum: 0, maximum: USERS_MAX, default: USERS_DEFAULT } },
    additionalProperties: false
  } as const

  // The SPEC 7 users list: B-FAST for clients that ask for it (compressed per the policy), JSON otherwise.
  app.get<{ Querystring: UsersQuery }>('/users', { schema: { querystring: usersQuery } }, async (request) => users(request.query.n))

  // The same list with the compression policy pinned per route (for the page's side-by-side view).
  app.get<{ Querystring: UsersQuery }>(
    DEMO_ROUTES.plain,
    { schema: { querystring: usersQuery }, config: { bfast: { compression: { network: 'fast' } } } },
    async (request) => users(request.query.n)
  )
  app.get<{ Querystring: UsersQuery }>(
    DEMO_ROUTES.lz4,
    // In-format LZ4 only, whatever Accept-Encoding the page's fetch sends (the other codings
    // are HTTP Content-Encodings the browser decodes before the page sees the bytes).
    { schema: { querystring: usersQuery }, config: { bfast: { compression: { network: 'slow', encodings: ['lz4'] } } } },
    async (request) => users(request.query.n)
  )

  // The grid's list: a table for clients asking layout=table (the page's client with tables: true).
  app.get<{ Querystring: UsersQuery }>(
    DEMO_ROUTES.grid,
    { schema: { querystring: usersQuery }, config: { bfast: { tables: true, compression: { network: 'fast' } } } },
    async (request) => users(request.query.n)
  )

  app.get<{ Params: { id: number } }>(
    '/users/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 0, maximum: USERS_MAX - 1 } }, required: ['id'] } } },
    async (request): Promise<User> => users(1, request.params.id)[0] as User
  )

  // A route with a response schema: the schema keeps passwordHash out of JSON and B-FAST replies alike.
  app.get<{ Params: { id: number } }>(
    '/accounts/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer', minimum: 0 } }, required: ['id'] },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'integer' },
              name: { type: 'string' },
              email: { type: 'string' },
              createdAt: { type: 'string', format: 'date-time' }
            }
          }
        }
      }
    },
    async (request): Promise<Account> => {
      const id = request.params.id
      return { id, name: `User ${id}`, email: `user${id}@example.com`, createdAt: new Date(Date.UTC(2024, 0, 1 + (id % 365))), passwordHash: '$argon2id$v=19$not-for-clients' }
    }
  )

  // Dates, a bigint beyond 2^53 and bytes: native in B-FAST; JSON clients get text spellings.
  app.get('/profile', async (request, reply) => {
    if (!prefersBfast(request.headers.accept)) reply.serializer(profileJson)
    return profile()
  })

  // Takes B-FAST (plain or LZ4) or JSON bodies; Fastify validates the decoded body the same way.
  app.post<{ Body: NewUser }>(
    '/users',
    {
      schema: {
        body: {
          type: 'object',
          required: ['name', 'email'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: EXAMPLE_DEFAULTS.nameMaxLength },
            email: { type: 'string', minLength: 3, maxLength: EXAMPLE_DEFAULTS.nameMaxLength },
            active: { type: 'boolean', default: true },
            scores: { type: 'array', items: { type: 'number' }, maxItems: EXAMPLE_DEFAULTS.scoresMaxItems, default: [] }
          },
          additionalProperties: false
        }
      }
    },
    async (request, reply): Promise<User> => {
      const body = request.body
      reply.code(201)
      return { id: nextId++, name: body.name, email: body.email, active: body.active, scores: body.scores }
    }
  )

  return app
}

/** How to try the running server. */
function usage(base: string): string {
  return [
    `fastify-bfast example listening on ${base}`,
    '',
    `  Page (JSON vs B-FAST vs B-FAST+LZ4, and a 10,000-row grid from a table):  ${base}/`,
    '',
    `  curl -s '${base}/users?n=2'                                          # JSON`,
    `  curl -s -H 'Accept: application/x-bfast' '${base}/users?n=2' | od -c | head   # B-FAST`,
    `  curl -s -o /dev/null -w '%{size_download} bytes\\n' '${base}/users'            # 10,000 users, JSON`,
    `  curl -s -o /dev/null -w '%{size_download} bytes\\n' -H 'Accept: application/x-bfast' '${base}/users'  # B-FAST+LZ4 ('auto')`,
    `  curl -s -D - -o /dev/null -H 'Accept: application/x-bfast' -H 'Save-Data: on' '${base}/users?n=50'   # headers: Vary`,
    `  curl -s -D - -o /dev/null -H 'Accept: application/x-bfast;layout=table' '${base}${DEMO_ROUTES.grid}'  # a table`,
    `  curl -s '${base}/profile'                                             # bigint and bytes spelled for JSON`,
    `  curl -s '${base}/accounts/7'                                          # response schema drops passwordHash`,
    `  curl -s -H 'Content-Type: application/json' -d '{"name":"Ada","email":"ada@example.com"}' '${base}/users'`,
    '',
    `  Typed Node client:  BASE_URL=${base} node dist/examples/node-client.js`
  ].join('\n')
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? EXAMPLE_DEFAULTS.port)
  const host = process.env.HOST ?? EXAMPLE_DEFAULTS.host
  const app = await buildServer({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
  await app.listen({ port, host })
  const shown = host.includes(':') ? `[${host}]` : host
  console.log(`\n${usage(`http://${shown}:${port}`)}\n`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().then(() => process.exit(0))
    })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
