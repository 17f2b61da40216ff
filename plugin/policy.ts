/**
 * The compression decision for one B-FAST reply (issue 3 "Compression policy").
 *
 * Cost model. Compressing a message of S bytes pays when the transfer time it saves exceeds
 * the LZ4 time it costs:
 *
 *     S * (1 - R) * 8 / B   >   S / C + S / D
 *
 * with B the bandwidth (bits/s), R the compressed/plain size ratio, C the server's LZ4
 * compress throughput and D the client's LZ4 decompress throughput (bytes/s). S cancels out:
 * the model reduces to a bandwidth cut-off, BREAK_EVEN_MBPS, below which compressing pays
 * whatever the size (the `threshold` option keeps tiny replies, where fixed per-message costs
 * dominate, uncompressed). The model is deliberately conservative: it ignores round trips
 * that a smaller reply saves (TCP slow start, HTTP/2 flow control), which only favour
 * compression further.
 */
import { HEADER, SAVE_DATA_ON, SLOW_ECT_VALUES, VARY_NAME } from './constants.js'
import type { NetworkPolicy, ResolvedCompression } from './options.js'

/**
 * Measured LZ4 constants. Obtained on this project's build machine (Node 20.20, 2 shared
 * vCPU) with the corpus of test/fixtures (twitter.json, citm_catalog.json) and the SPEC 7
 * "users" list of 10,000 entries, each encoded with `encode`, then the median of 60 runs of
 * lz4-napi `compressSync` (via `compress` of fastify-bfast/compress) and of the project's own
 * pure-TS `decompress` (what browsers run). Results (MB/s, compress / decompress / ratio):
 * twitter 964-1012 / 502-530 / 0.200; citm 2901-3149 / 740-842 / 0.073; users 1037-1059 /
 * 355-467 / 0.211. The table takes the slow end of each and a ratio rounded up, so the model
 * errs towards not compressing.
 */
export const LZ4_MODEL = {
  /** Server-side LZ4 compress throughput, bytes/s (lz4-napi, one thread). */
  compressBytesPerSecond: 950e6,
  /** Client-side LZ4 decompress throughput, bytes/s (src/lz4.ts in V8). */
  decompressBytesPerSecond: 350e6,
  /** Compressed size / plain size of typical API replies. */
  compressedRatio: 0.25
} as const

/** The bandwidth `network: 'auto'` assumes: a good home or office broadband/Wi-Fi link. */
export const AUTO_ASSUMED_MBPS = 100

const BITS_PER_BYTE = 8
const BITS_PER_MEGABIT = 1e6

/**
 * The bandwidth (Mbps) under which compressing pays, from LZ4_MODEL:
 * (1 - R) * 8 / (1/C + 1/D), about 1,500 Mbps with the measured figures.
 */
export const BREAK_EVEN_MBPS =
  ((1 - LZ4_MODEL.compressedRatio) * BITS_PER_BYTE) /
  (1 / LZ4_MODEL.compressBytesPerSecond + 1 / LZ4_MODEL.decompressBytesPerSecond) /
  BITS_PER_MEGABIT

/** Whether the cost model says compressing pays at `mbps`. */
export function paysAt(mbps: number): boolean {
  return mbps < BREAK_EVEN_MBPS
}

/** What the configured network policy alone decides for a message at or above the threshold. */
export function networkWants(network: NetworkPolicy): boolean {
  if (network === 'fast') return false
  if (network === 'slow') return true
  if (network === 'auto') return paysAt(AUTO_ASSUMED_MBPS)
  return paysAt(network.mbps)
}

/** The request headers the client-hint policy reads. */
export type HintHeaders = Readonly<Record<string, string | string[] | undefined>>

/** A client hint's verdict and the field that gave it. */
export interface HintVerdict {
  compress: boolean
  /** The request field that decided. */
  field: typeof HEADER.saveData | typeof HEADER.ect | typeof HEADER.downlink
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/**
 * The client hints' verdict, strongest first: `Save-Data: on` (the user asked to save data),
 * a slow `ECT`, then `Downlink` (Mbps, through the cost model). Undefined when no hint
 * decides (absent, malformed, or ECT "4g" without Downlink).
 */
export function hintVerdict(headers: HintHeaders): HintVerdict | undefined {
  const saveData = single(headers[HEADER.saveData])
  if (saveData !== undefined && saveData.trim().toLowerCase() === SAVE_DATA_ON) {
    return { compress: true, field: HEADER.saveData }
  }
  const ect = single(headers[HEADER.ect])
  if (ect !== undefined && SLOW_ECT_VALUES.has(ect.trim().toLowerCase())) return { compress: true, field: HEADER.ect }
  const downlink = single(headers[HEADER.downlink])
  if (downlink !== undefined && downlink.trim() !== '') {
    const mbps = Number(downlink)
    if (Number.isFinite(mbps) && mbps >= 0) return { compress: paysAt(mbps), field: HEADER.downlink }
  }
  return undefined
}

/** How a message is sent (SPEC 4). */
export type CompressionForm = 'none' | 'block' | 'chunked'

export interface CompressionDecision {
  readonly form: CompressionForm
}

/**
 * The three possible decisions, shared: decideCompression runs on every B-FAST reply and
 * returns one of these instead of allocating a result per reply.
 */
const SEND_PLAIN: CompressionDecision = Object.freeze({ form: 'none' })
const SEND_BLOCK: CompressionDecision = Object.freeze({ form: 'block' })
const SEND_CHUNKED: CompressionDecision = Object.freeze({ form: 'chunked' })

const VARY_ACCEPT: readonly string[] = [VARY_NAME.accept]
const VARY_ACCEPT_AND_HINTS: readonly string[] = [VARY_NAME.accept, VARY_NAME.saveData, VARY_NAME.ect]

/**
 * The Vary names of every reply of a governed route, whatever its format, size or status.
 *
 * RFC 9110 section 12.5.5: Vary lists every request field that *might* have selected the
 * representation. Save-Data and a slow ECT can only ask for compression, so they can change a
 * reply exactly when the route's policy alone would not compress; then every reply names them,
 * the unhinted client's too (else a shared cache hands the unhinted reply to a Save-Data
 * client). JSON and small replies name them as well: caches such as nginx keep one Vary per
 * URL, and variants with different Vary sets evict each other. Downlink is never named: its
 * values are near-continuous, so varying on it would make replies practically uncacheable.
 *
 * @example
 * ```ts
 * routeVary({ threshold: 1024, network: 'fast', parallelThreshold: 1e6, chunkSize: 262144 }, true)
 * // ['Accept', 'Save-Data', 'ECT']
 * ```
 */
export function routeVary(route: ResolvedCompression, clientHints: boolean): readonly string[] {
  return clientHints && !networkWants(route.network) ? VARY_ACCEPT_AND_HINTS : VARY_ACCEPT
}

/**
 * Decides whether and how to compress a message of `size` bytes. `hints` is the request's
 * headers when client hints are enabled, else undefined.
 *
 * @example
 * ```ts
 * decideCompression(5_000, { threshold: 1024, network: 'slow', parallelThreshold: 1e6, chunkSize: 262144 }, undefined)
 * // { form: 'block' }
 * ```
 */
export function decideCompression(
  size: number,
  route: ResolvedCompression,
  hints: HintHeaders | undefined
): CompressionDecision {
  // Size first: most API replies are below the threshold, and then nothing else is read.
  if (size < route.threshold) return SEND_PLAIN
  let compress = networkWants(route.network)
  if (hints !== undefined) {
    const verdict = hintVerdict(hints)
    if (verdict !== undefined) compress = verdict.compress
  }
  if (!compress) return SEND_PLAIN
  return size >= route.parallelThreshold ? SEND_CHUNKED : SEND_BLOCK
}
