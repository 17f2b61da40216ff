/**
 * Type tests for the plugin's public types, checked by the normal build (`tsc -p
 * tsconfig.json`): each `@ts-expect-error` line must be an error, or the build reports an
 * unused directive. Nothing here runs.
 */
import Fastify from 'fastify'
import type { FastifyContextConfig } from 'fastify'
import bfast, { bfast as named } from '../../plugin/index.js'
import type { BfastPluginOptions, BfastRouteOptions, NetworkPolicy } from '../../plugin/index.js'

export async function typeChecks(): Promise<void> {
  const app = Fastify()
  await app.register(bfast)
  await app.register(named, { compression: { threshold: 0, network: { mbps: 20 }, parallelThreshold: 1, chunkSize: 1024 }, clientHints: true, maxBodySize: 1 })
  await app.register(bfast, { encode: { maxDepth: 10 }, decode: { int64: 'bigint', dates: 'string' } })
  // @ts-expect-error: network is 'fast' | 'slow' | 'auto' | { mbps }
  await app.register(bfast, { compression: { network: 'warp' } })
  // @ts-expect-error: threshold is a number
  await app.register(bfast, { compression: { threshold: '1k' } })
  // @ts-expect-error: the decompressed-size bound of bodies is maxBodySize
  await app.register(bfast, { decode: { maxDecompressedSize: 1 } })
  // @ts-expect-error: clientHints is a boolean
  await app.register(bfast, { clientHints: 'yes' })
  await app.register(bfast, { mallocWarmup: false })
  // @ts-expect-error: mallocWarmup is a boolean
  await app.register(bfast, { mallocWarmup: 'no' })
  await app.register(bfast, { compression: { encodings: ['zstd', 'br', 'lz4'], levels: { zstd: [1, 3], gzip: [6] } } })
  // @ts-expect-error: deflate is not a coding the plugin sends
  await app.register(bfast, { compression: { encodings: ['deflate'] } })
  // @ts-expect-error: levels are per HTTP coding (LZ4 has none)
  await app.register(bfast, { compression: { levels: { lz4: [1] } } })

  // Route config, by declaration merging into FastifyContextConfig.
  app.get('/a', { config: { bfast: false } }, async () => ({}))
  app.get('/b', { config: { bfast: { compression: { network: 'slow' } } } }, async () => ({}))
  app.get('/c', { config: {} }, async () => ({}))
  // Fastify infers a route's ContextConfig generic from the literal and intersects it with
  // FastifyContextConfig, so misuse inside app.get(...) literals slips through; a value typed
  // as FastifyContextConfig is checked.
  // @ts-expect-error: true is not a route setting (routes are governed by default)
  const notABoolean: FastifyContextConfig = { bfast: true }
  // @ts-expect-error: unknown compression field
  const unknownField: FastifyContextConfig = { bfast: { compression: { level: 9 } } }
  const good: FastifyContextConfig = { bfast: { compression: { threshold: 0 } } }
  app.get('/d', { config: good }, async () => ({}))
  void notABoolean
  void unknownField
  app.get('/f', async (request) => {
    const setting: false | BfastRouteOptions | undefined = request.routeOptions.config.bfast
    return { setting: setting === false }
  })

  const policies: NetworkPolicy[] = ['fast', 'slow', 'auto', { mbps: 1 }]
  const options: BfastPluginOptions = { compression: { network: policies[0] } }
  void options
}
