/**
 * The plugin's own overhead (issue 3, Speed): a route returning 10,000 users through
 * `fastify.inject`, B-FAST vs JSON, and JSON with the plugin vs a plugin-less server, which
 * must be within noise. Then small replies (1 and 100 users), where per-reply costs dominate:
 * the same route answered to a JSON client and a B-FAST client, and by a plugin-less server,
 * through inject and over a real socket.
 *
 * Then the 10,000-user route with a response schema (issue 12): the compiled B-FAST writer alone
 * against JSON.stringify and fast-json-stringify, and the B-FAST reply against the JSON reply.
 *
 * Usage: node --expose-gc dist/bench/plugin.js [--rounds=N] [--only=large,small,schema]
 * (also run by `npm run bench`, section "plugin").
 */
import { fork } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import autocannon from 'autocannon'
import Fastify, { type FastifyInstance } from 'fastify'
import { dropReplyBodies } from '../load-tests/autocannon-bodies.js'
import bfast, { type BfastRouteOptions } from '../plugin/index.js'
import { DEFAULT_PARALLEL_THRESHOLD, MEDIA_TYPE, decode, encode } from '../src/index.js'
import { USERS_COUNT, users } from './datasets.js'
import { HARNESS_DEFAULTS, compare, describeMethod, median, type Options } from './harness.js'
import { bytes, ms, ratio, renderTable, timing, type Table } from './report.js'
import fastJsonStringify from 'fast-json-stringify'
import { compileSchemaWriter } from '../plugin/schema-writer.js'
import { listen, LOOPBACK } from '../support/listen.js'

const ACCEPT_JSON = 'application/json'
const ACCEPT_BFAST = `${MEDIA_TYPE}, application/json;q=0.9`

/** Candidate names, also the row labels. */
const NO_PLUGIN = 'JSON, no plugin'
const JSON_WITH_PLUGIN = 'JSON, with plugin'
const BFAST_PLAIN = 'B-FAST, uncompressed (network: fast)'
const BFAST_LZ4 = 'B-FAST, LZ4 (network: slow)'
/** References that separate the plugin's cost from the codec's and from inject's own. */
const HANDLER_ENCODE = 'ref: handler returns encode(users), no plugin'
const PREENCODED = 'ref: handler returns pre-encoded bytes, no plugin'

/**
 * A request through inject is noisier than a codec call (event loop turns, socket emulation):
 * twice the codec rounds, and samples of several requests each, by default.
 */
const PLUGIN_ROUNDS_FACTOR = 2
const PLUGIN_MIN_SAMPLE_MS = 40

function addUsersRoute(app: FastifyInstance, url: string, body: unknown, bfastConfig?: BfastRouteOptions): void {
  app.get(url, bfastConfig === undefined ? {} : { config: { bfast: bfastConfig } }, async () => body)
}

async function servers(body: unknown): Promise<{ plain: FastifyInstance; withPlugin: FastifyInstance }> {
  const plain = Fastify()
  addUsersRoute(plain, '/users', body)
  const preencoded = Buffer.from(encode(body))
  plain.get('/users-encode', async (_request, reply) => {
    const message = encode(body)
    return reply.type(MEDIA_TYPE).send(Buffer.from(message.buffer, message.byteOffset, message.byteLength))
  })
  plain.get('/users-preencoded', async (_request, reply) => reply.type(MEDIA_TYPE).send(preencoded))

  const withPlugin = Fastify()
  await withPlugin.register(bfast)
  addUsersRoute(withPlugin, '/users', body)
  // Route-level policies make the two B-FAST rows deterministic whatever 'auto' decides.
  addUsersRoute(withPlugin, '/users-fast', body, { compression: { network: 'fast' } })
  addUsersRoute(withPlugin, '/users-slow', body, { compression: { network: 'slow' } })
  await Promise.all([plain.ready(), withPlugin.ready()])
  return { plain, withPlugin }
}

/** Small replies: most API replies, where per-reply costs (not the codec's speed) decide. */
export const SMALL_USERS_COUNTS = [1, 100] as const
/** Route prefixes of the small-reply server: one Fastify, each variant in its own encapsulated context. */
const PREFIX = { none: '/none', plugin: '/plugin', baseline: '/baseline' } as const
const SMALL_NO_PLUGIN = 'JSON client, no plugin'
const SMALL_JSON = 'JSON client, with plugin'
const SMALL_BFAST = 'B-FAST client, with plugin'
const SMALL_BASELINE_JSON = 'JSON client, baseline plugin'
const SMALL_BASELINE_BFAST = 'B-FAST client, baseline plugin'
/** Reference: what the codec alone adds, without the plugin's hooks. */
const SMALL_HANDLER_ENCODE = 'ref: handler returns encode(users), no plugin'

/** The socket measurement, shaped like the load tests' throughput table (load-tests/constants.ts). */
const SOCKET = {
  connections: 10,
  warmupSeconds: 1,
  seconds: 2,
  rounds: 5,
} as const
/** Child-process protocol of the socket measurement (`--serve` runs the server side). */
const SERVE_FLAG = '--serve'
/** Child-process flag: serve the schema routes (benchPluginSchema) instead of the small ones. */
const SERVE_SCHEMA_FLAG = '--serve-schema'
const MSG_CPU = 'cpu'
const MSG_EXIT = 'exit'

interface SmallCandidate {
  name: string
  url: (n: number) => string
  accept: string
}

/** The rows of the small-reply tables; baseline rows only with --baseline. */
function smallCandidates(withBaseline: boolean): SmallCandidate[] {
  const list: SmallCandidate[] = [
    { name: SMALL_NO_PLUGIN, url: (n) => `${PREFIX.none}/users-${n}`, accept: ACCEPT_JSON },
    { name: SMALL_JSON, url: (n) => `${PREFIX.plugin}/users-${n}`, accept: ACCEPT_JSON },
    { name: SMALL_BFAST, url: (n) => `${PREFIX.plugin}/users-${n}`, accept: ACCEPT_BFAST },
    { name: SMALL_HANDLER_ENCODE, url: (n) => `${PREFIX.none}/users-${n}-encode`, accept: ACCEPT_BFAST },
  ]
  if (withBaseline) {
    list.push(
      { name: SMALL_BASELINE_JSON, url: (n) => `${PREFIX.baseline}/users-${n}`, accept: ACCEPT_JSON },
      { name: SMALL_BASELINE_BFAST, url: (n) => `${PREFIX.baseline}/users-${n}`, accept: ACCEPT_BFAST }
    )
  }
  return list
}

/**
 * One Fastify serving every small-reply variant: plugin-less routes, the plugin's routes
 * (network 'fast', as in the load tests' throughput table, so nothing is compressed), and
 * optionally the same routes under another build of the plugin (`baseline`: a path to its
 * compiled plugin/index.js), for before/after comparisons in one process.
 */
async function smallServer(baseline: string | undefined): Promise<FastifyInstance> {
  const app = Fastify()
  const addRoutes = (scope: FastifyInstance): void => {
    for (const n of SMALL_USERS_COUNTS) addUsersRoute(scope, `/users-${n}`, users(n))
  }
  await app.register(
    async (scope) => {
      addRoutes(scope)
      for (const n of SMALL_USERS_COUNTS) {
        const body = users(n)
        scope.get(`/users-${n}-encode`, async (_request, reply) => {
          const message = encode(body)
          return reply.type(MEDIA_TYPE).send(Buffer.from(message.buffer, message.byteOffset, message.byteLength))
        })
      }
    },
    { prefix: PREFIX.none }
  )
  const plugins: Array<[string, unknown]> = [[PREFIX.plugin, bfast]]
  if (baseline !== undefined) plugins.push([PREFIX.baseline, ((await import(pathToFileURL(baseline).href)) as { default: unknown }).default])
  for (const [prefix, plugin] of plugins) {
    await app.register(
      async (scope) => {
        await scope.register(plugin as typeof bfast, { compression: { network: 'fast' } })
        addRoutes(scope)
      },
      { prefix }
    )
  }
  return app
}

/** Checks that each candidate does what its label says; returns anomaly notes. */
async function checkSmall(app: FastifyInstance, n: number, candidates: readonly SmallCandidate[]): Promise<{ notes: string[]; jsonBytes: number; bfastBytes: number }> {
  const notes: string[] = []
  let jsonBytes = 0
  let bfastBytes = 0
  for (const c of candidates) {
    const res = await app.inject({ method: 'GET', url: c.url(n), headers: { accept: c.accept } })
    const type = String(res.headers['content-type'])
    if (c.accept === ACCEPT_BFAST) {
      bfastBytes = res.rawPayload.length
      if (type !== MEDIA_TYPE) notes.push(`ANOMALY: ${c.name}: Content-Type ${type}`)
      else if (!isDeepStrictEqual(decode(res.rawPayload), users(n))) notes.push(`ANOMALY: ${c.name}: the decoded reply differs from the route value`)
    } else {
      jsonBytes = res.rawPayload.length
      if (!type.startsWith(ACCEPT_JSON)) notes.push(`ANOMALY: ${c.name}: Content-Type ${type}`)
    }
  }
  return { notes, jsonBytes, bfastBytes }
}

interface SocketRun {
  requestsPerSecond: number
  cpuPerReplyUs: number
}

/** A candidate's socket columns beside its baseline's: requests/s, its paired ratio, CPU per reply, its paired ratio. */
function socketColumns(mine: readonly SocketRun[], base: readonly SocketRun[]): string[] {
  return [
    bytes(Math.round(median(mine.map((r) => r.requestsPerSecond)))),
    ratio(pairedRatio(mine.map((r) => r.requestsPerSecond), base.map((r) => r.requestsPerSecond))),
    ms(median(mine.map((r) => r.cpuPerReplyUs)) / 1000),
    ratio(pairedRatio(mine.map((r) => r.cpuPerReplyUs), base.map((r) => r.cpuPerReplyUs)))
  ]
}

/** The server side of the socket measurement: listens, reports its port, answers CPU queries. */
async function serve(baseline: string | undefined, schema: boolean): Promise<void> {
  const app = schema ? await schemaServer() : await smallServer(baseline)
  const { port } = await listen(app)
  process.on('message', (message) => {
    if (message === MSG_CPU) {
      const used = process.cpuUsage()
      process.send?.({ cpu: used.user + used.system })
    } else if (message === MSG_EXIT) {
      void app.close().then(() => process.exit(0))
    }
  })
  process.send?.({ port })
}

/**
 * Server CPU per reply and requests/s over a real socket: the server in a child process (so
 * the load generator's CPU is not counted), autocannon with SOCKET.connections connections;
 * candidates alternate within each of SOCKET.rounds rounds, and ratios are per-round pairs.
 */
async function socketSmall(n: number, candidates: readonly SmallCandidate[], baseline: string | undefined, schema = false): Promise<Map<string, SocketRun[]>> {
  dropReplyBodies()
  const flags = [SERVE_FLAG, ...(schema ? [SERVE_SCHEMA_FLAG] : []), ...(baseline === undefined ? [] : [`--baseline=${baseline}`])]
  const child = fork(new URL(import.meta.url), flags, { stdio: 'inherit' })
  const next = (): Promise<Record<string, number>> => new Promise((resolve) => child.once('message', (m) => resolve(m as Record<string, number>)))
  const { port } = await next()
  const cpu = async (): Promise<number> => {
    child.send(MSG_CPU)
    return (await next()).cpu!
  }
  const load = (c: SmallCandidate, seconds: number): Promise<autocannon.Result> =>
    autocannon({ url: `http://${LOOPBACK}:${port}${c.url(n)}`, connections: SOCKET.connections, duration: seconds, headers: { accept: c.accept } })
  const runs = new Map<string, SocketRun[]>(candidates.map((c) => [c.name, []]))
  try {
    for (const c of candidates) await load(c, SOCKET.warmupSeconds)
    for (let round = 0; round < SOCKET.rounds; round++) {
      for (let i = 0; i < candidates.length; i++) {
        const c = candidates[(i + round) % candidates.length]!
        const before = await cpu()
        const result = await load(c, SOCKET.seconds)
        const used = (await cpu()) - before
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${c.name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
        runs.get(c.name)!.push({ requestsPerSecond: result.requests.average, cpuPerReplyUs: used / result.requests.total })
      }
    }
  } finally {
    child.send(MSG_EXIT)
  }
  return runs
}

/** Median of per-round ratios a/b. */
function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / b[i]!))
}

/**
 * 1 and 100 users (SMALL_USERS_COUNTS) from one route: a JSON client and a B-FAST client of
 * the plugin, a JSON client of a plugin-less route, and the codec alone in a handler; through
 * inject (the plugin's CPU plus light-my-request's) and, unless `inject` only, over a real
 * socket (server CPU per reply, as the load tests measure it).
 */
export async function benchPluginSmall(options: Options, settings: { socket?: boolean; baseline?: string } = {}): Promise<Table[]> {
  const app = await smallServer(settings.baseline)
  await app.ready()
  const candidates = smallCandidates(settings.baseline !== undefined)
  const tables: Table[] = []
  try {
    for (const n of SMALL_USERS_COUNTS) {
      const { notes, jsonBytes, bfastBytes } = await checkSmall(app, n, candidates)
      const c = await compare(
        candidates.map((k) => ({ name: k.name, fn: () => app.inject({ method: 'GET', url: k.url(n), headers: { accept: k.accept } }) })),
        { ...options, rounds: options.rounds ?? HARNESS_DEFAULTS.rounds * PLUGIN_ROUNDS_FACTOR, minSampleMs: options.minSampleMs ?? PLUGIN_MIN_SAMPLE_MS }
      )
      const socket = settings.socket === false ? undefined : await socketSmall(n, candidates, settings.baseline)
      const rows = c.stats.map((s) => {
        const q = c.ratioQuartiles(s.name, SMALL_NO_PLUGIN)
        const row = [s.name, timing(s), `${ratio(q.median)} (${ratio(q.p25)}-${ratio(q.p75)})`]
        if (socket !== undefined) row.push(...socketColumns(socket.get(s.name)!, socket.get(SMALL_NO_PLUGIN)!))
        return row
      })
      if (settings.baseline !== undefined) {
        for (const [current, base] of [
          [SMALL_JSON, SMALL_BASELINE_JSON],
          [SMALL_BFAST, SMALL_BASELINE_BFAST],
        ] as const) {
          const q = c.ratioQuartiles(current, base)
          let line = `${current} / baseline: inject time ${ratio(q.median)} (p25-p75 ${ratio(q.p25)}-${ratio(q.p75)})`
          if (socket !== undefined) {
            const mine = socket.get(current)!
            const theirs = socket.get(base)!
            line +=
              `; socket req/s ${ratio(pairedRatio(mine.map((r) => r.requestsPerSecond), theirs.map((r) => r.requestsPerSecond)))}` +
              `, server CPU/reply ${ratio(pairedRatio(mine.map((r) => r.cpuPerReplyUs), theirs.map((r) => r.cpuPerReplyUs)))}`
          }
          notes.push(`${line}.`)
        }
      }
      tables.push({
        title: `Plugin per-reply cost: GET of ${n} user${n === 1 ? '' : 's'} (JSON ${bytes(jsonBytes)} bytes, B-FAST ${bytes(bfastBytes)} bytes)`,
        headers: [
          'request',
          'inject median ms (p25-p75)',
          `inject vs ${SMALL_NO_PLUGIN} (p25-p75)`,
          ...(socket === undefined ? [] : ['socket req/s', 'req/s vs no plugin', 'server CPU ms/reply', 'CPU/reply vs no plugin']),
        ],
        rows,
        notes: [
          "One Fastify server; each variant in its own encapsulated context. Plugin routes use network 'fast' (no compression), as in the load tests' throughput table.",
          'inject: in this process; light-my-request adds its own per-request cost to every row (it also decodes each payload to a string).',
          ...(socket === undefined
            ? []
            : [
                `socket: the same server in a child process, autocannon ${SOCKET.connections} connections over loopback (reply bodies not accumulated, as in the load tests),`,
                `${SOCKET.rounds} rounds of ${SOCKET.seconds} s per row, rows alternating; server CPU/reply = the child's user+system CPU time / replies; ratios are medians of per-round pairs.`,
                'Server CPU per reply at this load includes the kernel\'s socket work, which grows when the server gets slower (fewer replies per wake-up): a few microseconds',
                'of JavaScript per reply show up as more than that here.',
              ]),
          ...notes,
        ],
      })
    }
  } finally {
    await app.close()
  }
  return tables
}

export async function benchPlugin(options: Options): Promise<Table[]> {
  return [...(await benchPluginLarge(options)), ...(await benchPluginSmall(options)), ...(await benchPluginSchema(options))]
}

/** The response schema of the 10,000-user route (issue 12): every field of the SPEC 7 users. */
export const USERS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'name'],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      email: { type: 'string' },
      active: { type: 'boolean' },
      scores: { type: 'array', items: { type: 'number' } },
    },
  },
} as const
/**
 * The same schema with a keyword fast-json-stringify ignores (`if` without `then`/`else`) and
 * the writer compiler does not handle: the same JSON, and the B-FAST round trip (serialize,
 * JSON.parse, project, encode) the compiled writer replaces.
 */
const USERS_SCHEMA_ROUND_TRIP = { ...USERS_SCHEMA, if: { type: 'array' } }
const SCHEMA_JSON = 'JSON client (fast-json-stringify)'
const SCHEMA_BFAST = 'B-FAST client, compiled writer'
const SCHEMA_ROUND_TRIP = 'B-FAST client, JSON round trip (before issue 12)'
/** Reference: the same B-FAST message sent as ready bytes, the floor of what a B-FAST reply can cost. */
const SCHEMA_PREENCODED = 'ref: the same B-FAST bytes, pre-encoded, no plugin'
const SCHEMA_PREFIX = '/schema'

/**
 * One GET through inject with `payloadAsStream`, the body collected as bytes. Plain inject also
 * decodes every body to a string (light-my-request's `res.payload`): cheap for ASCII JSON, and for
 * a binary body a UTF-8 decode full of replacement characters that costs more than the reply
 * itself on Node 24 (PERFORMANCE-NOTES "The schema route's B-FAST reply through inject on Node 24").
 */
async function injectBytes(app: FastifyInstance, url: string, accept: string): Promise<Buffer> {
  const res = await app.inject({ method: 'GET', url, headers: { accept }, payloadAsStream: true })
  const chunks: Buffer[] = []
  for await (const chunk of res.stream()) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** The schema routes, with the plugin (network 'fast': the writer's cost, not LZ4's). */
async function schemaServer(): Promise<FastifyInstance> {
  const app = Fastify()
  const body = users(USERS_COUNT)
  await app.register(
    async (scope) => {
      await scope.register(bfast, { compression: { network: 'fast' } })
      scope.get('/users', { schema: { response: { 200: USERS_SCHEMA } } }, async () => body)
      scope.get('/users-round-trip', { schema: { response: { 200: USERS_SCHEMA_ROUND_TRIP } } }, async () => body)
      const preencoded = Buffer.from(encode(body))
      scope.get('/users-preencoded', { config: { bfast: false } }, async (_request, reply) => reply.type(MEDIA_TYPE).send(preencoded))
    },
    { prefix: SCHEMA_PREFIX }
  )
  return app
}

/**
 * Issue 12 targets on the 10,000-user schema route: the compiled writer alone against
 * Buffer.from(JSON.stringify(x)), fast-json-stringify and the generic encoder; the B-FAST
 * reply against the JSON reply through inject; and, unless `socket` is false, server CPU per
 * reply and requests/s over a real socket.
 */
export async function benchPluginSchema(options: Options, settings: { socket?: boolean } = {}): Promise<Table[]> {
  const body = users(USERS_COUNT)
  const compiled = compileSchemaWriter(USERS_SCHEMA, {}, 128)
  if (!('writer' in compiled)) throw new Error(`the users schema did not compile (${compiled.fallback})`)
  const writer = compiled.writer
  const fjs = fastJsonStringify(USERS_SCHEMA) as (v: unknown) => string
  const notes: string[] = []
  if (!isDeepStrictEqual(decode(writer(body)), JSON.parse(fjs(body)))) notes.push('ANOMALY: the compiled writer\'s message differs from the JSON reply')
  if (Buffer.compare(writer(body), Buffer.from(encode(body))) !== 0) notes.push('ANOMALY: the compiled writer\'s bytes differ from encode()')
  const alone = await compare(
    [
      { name: 'Buffer.from(JSON.stringify(x))', fn: () => Buffer.from(JSON.stringify(body)) },
      { name: 'fast-json-stringify (string)', fn: () => fjs(body) },
      { name: 'encode(x) (generic codec)', fn: () => encode(body) },
      { name: 'compiled B-FAST writer', fn: () => writer(body) },
    ],
    options
  )
  const writerRows = alone.stats.map((st) => [st.name, timing(st), ratio(alone.ratio(st.name, 'Buffer.from(JSON.stringify(x))')), ratio(alone.ratio(st.name, 'fast-json-stringify (string)'))])

  const app = await schemaServer()
  await app.ready()
  const candidates: SmallCandidate[] = [
    { name: SCHEMA_JSON, url: () => `${SCHEMA_PREFIX}/users`, accept: ACCEPT_JSON },
    { name: SCHEMA_BFAST, url: () => `${SCHEMA_PREFIX}/users`, accept: ACCEPT_BFAST },
    { name: SCHEMA_ROUND_TRIP, url: () => `${SCHEMA_PREFIX}/users-round-trip`, accept: ACCEPT_BFAST },
    { name: SCHEMA_PREENCODED, url: () => `${SCHEMA_PREFIX}/users-preencoded`, accept: ACCEPT_BFAST },
  ]
  let injectRows: string[][]
  try {
    for (const c of candidates) {
      const res = await app.inject({ method: 'GET', url: c.url(0), headers: { accept: c.accept } })
      const type = String(res.headers['content-type'])
      if (c.accept === ACCEPT_BFAST ? type !== MEDIA_TYPE : !type.startsWith(ACCEPT_JSON)) notes.push(`ANOMALY: ${c.name}: Content-Type ${type}`)
    }
    const c = await compare(
      candidates.map((k) => ({ name: k.name, fn: () => app.inject({ method: 'GET', url: k.url(0), headers: { accept: k.accept } }) })),
      { ...options, rounds: options.rounds ?? HARNESS_DEFAULTS.rounds * PLUGIN_ROUNDS_FACTOR, minSampleMs: options.minSampleMs ?? PLUGIN_MIN_SAMPLE_MS }
    )
    // The same requests with the body taken as bytes (see injectBytes): what the reply itself
    // costs through inject, without the harness's string decode of a binary body.
    const [jsonBytes, bfastBytes] = await Promise.all([injectBytes(app, candidates[0]!.url(0), candidates[0]!.accept), injectBytes(app, candidates[1]!.url(0), candidates[1]!.accept)])
    if (!isDeepStrictEqual(decode(bfastBytes), JSON.parse(jsonBytes.toString('utf8')))) notes.push('ANOMALY: inject (bytes): the B-FAST reply decodes to something else than the JSON reply')
    const cb = await compare(
      candidates.map((k) => ({ name: k.name, fn: () => injectBytes(app, k.url(0), k.accept) })),
      { ...options, rounds: options.rounds ?? HARNESS_DEFAULTS.rounds * PLUGIN_ROUNDS_FACTOR, minSampleMs: options.minSampleMs ?? PLUGIN_MIN_SAMPLE_MS }
    )
    const socket = settings.socket === false ? undefined : await socketSmall(0, candidates, undefined, true)
    injectRows = c.stats.map((st) => {
      const row = [st.name, timing(st), ratio(c.ratio(st.name, SCHEMA_JSON)), timing(cb.get(st.name)), ratio(cb.ratio(st.name, SCHEMA_JSON))]
      if (socket !== undefined) row.push(...socketColumns(socket.get(st.name)!, socket.get(SCHEMA_JSON)!))
      return row
    })
    const tables: Table[] = [
      {
        title: `Compiled B-FAST writer alone: ${USERS_COUNT.toLocaleString('en-US')} users with a response schema (median ms, p25-p75)`,
        headers: ['serializer', 'median ms', 'vs Buffer.from(JSON.stringify)', 'vs fast-json-stringify'],
        rows: writerRows,
        notes: ['Issue 12 targets: the compiled writer <= 0.35x Buffer.from(JSON.stringify(x)) and <= 0.50x fast-json-stringify; ratios are medians of per-round pairs.', ...notes],
      },
      {
        title: `Schema route: GET of ${USERS_COUNT.toLocaleString('en-US')} users with a response schema`,
        headers: [
          'request',
          'inject median ms (p25-p75)',
          `inject vs ${SCHEMA_JSON}`,
          'inject, bytes (payloadAsStream) median ms',
          'bytes vs JSON',
          ...(socket === undefined ? [] : ['socket req/s', 'req/s vs JSON', 'server CPU ms/reply', 'CPU/reply vs JSON']),
        ],
        rows: injectRows,
        notes: [
          "Issue 12 targets: B-FAST <= 0.50x the JSON reply's inject time, <= 0.60x its server CPU per reply, >= 1.50x its requests/s. Plugin with network 'fast' (no LZ4).",
          'The pre-encoded reference is the floor for any B-FAST reply of these bytes: through inject, light-my-request copies every reply and decodes it',
          'to a string (`res.payload`), which costs more for binary than for ASCII JSON; the socket columns have no such cost.',
          'inject, bytes: the same requests with `payloadAsStream: true`, the body read from `res.stream()` into one Buffer (no string decode of the body);',
          'the issue 12 inject target is judged on this column, since the string decode is the test harness\'s, not the reply\'s (see the pre-encoded row in both).',
          ...(socket === undefined
            ? []
            : [`socket: the server in a child process, autocannon ${SOCKET.connections} connections over loopback, ${SOCKET.rounds} rounds of ${SOCKET.seconds} s per row, rows alternating; ratios are medians of per-round pairs.`]),
        ],
      },
    ]
    return tables
  } finally {
    await app.close()
  }
}

async function benchPluginLarge(options: Options): Promise<Table[]> {
  const body = users(USERS_COUNT)
  const { plain, withPlugin } = await servers(body)
  const notes: string[] = []
  try {
    const get = (app: FastifyInstance, url: string, accept: string) => () => app.inject({ method: 'GET', url, headers: { accept } })

    // Check that each candidate does what its label says before timing it.
    const [jsonPlain, jsonPlugin, fast, slow] = await Promise.all([
      get(plain, '/users', ACCEPT_JSON)(),
      get(withPlugin, '/users', ACCEPT_JSON)(),
      get(withPlugin, '/users-fast', ACCEPT_BFAST)(),
      get(withPlugin, '/users-slow', ACCEPT_BFAST)(),
    ])
    if (jsonPlain.body !== jsonPlugin.body) notes.push('ANOMALY: the JSON reply with the plugin differs from the plugin-less one')
    for (const [label, reply] of [
      [BFAST_PLAIN, fast],
      [BFAST_LZ4, slow],
    ] as const) {
      if (!String(reply.headers['content-type']).startsWith(MEDIA_TYPE)) {
        notes.push(`ANOMALY: ${label} replied with Content-Type ${String(reply.headers['content-type'])}`)
      }
    }
    for (const [label, reply] of [
      [BFAST_PLAIN, fast],
      [BFAST_LZ4, slow],
    ] as const) {
      if (!isDeepStrictEqual(decode(reply.rawPayload), body)) notes.push(`ANOMALY: ${label}: the decoded reply differs from the route's value`)
    }
    // The plugin sends messages at or above parallelThreshold in the chunked form (SPEC 4).
    const lz4Form = encode(body).length >= DEFAULT_PARALLEL_THRESHOLD ? 'chunked form, compressed on the thread pool' : 'single block'
    const preencodedLength = (await get(plain, '/users-preencoded', ACCEPT_BFAST)()).rawPayload.length
    const sizes = `bytes on the wire: JSON ${jsonPlain.rawPayload.length}, B-FAST ${fast.rawPayload.length}, B-FAST+LZ4 ${slow.rawPayload.length}`

    const c = await compare(
      [
        { name: NO_PLUGIN, fn: get(plain, '/users', ACCEPT_JSON) },
        { name: JSON_WITH_PLUGIN, fn: get(withPlugin, '/users', ACCEPT_JSON) },
        { name: BFAST_PLAIN, fn: get(withPlugin, '/users-fast', ACCEPT_BFAST) },
        { name: BFAST_LZ4, fn: get(withPlugin, '/users-slow', ACCEPT_BFAST) },
        { name: HANDLER_ENCODE, fn: get(plain, '/users-encode', ACCEPT_BFAST) },
        { name: PREENCODED, fn: get(plain, '/users-preencoded', ACCEPT_BFAST) },
      ],
      { ...options, rounds: options.rounds ?? HARNESS_DEFAULTS.rounds * PLUGIN_ROUNDS_FACTOR, minSampleMs: options.minSampleMs ?? PLUGIN_MIN_SAMPLE_MS }
    )
    const overhead = c.ratioQuartiles(JSON_WITH_PLUGIN, NO_PLUGIN)
    const withinNoise = overhead.p25 <= 1 && overhead.p75 >= 1
    return [
      {
        title: `Plugin overhead: GET of ${USERS_COUNT.toLocaleString('en-US')} users through fastify.inject (median ms per request, p25-p75)`,
        headers: ['request', 'median ms', `vs ${NO_PLUGIN}`],
        rows: c.stats.map((s) => [s.name, timing(s), ratio(c.ratio(s.name, NO_PLUGIN))]),
        notes: [
          `${sizes}; the LZ4 reply uses the ${lz4Form}.`,
          `JSON with plugin / without: ${ratio(overhead.median)} (per-round p25-p75 ${ratio(overhead.p25)}-${ratio(overhead.p75)}): ` +
            (withinNoise ? 'within noise.' : 'OUTSIDE noise (the interquartile range of the paired ratios excludes 1.00x).'),
          `B-FAST uncompressed / handler-encoded reference: ${ratio(c.ratio(BFAST_PLAIN, HANDLER_ENCODE))} (the plugin's own cost on the B-FAST path).`,
          `The pre-encoded reference is what inject alone costs for a ${bytes(preencodedLength)}-byte reply (light-my-request copies and`,
          'also decodes every payload to a string): it bounds from below what any row can show; real sockets are measured by the load tests.',
          ...notes,
        ],
      },
    ]
  } finally {
    await Promise.all([plain.close(), withPlugin.close()])
  }
}

const SECTIONS = ['large', 'small', 'schema'] as const
type Section = (typeof SECTIONS)[number]
const USAGE =
  `usage: node --expose-gc dist/bench/plugin.js [--rounds=N] [--warmup=N] [--only=${SECTIONS.join(',')}] [--inject-only] [--baseline=path/to/plugin/index.js]\n` +
  '  --inject-only   small replies through inject only (no child server, no autocannon)\n' +
  '  --baseline      also measure another build of the plugin (e.g. a git worktree of an older commit, built), side by side'

async function main(): Promise<void> {
  const options: Options = {}
  let sections = new Set<Section>(SECTIONS)
  let socket = true
  let baseline: string | undefined
  const args = process.argv.slice(2)
  const serving = args.includes(SERVE_FLAG)
  for (const arg of args) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?]
    if (key === '--help') {
      console.log(USAGE)
      return
    }
    if (key === '--rounds') options.rounds = Number.parseInt(value, 10)
    else if (key === '--warmup') options.warmupRounds = Number.parseInt(value, 10)
    else if (key === '--inject-only') socket = false
    else if (key === '--baseline') baseline = value
    else if (key === SERVE_FLAG || key === SERVE_SCHEMA_FLAG) continue
    else if (key === '--only') {
      const names = value.split(',')
      const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name))
      if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; ${USAGE}`)
      sections = new Set(names as Section[])
    } else throw new Error(`unknown argument ${arg}; ${USAGE}`)
  }
  if (serving) {
    await serve(baseline, args.includes(SERVE_SCHEMA_FLAG))
    return
  }
  console.log(describeMethod(options).join('\n'))
  const tables = [
    ...(sections.has('large') ? await benchPluginLarge(options) : []),
    ...(sections.has('small') ? await benchPluginSmall(options, { socket, baseline }) : []),
    ...(sections.has('schema') ? await benchPluginSchema(options, { socket }) : []),
  ]
  for (const table of tables) console.log(`\n${renderTable(table)}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
