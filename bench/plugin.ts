/**
 * The plugin's own overhead (issue 3, Speed): a route returning 10,000 users through
 * `fastify.inject`, B-FAST vs JSON, and JSON with the plugin vs a plugin-less server, which
 * must be within noise.
 */
import { isDeepStrictEqual } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import bfast, { type BfastRouteOptions } from '../plugin/index.js'
import { DEFAULT_PARALLEL_THRESHOLD, MEDIA_TYPE, decode, encode } from '../src/index.js'
import { USERS_COUNT, users } from './datasets.js'
import { HARNESS_DEFAULTS, compare, type Options } from './harness.js'
import { bytes, ratio, timing, type Table } from './report.js'

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

export async function benchPlugin(options: Options): Promise<Table[]> {
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
      { ...options, rounds: options.rounds ?? HARNESS_DEFAULTS.rounds * PLUGIN_ROUNDS_FACTOR, minSampleMs: options.minSampleMs ?? PLUGIN_MIN_SAMPLE_MS },
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
