/**
 * The compression cost model's figures and assumptions, in one place (issue 16 item 1): for each
 * coding the plugin can send (in-format LZ4, SPEC 4; HTTP zstd, br, gzip, RFC 9110 section 8.4.1)
 * and each level it considers, the server's compress speed, the client's decompress speed and the
 * compressed/plain size ratio, measured on this project's build machine per Node line; and the
 * bandwidths the network policies and client hints stand for. ./policy.ts decides with them.
 *
 * Cost model. Sending S plain bytes with coding k over a link of B bits/s takes
 *
 *     T(k) = S / C(k)  +  S * R(k) * 8 / B  +  S / D(k)
 *
 * (compress on the server, transfer, decompress on the client; plain: C = D = infinity, R = 1).
 * The policy sends the acceptable coding of least T. S cancels out of the comparison, so the
 * choice depends on the bandwidth only: at each B, one coding is best, and the codings' ranges
 * are contiguous bands of bandwidth (plain above a cut-off, in-format LZ4 below it, then the
 * stronger levels as B falls). The size enters through the `threshold` option (tiny replies,
 * where fixed per-message costs dominate, are never compressed) and the chunked LZ4 form from
 * `parallelThreshold`. The model is conservative: it ignores the round trips a smaller reply
 * saves (TCP slow start) and the overlap of download and decompression, which both favour
 * compressing more.
 */
import type { HttpCoding } from './content-coding.js'

/** A coding as the model names it: in-format LZ4 (level 0: lz4-napi has one) or an HTTP coding and level. */
export type ModelCoding = 'lz4' | HttpCoding

/** Every coding the model knows, as the `encodings` option names them (its default). */
export const MODEL_CODINGS: readonly ModelCoding[] = Object.freeze(['zstd', 'br', 'gzip', 'lz4'])

export interface MeasuredCoding {
  readonly coding: ModelCoding
  readonly level: number
}

/** One row of the model: a coding, a level and what it was measured to cost and save. */
export interface CodingFigures extends MeasuredCoding {
  /** Server compress speed, MB/s of plain bytes (10^6 bytes/s), one thread. */
  readonly compressMBps: number
  /** Client decompress speed, MB/s of plain bytes. */
  readonly decompressMBps: number
  /** Compressed size / plain size. */
  readonly ratio: number
}

/**
 * The levels the model knows (and `npm run bench:codings` measures), which the `levels` option
 * may name. Higher zstd levels and brotli qualities 10-11 compress too slowly for a reply (under
 * 5 MB/s here), and gzip only matters to clients without zstd and br, so three of its levels
 * suffice.
 */
export const CONSIDERED_LEVELS = {
  zstd: [1, 3, 6, 9],
  br: [1, 4, 5, 6, 9],
  gzip: [1, 6, 9]
} as const satisfies Record<HttpCoding, readonly number[]>

/**
 * The levels the policy chooses from by default (the `levels` option). Brotli 9 and gzip 9 are
 * measured but left out: here they compress at 7-8 MB/s, 12-15x the server CPU of brotli 6 and
 * gzip 6, for replies at most 3% smaller (bench/results/node-N/codings.md), and a client hint
 * (`ECT: slow-2g`) would be enough to ask for them: a route opts in with `levels`.
 */
export const DEFAULT_LEVELS = {
  zstd: [1, 3, 6, 9],
  br: [1, 4, 5, 6],
  gzip: [1, 6]
} as const satisfies { [C in HttpCoding]: ReadonlyArray<(typeof CONSIDERED_LEVELS)[C][number]> }

/**
 * The least bandwidth the model computes with: a Downlink hint of 0 (a client that measured
 * nothing) would make every coding's transfer time infinite and the comparison meaningless.
 */
export const MIN_MBPS = 0.01

/** The bandwidth `network: 'auto'` assumes: a good home or office broadband/Wi-Fi link. */
export const AUTO_ASSUMED_MBPS = 100
/** The bandwidth `network: 'slow'` and `Save-Data: on` assume: a 3G mobile link (as the load tests' 3G profile). */
export const SLOW_ASSUMED_MBPS = 1.6

/**
 * The effective connection types of the WICG Network Information API (its table of ECT values):
 * a connection is the slowest type whose minimum RTT it reaches or whose maximum downlink it does
 * not exceed, else '4g'. The plugin reads only the downlink (ECT_MBPS); the load tests' browser
 * (load-tests/browser-hints.ts) derives the ECT it sends from both.
 */
export const ECT_TABLE = Object.freeze([
  { type: 'slow-2g', minRttMs: 2000, maxDownlinkMbps: 0.05 },
  { type: '2g', minRttMs: 1400, maxDownlinkMbps: 0.07 },
  { type: '3g', minRttMs: 270, maxDownlinkMbps: 0.7 }
] as const)

/**
 * The downlink each slow effective connection type stands for: its row's maximum downlink.
 * '4g' is absent: it covers everything faster, so it decides nothing and Downlink (or the
 * route's policy) does.
 */
export const ECT_MBPS: ReadonlyMap<string, number> = new Map(ECT_TABLE.map((e) => [e.type, e.maxDownlinkMbps]))

/**
 * Chromium never reports a `Downlink` above 10 Mbps (an anti-fingerprinting cap; MDN's browser
 * compatibility data for the header and navigator.connection.downlink): a value at the cap means
 * "at least 10 Mbps", and the policy takes the larger of it and the route's bandwidth.
 */
export const DOWNLINK_CAP_MBPS = 10

type NodeLine = 20 | 22 | 24 | 26

/**
 * Measured with `npm run bench:codings -- --node N` (bench/codings.ts; tables in
 * bench/results/node-N/codings.md) on the build machine (2 shared vCPUs; each file names the CPU), on the
 * B-FAST encodings of 1,000 and 10,000 SPEC 7 users, twitter.json and citm_catalog.json: per
 * coding the slowest compress and decompress speed and the largest ratio over the four, so the
 * model errs towards compressing less. Node 20 has no zstd in node:zlib. The machine was shared
 * (each results file gives the load average): all four lines were measured on 2026-12-01 one
 * after the other, at a load of 3.2-6.9 on 2 CPUs (Node 26 3.2-4.4, 24 6.4-6.8, 22 5.3-6.9, 20
 * 5.0-5.3); figures measured under load are low and noisy (Node 24's br-5 came out slower than its
 * br-6), which makes the model compress less than a quiet server would. MEASURED_BUDGET comes
 * from the same runs.
 */
export const MEASURED: Readonly<Record<NodeLine, readonly CodingFigures[]>> = {
  20: [
    { coding: 'lz4', level: 0, compressMBps: 637, decompressMBps: 543, ratio: 0.223 },
    { coding: 'br', level: 1, compressMBps: 509, decompressMBps: 493, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 117, decompressMBps: 472, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 83, decompressMBps: 698, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 64, decompressMBps: 376, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 5, decompressMBps: 536, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 244, decompressMBps: 456, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 65, decompressMBps: 326, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 5, decompressMBps: 591, ratio: 0.146 }
  ],
  22: [
    { coding: 'lz4', level: 0, compressMBps: 730, decompressMBps: 896, ratio: 0.223 },
    { coding: 'zstd', level: 1, compressMBps: 649, decompressMBps: 810, ratio: 0.146 },
    { coding: 'zstd', level: 3, compressMBps: 401, decompressMBps: 739, ratio: 0.137 },
    { coding: 'zstd', level: 6, compressMBps: 164, decompressMBps: 620, ratio: 0.13 },
    { coding: 'zstd', level: 9, compressMBps: 82, decompressMBps: 839, ratio: 0.129 },
    { coding: 'br', level: 1, compressMBps: 640, decompressMBps: 712, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 171, decompressMBps: 634, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 108, decompressMBps: 646, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 97, decompressMBps: 426, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 7, decompressMBps: 578, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 268, decompressMBps: 680, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 112, decompressMBps: 762, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 7, decompressMBps: 800, ratio: 0.146 }
  ],
  24: [
    { coding: 'lz4', level: 0, compressMBps: 388, decompressMBps: 595, ratio: 0.223 },
    { coding: 'zstd', level: 1, compressMBps: 518, decompressMBps: 615, ratio: 0.146 },
    { coding: 'zstd', level: 3, compressMBps: 437, decompressMBps: 510, ratio: 0.137 },
    { coding: 'zstd', level: 6, compressMBps: 122, decompressMBps: 598, ratio: 0.13 },
    { coding: 'zstd', level: 9, compressMBps: 67, decompressMBps: 495, ratio: 0.129 },
    { coding: 'br', level: 1, compressMBps: 291, decompressMBps: 272, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 93, decompressMBps: 373, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 40, decompressMBps: 338, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 59, decompressMBps: 327, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 5, decompressMBps: 312, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 161, decompressMBps: 418, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 72, decompressMBps: 397, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 3, decompressMBps: 377, ratio: 0.146 }
  ],
  26: [
    { coding: 'lz4', level: 0, compressMBps: 669, decompressMBps: 761, ratio: 0.223 },
    { coding: 'zstd', level: 1, compressMBps: 778, decompressMBps: 636, ratio: 0.146 },
    { coding: 'zstd', level: 3, compressMBps: 672, decompressMBps: 683, ratio: 0.137 },
    { coding: 'zstd', level: 6, compressMBps: 206, decompressMBps: 828, ratio: 0.13 },
    { coding: 'zstd', level: 9, compressMBps: 119, decompressMBps: 733, ratio: 0.129 },
    { coding: 'br', level: 1, compressMBps: 691, decompressMBps: 606, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 225, decompressMBps: 711, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 114, decompressMBps: 649, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 102, decompressMBps: 750, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 8, decompressMBps: 686, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 276, decompressMBps: 643, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 113, decompressMBps: 546, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 6, decompressMBps: 696, ratio: 0.146 }
  ]
}

/**
 * The server CPU budget (issue 16 item 6): a compressed B-FAST reply should cost the server no
 * more CPU than the same value sent as JSON + gzip (JSON.stringify, then gzip at zlib's default
 * level, 6, which is what @fastify/compress sends a client asking gzip). Per B-FAST byte, encoding
 * takes 1 / encodeMBps, which leaves compression the rest: coding k is within the budget when
 *
 *     1 / encodeMBps  +  1 / C(k)  <=  1 / jsonGzipMBps
 *
 * (budgetMinCompressMBps gives the C(k) this asks for). The route option `cpuBudget: 'none'`
 * lifts it. Both speeds are in MB/s of the value's B-FAST bytes, measured by `npm run
 * bench:codings` in the same run and on the same datasets as the coding figures; each line keeps
 * the dataset that leaves compression the least time (the binding one, named beside it).
 */
export interface ServerBudget {
  /** B-FAST encode speed: MB/s of B-FAST bytes written. */
  readonly encodeMBps: number
  /** JSON.stringify + gzip-6 of the same value, counted in MB/s of its B-FAST bytes. */
  readonly jsonGzipMBps: number
}

/** The values of the `cpuBudget` compression option: JSON + gzip's server CPU (the default), or none. */
export const CPU_BUDGETS = ['json-gzip', 'none'] as const
export type CpuBudget = (typeof CPU_BUDGETS)[number]

/**
 * The least compress speed (MB/s of plain bytes) a coding needs to stay within `budget`:
 * infinite where encoding alone already takes the whole budget.
 */
export function budgetMinCompressMBps(budget: ServerBudget): number {
  const slack = 1 / budget.jsonGzipMBps - 1 / budget.encodeMBps
  return slack > 0 ? 1 / slack : Number.POSITIVE_INFINITY
}

/** The server CPU budget's figures per line (see ServerBudget), measured as MEASURED's. */
export const MEASURED_BUDGET: Readonly<Record<NodeLine, ServerBudget>> = {
  20: { encodeMBps: 279, jsonGzipMBps: 87 },
  22: { encodeMBps: 324, jsonGzipMBps: 126 },
  24: { encodeMBps: 221, jsonGzipMBps: 108 },
  26: { encodeMBps: 321, jsonGzipMBps: 147 }
}

/** The line whose figures apply to this process: its own, else the nearest measured one below it. */
function lineOf(version: string): NodeLine {
  const major = Number(version.split('.')[0])
  if (major >= 26) return 26
  if (major >= 24) return 24
  if (major >= 22) return 22
  return 20
}

const LINE = lineOf(process.versions.node)

/** The figures the running Node line uses. */
export const CODING_FIGURES: readonly CodingFigures[] = MEASURED[LINE]
/** The server CPU budget the running Node line uses. */
export const SERVER_BUDGET: ServerBudget = MEASURED_BUDGET[LINE]
