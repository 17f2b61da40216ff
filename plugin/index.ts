/**
 * `fastify-bfast`: the Fastify plugin. Re-exports only.
 */
export { bfast, bfast as default, PLUGIN_META } from './plugin.js'
export { FastifyBfastError, PLUGIN_ERROR_CODES } from './errors.js'
export { DEFAULTS } from './options.js'
export {
  AUTO_ASSUMED_MBPS,
  CODING_FIGURES,
  CONSIDERED_LEVELS,
  CPU_BUDGETS,
  DEFAULT_LEVELS,
  DOWNLINK_CAP_MBPS,
  ECT_MBPS,
  MEASURED,
  MEASURED_BUDGET,
  SERVER_BUDGET,
  SLOW_ASSUMED_MBPS
} from './coding-model.js'
export type { CodingFigures, CpuBudget, ModelCoding, ServerBudget } from './coding-model.js'
export { parseAccept, prefersBfast } from './negotiate.js'
export type { MediaRange } from './negotiate.js'
export type * from './types.js'
