/**
 * Date-time fields of replies revived into `Date`s by the route's reply schema (issue 13 item 5),
 * so that a call gives the same value over JSON as over B-FAST, and the type `RoutesFromSchemas`
 * gives it (client/route-schemas.ts `WithDates`).
 *
 * A reply schema is compiled once into a plan that holds only the paths that lead to a
 * `format: 'date-time'` string (a schema without one compiles to nothing, and its replies are not
 * walked at all). Walking follows the reply, so its cost is bounded by the reply's size; keys
 * come from the reply's own properties only, and only an existing own property is ever
 * replaced, so no reply can reach a prototype. Only text of RFC 3339 date-time shape becomes a
 * Date: anything else the server sent (a number, an empty string, an object) stays as it was.
 */
import { DATE_TIME_TEXT, REVIVE_MAX_DEPTH, REVIVE_MAX_PLANS } from './constants.js'

/** What to do with a value at one position of a reply, by the value's shape. */
export interface RevivePlan {
  /** A string here is date-time text. */
  date: boolean
  /** The plan of each element of an array here. */
  items: RevivePlan | undefined
  /** The plans of an object's named properties (JSON Schema `properties`). */
  props: Map<string, RevivePlan> | undefined
  /** The plans of its other properties: `patternProperties`, then `additionalProperties`. */
  patterns: Array<[RegExp, RevivePlan]> | undefined
  rest: RevivePlan | undefined
  /** Every name `properties` declares (those `rest` does not cover), kept when `props` is pruned. */
  declared: Set<string> | undefined
}

type Schema = Record<string, unknown>

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Adds each subschema of `record` (a `properties` or `patternProperties` value) to the list
 * under its name in `into`: every schema of a set contributes to the same plan.
 */
function collectByName(into: Map<string, Schema[]>, record: unknown): void {
  if (!isSchema(record)) return
  for (const [name, sub] of Object.entries(record)) {
    if (!isSchema(sub)) continue
    const list = into.get(name)
    if (list === undefined) into.set(name, [sub])
    else list.push(sub)
  }
}

/** Whether a schema is a string of `format: 'date-time'` (no `type`, `'string'`, or a list holding it). */
function isDateTime(schema: Schema): boolean {
  if (schema.format !== 'date-time') return false
  const type = schema.type
  return type === undefined || type === 'string' || (Array.isArray(type) && type.includes('string'))
}

/**
 * The schema a local `$ref` (`#`, `#/$defs/X`, `#/definitions/X`: RFC 6901 pointers into the
 * route's schema) points to; `undefined` for any other (shared schemas added on the server with
 * addSchema are not known to the client: their date-time fields are not revived).
 */
function resolveRef(root: unknown, ref: string): Schema | undefined {
  if (ref === '#') return isSchema(root) ? root : undefined
  if (!ref.startsWith('#/')) return undefined
  let node: unknown = root
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
    if (!isSchema(node) || !Object.hasOwn(node, key)) return undefined
    node = node[key]
  }
  return isSchema(node) ? node : undefined
}

/** Compiles the schemas of one route document (a `$ref` resolves against `root`). */
class PlanCompiler {
  private readonly ids = new WeakMap<Schema, number>()
  private readonly plans = new Map<string, RevivePlan>()
  private readonly root: unknown

  constructor(root: unknown) {
    this.root = root
  }

  /**
   * The schemas that apply together at one position: `schemas` themselves with their `$ref`s,
   * `anyOf`/`oneOf`/`allOf` members and `then`/`else` branches followed (each applies to
   * some reply, and reviving only ever touches date-time text, so applying all is safe).
   */
  private branches(schemas: Iterable<Schema>): Schema[] {
    const found = new Set<Schema>()
    const stack = [...schemas]
    while (stack.length > 0) {
      const schema = stack.pop() as Schema
      if (found.has(schema)) continue
      found.add(schema)
      if (typeof schema.$ref === 'string') {
        const target = resolveRef(this.root, schema.$ref)
        if (target !== undefined) stack.push(target)
      }
      for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
        const list = schema[key]
        if (Array.isArray(list)) for (const member of list) if (isSchema(member)) stack.push(member)
      }
      for (const key of ['then', 'else'] as const) if (isSchema(schema[key])) stack.push(schema[key])
    }
    return [...found]
  }

  private nextId = 0

  private idOf(schema: Schema): number {
    let id = this.ids.get(schema)
    if (id === undefined) {
      id = this.nextId++
      this.ids.set(schema, id)
    }
    return id
  }

  /** The plan of the positions where all of `schemas` apply (shared by every position with the same set). */
  compile(schemas: Iterable<Schema>): RevivePlan | undefined {
    const set = this.branches(schemas)
    if (set.length === 0) return undefined
    const key = set
      .map((s) => this.idOf(s))
      .sort((a, b) => a - b)
      .join(',')
    const known = this.plans.get(key)
    if (known !== undefined) return known
    if (this.plans.size >= REVIVE_MAX_PLANS) return undefined
    const plan: RevivePlan = {
      date: false,
      items: undefined,
      props: undefined,
      patterns: undefined,
      rest: undefined,
      declared: undefined
    }
    // Registered before its parts compile, so a recursive schema gives a cyclic plan.
    this.plans.set(key, plan)

    const items: Schema[] = []
    const props = new Map<string, Schema[]>()
    const patterns = new Map<string, Schema[]>()
    const rest: Schema[] = []
    for (const schema of set) {
      if (isDateTime(schema)) plan.date = true
      if (isSchema(schema.items)) items.push(schema.items)
      collectByName(props, schema.properties)
      collectByName(patterns, schema.patternProperties)
      if (isSchema(schema.additionalProperties)) rest.push(schema.additionalProperties)
    }
    if (items.length > 0) plan.items = this.compile(items)
    if (props.size > 0) {
      plan.declared = new Set(props.keys())
      plan.props = new Map()
      for (const [name, list] of props) {
        const sub = this.compile(list)
        if (sub !== undefined) plan.props.set(name, sub)
      }
    }
    if (patterns.size > 0) {
      plan.patterns = []
      for (const [pattern, list] of patterns) {
        const sub = this.compile(list)
        let regexp: RegExp
        try {
          // ECMA-262 regular expressions, as JSON Schema's patternProperties (2020-12 section 6.4).
          regexp = new RegExp(pattern, 'u')
        } catch {
          continue
        }
        if (sub !== undefined) plan.patterns.push([regexp, sub])
      }
    }
    if (rest.length > 0) plan.rest = this.compile(rest)
    return plan
  }

  /**
   * Drops every part of the compiled plans that leads to no date-time field (a fixpoint: a plan is
   * useful when it revives here or has a useful part), so replies are walked only where a Date
   * can be; `undefined` when `plan` itself leads to none.
   */
  prune(plan: RevivePlan | undefined): RevivePlan | undefined {
    if (plan === undefined) return undefined
    const useful = new Set<RevivePlan>()
    const isUseful = (p: RevivePlan | undefined): boolean => p !== undefined && useful.has(p)
    let changed = true
    while (changed) {
      changed = false
      for (const p of this.plans.values()) {
        if (useful.has(p)) continue
        if (
          p.date ||
          isUseful(p.items) ||
          isUseful(p.rest) ||
          (p.props !== undefined && [...p.props.values()].some(isUseful)) ||
          (p.patterns !== undefined && p.patterns.some(([, sub]) => isUseful(sub)))
        ) {
          useful.add(p)
          changed = true
        }
      }
    }
    for (const p of this.plans.values()) {
      if (!isUseful(p.items)) p.items = undefined
      if (!isUseful(p.rest)) p.rest = undefined
      if (p.rest === undefined) p.declared = undefined
      if (p.props !== undefined) {
        for (const [name, sub] of p.props) if (!isUseful(sub)) p.props.delete(name)
        if (p.props.size === 0) p.props = undefined
      }
      if (p.patterns !== undefined) {
        p.patterns = p.patterns.filter(([, sub]) => isUseful(sub))
        if (p.patterns.length === 0) p.patterns = undefined
      }
    }
    return isUseful(plan) ? plan : undefined
  }
}

/**
 * The revive plan of one reply schema (`undefined` when it has no date-time field, or is not a
 * schema). `$ref`s resolve within the schema itself.
 */
export function compileRevivePlan(schema: unknown): RevivePlan | undefined {
  if (!isSchema(schema)) return undefined
  const compiler = new PlanCompiler(schema)
  return compiler.prune(compiler.compile([schema]))
}

/** A plain object (JSON.parse's and the B-FAST decoder's objects); not a Date, typed array or Map. */
function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Replaces an own property's value. Assigning to an own `__proto__` data property sets that
 * property, but it is defined instead so that no setter can ever run, whatever the object.
 */
function replace(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key !== '__proto__') target[key] = value
  else Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/** Code units of the characters the canonical form's separators and digits are. */
const CHAR = { zero: 0x30, nine: 0x39, dash: 0x2d, colon: 0x3a, dot: 0x2e, T: 0x54, Z: 0x5a } as const
/** Length of `Date.prototype.toISOString()` text for years 0 to 9999 (`2024-01-15T10:30:45.123Z`). */
const ISO_LENGTH = 24
/** Before year 100, `Date.UTC` reads a year as 1900 + year: such text takes `new Date`'s path. */
const FAST_MIN_YEAR = 100

/** The number written by the `length` digits at `at`, or -1 if any is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0
  for (let i = at; i < at + length; i++) {
    const c = text.charCodeAt(i)
    if (c < CHAR.zero || c > CHAR.nine) return -1
    n = n * 10 + c - CHAR.zero
  }
  return n
}

/**
 * The Date that date-time `text` names, as `new Date(text)` reads it, or undefined when `text` is
 * not RFC 3339 date-time text (`DATE_TIME_TEXT`) or names no valid time. Hot path (written for V8
 * on purpose): the form `toISOString()` writes, which Fastify's serializer (and so every JSON reply
 * of a Date) uses, is read by hand from its digits with `Date.UTC`, skipping the pattern and V8's
 * date parser; a field out of range or any other form (offsets, naive times, other precisions)
 * takes the pattern and `new Date(text)`, so the result is always the parser's.
 */
export function dateOf(text: string): Date | undefined {
  if (
    text.length === ISO_LENGTH &&
    text.charCodeAt(23) === CHAR.Z &&
    text.charCodeAt(4) === CHAR.dash &&
    text.charCodeAt(7) === CHAR.dash &&
    text.charCodeAt(10) === CHAR.T &&
    text.charCodeAt(13) === CHAR.colon &&
    text.charCodeAt(16) === CHAR.colon &&
    text.charCodeAt(19) === CHAR.dot
  ) {
    const year = digits(text, 0, 4)
    const month = digits(text, 5, 2)
    const day = digits(text, 8, 2)
    const hour = digits(text, 11, 2)
    const minute = digits(text, 14, 2)
    const second = digits(text, 17, 2)
    const ms = digits(text, 20, 3)
    // Ranges where Date.UTC and the parser agree (both roll 2024-02-30 over to March 1; the
    // parser refuses second 60 and reads hour 24 its own way: those take its path).
    if (year >= FAST_MIN_YEAR && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour <= 23 &&
      minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && ms >= 0) {
      return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms))
    }
  }
  if (!DATE_TIME_TEXT.test(text)) return undefined
  const date = new Date(text)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/**
 * `value` (a freshly decoded reply nobody else holds: changed in place) with the date-time text
 * the plan marks made `Date`s; everything else as it was.
 */
export function revive(plan: RevivePlan, value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return plan.date ? (dateOf(value) ?? value) : value
  }
  if (typeof value !== 'object' || value === null || depth >= REVIVE_MAX_DEPTH) return value
  if (Array.isArray(value)) {
    const items = plan.items
    if (items === undefined) return value
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i]
      const revived = revive(items, element, depth + 1)
      if (revived !== element) value[i] = revived
    }
    return value
  }
  if (!isPlainObject(value)) return value
  const { props, patterns, rest, declared } = plan
  if (props !== undefined) {
    for (const [key, sub] of props) {
      if (!Object.hasOwn(value, key)) continue
      const field = value[key]
      const revived = revive(sub, field, depth + 1)
      if (revived !== field) replace(value, key, revived)
    }
  }
  if (patterns !== undefined || rest !== undefined) {
    for (const key of Object.keys(value)) {
      // JSON Schema 2020-12 section 10.3.2: additionalProperties covers the keys neither
      // `properties` nor `patternProperties` match; a key may match several patterns.
      let matched = false
      const field = value[key]
      let revived = field
      if (patterns !== undefined) {
        for (const [regexp, sub] of patterns) {
          if (!regexp.test(key)) continue
          matched = true
          revived = revive(sub, revived, depth + 1)
        }
      }
      if (!matched && rest !== undefined && declared?.has(key) !== true) revived = revive(rest, revived, depth + 1)
      if (revived !== field) replace(value, key, revived)
    }
  }
  return value
}
