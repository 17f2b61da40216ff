/**
 * Accept negotiation between B-FAST and JSON (RFC 9110 section 12.5.1).
 *
 * The rule (issue 3): B-FAST only when the Accept header names `application/x-bfast` itself
 * (a wildcard never selects it: a client sending `*` `/` `*` does not know the format) with a
 * weight above 0 and at least the weight the header gives the JSON reply, found from the most
 * specific range that matches `application/json; charset=utf-8`.
 *
 * Tables (SPEC 8.0, issue 14): on a route with the `tables` option a third representation,
 * `application/x-bfast;layout=table`, is on offer. It is chosen only when a range names it with
 * its parameter (`application/x-bfast;layout=table`: a plain `application/x-bfast` range never
 * selects it, as a wildcard never selects B-FAST, so upstream readers never receive a table)
 * with a weight above 0 and at least those of JSON and of plain B-FAST. A range carrying
 * `layout=table` matches only the table representation (RFC 9110 section 12.5.1: a range's
 * parameters must all be the representation's), so a client that accepts both lists both
 * (the client sends `application/x-bfast;layout=table, application/x-bfast;q=0.95, ...`).
 *
 * Transforms (SPEC 8.6) are a fourth representation on such a route,
 * `application/x-bfast;layout=table;transforms=1`, chosen only when a range names both
 * parameters with a weight above 0 and at least those of JSON, plain B-FAST and the plain table
 * layout. A range naming `layout=table` alone would match it by RFC 9110's rule (all of the
 * range's parameters are the representation's), so only ranges naming `transforms` are weighed
 * for it: a client that did not announce transforms never gets them.
 *
 * Why a small parser and not `negotiator`: negotiator lets `*` `/` `*` select any type, breaks
 * equal-weight ties by header order and does not expose the weights, so it cannot express
 * "named explicitly, and q(bfast) >= q(json)". The grammar is small (RFC 9110 sections 5.6.1
 * lists, 5.6.2 tokens, 5.6.4 quoted strings, 5.6.6 parameters, 12.4.2 weights) and is
 * implemented below in one pass without regular expressions over the whole header.
 */
import {
  BFAST_SUBTYPE, BFAST_TYPE, FASTIFY_JSON_PARAMS, JSON_SUBTYPE, JSON_TYPE, TABLE_LAYOUT_PARAM, TABLE_LAYOUT_PARAMS,
  TABLE_TRANSFORMS_PARAM, TABLE_TRANSFORMS_PARAMS
} from './constants.js'
import { HeaderCache } from './header-cache.js'

/** One element of an Accept header. Type, subtype and parameter names are lowercased. */
export interface MediaRange {
  type: string
  subtype: string
  /** Media-type parameters before the weight, in header order (names lowercased). */
  params: Array<[name: string, value: string]>
  /** The weight, 0..1 (RFC 9110 section 12.4.2); 1 when absent. */
  q: number
}

/** Cheap pre-check: a header that does not contain the subtype cannot name it. */
const MENTIONS_BFAST = /x-bfast/i

/** RFC 9110 section 5.6.2 tchar. */
function isTchar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x21 || c === 0x23 || c === 0x24 || c === 0x25 || c === 0x26 || c === 0x27 || // ! # $ % & '
    c === 0x2a || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x5e || c === 0x5f || // * + - . ^ _
    c === 0x60 || c === 0x7c || c === 0x7e // ` | ~
  )
}

/** RFC 9110 section 5.6.3 OWS: spaces and horizontal tabs. */
function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09
}

const COMMA = 0x2c
const SEMICOLON = 0x3b
const SLASH = 0x2f
const EQUALS = 0x3d
const DQUOTE = 0x22
const BACKSLASH = 0x5c

/** RFC 9110 section 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
export const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/

class Scanner {
  pos = 0
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length
  }

  peek(): number {
    return this.text.charCodeAt(this.pos)
  }

  skipOws(): void {
    while (this.pos < this.text.length && isOws(this.peek())) this.pos++
  }

  token(): string {
    const start = this.pos
    while (this.pos < this.text.length && isTchar(this.peek())) this.pos++
    return this.text.slice(start, this.pos)
  }

  /** RFC 9110 section 5.6.4; returns undefined when the closing quote is missing. */
  quoted(): string | undefined {
    this.pos++ // opening DQUOTE
    let out = ''
    while (this.pos < this.text.length) {
      const c = this.peek()
      if (c === DQUOTE) {
        this.pos++
        return out
      }
      if (c === BACKSLASH && this.pos + 1 < this.text.length) this.pos++
      out += this.text[this.pos]
      this.pos++
    }
    return undefined
  }

  /** Skips the rest of a malformed list element, quoted strings included. */
  skipElement(): void {
    while (this.pos < this.text.length) {
      const c = this.peek()
      if (c === COMMA) return
      if (c === DQUOTE) {
        if (this.quoted() === undefined) return
      } else {
        this.pos++
      }
    }
  }
}

/** Reads one media-range [weight] element; undefined when it is malformed (and skipped). */
function readRange(s: Scanner): MediaRange | undefined {
  const type = s.token().toLowerCase()
  if (type === '' || s.peek() !== SLASH) return undefined
  s.pos++
  const subtype = s.token().toLowerCase()
  if (subtype === '' || (type === '*' && subtype !== '*')) return undefined
  const range: MediaRange = { type, subtype, params: [], q: 1 }
  let weighted = false
  for (;;) {
    s.skipOws()
    if (s.done || s.peek() === COMMA) return range
    if (s.peek() !== SEMICOLON) return undefined
    s.pos++
    s.skipOws()
    if (s.done || s.peek() === COMMA) return range // a trailing ";" is tolerated
    const name = s.token().toLowerCase()
    if (name === '' || s.peek() !== EQUALS) return undefined
    s.pos++
    let value: string | undefined
    if (s.peek() === DQUOTE) value = s.quoted()
    else value = s.token()
    if (value === undefined) return undefined
    if (weighted) continue // RFC 9110 dropped accept-ext; anything after the weight is ignored
    if (name === 'q') {
      // RFC 9110 section 12.5.1: "q" separates media-type parameters from the weight.
      if (!QVALUE.test(value)) return undefined
      range.q = Number(value)
      weighted = true
    } else {
      range.params.push([name, value])
    }
  }
}

/**
 * The media type of a Content-Type (or content-map key) value: parameters dropped, trimmed,
 * lowercased (RFC 9110 section 8.3.1: type and subtype are case-insensitive).
 */
export function mediaTypeEssence(value: string): string {
  const semi = value.indexOf(';')
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase()
}

/**
 * Parses an Accept header into its media ranges, in header order. Malformed elements are
 * skipped, empty elements ignored (RFC 9110 section 5.6.1).
 *
 * @example
 * ```ts
 * parseAccept('application/json;q=0.9, application/x-bfast')
 * // [{ type: 'application', subtype: 'json', params: [], q: 0.9 },
 * //  { type: 'application', subtype: 'x-bfast', params: [], q: 1 }]
 * ```
 */
export function parseAccept(header: string): MediaRange[] {
  const s = new Scanner(header)
  const out: MediaRange[] = []
  while (!s.done) {
    s.skipOws()
    if (s.done) break
    if (s.peek() === COMMA) {
      s.pos++
      continue
    }
    const range = readRange(s)
    if (range === undefined) s.skipElement()
    else out.push(range)
    // readRange stops at a comma or the end on success; skipElement at a comma or the end.
    if (!s.done && s.peek() === COMMA) s.pos++
  }
  return out
}

/**
 * Whether every parameter of the range is one of the representation's (RFC 9110 section
 * 12.5.1: "text/plain;format=flowed" matches only representations with that parameter).
 * Names are case-insensitive (section 5.6.6); charset values too (section 8.3.2).
 */
function paramsMatch(range: MediaRange, params: ReadonlyMap<string, string>): boolean {
  for (const [name, value] of range.params) {
    const have = params.get(name)
    if (have === undefined) return false
    if (name === 'charset' ? have.toLowerCase() !== value.toLowerCase() : have !== value) return false
  }
  return true
}

/** Specificity of a matching range: type/subtype;params > type/subtype > type/* > * / *. */
function specificity(range: MediaRange): number {
  if (range.type === '*') return 0
  if (range.subtype === '*') return 1
  return 2 + range.params.length
}

/**
 * The weight the header gives a representation: that of the most specific matching range
 * (the first, among equally specific ones), or 0 when none matches (RFC 9110 section 12.5.1).
 * With `exact`, wildcards do not match.
 */
export function weightOf(
  ranges: readonly MediaRange[],
  type: string,
  subtype: string,
  params: ReadonlyMap<string, string>,
  exact = false
): number {
  let best = -1
  let q = 0
  for (const r of ranges) {
    const matches =
      (r.type === type && (r.subtype === subtype || (!exact && r.subtype === '*'))) || (!exact && r.type === '*')
    if (!matches || !paramsMatch(r, params)) continue
    const spec = specificity(r)
    if (spec > best) {
      best = spec
      q = r.q
    }
  }
  return q
}

const NO_PARAMS: ReadonlyMap<string, string> = new Map()

/**
 * Bounds of the decision cache (a HeaderCache, see negotiate): a few hundred entries hold every
 * real Accept value; memory stays under maxEntries * maxKeyLength UTF-16 units (128 KiB)
 * whatever the headers.
 */
export const NEGOTIATION_CACHE = {
  maxEntries: 256,
  maxKeyLength: 256
} as const

/**
 * What negotiation decided for one Accept value, as bits (one cached number per value):
 * `bfast` when B-FAST v1 is preferred to JSON (every governed route), `table` when the table
 * layout is preferred to both (routes with the `tables` option). Neither: JSON.
 */
export const NEGOTIATED = {
  json: 0,
  bfast: 1,
  table: 2,
  /** The transformed table layout (SPEC 8.6) is preferred to JSON, v1 and the plain table layout. */
  transforms: 4,
  /**
   * With `table`: the client weighs B-FAST v1 as high as the table layout chosen (the bundled
   * client's `tables: 'transport'`), so either may go (RFC 9110 section 12.5.1: the server
   * chooses among equally weighted representations; ./hooks.ts says which).
   */
  v1Tie: 8
} as const

/** Accept value -> decision bits, for values that mention the subtype (the others never reach it). */
const decisions = new HeaderCache(NEGOTIATION_CACHE)

/** How many Accept values the decision cache holds now (for tests of its bound). */
export function negotiationCacheSize(): number {
  return decisions.size
}

/** A range with a `layout` parameter: only such a range can select the table layout (weightOf checks its value). */
function namesTableLayout(range: MediaRange): boolean {
  return range.params.some(([name]) => name === TABLE_LAYOUT_PARAM)
}

/** A range naming both `layout` and `transforms`: only such a range can select transforms (SPEC 8.6). */
function namesTransforms(range: MediaRange): boolean {
  return namesTableLayout(range) && range.params.some(([name]) => name === TABLE_TRANSFORMS_PARAM)
}

/**
 * The negotiation rule without the cache: parses `accept` every time. negotiate returns exactly
 * what this returns; it exists so that tests can compare the two.
 */
export function negotiateUncached(accept: string | undefined): number {
  // The fast path keeps JSON clients (no Accept, or one without the subtype) allocation-free.
  if (accept === undefined || !MENTIONS_BFAST.test(accept)) return NEGOTIATED.json
  const ranges = parseAccept(accept)
  const json = weightOf(ranges, JSON_TYPE, JSON_SUBTYPE, FASTIFY_JSON_PARAMS)
  const bfast = weightOf(ranges, BFAST_TYPE, BFAST_SUBTYPE, NO_PARAMS, true)
  const table = weightOf(ranges.filter(namesTableLayout), BFAST_TYPE, BFAST_SUBTYPE, TABLE_LAYOUT_PARAMS, true)
  const transformed = weightOf(ranges.filter(namesTransforms), BFAST_TYPE, BFAST_SUBTYPE, TABLE_TRANSFORMS_PARAMS, true)
  let decision: number = NEGOTIATED.json
  if (bfast > 0 && bfast >= json) decision |= NEGOTIATED.bfast
  if (table > 0 && table >= json && table >= bfast) decision |= NEGOTIATED.table
  if (transformed > 0 && transformed >= json && transformed >= bfast && transformed >= table) {
    decision |= NEGOTIATED.transforms
  }
  const chosen =
    (decision & NEGOTIATED.transforms) !== 0 ? transformed : (decision & NEGOTIATED.table) !== 0 ? table : 0
  if (chosen > 0 && bfast >= chosen) decision |= NEGOTIATED.v1Tie
  return decision
}

/** The v1 rule alone (routes without tables): true when the reply should be B-FAST. */
export function prefersBfastUncached(accept: string | undefined): boolean {
  return (negotiateUncached(accept) & NEGOTIATED.bfast) !== 0
}

/**
 * The negotiation rule: the NEGOTIATED bits for this Accept value.
 *
 * Runs on every reply of every governed route, so it is written for V8: JSON clients leave
 * after one regular-expression test (no allocation, no cache lookup); B-FAST clients get one
 * Map lookup of a string, their header parsed (a Scanner, a MediaRange per element) only the
 * first time that exact value is seen. The decision depends on the header value alone, so
 * caching it cannot change any reply (test/plugin/negotiate.test.ts compares it with
 * negotiateUncached over generated headers).
 *
 * @example
 * ```ts
 * negotiate('application/x-bfast;layout=table, application/x-bfast;q=0.9') // NEGOTIATED.bfast | NEGOTIATED.table
 * negotiate('application/x-bfast') // NEGOTIATED.bfast: a plain range never selects tables
 * ```
 */
export function negotiate(accept: string | undefined): number {
  if (accept === undefined || !MENTIONS_BFAST.test(accept)) return NEGOTIATED.json
  const cached = decisions.get(accept)
  if (cached !== undefined) return cached
  const decision = negotiateUncached(accept)
  decisions.set(accept, decision)
  return decision
}

/**
 * The v1 rule: true when the reply of a route without tables should be B-FAST.
 *
 * @example
 * ```ts
 * prefersBfast('application/json;q=0.9, application/x-bfast') // true
 * prefersBfast('text/html, application/x-bfast;q=0.8, * /*;q=0.1') // true
 * prefersBfast('application/x-bfast;q=0.1, application/json') // false
 * prefersBfast('application/*') // false
 * ```
 */
export function prefersBfast(accept: string | undefined): boolean {
  return (negotiate(accept) & NEGOTIATED.bfast) !== 0
}
