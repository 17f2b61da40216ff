/**
 * The compression decision for one B-FAST reply (issue 3 "Compression policy", issue 16 item 1):
 * no compression, in-format LZ4 (SPEC 4), or an HTTP Content-Encoding (zstd, br, gzip) the
 * request accepts, whichever the cost model of ./coding-model.ts says reaches the client
 * soonest at the route's bandwidth (or the one a client hint reports).
 *
 * Each route gets a RoutePolicy built once from its options: its candidate codings (the
 * `encodings` and `levels` options, those this Node line can produce and, unless `cpuBudget` is
 * 'none', those the server CPU budget allows: ./coding-model.ts ServerBudget), each reduced to two
 * numbers (a fixed cost per plain byte, 1/C + 1/D, and its ratio R), and the Vary names its
 * replies carry. Deciding a reply is then a loop over at most 13 candidates with no allocation.
 */
import { acceptedCodings, CODING_BIT, IDENTITY_BIT } from './accept-encoding.js'
import {
  AUTO_ASSUMED_MBPS,
  budgetMinCompressMBps,
  CODING_FIGURES,
  DOWNLINK_CAP_MBPS,
  ECT_MBPS,
  MIN_MBPS,
  SERVER_BUDGET,
  SLOW_ASSUMED_MBPS
} from './coding-model.js'
import type { CodingFigures, ServerBudget } from './coding-model.js'
import { codingAvailable } from './content-coding.js'
import type { HttpCoding } from './content-coding.js'
import { HEADER, SAVE_DATA_ON, VARY_NAME } from './constants.js'
import type { NetworkPolicy, ResolvedCompression } from './options.js'

const BITS_PER_BYTE = 8
const BYTES_PER_MB = 1e6
const BITS_PER_MEGABIT = 1e6

/** The bandwidth (Mbps) a network policy stands for; 'fast' is unbounded (nothing pays). */
export function networkMbps(network: NetworkPolicy): number {
  if (network === 'fast') return Number.POSITIVE_INFINITY
  if (network === 'slow') return SLOW_ASSUMED_MBPS
  if (network === 'auto') return AUTO_ASSUMED_MBPS
  return network.mbps
}

/** The request headers the policy reads. */
export type HintHeaders = Readonly<Record<string, string | string[] | undefined>>

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/**
 * The bandwidth the client hints report, strongest first: `Save-Data: on` (the user asked to
 * save data: SLOW_ASSUMED_MBPS); `Downlink` (Mbps: the browser's measurement), where a value at
 * or above DOWNLINK_CAP_MBPS, which Chromium reports for any faster link, only says "at least
 * that", so the larger of it and `routeMbps` (the route's own bandwidth) is taken; then a slow
 * `ECT` (its nominal downlink, ECT_MBPS). Undefined when no hint decides (absent, malformed, or
 * ECT "4g" without Downlink). Downlink precedes ECT because a slow ECT may come from the
 * round-trip time alone (a 1.6 Mbps link with a 300 ms RTT is "3g"), and the model wants the
 * bandwidth.
 */
export function hintMbps(headers: HintHeaders, routeMbps: number = 0): number | undefined {
  const saveData = single(headers[HEADER.saveData])
  if (saveData !== undefined && saveData.trim().toLowerCase() === SAVE_DATA_ON) return SLOW_ASSUMED_MBPS
  const downlink = single(headers[HEADER.downlink])
  if (downlink !== undefined && downlink.trim() !== '') {
    const mbps = Number(downlink)
    if (Number.isFinite(mbps) && mbps >= 0) return mbps < DOWNLINK_CAP_MBPS ? mbps : Math.max(mbps, routeMbps)
  }
  const ect = single(headers[HEADER.ect])
  if (ect !== undefined) {
    const mbps = ECT_MBPS.get(ect.trim().toLowerCase())
    if (mbps !== undefined) return mbps
  }
  return undefined
}

/** How a message is sent: plain, in-format LZ4 (SPEC 4) as one block or chunked, or with a Content-Encoding. */
export type CompressionForm = 'none' | 'block' | 'chunked' | 'content'

export interface CompressionDecision {
  readonly form: CompressionForm
  /** The Content-Encoding of form 'content', else null. */
  readonly coding: HttpCoding | null
  /** The coding's level (zstd level, brotli quality, gzip level) for form 'content', else 0. */
  readonly level: number
}

/** The shared decisions without a Content-Encoding: decide returns one of these, never a new object. */
export const SEND_PLAIN: CompressionDecision = Object.freeze({ form: 'none', coding: null, level: 0 })
export const SEND_BLOCK: CompressionDecision = Object.freeze({ form: 'block', coding: null, level: 0 })
export const SEND_CHUNKED: CompressionDecision = Object.freeze({ form: 'chunked', coding: null, level: 0 })

/** One coding a route may choose, reduced to what the comparison needs. */
interface Candidate {
  /** The accepted-set bit that admits it: the coding's, or IDENTITY_BIT for in-format LZ4. */
  readonly bit: number
  /** Seconds per plain byte to compress and decompress: 1/C + 1/D. */
  readonly fixed: number
  readonly ratio: number
  /** Its decision (LZ4's block form; decide picks chunked by size). */
  readonly decision: CompressionDecision
}

function candidate(f: CodingFigures): Candidate {
  const fixed = 1 / (f.compressMBps * BYTES_PER_MB) + 1 / (f.decompressMBps * BYTES_PER_MB)
  if (f.coding === 'lz4') return { bit: IDENTITY_BIT, fixed, ratio: f.ratio, decision: SEND_BLOCK }
  return {
    bit: CODING_BIT[f.coding],
    fixed,
    ratio: f.ratio,
    decision: Object.freeze({ form: 'content', coding: f.coding, level: f.level })
  }
}

/**
 * The route's candidates: the measured codings its options allow, this Node line can produce
 * and, under the `'json-gzip'` CPU budget, that compress at least as fast as the budget asks.
 */
function candidatesOf(
  route: ResolvedCompression,
  figures: readonly CodingFigures[],
  budget: ServerBudget
): Candidate[] {
  const minCompressMBps = route.cpuBudget === 'none' ? 0 : budgetMinCompressMBps(budget)
  return figures
    .filter((f) => {
      if (!route.encodings.includes(f.coding) || f.compressMBps < minCompressMBps) return false
      if (f.coding === 'lz4') return true
      return codingAvailable(f.coding) && route.levels[f.coding].includes(f.level)
    })
    .map(candidate)
}

/**
 * The best of `candidates` at `mbps` among those `accepted` admits: the least
 * T / S = fixed + ratio * 8 / B (./coding-model.ts), against plain's 8 / B; null for plain.
 */
function best(candidates: readonly Candidate[], mbps: number, accepted: number): Candidate | null {
  const secondsPerBit = 1 / (Math.max(mbps, MIN_MBPS) * BITS_PER_MEGABIT)
  let chosen: Candidate | null = null
  // Plain competes only where identity is acceptable; where it is refused (identity;q=0, or *;q=0
  // without identity), any accepted coding beats it. With no accepted coding at all, plain is
  // still sent (null): RFC 9110 section 12.5.3 has a server send no coding rather than fail.
  let least = (accepted & IDENTITY_BIT) === 0 ? Number.POSITIVE_INFINITY : BITS_PER_BYTE * secondsPerBit
  for (const c of candidates) {
    if ((c.bit & accepted) === 0) continue
    const cost = c.fixed + c.ratio * BITS_PER_BYTE * secondsPerBit
    if (cost < least) {
      least = cost
      chosen = c
    }
  }
  return chosen
}

/** Every accepted set a request can have (three coding bits and identity). */
const ACCEPTED_SETS = 16

/** The bandwidths client hints can report apart from Downlink: Save-Data's and each slow ECT's. */
const NAMED_HINT_MBPS: readonly number[] = [SLOW_ASSUMED_MBPS, ...ECT_MBPS.values()]

const VARY_ACCEPT: readonly string[] = Object.freeze([VARY_NAME.accept])

/**
 * What a route's policy decides, and the Vary names of every reply of the route.
 *
 * @example
 * ```ts
 * const policy = new RoutePolicy(resolved.compression, true)
 * policy.decide(100_000, { 'accept-encoding': 'gzip, br, zstd' }) // { form: 'content', coding: 'br', level: 5 } ...
 * policy.vary // ['Accept', 'accept-encoding', 'Save-Data', 'ECT']
 * ```
 */
export class RoutePolicy {
  readonly vary: readonly string[]
  private readonly candidates: readonly Candidate[]
  private readonly mbps: number
  private readonly threshold: number
  private readonly parallelThreshold: number
  private readonly hints: boolean

  constructor(
    route: ResolvedCompression,
    clientHints: boolean,
    figures: readonly CodingFigures[] = CODING_FIGURES,
    budget: ServerBudget = SERVER_BUDGET
  ) {
    this.candidates = candidatesOf(route, figures, budget)
    this.mbps = networkMbps(route.network)
    this.threshold = route.threshold
    this.parallelThreshold = route.parallelThreshold
    this.hints = clientHints
    this.vary = this.varyNames()
  }

  /** The decision for a message of `size` bytes answering a request with `headers`. */
  decide(size: number, headers: HintHeaders): CompressionDecision {
    // Size first: most API replies are below the threshold, and then nothing else is read.
    if (size < this.threshold) return SEND_PLAIN
    const mbps = this.hints ? (hintMbps(headers, this.mbps) ?? this.mbps) : this.mbps
    if (mbps === Number.POSITIVE_INFINITY) return SEND_PLAIN
    const chosen = best(this.candidates, mbps, acceptedCodings(single(headers[HEADER.acceptEncoding])))
    if (chosen === null) return SEND_PLAIN
    if (chosen.decision === SEND_BLOCK && size >= this.parallelThreshold) return SEND_CHUNKED
    return chosen.decision
  }

  /**
   * The smallest plain message this request's replies are compressed from (the threshold), or
   * Infinity when none is (decide gives SEND_PLAIN whatever the size): the size from which
   * transformed tables (SPEC 8.6), which pay only under compression, are written.
   */
  compressesFrom(headers: HintHeaders): number {
    return this.decide(Number.MAX_SAFE_INTEGER, headers) === SEND_PLAIN ? Number.POSITIVE_INFINITY : this.threshold
  }

  /** Whether any request could get another coding than with `mbps` if it reported `other`. */
  private differs(mbps: number, other: number): boolean {
    for (let accepted = 0; accepted < ACCEPTED_SETS; accepted++) {
      const a = mbps === Number.POSITIVE_INFINITY ? null : best(this.candidates, mbps, accepted)
      if (a !== best(this.candidates, other, accepted)) return true
    }
    return false
  }

  /**
   * RFC 9110 section 12.5.5: Vary lists every request field that *might* have selected the
   * representation, on every reply of the route, whatever its format, size or status: caches
   * such as nginx keep one Vary per URL, and variants with different Vary sets evict each
   * other. Accept always; Accept-Encoding when a reply may carry a Content-Encoding (a policy
   * that compresses, or hints that can make it compress); Save-Data and ECT when a hint's
   * bandwidth can change a reply's coding. Downlink is never named: its values are
   * near-continuous, so varying on it would make replies practically uncacheable.
   */
  private varyNames(): readonly string[] {
    const names = [...VARY_ACCEPT]
    const mayCompress = this.mbps !== Number.POSITIVE_INFINITY || this.hints
    if (mayCompress && this.candidates.some((c) => c.bit !== IDENTITY_BIT)) names.push(VARY_NAME.acceptEncoding)
    if (this.hints && NAMED_HINT_MBPS.some((mbps) => this.differs(this.mbps, mbps))) {
      names.push(VARY_NAME.saveData, VARY_NAME.ect)
    }
    return Object.freeze(names)
  }

  /** Whether any reply of the route may be compressed in-format (then lz4-napi is needed). */
  get mayUseLz4(): boolean {
    if (!this.candidates.some((c) => c.bit === IDENTITY_BIT)) return false
    return this.mbps !== Number.POSITIVE_INFINITY || this.hints
  }
}
