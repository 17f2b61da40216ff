/**
 * Plugin and route options: their types, the defaults table, and validation that fails
 * registration with a clear `FST_BFAST_BAD_OPTION` error naming the option at fault.
 */
import { BFastError, DEFAULT_CHUNK_SIZE, DEFAULT_PARALLEL_THRESHOLD } from '../src/index.js'
import { U32_MAX } from '../src/limits.js'
import { checkDecodeOptions, checkEncodeOptions, DECODE_OPTIONS, ENCODE_OPTIONS } from '../src/options.js'
import type { DecodeOptions, EncodeOptions } from '../src/options.js'
import { badOption, codecBadOption } from './errors.js'
import { CONSIDERED_LEVELS, CPU_BUDGETS, DEFAULT_LEVELS, MODEL_CODINGS } from './coding-model.js'
import type { CpuBudget, ModelCoding } from './coding-model.js'
import type { HttpCoding } from './content-coding.js'

/**
 * Where the replies travel, which decides how to compress them (the cost model of
 * ./coding-model.ts, applied in ./policy.ts): `'fast'` never compresses; `'slow'`,
 * `'auto'` and `{ mbps }` send the coding that reaches the client soonest at that bandwidth
 * (`'slow'` assumes SLOW_ASSUMED_MBPS, `'auto'` AUTO_ASSUMED_MBPS).
 */
export type NetworkPolicy = 'fast' | 'slow' | 'auto' | { mbps: number }

/** A coding the plugin may send a B-FAST reply in: in-format LZ4 (SPEC 4) or an HTTP Content-Encoding. */
export type ReplyCoding = ModelCoding

/** The levels the cost model may choose from, per HTTP coding (each a subset of CONSIDERED_LEVELS). */
export type CodingLevels = { readonly [C in HttpCoding]?: readonly number[] }

/** Compression of B-FAST replies: in-format LZ4 (SPEC 4) or HTTP zstd, br, gzip. All fields optional. */
export interface CompressionOptions {
  /** Messages smaller than this many bytes are never compressed. Default 1024. */
  threshold?: number
  /** Default `'auto'`. */
  network?: NetworkPolicy
  /** Messages of at least this many bytes use the chunked LZ4 form, compressed on the thread pool (default 1e6). */
  parallelThreshold?: number
  /** Plain bytes per chunk of the chunked form. Default 262,144 (SPEC 4). */
  chunkSize?: number
  /**
   * The codings the policy may choose from, whichever the client accepts. Default
   * `['zstd', 'br', 'gzip', 'lz4']`; zstd only where node:zlib has it (Node >= 22.15).
   */
  encodings?: readonly ReplyCoding[]
  /**
   * The levels of each HTTP coding the policy may choose from, each among those the model measured
   * (CONSIDERED_LEVELS). Default DEFAULT_LEVELS: every measured level but brotli 9 and gzip 9.
   */
  levels?: CodingLevels
  /**
   * The server CPU a compressed reply may cost (./coding-model.ts ServerBudget): `'json-gzip'`
   * (default) no more than the same value as JSON + gzip, so codings that compress slower than
   * that leaves room for are not chosen; `'none'` lets the cost model choose any measured level.
   */
  cpuBudget?: CpuBudget
}

/**
 * Decode options the plugin sets itself for request bodies, each with why it is not part of the
 * `decode` option: the size bound is `maxBodySize`, `__proto__` / `constructor` keys follow
 * Fastify's own `onProtoPoisoning` / `onConstructorPoisoning`, and tables (SPEC 8) are refused.
 */
const FOR_BOTH = '(it applies to JSON and B-FAST bodies alike)'
const PLUGIN_SET_DECODE = {
  maxDecompressedSize: 'is set with the maxBodySize option',
  onProtoPoisoning: `is set with Fastify's own onProtoPoisoning server option ${FOR_BOTH}`,
  onConstructorPoisoning: `is set with Fastify's own onConstructorPoisoning server option ${FOR_BOTH}`,
  tables: 'is always false: request bodies are read as B-FAST v1 (tables, SPEC 8, are a reply layout)'
} as const satisfies Partial<Record<keyof DecodeOptions, string>>

/** Encode options the plugin sets itself, with where. */
const PLUGIN_SET_ENCODE = {
  tables: 'is set with the plugin (or route) option tables: a table (SPEC 8) goes only to a client asking layout=table',
  transforms:
    'is set by negotiation: transformed tables (SPEC 8.6) go only to a client announcing transforms=1, ' +
    'in replies the policy compresses'
} as const satisfies Partial<Record<keyof EncodeOptions, string>>

/** Codec options applied to request bodies (the codec's decode options but those the plugin sets). */
export type BodyDecodeOptions = Omit<DecodeOptions, keyof typeof PLUGIN_SET_DECODE>
/** Codec options applied to replies. */
export type ReplyEncodeOptions = Omit<EncodeOptions, keyof typeof PLUGIN_SET_ENCODE>

/**
 * Options of `app.register(bfast, options)`.
 *
 * @example
 * ```ts
 * await app.register(bfast, { compression: { network: 'slow', threshold: 2048 }, clientHints: true })
 * ```
 */
export interface BfastPluginOptions {
  compression?: CompressionOptions
  /** Send `Accept-CH: ECT, Downlink, RTT` and let Save-Data/ECT/Downlink decide compression. Default false. */
  clientHints?: boolean
  /**
   * Largest decoded (decompressed) request body message, in bytes. Default: the server's
   * `bodyLimit`, so a compressed body never expands past what a plain body may be.
   */
  maxBodySize?: number
  /**
   * Send arrays of records as tables (SPEC 8) to clients that ask for them with
   * `Accept: application/x-bfast;layout=table` (the fastify-bfast client does by default, as a
   * transport form: issue 16 item 5); every other client gets B-FAST v1 or JSON as it asked.
   * Default true; `false` answers every client with v1. A route's `config.bfast.tables`
   * overrides it.
   */
  tables?: boolean
  /**
   * On Linux, allocate and drop one untouched 31 MiB buffer at registration, so that glibc's
   * malloc raises its mmap and trim thresholds (mallopt(3)) and large replies reuse freed memory
   * instead of page-faulting fresh pages (./malloc-warmup.ts says why). Default true; `false`
   * leaves the process's malloc as it is.
   */
  mallocWarmup?: boolean
  /** Passed to `encode` for replies. */
  encode?: ReplyEncodeOptions
  /** Passed to `decode` for request bodies. */
  decode?: BodyDecodeOptions
}

/**
 * Per-route settings in `config.bfast` (`false` opts the route out entirely).
 *
 * @example
 * ```ts
 * app.get('/report', { config: { bfast: { compression: { network: 'slow' } } } }, handler)
 * ```
 */
export interface BfastRouteOptions {
  compression?: CompressionOptions
  /** This route's `tables` (default: the plugin's). */
  tables?: boolean
}

/** A governed route's settings after defaults and its overrides are applied. */
export interface ResolvedRoute {
  readonly compression: ResolvedCompression
  readonly tables: boolean
}

/** Compression options after defaults and route overrides are applied. */
export interface ResolvedCompression {
  readonly threshold: number
  readonly network: NetworkPolicy
  readonly parallelThreshold: number
  readonly chunkSize: number
  readonly encodings: readonly ReplyCoding[]
  readonly levels: { readonly [C in HttpCoding]: readonly number[] }
  readonly cpuBudget: CpuBudget
}

/** Plugin options after defaults are applied. */
export interface ResolvedOptions {
  readonly compression: ResolvedCompression
  readonly clientHints: boolean
  readonly tables: boolean
  readonly maxBodySize: number
  readonly mallocWarmup: boolean
  readonly encode: ReplyEncodeOptions
  readonly decode: BodyDecodeOptions
}

/** The defaults table (issue 3 "Registration and options"; SPEC 4 for the chunking figures). */
export const DEFAULTS = {
  threshold: 1024,
  network: 'auto',
  parallelThreshold: DEFAULT_PARALLEL_THRESHOLD,
  chunkSize: DEFAULT_CHUNK_SIZE,
  encodings: MODEL_CODINGS,
  levels: DEFAULT_LEVELS,
  cpuBudget: 'json-gzip',
  clientHints: false,
  tables: true,
  mallocWarmup: true
} as const satisfies Omit<ResolvedCompression, 'network'> & {
  network: NetworkPolicy
  clientHints: boolean
  tables: boolean
  mallocWarmup: boolean
}

/** lz4 block format: the largest input one block can hold (LZ4_MAX_INPUT_SIZE). */
export const MAX_CHUNK_SIZE = 0x7e000000
/** A u32 size prefix bounds every B-FAST message (SPEC 4). */
export const MAX_MESSAGE_SIZE = U32_MAX

const NETWORK_NAMES: ReadonlySet<string> = new Set(['fast', 'slow', 'auto'])
const PLUGIN_KEYS: ReadonlySet<string> = new Set([
  'compression', 'clientHints', 'tables', 'maxBodySize', 'mallocWarmup', 'encode', 'decode'
])
const ROUTE_KEYS: ReadonlySet<string> = new Set(['compression', 'tables'])
const COMPRESSION_KEYS: ReadonlySet<string> = new Set([
  'threshold', 'network', 'parallelThreshold', 'chunkSize', 'encodings', 'levels', 'cpuBudget'
])
/** The codec's options (the registry in src/options.ts) but those the plugin sets. */
const ENCODE_KEYS: ReadonlySet<string> = new Set(Object.keys(ENCODE_OPTIONS).filter((k) => !(k in PLUGIN_SET_ENCODE)))
const DECODE_KEYS: ReadonlySet<string> = new Set(Object.keys(DECODE_OPTIONS).filter((k) => !(k in PLUGIN_SET_DECODE)))

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkKeys(where: string, value: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      throw badOption(`${where}.${key}`, `is not a known option (known: ${[...allowed].join(', ')})`, value[key])
    }
  }
}

function checkObject(where: string, value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw badOption(where, 'must be an object', value)
  return value
}

function integerIn(where: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badOption(where, `must be an integer from ${min} to ${max}`, value)
  }
  return value
}

function boolean(where: string, value: unknown, base: boolean): boolean {
  if (value === undefined) return base
  if (typeof value !== 'boolean') throw badOption(where, 'must be a boolean', value)
  return value
}

function network(where: string, value: unknown): NetworkPolicy {
  if (typeof value === 'string' && NETWORK_NAMES.has(value)) return value as NetworkPolicy
  if (isRecord(value)) {
    checkKeys(where, value, new Set(['mbps']))
    const mbps = value.mbps
    if (typeof mbps !== 'number' || !Number.isFinite(mbps) || mbps <= 0) {
      throw badOption(`${where}.mbps`, 'must be a finite number of megabits per second above 0', mbps)
    }
    return { mbps }
  }
  throw badOption(where, "must be 'fast', 'slow', 'auto' or { mbps: number }", value)
}

function encodings(where: string, value: unknown): readonly ReplyCoding[] {
  const known: readonly string[] = MODEL_CODINGS
  if (!Array.isArray(value) || value.some((c) => typeof c !== 'string' || !known.includes(c))) {
    throw badOption(where, `must be an array of ${MODEL_CODINGS.map((c) => `'${c}'`).join(', ')}`, value)
  }
  return Object.freeze([...new Set(value as ReplyCoding[])])
}

function levels(where: string, value: unknown, base: ResolvedCompression['levels']): ResolvedCompression['levels'] {
  const record = checkObject(where, value)
  checkKeys(where, record, new Set(Object.keys(CONSIDERED_LEVELS)))
  const out = { ...base }
  for (const coding of Object.keys(CONSIDERED_LEVELS) as HttpCoding[]) {
    const list = record[coding]
    if (list === undefined) continue
    const measured: readonly number[] = CONSIDERED_LEVELS[coding]
    if (!Array.isArray(list) || list.length === 0 || list.some((l) => !measured.includes(l as number))) {
      throw badOption(
        `${where}.${coding}`,
        `must be a non-empty array of the levels the cost model measured (${measured.join(', ')})`,
        list
      )
    }
    out[coding] = Object.freeze([...new Set(list as number[])])
  }
  return Object.freeze(out)
}

function cpuBudget(where: string, value: unknown): CpuBudget {
  const known: readonly unknown[] = CPU_BUDGETS
  if (!known.includes(value)) throw badOption(where, `must be ${CPU_BUDGETS.map((b) => `'${b}'`).join(' or ')}`, value)
  return value as CpuBudget
}

/** Applies `raw` (unvalidated user input) over `base`. */
export function resolveCompression(where: string, raw: unknown, base: ResolvedCompression): ResolvedCompression {
  if (raw === undefined) return base
  const value = checkObject(where, raw)
  checkKeys(where, value, COMPRESSION_KEYS)
  return {
    threshold:
      value.threshold === undefined
        ? base.threshold
        : integerIn(`${where}.threshold`, value.threshold, 0, MAX_MESSAGE_SIZE),
    network: value.network === undefined ? base.network : network(`${where}.network`, value.network),
    parallelThreshold:
      value.parallelThreshold === undefined
        ? base.parallelThreshold
        : integerIn(`${where}.parallelThreshold`, value.parallelThreshold, 1, MAX_MESSAGE_SIZE),
    chunkSize:
      value.chunkSize === undefined
        ? base.chunkSize
        : integerIn(`${where}.chunkSize`, value.chunkSize, 1, MAX_CHUNK_SIZE),
    encodings: value.encodings === undefined ? base.encodings : encodings(`${where}.encodings`, value.encodings),
    levels: value.levels === undefined ? base.levels : levels(`${where}.levels`, value.levels, base.levels),
    cpuBudget: value.cpuBudget === undefined ? base.cpuBudget : cpuBudget(`${where}.cpuBudget`, value.cpuBudget)
  }
}

/** Refuses the codec options the plugin sets itself, saying where each is set. */
function refuseSetByPlugin(
  where: string, value: Record<string, unknown>, reasons: Readonly<Record<string, string>>
): void {
  for (const [key, why] of Object.entries(reasons)) {
    if (key in value) throw badOption(`${where}.${key}`, why, value[key])
  }
}

/** Runs the codec's own check of its options (src/options.ts), its BAD_OPTION as ours. */
function codecCheck(check: () => void): void {
  try {
    check()
  } catch (err) {
    throw err instanceof BFastError && err.code === 'BAD_OPTION' ? codecBadOption(err) : err
  }
}

function encodeOptions(raw: unknown): ReplyEncodeOptions {
  if (raw === undefined) return {}
  const value = checkObject('encode', raw)
  refuseSetByPlugin('encode', value, PLUGIN_SET_ENCODE)
  checkKeys('encode', value, ENCODE_KEYS)
  codecCheck(() => checkEncodeOptions(value, 'encode'))
  return { ...value }
}

function decodeOptions(raw: unknown): BodyDecodeOptions {
  if (raw === undefined) return {}
  const value = checkObject('decode', raw)
  refuseSetByPlugin('decode', value, PLUGIN_SET_DECODE)
  checkKeys('decode', value, DECODE_KEYS)
  codecCheck(() => checkDecodeOptions(value, 'decode'))
  return { ...value }
}

/**
 * Validates the plugin options and fills in defaults. `bodyLimit` is the server's, the
 * default `maxBodySize`.
 */
export function resolveOptions(raw: unknown, bodyLimit: number): ResolvedOptions {
  const value = raw === undefined ? {} : checkObject('options', raw)
  checkKeys('options', value, PLUGIN_KEYS)
  const base: ResolvedCompression = {
    threshold: DEFAULTS.threshold,
    network: DEFAULTS.network,
    parallelThreshold: DEFAULTS.parallelThreshold,
    chunkSize: DEFAULTS.chunkSize,
    encodings: DEFAULTS.encodings,
    levels: DEFAULTS.levels,
    cpuBudget: DEFAULTS.cpuBudget
  }
  return {
    compression: resolveCompression('compression', value.compression, base),
    clientHints: boolean('clientHints', value.clientHints, DEFAULTS.clientHints),
    tables: boolean('tables', value.tables, DEFAULTS.tables),
    maxBodySize:
      value.maxBodySize === undefined ? bodyLimit : integerIn('maxBodySize', value.maxBodySize, 1, MAX_MESSAGE_SIZE),
    mallocWarmup: boolean('mallocWarmup', value.mallocWarmup, DEFAULTS.mallocWarmup),
    encode: encodeOptions(value.encode),
    decode: decodeOptions(value.decode)
  }
}

/**
 * Validates a route's `config.bfast` and returns its settings, or `null` for a route that
 * opted out (`false`).
 */
export function resolveRoute(raw: unknown, plugin: ResolvedOptions, routeName: string): ResolvedRoute | null {
  if (raw === false) return null
  if (raw === undefined) return plugin
  const where = `config.bfast of route ${routeName}`
  if (!isRecord(raw)) throw badOption(where, 'must be false or an object', raw)
  const value = raw
  checkKeys(where, value, ROUTE_KEYS)
  return {
    compression: resolveCompression(`${where}.compression`, value.compression, plugin.compression),
    tables: boolean(`${where}.tables`, value.tables, plugin.tables)
  }
}
