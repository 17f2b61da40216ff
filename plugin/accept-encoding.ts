/**
 * Which content codings a request accepts (RFC 9110 section 12.5.3), as a bit set the policy
 * (./policy.ts) intersects with the codings a route may use.
 *
 * The rules implemented: each listed coding with a weight above 0 is acceptable; `*` stands for
 * every coding the header does not name; `identity` (no content coding, which is how plain and
 * in-format LZ4 B-FAST travel) is acceptable unless `identity;q=0`, or `*;q=0` without an
 * `identity` element; `x-gzip` is `gzip` (section 8.4.1.3). Names are case-insensitive. A request
 * without the header, or with an empty one, gets no content coding: section 12.5.3 lets a server
 * use any coding then, but "it does not imply that the user agent will be able to correctly
 * process all encodings" (curl, scripts), so identity is the safe reading, as @fastify/compress
 * and nginx read it too. Weights above 0 only admit a coding: among the admitted ones the cost
 * model chooses, since a client's weight says nothing about its link.
 */
import type { HttpCoding } from './content-coding.js'
import { HeaderCache } from './header-cache.js'
import { QVALUE } from './negotiate.js'
import { CODING_ALIASES } from './zlib-zstd.js'

/** Bit of each HTTP coding in an accepted set; IDENTITY: no content coding is acceptable. */
export const CODING_BIT = {
  zstd: 1,
  br: 2,
  gzip: 4
} as const satisfies Record<HttpCoding, number>
export const IDENTITY_BIT = 8

/** What a request without Accept-Encoding, or with an empty one, accepts. */
export const IDENTITY_ONLY = IDENTITY_BIT

/** RFC 9110 section 5.6.2 token (the coding names; `*` is one too). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/

/** One element as [name, weight], or undefined when malformed (then it is skipped). */
function readElement(element: string): [string, number] | undefined {
  const parts = element.split(';')
  const raw = parts[0]!.trim().toLowerCase()
  if (!TOKEN.test(raw)) return undefined
  const name = CODING_ALIASES[raw] ?? raw
  let q = 1
  for (let i = 1; i < parts.length; i++) {
    const param = parts[i]!.trim()
    if (param === '') continue
    const eq = param.indexOf('=')
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'q') return undefined
    const value = param.slice(eq + 1).trim()
    if (!QVALUE.test(value)) return undefined
    q = Number(value)
  }
  return [name, q]
}

/**
 * The codings `header` accepts, as CODING_BIT and IDENTITY_BIT bits.
 *
 * @example
 * ```ts
 * acceptedCodings('gzip, deflate, br, zstd')   // zstd | br | gzip | identity
 * acceptedCodings('br;q=0, *')                 // zstd | gzip | identity
 * acceptedCodings('gzip, identity;q=0')        // gzip
 * acceptedCodings(undefined)                   // identity
 * ```
 */
export function acceptedCodingsUncached(header: string | undefined): number {
  if (header === undefined || header.trim() === '') return IDENTITY_ONLY
  const weights = new Map<string, number>()
  for (const element of header.split(',')) {
    if (element.trim() === '') continue
    const read = readElement(element)
    // The first element naming a coding counts (a repeated name is malformed input either way).
    if (read !== undefined && !weights.has(read[0])) weights.set(read[0], read[1])
  }
  const star = weights.get('*')
  let bits = 0
  for (const coding of Object.keys(CODING_BIT) as HttpCoding[]) {
    const q = weights.get(coding) ?? star ?? 0
    if (q > 0) bits |= CODING_BIT[coding]
  }
  const identity = weights.get('identity') ?? (star === 0 ? 0 : 1)
  if (identity > 0) bits |= IDENTITY_BIT
  return bits
}

/**
 * Bounds of the cache of acceptedCodings (a HeaderCache): browsers send one value per version,
 * so a few entries cover real traffic.
 */
export const ACCEPT_ENCODING_CACHE = {
  maxEntries: 64,
  maxKeyLength: 256
} as const

const cache = new HeaderCache(ACCEPT_ENCODING_CACHE)

/** How many Accept-Encoding values the cache holds now (for tests of its bound). */
export function acceptEncodingCacheSize(): number {
  return cache.size
}

/** acceptedCodingsUncached, cached per header value (bounded as ACCEPT_ENCODING_CACHE says). */
export function acceptedCodings(header: string | undefined): number {
  if (header === undefined) return IDENTITY_ONLY
  const hit = cache.get(header)
  if (hit !== undefined) return hit
  const bits = acceptedCodingsUncached(header)
  cache.set(header, bits)
  return bits
}
