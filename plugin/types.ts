/**
 * Public types, and the declaration merging that types `config.bfast` on every route.
 */
import type { BfastRouteOptions } from './options.js'

export type {
  BfastPluginOptions,
  BfastRouteOptions,
  BodyDecodeOptions,
  CodingLevels,
  CompressionOptions,
  NetworkPolicy,
  ReplyCoding,
  ReplyEncodeOptions
} from './options.js'
export type { PluginErrorCode } from './errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `false` opts the route out of B-FAST (no hooks, plain Fastify); an object overrides the
     * plugin's compression settings for this route.
     */
    bfast?: false | BfastRouteOptions
  }
}
