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
 * The downlink each effective connection type stands for: the WICG Network Information API's
 * table of ECT values (the 'slow-2g' .. '3g' rows: minimum downlink of the type below's upper
 * end). '4g' is absent: it covers everything faster, so it decides nothing and Downlink (or the
 * route's policy) does.
 */
export const ECT_MBPS: ReadonlyMap<string, number> = new Map([
  ['slow-2g', 0.05],
  ['2g', 0.07],
  ['3g', 0.7]
])

type NodeLine = 20 | 22 | 24 | 26

/**
 * Measured with `npm run bench:codings -- --node N` (bench/codings.ts; tables in
 * bench/results/node-N/codings.md) on the build machine (AMD EPYC, 2 shared vCPU), on the
 * B-FAST encodings of 1,000 and 10,000 SPEC 7 users, twitter.json and citm_catalog.json: per
 * coding the slowest compress and decompress speed and the largest ratio over the four, so the
 * model errs towards compressing less. Node 20 has no zstd in node:zlib. The machine was shared
 * (each results file gives the load average): Node 22 and 24 were measured at a load of 3-4.5 on
 * 2 CPUs, Node 20 at 8-12, Node 26 at 7.5-8.8; figures measured under load are low, which makes
 * the model compress less than a quiet server would.
 */
export const MEASURED: Readonly<Record<NodeLine, readonly CodingFigures[]>> = {
  20: [
    { coding: 'lz4', level: 0, compressMBps: 476, decompressMBps: 669, ratio: 0.223 },
    { coding: 'br', level: 1, compressMBps: 322, decompressMBps: 473, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 129, decompressMBps: 466, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 63, decompressMBps: 450, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 44, decompressMBps: 401, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 7, decompressMBps: 553, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 197, decompressMBps: 459, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 58, decompressMBps: 579, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 4, decompressMBps: 540, ratio: 0.146 }
  ],
  22: [
    { coding: 'lz4', level: 0, compressMBps: 699, decompressMBps: 894, ratio: 0.223 },
    { coding: 'zstd', level: 1, compressMBps: 606, decompressMBps: 850, ratio: 0.146 },
    { coding: 'zstd', level: 3, compressMBps: 410, decompressMBps: 765, ratio: 0.137 },
    { coding: 'zstd', level: 6, compressMBps: 139, decompressMBps: 878, ratio: 0.13 },
    { coding: 'zstd', level: 9, compressMBps: 83, decompressMBps: 953, ratio: 0.129 },
    { coding: 'br', level: 1, compressMBps: 650, decompressMBps: 705, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 199, decompressMBps: 829, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 106, decompressMBps: 714, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 96, decompressMBps: 722, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 8, decompressMBps: 695, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 266, decompressMBps: 663, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 112, decompressMBps: 770, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 7, decompressMBps: 785, ratio: 0.146 }
  ],
  24: [
    { coding: 'lz4', level: 0, compressMBps: 636, decompressMBps: 710, ratio: 0.223 },
    { coding: 'zstd', level: 1, compressMBps: 774, decompressMBps: 904, ratio: 0.146 },
    { coding: 'zstd', level: 3, compressMBps: 649, decompressMBps: 1091, ratio: 0.137 },
    { coding: 'zstd', level: 6, compressMBps: 169, decompressMBps: 848, ratio: 0.13 },
    { coding: 'zstd', level: 9, compressMBps: 97, decompressMBps: 728, ratio: 0.129 },
    { coding: 'br', level: 1, compressMBps: 669, decompressMBps: 521, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 204, decompressMBps: 691, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 109, decompressMBps: 741, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 86, decompressMBps: 727, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 7, decompressMBps: 727, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 266, decompressMBps: 644, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 109, decompressMBps: 773, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 7, decompressMBps: 821, ratio: 0.146 }
  ],
  26: [
    { coding: 'lz4', level: 0, compressMBps: 620, decompressMBps: 588, ratio: 0.223 },
    { coding: 'zstd', level: 1, compressMBps: 598, decompressMBps: 543, ratio: 0.146 },
    { coding: 'zstd', level: 3, compressMBps: 336, decompressMBps: 712, ratio: 0.137 },
    { coding: 'zstd', level: 6, compressMBps: 97, decompressMBps: 374, ratio: 0.13 },
    { coding: 'zstd', level: 9, compressMBps: 63, decompressMBps: 639, ratio: 0.129 },
    { coding: 'br', level: 1, compressMBps: 386, decompressMBps: 432, ratio: 0.151 },
    { coding: 'br', level: 4, compressMBps: 123, decompressMBps: 568, ratio: 0.134 },
    { coding: 'br', level: 5, compressMBps: 82, decompressMBps: 493, ratio: 0.12 },
    { coding: 'br', level: 6, compressMBps: 50, decompressMBps: 605, ratio: 0.119 },
    { coding: 'br', level: 9, compressMBps: 5, decompressMBps: 581, ratio: 0.116 },
    { coding: 'gzip', level: 1, compressMBps: 238, decompressMBps: 712, ratio: 0.178 },
    { coding: 'gzip', level: 6, compressMBps: 74, decompressMBps: 652, ratio: 0.148 },
    { coding: 'gzip', level: 9, compressMBps: 5, decompressMBps: 698, ratio: 0.146 }
  ]
}

/** The line whose figures apply to this process: its own, else the nearest measured one below it. */
function lineOf(version: string): NodeLine {
  const major = Number(version.split('.')[0])
  if (major >= 26) return 26
  if (major >= 24) return 24
  if (major >= 22) return 22
  return 20
}

/** The figures the running Node line uses. */
export const CODING_FIGURES: readonly CodingFigures[] = MEASURED[lineOf(process.versions.node)]
