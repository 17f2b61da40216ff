/**
 * `fastify-bfast`: the Fastify plugin. Re-exports only.
 */
export { bfast, bfast as default, PLUGIN_META } from './plugin.js'
export { FastifyBfastError, PLUGIN_ERROR_CODES } from './errors.js'
export { DEFAULTS } from './options.js'
export { AUTO_ASSUMED_MBPS, BREAK_EVEN_MBPS, LZ4_MODEL } from './policy.js'
export { parseAccept, prefersBfast } from './negotiate.js'
export type { MediaRange } from './negotiate.js'
export type * from './types.js'
