/**
 * The date-time reviver (client/revive.ts) on its own: what it revives, and that a reply of any
 * shape (wrong types where the schema says date-time, hostile keys, deep nesting under a
 * recursive schema) is never crashed on, never reaches a prototype, and is changed only at
 * date-time positions holding date-time text.
 */
import fc from 'fast-check'
import t from 'tap'
import { compileRevivePlan, dateOf, revive } from '../../client/revive.js'
import { DATE_TIME_TEXT, REVIVE_MAX_DEPTH } from '../../client/constants.js'

const DATE_TIME = { type: 'string', format: 'date-time' } as const
/** Fixed, so every run checks the same cases. */
const SEED = 0xda7e

/** Revives a copy of `value` (the reviver changes what it is given, as a fresh reply is). */
function revived(schema: unknown, value: unknown): unknown {
  const plan = compileRevivePlan(schema)
  const copy: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value))
  return plan === undefined ? copy : revive(plan, copy)
}

const AT = '2024-01-15T10:30:45.123Z'
const DATE = new Date(AT)
const DAY = '2024-01-15'

/** [what, schema, reply, the reply revived] */
const CASES: Array<[string, unknown, unknown, unknown]> = [
  ['a bare date-time', DATE_TIME, AT, DATE],
  ['no type: a string still', { format: 'date-time' }, AT, DATE],
  ['nullable: null stays', { type: ['string', 'null'], format: 'date-time' }, null, null],
  ['anyOf', { anyOf: [DATE_TIME, { type: 'null' }] }, AT, DATE],
  ['oneOf: the other member is left alone', { oneOf: [{ type: 'integer' }, DATE_TIME] }, 5, 5],
  [
    'nested objects and arrays; an unmarked field with the same text stays text',
    { type: 'object', properties: { a: { type: 'array', items: { type: 'object', properties: { b: DATE_TIME } } } } },
    { a: [{ b: AT }, { b: AT, c: AT }] },
    { a: [{ b: DATE }, { b: DATE, c: AT }] }
  ],
  [
    'additionalProperties covers only undeclared keys',
    { type: 'object', additionalProperties: DATE_TIME, properties: { id: { type: 'string' } } },
    { id: AT, x: AT },
    { id: AT, x: DATE }
  ],
  [
    'patternProperties',
    { type: 'object', patternProperties: { '^t_': DATE_TIME } },
    { t_a: AT, u: AT },
    { t_a: DATE, u: AT }
  ],
  [
    'allOf merges',
    { allOf: [{ properties: { a: DATE_TIME } }, { properties: { b: DATE_TIME } }] },
    { a: AT, b: AT },
    { a: DATE, b: DATE }
  ],
  [
    'then and else',
    { if: { type: 'object' }, then: { properties: { a: DATE_TIME } }, else: { properties: { b: DATE_TIME } } },
    { a: AT, b: AT },
    { a: DATE, b: DATE }
  ],
  ['a local $ref', { $defs: { d: DATE_TIME }, type: 'array', items: { $ref: '#/$defs/d' } }, [AT], [DATE]],
  ['an escaped pointer', { definitions: { 'a/b': DATE_TIME }, items: { $ref: '#/definitions/a~1b' } }, [AT], [DATE]],
  ['a $ref the client cannot resolve: left alone', { items: { $ref: 'other.json#/d' } }, [AT], [AT]],
  ["format: 'date' stays text (the plugin sends it as text)", { type: 'string', format: 'date' }, DAY, DAY],
  ['a date-time format on another type is no date-time', { type: 'integer', format: 'date-time' }, AT, AT]
]

t.test('revives date-time text where the schema says, through every structure', async (t) => {
  for (const [what, schema, reply, expected] of CASES) t.strictSame(revived(schema, reply), expected, what)
  const noDates = { type: 'object', properties: { a: { type: 'string' }, b: { items: { type: 'number' } } } }
  t.equal(compileRevivePlan(noDates), undefined, 'no date-time field: nothing to walk')
})

t.test('a recursive schema revives at every depth, up to the bound', async (t) => {
  const kids = { type: 'array', items: { $ref: '#/$defs/node' } }
  const tree = { $defs: { node: { type: 'object', properties: { at: DATE_TIME, kids } } }, $ref: '#/$defs/node' }
  const at = '2000-01-01T00:00:00Z'
  let value: Record<string, unknown> = { at, kids: [] }
  const levels = REVIVE_MAX_DEPTH * 3
  for (let i = 0; i < levels; i++) value = { at, kids: [value] }
  const out = revived(tree, value) as Record<string, unknown>
  let node = out
  let dates = 0
  for (let i = 0; i <= levels; i++) {
    if (node.at instanceof Date) dates++
    node = ((node.kids as unknown[])[0] ?? {}) as Record<string, unknown>
  }
  // Each level is two steps deep (object, then its kids list).
  t.equal(dates, REVIVE_MAX_DEPTH / 2, 'revived down to the depth bound, the rest left as it arrived')

  const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown
  const nested = {
    $defs: { n: { anyOf: [DATE_TIME, { type: 'array', items: { $ref: '#/$defs/n' } }] } },
    $ref: '#/$defs/n'
  }
  const plan = compileRevivePlan(nested)
  t.ok(plan !== undefined)
  if (plan !== undefined) t.equal(revive(plan, deep), deep, '100,000 nested lists: no stack overflow')
})

t.test('wrong types at date-time positions are left as they are', async (t) => {
  const schema = {
    type: 'object',
    properties: {
      at: DATE_TIME,
      list: { type: 'array', items: DATE_TIME },
      obj: { type: 'object', properties: { at: DATE_TIME } }
    }
  }
  const wrongs = [42, true, null, '', 'yesterday', '2024-13-45T99:99:99Z', '1', { toISOString: 1 }, [1, 2], DAY]
  for (const wrong of wrongs) {
    const reply = { at: wrong, list: wrong, obj: wrong }
    t.strictSame(revived(schema, reply), reply, `left alone: ${JSON.stringify(wrong)}`)
  }
})

t.test('hostile keys never reach a prototype', async (t) => {
  const at = '2024-01-15T10:30:45Z'
  // Written as JSON text: in an object literal `__proto__` would set the prototype, not a key.
  const dateTime = JSON.stringify(DATE_TIME)
  const properties = `{"__proto__":${dateTime},"constructor":${dateTime}}`
  const schema: unknown = JSON.parse(`{"type":"object","properties":${properties},"additionalProperties":${dateTime}}`)
  // JSON.parse makes "__proto__" an own property, as the B-FAST decoder does (SPEC 5).
  const reply = JSON.parse(`{"__proto__":"${at}","constructor":"${at}","toString":"${at}"}`) as Record<string, unknown>
  const plan = compileRevivePlan(schema)
  t.ok(plan !== undefined)
  if (plan === undefined) return
  const out = revive(plan, reply) as Record<string, unknown>
  t.equal(Object.getPrototypeOf(out), Object.prototype, 'the prototype is unchanged')
  const own = Object.getOwnPropertyDescriptor(out, '__proto__')
  t.ok(own?.value instanceof Date, '"__proto__" is an own property, revived')
  t.ok(out.toString instanceof Date && Object.hasOwn(out, 'toString'))
  t.equal(({} as Record<string, unknown>).toString, Object.prototype.toString, 'Object.prototype untouched')
  const missing = revive(plan, {}) as Record<string, unknown>
  t.strictSame(Object.keys(missing), [], 'absent keys are never created')
})

/** `after` equals `before` except that date-time text may have become the Date it names. */
function onlyDatesChanged(before: unknown, after: unknown): boolean {
  if (after instanceof Date) return typeof before === 'string' && new Date(before).getTime() === after.getTime()
  if (typeof before !== 'object' || before === null) return Object.is(before, after)
  if (typeof after !== 'object' || after === null || Array.isArray(before) !== Array.isArray(after)) return false
  if (Object.getPrototypeOf(after) !== Object.getPrototypeOf(before)) return false
  const keys = Object.keys(before)
  if (keys.join('\u0000') !== Object.keys(after).join('\u0000')) return false
  const [from, to] = [before as Record<string, unknown>, after as Record<string, unknown>]
  return keys.every((k) => onlyDatesChanged(from[k], to[k]))
}

t.test('fuzz: any JSON reply against date-time schemas: no throw, only date-time text changes', async (t) => {
  const schemas = [
    {
      type: 'object',
      properties: { at: DATE_TIME, list: { type: 'array', items: DATE_TIME } },
      additionalProperties: { anyOf: [DATE_TIME, { type: 'object', properties: { at: DATE_TIME } }] }
    },
    {
      $defs: {
        n: {
          anyOf: [
            DATE_TIME,
            { type: 'array', items: { $ref: '#/$defs/n' } },
            { type: 'object', additionalProperties: { $ref: '#/$defs/n' } }
          ]
        }
      },
      $ref: '#/$defs/n'
    }
  ]
  const isoText = fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
  const text = fc.oneof(fc.string(), isoText, fc.constantFrom('__proto__', 'constructor', '2024-01-15T10:30:45'))
  const scalar = fc.oneof(text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('object')),
    list: fc.array(tie('value'), { maxLength: 5 }),
    object: fc.dictionary(fc.oneof(text, fc.constantFrom('at', 'list', '__proto__')), tie('value'), { maxKeys: 5 })
  })).value
  for (const schema of schemas) {
    const plan = compileRevivePlan(schema)
    t.ok(plan !== undefined)
    if (plan === undefined) continue
    fc.assert(
      fc.property(json, (value) => {
        const source = JSON.stringify(value)
        const before: unknown = JSON.parse(source)
        const after = revive(plan, JSON.parse(source))
        return onlyDatesChanged(before, after) && Object.getPrototypeOf({}) === Object.prototype
      }),
      { seed: SEED, numRuns: 2000 }
    )
  }
})

/** What `dateOf` must give: the parser's Date for RFC 3339 text naming a valid time, else undefined. */
function parserDate(text: string): number | undefined {
  if (!DATE_TIME_TEXT.test(text)) return undefined
  const time = new Date(text).getTime()
  return Number.isNaN(time) ? undefined : time
}

t.test('dateOf reads toISOString() text by hand as the parser does, and any other text by the parser', async (t) => {
  const edges = [
    '2024-02-30T00:00:00.000Z', // rolled over to March 1 by both
    '2023-02-29T23:59:59.999Z',
    '2024-01-15T24:00:00.000Z', // hour 24: the parser's reading
    '2024-01-15T10:30:60.000Z', // second 60: refused
    '2024-00-10T10:30:00.000Z',
    '2024-13-10T10:30:00.000Z',
    '2024-01-00T10:30:00.000Z',
    '0099-12-31T23:59:59.999Z', // before year 100: not Date.UTC's 1999
    '0100-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2024-01-15T10:30:4x.000Z',
    '2024-01-15T10:30:45.12xZ',
    '2024-01-15t10:30:45.123Z',
    '2024-01-15T10:30:45.123z',
    '2024-01-15 10:30:45.123Z',
    '2024-01-15T10:30:45.123+02:00',
    '2024-01-15T10:30:45Z',
    '2024-01-15T10:30:45.123456Z',
    '2024-01-15T10:30:45',
    '+275760-09-13T00:00:00.000Z',
    ''
  ]
  for (const text of edges) t.equal(dateOf(text)?.getTime(), parserDate(text), JSON.stringify(text))
  const range = { noInvalidDate: true, min: new Date(Date.UTC(-1, 0)), max: new Date(Date.UTC(10000, 0)) }
  const iso = fc.date(range).map((d) => d.toISOString())
  // Each character of canonical text replaced by a digit or separator, to reach every range check.
  const mutated = fc
    .tuple(iso, fc.nat(23), fc.constantFrom(...'0123456789-:.TZ+ '))
    .map(([text, at, c]) => text.slice(0, at) + c + text.slice(at + 1))
  fc.assert(
    fc.property(fc.oneof(iso, mutated, fc.string()), (text) => dateOf(text)?.getTime() === parserDate(text)),
    { seed: SEED, numRuns: 20_000 }
  )
})
