/**
 * Tagged JSON (SPEC 7) <-> JavaScript values, and the exact value comparison the codec tests
 * use. The vectors file writes every value the way upstream meant it ({"$int": "..."},
 * {"$float": "-0"}, ...); `fromTagged` turns that into what `decode` must return with its
 * default options (SPEC 5, "Reading"), `toTagged` goes the other way (for readable reports),
 * and `afterRoundTrip` models what `decode(encode(v))` must give for any JS value
 * (SPEC 5, "Writing" then "Reading").
 */

/**
 * The `$gen: {kind: "users", n, offset}` list of SPEC 7, used by the vectors, the benchmarks
 * and the load tests: the example server's generator, so there is one copy of the rule and
 * the upstream vectors check it. `scores` are floats on the wire even when whole (upstream
 * wrote Python floats), which decode to the same JS numbers.
 */
export { users, type User } from '../../examples/data.js'
import { users } from '../../examples/data.js'
import { BFastTable } from '../../src/index.js'

/** SPEC 7 tags of the vectors file. */
const TAGS = ['$int', '$float', '$datetime', '$date', '$time', '$uuid', '$decimal', '$bytes', '$f64array', '$gen'] as const
type Tag = (typeof TAGS)[number]

/** An ISO-8601 datetime that ends in a zone designator: "Z" or "+hh:mm" / "-hh:mm". */
const HAS_ZONE = /(?:Z|[+-]\d\d:?\d\d)$/i

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function tagOf(v: object): Tag | undefined {
  const keys = Object.keys(v)
  if (keys.length !== 1) return undefined
  const k = keys[0] as Tag
  return TAGS.includes(k) ? k : undefined
}

function floatFromTagged(n: unknown): number {
  if (n === '-0') return -0
  if (n === 'NaN') return NaN
  if (n === 'Infinity') return Infinity
  if (n === '-Infinity') return -Infinity
  if (typeof n !== 'number') throw new TypeError(`bad $float ${String(n)}`)
  return n
}

/** 32 hex digits (upstream wire form) or already hyphenated: the hyphenated 8-4-4-4-12 form. */
export function hyphenatedUuid(text: string): string {
  const hex = text.replace(/-/g, '').toLowerCase()
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** Sets an own enumerable property, even for `__proto__` (plain assignment would set the prototype). */
export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * The value `decode` must return, with default options, for a tagged-JSON value (SPEC 5, 7).
 *
 * @example
 * ```ts
 * fromTagged({ $int: '9007199254740993' }) // 9007199254740993n
 * ```
 */
export function fromTagged(t: unknown): unknown {
  if (t === null || typeof t !== 'object') return t
  if (Array.isArray(t)) return t.map(fromTagged)
  const rec = t as Record<string, unknown>
  const tag = tagOf(rec)
  if (tag !== undefined) {
    const x = rec[tag]
    switch (tag) {
      case '$int': {
        const big = BigInt(x as string)
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
      }
      case '$float':
        return floatFromTagged(x)
      case '$datetime':
        // A naive datetime (no zone) reads as UTC, so results never depend on the local zone.
        return new Date(HAS_ZONE.test(x as string) ? (x as string) : `${x as string}Z`)
      case '$date':
        return new Date(x as string)
      case '$time':
        return x
      case '$uuid':
        return hyphenatedUuid(x as string)
      case '$decimal':
        return parseFloat(x as string)
      case '$bytes':
        return hexToBytes(x as string)
      case '$f64array':
        return Float64Array.from((x as unknown[]).map(floatFromTagged))
      case '$gen': {
        const g = x as { kind: string; n: number; offset?: number }
        if (g.kind !== 'users') throw new TypeError(`unknown $gen kind ${g.kind}`)
        return users(g.n, g.offset ?? 0)
      }
    }
  }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(rec)) defineOwn(out, k, fromTagged(rec[k]))
  return out
}

/** Tagged JSON for a decoded JS value: readable, lossless text for reports and fuzz findings. */
export function toTagged(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  if (typeof v === 'undefined') return { $undefined: true }
  if (typeof v === 'bigint') return { $int: v.toString() }
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return { $float: '-0' }
    if (!Number.isFinite(v)) return { $float: String(v) }
    return Number.isSafeInteger(v) ? { $int: String(v) } : { $float: v }
  }
  if (v instanceof Date) return { $datetime: Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString() }
  if (v instanceof Uint8Array) return { $bytes: bytesToHex(v) }
  if (v instanceof Float64Array) return { $f64array: Array.from(v, (n) => toTagged(n)) }
  if (Array.isArray(v)) return v.map(toTagged)
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v)) defineOwn(out, k, toTagged((v as Record<string, unknown>)[k]))
    return out
  }
  return { $other: String(v) }
}

/** Marks an object member that encode skips (undefined, functions, symbols: SPEC 5). */
const SKIP: unique symbol = Symbol('skip')

function isInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX
}

/**
 * What `decode(encode(v))` must return with default decode options (SPEC 5): int64 'auto',
 * bytes as Uint8Array, f64 arrays as Float64Array, Dates as Dates, Map as object, Set as list,
 * toJSON honoured, undefined/functions/symbols skipped in objects and null in lists, invalid
 * Dates null. Throws for what encode must refuse (cycles are not modelled: do not pass them).
 */
export function afterRoundTrip(v: unknown): unknown {
  return model(v, true)
}

function model(v: unknown, inList: boolean): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string' || typeof v === 'number') return v
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return inList ? null : SKIP
  if (typeof v === 'bigint') {
    if (!isInt64(v)) throw new RangeError('bigint outside int64')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : new Date(v.toISOString())
  if (v instanceof Float64Array) return Float64Array.from(v)
  if (v instanceof Uint8Array) return Uint8Array.from(v)
  if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0))
  if (v instanceof DataView) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
  // Array.from, not map: holes of a sparse array are undefined, hence null (as JSON).
  if (Array.isArray(v)) return Array.from(v, (x) => model(x, true))
  if (v instanceof Number || v instanceof String || v instanceof Boolean) return v.valueOf()
  if (v instanceof Set) return Array.from(v, (x) => model(x, true))
  if (v instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of v) {
      const m = model(x, false)
      if (m !== SKIP) defineOwn(out, String(k), m)
    }
    return out
  }
  const rec = v as Record<string, unknown> & { toJSON?: () => unknown }
  if (typeof rec.toJSON === 'function') return model(rec.toJSON(), inList)
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(rec)) {
    const m = model(rec[k], false)
    if (m !== SKIP) defineOwn(out, k, m)
  }
  return out
}

/**
 * A decoded value with every table (SPEC 8) replaced by its rows, deeply (tables can sit in
 * cells of other tables): what the v1 list would have read as. Reading every row reads every
 * cell, so a corrupt table throws its BFastError here.
 */
export function materialize(v: unknown): unknown {
  if (v instanceof BFastTable) return v.toArray().map(materialize)
  if (Array.isArray(v)) return v.map(materialize)
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || v instanceof Date) return v
  const rec = v as Record<string, unknown>
  for (const k of Object.keys(rec)) {
    const x = rec[k]
    if (typeof x === 'object' && x !== null) defineOwn(rec, k, materialize(x))
  }
  return rec
}

/**
 * Exact comparison of a decoded value with an expected one: Object.is for numbers (so -0 is
 * not 0 and NaN is NaN), bigint is not number, Dates by time value, Uint8Array and
 * Float64Array by type and elements, arrays by length and elements, objects by own key order
 * and values. Returns undefined when equal, else where and how they differ.
 *
 * @example
 * ```ts
 * t.equal(sameValue(decode(bytes), fromTagged(vector.value)), undefined)
 * ```
 */
export function sameValue(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (typeof expected === 'number' || typeof expected === 'bigint') {
    if (typeof actual !== typeof expected) return `${path}: expected ${typeof expected} ${String(expected)}, got ${describe(actual)}`
    return Object.is(actual, expected) ? undefined : `${path}: expected ${describe(expected)}, got ${describe(actual)}`
  }
  if (expected === null || typeof expected !== 'object') {
    return Object.is(actual, expected) ? undefined : `${path}: expected ${describe(expected)}, got ${describe(actual)}`
  }
  if (expected instanceof Date) {
    if (!(actual instanceof Date)) return `${path}: expected a Date, got ${describe(actual)}`
    return Object.is(actual.getTime(), expected.getTime()) ? undefined : `${path}: expected ${describe(expected)}, got ${describe(actual)}`
  }
  if (expected instanceof Float64Array) {
    if (!(actual instanceof Float64Array)) return `${path}: expected a Float64Array, got ${describe(actual)}`
    if (actual.length !== expected.length) return `${path}: expected length ${expected.length}, got ${actual.length}`
    for (let i = 0; i < expected.length; i++) {
      if (!Object.is(actual[i], expected[i])) return `${path}[${i}]: expected ${describe(expected[i])}, got ${describe(actual[i])}`
    }
    return undefined
  }
  if (expected instanceof Uint8Array) {
    if (!(actual instanceof Uint8Array)) return `${path}: expected a Uint8Array, got ${describe(actual)}`
    if (actual.length !== expected.length) return `${path}: expected ${expected.length} bytes, got ${actual.length}`
    for (let i = 0; i < expected.length; i++) {
      if (actual[i] !== expected[i]) return `${path}[${i}]: expected byte ${expected[i]}, got ${actual[i]}`
    }
    return undefined
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${describe(actual)}`
    if (actual.length !== expected.length) return `${path}: expected length ${expected.length}, got ${actual.length}`
    for (let i = 0; i < expected.length; i++) {
      const d = sameValue(actual[i], expected[i], `${path}[${i}]`)
      if (d !== undefined) return d
    }
    return undefined
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual) || ArrayBuffer.isView(actual) || actual instanceof Date) {
    return `${path}: expected an object, got ${describe(actual)}`
  }
  const ek = Object.keys(expected)
  const ak = Object.keys(actual)
  if (ek.join('\u0000') !== ak.join('\u0000')) return `${path}: expected keys [${ek.slice(0, 20).join(',')}], got [${ak.slice(0, 20).join(',')}]`
  for (const k of ek) {
    const d = sameValue((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`)
    if (d !== undefined) return d
  }
  return undefined
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `bigint ${v}n`
  if (typeof v === 'number') return Object.is(v, -0) ? 'number -0' : `number ${v}`
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? v.slice(0, 60) + '...' : v)}`
  if (v instanceof Date) return `Date ${Number.isNaN(v.getTime()) ? 'Invalid' : v.toISOString()}`
  if (v === null) return 'null'
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object'
  return `${typeof v} ${String(v)}`
}
