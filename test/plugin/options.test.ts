/**
 * Registration: invalid plugin or route options fail with FST_BFAST_BAD_OPTION naming the
 * option; valid ones register; the plugin is fastify-plugin wrapped for Fastify 5.
 */
import t from 'tap'
import Fastify from 'fastify'
import bfast, { bfast as named, FastifyBfastError, PLUGIN_META } from '../../plugin/index.js'
import type { BfastPluginOptions } from '../../plugin/index.js'
import { BFastError } from '../../src/index.js'
import { DECODE_OPTIONS, ENCODE_OPTIONS } from '../../src/options.js'

const BAD: Array<[unknown, RegExp]> = [
  ['nope', /option options must be an object/],
  [{ compresion: {} }, /options\.compresion is not a known option/],
  [{ compression: null }, /compression must be an object/],
  [{ compression: { threshold: -1 } }, /compression\.threshold must be an integer from 0/],
  [{ compression: { threshold: 1.5 } }, /compression\.threshold must be an integer/],
  [{ compression: { threshold: '1024' } }, /compression\.threshold must be an integer.*got "1024"/],
  [{ compression: { network: 'medium' } }, /compression\.network must be 'fast', 'slow', 'auto' or \{ mbps: number \}/],
  [{ compression: { network: { mbps: 0 } } }, /compression\.network\.mbps must be a finite number/],
  [{ compression: { network: { mbps: Infinity } } }, /compression\.network\.mbps/],
  [{ compression: { network: { gbps: 1 } } }, /compression\.network\.gbps is not a known option/],
  [{ compression: { parallelThreshold: 0 } }, /compression\.parallelThreshold must be an integer from 1/],
  [{ compression: { chunkSize: 0 } }, /compression\.chunkSize must be an integer from 1/],
  [{ compression: { chunkSize: 2 ** 31 } }, /compression\.chunkSize/],
  [{ compression: { encodings: 'zstd' } }, /compression\.encodings must be an array of 'zstd', 'br', 'gzip', 'lz4'/],
  [{ compression: { encodings: ['deflate'] } }, /compression\.encodings must be an array of/],
  [{ compression: { levels: { zstd: [2] } } }, /compression\.levels\.zstd must be a non-empty array of the levels the cost model measured \(1, 3, 6, 9\)/],
  [{ compression: { levels: { br: [] } } }, /compression\.levels\.br must be a non-empty array/],
  [{ compression: { levels: { deflate: [1] } } }, /compression\.levels\.deflate is not a known option/],
  [{ compression: { levels: [1] } }, /compression\.levels must be an object/],
  [{ compression: { cpuBudget: 'json' } }, /compression\.cpuBudget must be 'json-gzip' or 'none'/],
  [{ compression: { cpuBudget: false } }, /compression\.cpuBudget must be 'json-gzip' or 'none'/],
  [{ clientHints: 'yes' }, /clientHints must be a boolean/],
  [{ maxBodySize: 0 }, /maxBodySize must be an integer from 1/],
  [{ encode: { maxDepth: 0 } }, /encode\.maxDepth/],
  [{ encode: { depth: 3 } }, /encode\.depth is not a known option/],
  [{ decode: { int64: 'string' } }, /decode\.int64 must be one of 'auto', 'number', 'bigint'/],
  [{ decode: { copyBinary: 1 } }, /decode\.copyBinary must be a boolean/],
  [{ tables: 'yes' }, /option tables must be a boolean/],
  [{ mallocWarmup: 1 }, /option mallocWarmup must be a boolean/],
  [{ decode: { maxDecompressedSize: 10 } }, /decode\.maxDecompressedSize is set with the maxBodySize option/]
]

t.test('invalid plugin options fail registration with a clear error', async (t) => {
  for (const [options, message] of BAD) {
    const app = Fastify()
    const err = await app.register(bfast, options as BfastPluginOptions).ready().then(
      () => undefined,
      (e: unknown) => e
    )
    t.ok(err instanceof FastifyBfastError, `${JSON.stringify(options)}: a FastifyBfastError`)
    t.equal((err as FastifyBfastError).code, 'FST_BFAST_BAD_OPTION', `${JSON.stringify(options)}: code`)
    t.match((err as Error).message, message, `${JSON.stringify(options)}: message`)
    await app.close()
  }
})

t.test('invalid route options fail route registration, naming the route', async (t) => {
  for (const [config, message] of [
    [{ bfast: true }, /config\.bfast of route GET \/r must be false or an object/],
    [{ bfast: { compression: { network: 'warp' } } }, /config\.bfast of route GET \/r\.compression\.network/],
    [{ bfast: { compress: {} } }, /config\.bfast of route GET \/r\.compress is not a known option/],
    [{ bfast: { tables: 1 } }, /config\.bfast of route GET \/r\.tables must be a boolean/]
  ] as const) {
    const app = Fastify()
    await app.register(bfast)
    t.throws(() => app.get('/r', { config: config as never }, async () => ({})), message, JSON.stringify(config))
    await app.close()
  }
})

t.test('valid options register; default and named exports are the same plugin', async (t) => {
  t.equal(bfast, named)
  t.same(PLUGIN_META, { fastify: '5.x', name: 'fastify-bfast' })
  const meta = (bfast as unknown as Record<symbol, { name?: string; fastify?: string }>)[Symbol.for('plugin-meta')]
  t.match(meta, { name: 'fastify-bfast', fastify: '5.x' }, 'fastify-plugin metadata')
  const app = Fastify()
  await app.register(bfast, {
    compression: {
      threshold: 0,
      network: { mbps: 50 },
      parallelThreshold: 2_000_000,
      chunkSize: 65_536,
      encodings: ['zstd', 'br', 'lz4'],
      levels: { zstd: [1, 3], br: [5, 9] },
      cpuBudget: 'none'
    },
    clientHints: true,
    tables: true,
    maxBodySize: 10_000_000,
    encode: { maxDepth: 64 },
    decode: { int64: 'bigint', dates: 'string', decimal: 'string', float64Array: 'array', copyBinary: true, maxDepth: 64 }
  })
  app.get('/ok', { config: { bfast: { compression: { network: 'fast' }, tables: false } } }, async () => ({ ok: true }))
  app.get('/gzip', { config: { bfast: { compression: { encodings: ['gzip'], levels: { gzip: [1] } } } } }, async () => ({ ok: true }))
  app.get('/budget', { config: { bfast: { compression: { cpuBudget: 'json-gzip' } } } }, async () => ({ ok: true }))
  await app.ready()
  t.equal((await app.inject({ url: '/ok' })).statusCode, 200)
  await app.close()
})

t.test("codec options: the codec's registry checks them, its BAD_OPTION wrapped as FST_BFAST_BAD_OPTION", async (t) => {
  // The plugin sets these itself for request bodies / replies: refused, saying where they are set.
  const setByPlugin: Record<string, RegExp> = {
    'decode.maxDecompressedSize': /is set with the maxBodySize option/,
    'decode.onProtoPoisoning': /is set with Fastify's own onProtoPoisoning/,
    'decode.onConstructorPoisoning': /is set with Fastify's own onConstructorPoisoning/,
    'decode.tables': /request bodies are read as B-FAST v1/,
    'encode.tables': /is set with the plugin \(or route\) option tables/,
    // Regression: encode.transforms: true would have sent transformed tables to every
    // layout=table client, which rejects them (BAD_TABLE).
    'encode.transforms': /is set by negotiation: transformed tables \(SPEC 8\.6\) go only to a client announcing/
  }
  for (const [kind, registry] of [['encode', ENCODE_OPTIONS], ['decode', DECODE_OPTIONS]] as const) {
    for (const key of Object.keys(registry)) {
      const where = `${kind}.${key}`
      const app = Fastify()
      // null is refused by every rule (not a name, a boolean or a number).
      const err = await app.register(bfast, { [kind]: { [key]: null } } as BfastPluginOptions).ready().then(
        () => undefined,
        (e: unknown) => e
      )
      await app.close()
      t.ok(err instanceof FastifyBfastError && err.code === 'FST_BFAST_BAD_OPTION', `${where}: ${String(err)}`)
      const message = (err as Error).message
      const cause = (err as Error).cause
      if (where in setByPlugin) {
        t.match(message, setByPlugin[where]!, `${where}: says where it is set`)
        t.equal(cause, undefined, `${where}: the plugin's own refusal`)
      } else {
        const names = new RegExp(`^fastify-bfast: option ${where.replace('.', '\\.')} must be .* \\(got null\\)`)
        t.match(message, names, `${where}: names it`)
        t.ok(cause instanceof BFastError && cause.code === 'BAD_OPTION', `${where}: cause is the codec's BAD_OPTION`)
      }
    }
  }
})
