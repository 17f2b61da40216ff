/**
 * The encode and decode options (SPEC 5 and 6): their types, and one registry that holds, for
 * every option, what it accepts and its default, in the manner of ky's `kyOptionKeys`: typed
 * over the option interfaces, so an option added to EncodeOptions or DecodeOptions does not
 * compile until it has an entry here. `checkEncodeOptions` / `checkDecodeOptions` validate
 * against it; the writer, the reader, the plugin and the client all call them and keep no copy
 * of the allowed values or defaults. Browser-safe.
 */
import { BFastError } from './errors.js'

export interface EncodeOptions {
  /** Deepest nesting allowed before `DEPTH` is thrown. Default 128 (SPEC 6). */
  maxDepth?: number
  /**
   * Write every non-empty array of plain objects as a table (SPEC 8), which `decode` returns
   * as a `BFastTable`. Only for readers that asked for `layout=table`. Default false.
   */
  tables?: boolean
  /**
   * Write every table (with `tables: true`) with the transforms of SPEC 8.6: offsets as lengths,
   * numeric columns byte-shuffled. Same size, about a third under LZ4 or zstd (users-10k), and
   * the reader undoes them on a column's first read. Only for readers that announced them
   * (`layout=table;transforms=1`); `decode` always reads them. Default false.
   */
  transforms?: boolean
}

/**
 * What decode does with an object holding a `__proto__` key (onProtoPoisoning) or a
 * `constructor` key whose value is an object with a `prototype` key (onConstructorPoisoning),
 * with secure-json-parse's meanings, as Fastify's JSON body parser: `'error'` throws
 * FORBIDDEN_PROPERTY, `'remove'` deletes the key, `'ignore'` keeps it as an own property.
 */
export type PoisoningAction = 'error' | 'remove' | 'ignore'

export interface DecodeOptions {
  /**
   * How int64 (tag 0x38) values are returned: `'auto'` (default) gives a number when it is a
   * safe integer and a bigint otherwise; `'number'` always a number (may lose precision);
   * `'bigint'` always a bigint.
   */
  int64?: 'auto' | 'number' | 'bigint'
  /** Datetime (0xD1) and date (0xD2) as `Date` (default) or as the ISO text sent. */
  dates?: 'date' | 'string'
  /** Decimal (0xD5) as a number via parseFloat (default, as upstream) or as the text sent. */
  decimal?: 'number' | 'string'
  /** Float64 arrays (0x90) as a `Float64Array` (default) or a plain `number[]`. */
  float64Array?: 'typed' | 'array'
  /** Bytes (0x80) as a copy instead of a view into the input. Default false. */
  copyBinary?: boolean
  /** Deepest nesting allowed before `DEPTH` is thrown. Default 128 (SPEC 6). */
  maxDepth?: number
  /**
   * Largest decompressed message accepted, in bytes. Default 64 MiB; the effective bound is
   * also never more than 255x the compressed size (SPEC 6).
   */
  maxDecompressedSize?: number
  /**
   * The work budget (SPEC 6): the most estimated heap, in bytes, decode may build per byte of
   * the plain message read so far (after a fixed 256 KiB allowance); beyond it decode throws
   * OVER_BUDGET. Default 16: real data uses about 3, and JSON.parse up to 21 on its worst
   * input. `Infinity` switches the check off.
   */
  maxHeapPerByte?: number
  /**
   * `__proto__` keys: `'ignore'` (default, an own property as JSON.parse makes), `'error'` or
   * `'remove'`.
   */
  onProtoPoisoning?: PoisoningAction
  /**
   * `constructor` keys holding an object with a `prototype` key: `'ignore'` (default), `'error'`
   * or `'remove'`.
   */
  onConstructorPoisoning?: PoisoningAction
  /**
   * Accept table values (SPEC 8), each returned as a lazy `BFastTable`. Default true. `false`
   * reads B-FAST v1 only, as upstream readers do: a table is `UNKNOWN_TAG`. The plugin reads
   * request bodies so: tables are a reply layout a client asks for (`layout=table`), and a
   * handler written for JSON bodies must get arrays, never a `BFastTable`.
   */
  tables?: boolean
}

/** An option that takes one of a few names. */
export interface EnumRule<V extends string = string> {
  readonly kind: 'enum'
  readonly values: readonly V[]
  readonly default: V
}

/** An option that is true or false. */
export interface BooleanRule {
  readonly kind: 'boolean'
  readonly default: boolean
}

/** An option that is a whole number from `min` to `max`. */
export interface IntegerRule {
  readonly kind: 'integer'
  readonly min: number
  readonly max: number
  readonly default: number
}

/** An option that is a number above `above`, `Infinity` included (it switches a bound off). */
export interface PositiveRule {
  readonly kind: 'above'
  readonly above: number
  readonly default: number
}

/** What an option of type `V` may be described by. */
export type OptionRule<V> = [V] extends [boolean]
  ? BooleanRule
  : [V] extends [string]
      ? EnumRule<V>
      : [V] extends [number]
          ? IntegerRule | PositiveRule
          : never

/** A registry: every option of `O` (none missing, none extra) with its rule. */
export type OptionRegistry<O> = { readonly [K in keyof O]-?: OptionRule<NonNullable<O[K]>> }

/** SPEC 6: the nesting bound, as upstream; writing and reading alike. */
const MAX_DEPTH = { kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER, default: 128 } as const
/** Values of the poisoning options: the default first (SPEC 5: as JSON.parse). */
const POISONING = { kind: 'enum', values: ['ignore', 'error', 'remove'], default: 'ignore' } as const

/** Every encode option: what it accepts and its default. */
export const ENCODE_OPTIONS = {
  maxDepth: MAX_DEPTH,
  tables: { kind: 'boolean', default: false },
  transforms: { kind: 'boolean', default: false }
} as const satisfies OptionRegistry<EncodeOptions>

/** Every decode option: what it accepts and its default. */
export const DECODE_OPTIONS = {
  int64: { kind: 'enum', values: ['auto', 'number', 'bigint'], default: 'auto' },
  dates: { kind: 'enum', values: ['date', 'string'], default: 'date' },
  decimal: { kind: 'enum', values: ['number', 'string'], default: 'number' },
  float64Array: { kind: 'enum', values: ['typed', 'array'], default: 'typed' },
  copyBinary: { kind: 'boolean', default: false },
  maxDepth: MAX_DEPTH,
  // SPEC 6: never more than LZ4_MAX_RATIO x the compressed size either (IMPOSSIBLE_SIZE).
  maxDecompressedSize: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER, default: 64 * 1024 * 1024 },
  /**
   * SPEC 6 work budget: decoding may build at most this many estimated heap bytes per message
   * byte read so far (plus DECODE_BUDGET_SLACK), else OVER_BUDGET. JSON.parse builds up to ~21
   * heap bytes per byte of JSON text (`[{},{},...]`, measured on V8); real B-FAST data builds
   * about 3 (users, twitter, citm fixtures). Below 21, no message costs more memory or time per
   * decoded byte than the worst JSON body of that size.
   */
  maxHeapPerByte: { kind: 'above', above: 0, default: 16 },
  onProtoPoisoning: POISONING,
  onConstructorPoisoning: POISONING,
  tables: { kind: 'boolean', default: true }
} as const satisfies OptionRegistry<DecodeOptions>

/** True when every value of each enumerated option's type is listed in its rule. */
type ListsEveryValue<O, R> = false extends {
  [K in keyof O & keyof R]-?: R[K] extends EnumRule<infer E>
    ? [Exclude<NonNullable<O[K]>, E>] extends [never] ? true : false
    : true
}[keyof O & keyof R]
  ? false
  : true
// Compile-time only: a value added to an option's type (say int64: 'string') fails here
// ("'true' is not assignable to 'never'") until its rule lists it.
const ENUMS_COMPLETE: ListsEveryValue<EncodeOptions, typeof ENCODE_OPTIONS> &
  ListsEveryValue<DecodeOptions, typeof DECODE_OPTIONS> = true
void ENUMS_COMPLETE

/** SPEC 6: the default nesting bound (encode and decode `maxDepth`). */
export const DEFAULT_MAX_DEPTH: number = DECODE_OPTIONS.maxDepth.default
/** SPEC 6: the default decompressed-size bound (`maxDecompressedSize`). */
export const DEFAULT_MAX_DECOMPRESSED_SIZE: number = DECODE_OPTIONS.maxDecompressedSize.default
/** SPEC 6: the default work budget (`maxHeapPerByte`). */
export const DEFAULT_MAX_HEAP_PER_BYTE: number = DECODE_OPTIONS.maxHeapPerByte.default

type AnyRule = EnumRule | BooleanRule | IntegerRule | PositiveRule

/** A value as an error message shows it: strings quoted, bigints with their n, objects as JSON. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `${v}n`
  if (v === null || typeof v !== 'object') return String(v)
  try {
    return JSON.stringify(v) ?? Object.prototype.toString.call(v)
  } catch {
    return Object.prototype.toString.call(v)
  }
}

/** What `rule` accepts, in words ("must be ..."). */
export function describeRule(rule: AnyRule): string {
  switch (rule.kind) {
    case 'enum':
      return `must be one of ${rule.values.map((v) => `'${v}'`).join(', ')}`
    case 'boolean':
      return 'must be a boolean'
    case 'integer':
      return `must be an integer from ${rule.min} to ${rule.max}`
    case 'above':
      return `must be a number above ${rule.above} (Infinity switches the bound off)`
  }
}

function accepts(rule: AnyRule, v: unknown): boolean {
  switch (rule.kind) {
    case 'enum':
      return typeof v === 'string' && (rule.values as readonly string[]).includes(v)
    case 'boolean':
      return typeof v === 'boolean'
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) && v >= rule.min && v <= rule.max
    case 'above':
      return typeof v === 'number' && v > rule.above
  }
}

/** Checks an options object against one registry: the index of the first rule refusing its value, or -1. */
type Check = (options: object) => number

/** The source of a test of `v` against `rule`, or undefined when it cannot be written as one. */
function testSource(rule: AnyRule): string | undefined {
  const num = (n: number): string | undefined => (Number.isFinite(n) ? String(n) : undefined)
  switch (rule.kind) {
    case 'enum':
      return rule.values.map((value) => `v === ${JSON.stringify(value)}`).join(' || ')
    case 'boolean':
      return "typeof v === 'boolean'"
    case 'integer': {
      const min = num(rule.min)
      const max = num(rule.max)
      return min === undefined || max === undefined
        ? undefined
        : `typeof v === 'number' && Number.isInteger(v) && v >= ${min} && v <= ${max}`
    }
    case 'above': {
      const above = num(rule.above)
      return above === undefined ? undefined : `typeof v === 'number' && v > ${above}`
    }
  }
}

/**
 * The generic check: one keyed load per registry entry. Measured under callgrind (Node 20), it
 * cost about 2,300 instructions per call for the plugin's body options, 4-5% of decoding a
 * 10-user reply, against about 350 for the hand-written checks it replaced; compileCheck's
 * named loads take about 280. Used where `new Function` is forbidden (a Content-Security-Policy
 * without 'unsafe-eval').
 */
function genericCheck(keys: readonly string[], rules: readonly AnyRule[]): Check {
  return (options) => {
    for (let i = 0; i < keys.length; i++) {
      const v = (options as Record<string, unknown>)[keys[i]!]
      if (v !== undefined && !accepts(rules[i]!, v)) return i
    }
    return -1
  }
}

/**
 * The check compiled from the registry (written for V8 on purpose, as src/shapes.ts): one named
 * property load per option (a monomorphic inline cache each) and the rule's test inline. Keys
 * and names reach the code only through JSON.stringify, numbers only when finite.
 */
function compileCheck(keys: readonly string[], rules: readonly AnyRule[]): Check {
  let body = 'let v\n'
  for (let i = 0; i < keys.length; i++) {
    const test = testSource(rules[i]!)
    if (test === undefined) return genericCheck(keys, rules)
    body += `v = options[${JSON.stringify(keys[i])}]\nif (v !== undefined && !(${test})) return ${i}\n`
  }
  try {
    return new Function('options', `${body}return -1`) as Check
  } catch {
    return genericCheck(keys, rules)
  }
}

/** One registry's keys, rules and compiled check. */
interface Checker {
  readonly keys: readonly string[]
  readonly rules: readonly AnyRule[]
  readonly check: Check
}

function checker(registry: Readonly<Record<string, AnyRule>>): Checker {
  const keys = Object.keys(registry)
  const rules = keys.map((key) => registry[key]!)
  return { keys, rules, check: compileCheck(keys, rules) }
}

const ENCODE_CHECKER = checker(ENCODE_OPTIONS)
const DECODE_CHECKER = checker(DECODE_OPTIONS)

/**
 * Throws BAD_OPTION for the first option of `options` its rule refuses; `name` is how the
 * message names the options object (`option decode.int64 must be ...`). Keys the registry
 * does not know are ignored, as JSON.parse ignores what it does not use.
 */
function check(c: Checker, options: unknown, name: string): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null) {
    const got = describeValue(options)
    throw new BFastError('BAD_OPTION', 0, `option ${name} must be an object or undefined (got ${got})`)
  }
  const i = c.check(options)
  if (i >= 0) {
    const key = c.keys[i]!
    const got = describeValue((options as Record<string, unknown>)[key])
    throw new BFastError('BAD_OPTION', 0, `option ${name}.${key} ${describeRule(c.rules[i]!)} (got ${got})`)
  }
}

/**
 * Checks encode options against ENCODE_OPTIONS: BFastError BAD_OPTION naming the option and
 * what it accepts. `undefined` is valid (every default).
 *
 * @example
 * ```ts
 * checkEncodeOptions({ maxDepth: 0 }) // BAD_OPTION: option encode.maxDepth must be an integer from 1 to ...
 * ```
 */
export function checkEncodeOptions(options: unknown, name = 'encode'): asserts options is EncodeOptions | undefined {
  check(ENCODE_CHECKER, options, name)
}

/**
 * Checks decode options against DECODE_OPTIONS: BFastError BAD_OPTION naming the option and
 * what it accepts. `undefined` is valid (every default).
 *
 * @example
 * ```ts
 * checkDecodeOptions({ int64: 'string' }) // BAD_OPTION: option decode.int64 must be one of 'auto', 'number', 'bigint'
 * ```
 */
export function checkDecodeOptions(options: unknown, name = 'decode'): asserts options is DecodeOptions | undefined {
  check(DECODE_CHECKER, options, name)
}
