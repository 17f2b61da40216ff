/**
 * Writers compiled from response schemas (issue 12).
 *
 * 1. Differential, with fast-check (seeded): generated schemas in the compiled subset and
 *    generated payloads (matching, extra fields, wrong types, missing required fields, Dates,
 *    bigints, hostile property names). The compiled writer must write exactly the bytes of the
 *    round trip it replaces (fast-json-stringify, JSON.parse, project, encode), or throw where
 *    fast-json-stringify throws.
 * 2. Differential over a real socket: generated schemas in every form (anyOf, oneOf, allOf,
 *    enum, const, additionalProperties, patternProperties, formats, type arrays, $ref to an
 *    addSchema schema) on a real Fastify server: decode(B-FAST reply) equals JSON.parse(JSON
 *    reply) modulo typed Dates and bigints, and where the JSON reply is a 500 the B-FAST reply is
 *    the same 500.
 * 3. Generated code is safe for any property name; the forms Fastify accepts each compile or
 *    fall back as documented, logged once at debug with the keyword.
 */
import t from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import fastJsonStringify from 'fast-json-stringify'
import bfast from '../../plugin/index.js'
import { compileSchemaWriter } from '../../plugin/schema-writer.js'
import { project } from '../../plugin/schema.js'
import { BFastError, decode, encode } from '../../src/index.js'
import { sameValue } from '../helpers/tagged.js'
import { listen } from '../../support/listen.js'
import { BFAST, JSON_CT, LOG_LEVEL, logCollector, viaInject, viaSocket } from './server.js'

const SEED = 0x12c0de
/** A schema naming an array-index property ("0", "12"), as its JSON text shows it. */
const INDEX_KEY = /"(?:0|[1-9]\d*)":/
const ASK_BFAST = { accept: BFAST }

type Schema = Record<string, unknown>

/** Own-property objects from entries, so that "__proto__" stays a key (never the prototype). */
function record(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
}

/** Property names that must never break generated code or reach a prototype. */
// eslint-disable-next-line no-template-curly-in-string -- '${x}' is a hostile property name, not a template
const HOSTILE_KEYS = ['"]);process.exit(1);//', '__proto__', 'constructor', 'toString', 'quote"key', "single'key", 'back\\slash', 'line\u2028sep', 'para\u2029sep', 'nul\u0000key', '${x}', '`tick`', '*/', '']
const keyArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('id', 'name', 'email', 'a', 'b', 'c', 'created') }, { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) })

const leafSchemaArb: fc.Arbitrary<Schema> = fc.oneof(
  fc.constant({ type: 'string' }),
  fc.constant({ type: 'string', format: 'date-time' }),
  fc.constant({ type: 'string', format: 'email' }),
  fc.constant({ type: 'integer' }),
  fc.constant({ type: 'number' }),
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc.constant({ type: 'integer', minimum: 0, description: 'ignored by the serializer' }),
  fc.constant({ type: 'string', default: 'dflt' }),
  fc.constant({ const: 'fixed' })
)

function withNullable(arb: fc.Arbitrary<Schema>): fc.Arbitrary<Schema> {
  return fc.tuple(arb, fc.boolean()).map(([s, nullable]) => (nullable ? { ...s, nullable: true } : s))
}

function objectSchemaArb(child: fc.Arbitrary<Schema>, extra: fc.Arbitrary<Schema>): fc.Arbitrary<Schema> {
  return fc
    .tuple(fc.uniqueArray(fc.tuple(keyArb, child), { maxLength: 5, selector: ([k]) => k }), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), extra)
    .map(([props, req, more]) => {
      const required = props.filter((_, i) => req[i]).map(([k]) => k)
      const schema: Schema = { type: 'object', properties: record(props), ...more }
      if (required.length > 0) schema.required = required
      return schema
    })
}

/** Schemas in the subset the compiler writes itself. */
const compiledSchemaArb: fc.Arbitrary<Schema> = fc.letrec<{ s: Schema }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    withNullable(leafSchemaArb),
    withNullable(objectSchemaArb(tie('s'), fc.constantFrom({}, { additionalProperties: false }))),
    withNullable(tie('s').map((items) => ({ type: 'array', items })))
  )
})).s

/** Every form, the compiled subset included: what falls back must be as right as what compiles. */
const anySchemaArb: fc.Arbitrary<Schema> = fc.letrec<{ s: Schema }>((tie) => ({
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    withNullable(leafSchemaArb),
    fc.constant({ type: 'string', format: 'date' }),
    fc.constant({ type: 'string', format: 'time' }),
    fc.constant({ type: ['string', 'null'] }),
    fc.constant({ type: ['integer', 'string'] }),
    fc.constant({ type: 'string', enum: ['a', 'b'] }),
    fc.constant({ $ref: 'ext#' }),
    fc.constant({ $ref: 'ext#/properties/id' }),
    withNullable(objectSchemaArb(tie('s'), fc.constantFrom({}, { additionalProperties: false }, { additionalProperties: true }, { additionalProperties: { type: 'string' } }, { patternProperties: { '^x': { type: 'integer' } } }))),
    withNullable(tie('s').map((items) => ({ type: 'array', items }))),
    fc.tuple(tie('s'), tie('s')).map(([a, b]) => ({ anyOf: [a, b] })),
    fc.tuple(tie('s'), tie('s')).map(([a, b]) => ({ oneOf: [a, b] })),
    fc.tuple(objectSchemaArb(leafSchemaArb, fc.constant({})), objectSchemaArb(leafSchemaArb, fc.constant({}))).map(([a, b]) => ({ allOf: [a, b] })),
    fc.constant({ type: 'array', items: [{ type: 'integer' }, { type: 'string' }] })
  )
})).s

/** The schema added with addSchema that `$ref: 'ext#'` names. */
const EXT_SCHEMA = { $id: 'ext', type: 'object', properties: { id: { type: 'integer' }, label: { type: 'string' } }, required: ['id'] }

const anyValueArb: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 8 }),
    fc.constantFrom('5', '12.7', 'x', '', '2024-01-15T10:30:45.123Z'),
    fc.integer({ min: -1000, max: 1000 }),
    fc.constantFrom(0, -0, 1.5, -2.75, 2 ** 53, 2 ** 60, 1e21, 5e-324, Infinity, -Infinity, NaN),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.array(fc.tuple(keyArb, tie('v')), { maxLength: 3 }).map(record)
  )
})).v

/** A payload for `schema`: mostly matching, sometimes anything, with extra fields and gaps. */
function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const matching = matchingValue(schema, depth)
  return fc.oneof({ weight: 12, arbitrary: matching }, { weight: 1, arbitrary: anyValueArb })
}

function matchingValue(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (schema.nullable === true && depth > 0) return fc.oneof(fc.constant(null), matchingValue({ ...schema, nullable: false }, depth))
  if (schema.$ref !== undefined) return matchingValue(EXT_SCHEMA, depth)
  switch (schema.type) {
    case 'string':
      return schema.format === 'date-time'
        ? fc.oneof(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.constant('2024-01-15T10:30:45.123Z'))
        : fc.string({ maxLength: 10 })
    case 'integer':
      return fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))
    case 'number':
      return fc.oneof(fc.double({ noNaN: true }), fc.integer())
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(valueFor(schema.items as Schema, depth + 1), { maxLength: 4 })
    case 'object': {
      const props = Object.keys((schema.properties ?? {}) as Schema)
      return fc
        .tuple(
          fc.tuple(...props.map((k) => fc.option(valueFor((schema.properties as Record<string, Schema>)[k]!, depth + 1), { freq: 10, nil: undefined }))),
          fc.array(fc.tuple(keyArb, anyValueArb), { maxLength: 2 })
        )
        .map(([values, extra]) => record([...props.flatMap((k, i) => (values[i] === undefined ? [] : [[k, values[i]] as const])), ...extra]))
    }
    default:
      return anyValueArb
  }
}

const schemaAndPayloads = (schemas: fc.Arbitrary<Schema>) =>
  schemas.chain((schema) => fc.tuple(fc.constant(schema), fc.array(valueFor(schema), { minLength: 1, maxLength: 6 })))

/** What the compiled writer replaces: fast-json-stringify, JSON.parse, project, encode. */
function roundTrip(serialize: (v: unknown) => string, payload: unknown): { bytes: Uint8Array } | { threw: 'json' | 'codec' } {
  let text: string
  try {
    text = serialize(payload)
  } catch {
    return { threw: 'json' }
  }
  try {
    return { bytes: encode(project(payload, JSON.parse(text))) }
  } catch (err) {
    if (err instanceof BFastError) return { threw: 'codec' }
    throw err
  }
}

t.test('the compiled writer writes exactly the round trip\'s bytes, or throws where fast-json-stringify throws', (t) => {
  let compiled = 0
  let compared = 0
  t.doesNotThrow(() => {
    fc.assert(
      fc.property(schemaAndPayloads(compiledSchemaArb), ([schema, payloads]) => {
        const result = compileSchemaWriter(schema, {}, 128)
        if (!('writer' in result)) throw new Error(`not compiled (${result.fallback}): ${JSON.stringify(schema)}`)
        compiled++
        const serialize = fastJsonStringify(schema) as (v: unknown) => string
        for (const payload of payloads) {
          const expected = roundTrip(serialize, payload)
          let actual: { bytes: Uint8Array } | { threw: 'json' | 'codec' }
          try {
            actual = { bytes: result.writer(payload) }
          } catch (err) {
            actual = { threw: err instanceof BFastError ? 'codec' : 'json' }
          }
          if ('threw' in expected || 'threw' in actual) {
            if (!('threw' in expected) || !('threw' in actual) || expected.threw !== actual.threw) {
              throw new Error(`failure differs: round trip ${JSON.stringify('threw' in expected ? expected.threw : 'bytes')}, writer ${JSON.stringify('threw' in actual ? actual.threw : 'bytes')}`)
            }
            continue
          }
          compared++
          if (Buffer.compare(Buffer.from(expected.bytes), Buffer.from(actual.bytes)) === 0) continue
          // One legitimate difference: JSON.parse puts array-index keys ("0", "12") first in the
          // object it builds, so the round trip writes them first; the writer keeps the JSON
          // text's order. Both decode to the same object (JS orders such keys first anyway).
          if (!INDEX_KEY.test(JSON.stringify(schema))) {
            throw new Error(`bytes differ: ${Buffer.from(expected.bytes).toString('hex')} vs ${Buffer.from(actual.bytes).toString('hex')}`)
          }
          const diff = sameValue(decode(actual.bytes), decode(expected.bytes))
          if (diff !== undefined) throw new Error(diff)
        }
      }),
      { seed: SEED, numRuns: 600 }
    )
  })
  t.ok(compiled >= 600, `${compiled} generated schemas compiled`)
  t.ok(compared > 600, `${compared} payloads written byte for byte as the round trip`)
  t.end()
})

/** A reply of every value kind the generated code writes itself or hands to the emitter. */
const GROWTH_SCHEMA: Schema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      tag: { type: 'string', default: 'dflt' },
      score: { type: 'number' },
      at: { type: 'string', format: 'date-time' },
      list: { type: 'array', items: { type: 'string' } },
      ok: { type: 'boolean' },
      nested: { type: 'object', nullable: true, properties: { s: { type: 'string' } } },
      // Members of bounded size in a row: written under one bounds check per object.
      f1: { type: 'number' },
      f2: { type: 'number' },
      f3: { type: 'integer' },
      f4: { type: 'number' },
      f5: { type: 'number' },
      f6: { type: 'integer' },
    },
  },
}

/**
 * About 140 KB of items whose sizes shift with `pad`: the 64 KB scratch buffer fills up at a
 * different place of an item for each pad. Strings around the 64-unit ASCII fast path, non-ASCII
 * ones, every number form (small, int32, beyond int32, fractions, -0, coerced), Dates, defaults.
 */
function growthPayload(pad: number): unknown[] {
  const scores = [-0, 1e300, 0.1, 2 ** 40, -7, 5]
  return Array.from({ length: 600 }, (_, i) => ({
    id: [i, -i * 100_003, 2 ** 40 + i, i + 0.5][i % 4],
    name: 'n'.repeat((i * 7 + pad) % 80) + (i % 5 === 0 ? 'é' : '') + (i % 11 === 0 ? '\u{1F600}' : ''),
    ...(i % 2 === 0 ? { tag: 't'.repeat(i % 70) } : {}),
    score: scores[i % scores.length],
    at: i % 3 === 0 ? new Date(i * 1000) : '2026-11-30T00:00:00Z',
    list: Array.from({ length: i % 4 }, (_, k) => 'l'.repeat((k * 13 + pad) % 66)),
    ok: i % 2 === 0,
    nested: i % 3 === 0 ? null : { s: 's'.repeat((i + pad) % 90), extra: 'dropped' },
    ...Object.fromEntries(['f1', 'f2', 'f3', 'f4', 'f5', 'f6'].map((k, n) => [k, 1e12 + i * 1000 + n + 0.25])),
  }))
}

t.test('regression: a message outgrowing the scratch buffer anywhere in an item keeps the round trip\'s bytes', (t) => {
  const result = compileSchemaWriter(GROWTH_SCHEMA, {}, 128)
  if (!('writer' in result)) throw new Error(`not compiled (${result.fallback})`)
  const writer = result.writer
  const host = compileSchemaWriter({ type: 'object', properties: { n: { type: 'integer' } } }, {}, 128)
  if (!('writer' in host)) throw new Error(`not compiled (${host.fallback})`)
  const serialize = fastJsonStringify(GROWTH_SCHEMA) as (v: unknown) => string
  for (let pad = 0; pad < 24; pad++) {
    const payload = growthPayload(pad)
    const expected = roundTrip(serialize, payload)
    if (!('bytes' in expected)) throw new Error('the round trip failed')
    t.ok(expected.bytes.length > 64 * 1024, 'larger than the initial scratch buffer')
    // Called from a toJSON() inside another writer, the writer takes a fresh Emitter, whose
    // scratch buffer starts at its initial size and grows during this message.
    let nested: Uint8Array | undefined
    host.writer({
      n: 1,
      toJSON: () => {
        nested = writer(payload)
        return { n: 1 }
      },
    })
    const fresh = Buffer.from(nested!)
    t.equal(Buffer.compare(fresh, Buffer.from(expected.bytes)), 0, `pad ${pad}: fresh emitter, same bytes`)
    t.equal(Buffer.compare(writer(payload), Buffer.from(expected.bytes)), 0, `pad ${pad}: shared emitter, same bytes`)
  }
  t.end()
})

/** Numbers at each edge of SPEC 5's number forms (small int, int64 from int32 and beyond it, float64) and JSON's refusals. */
const NUMBER_EDGES = [
  0, -0, 1, 7, 8, -1, 255, 256, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53,
  0.5, -1.5, 99.9, 1e300, 5e-324, Infinity, -Infinity, NaN, '12', 3n,
]

/**
 * Strings of every length on both sides of the ASCII loop's limit (SHORT_ASCII, 12 or 32 units
 * by Node line) and the native UTF-8 writer's, ASCII or with one Latin-1, BMP, astral or lone
 * surrogate unit at the start, middle or end.
 */
function edgeStrings(): string[] {
  const out: string[] = []
  for (let n = 0; n <= 70; n++) {
    out.push('a'.repeat(n))
    for (const odd of ['\x80', '\xe9', '\xff', '\u20ac', '\u{1F600}', '\ud800', '\udc00']) {
      out.push(odd + 'a'.repeat(n), 'a'.repeat(n >> 1) + odd + 'a'.repeat(n - (n >> 1)), 'a'.repeat(n) + odd)
    }
  }
  return out
}

t.test('regression: numbers at every SPEC 5 edge and strings around the native writer\'s length keep the round trip\'s bytes or failure', (t) => {
  const schema: Schema = { type: 'object', properties: { i: { type: 'integer' }, n: { type: 'number' }, s: { type: 'string' } } }
  const result = compileSchemaWriter(schema, {}, 128)
  if (!('writer' in result)) throw new Error(`not compiled (${result.fallback})`)
  const writer = result.writer
  const serialize = fastJsonStringify(schema) as (v: unknown) => string
  const strings = edgeStrings()
  const payloads = [
    ...NUMBER_EDGES.map((x, k) => ({ i: x, n: x, s: strings[k] })),
    ...strings.map((s, k) => ({ i: k, n: k + 0.5, s })),
  ]
  let same = 0
  for (const payload of payloads) {
    const expected = roundTrip(serialize, payload)
    let actual: { bytes: Uint8Array } | { threw: 'json' | 'codec' }
    try {
      actual = { bytes: writer(payload) }
    } catch (err) {
      actual = { threw: err instanceof BFastError ? 'codec' : 'json' }
    }
    const show = (o: typeof actual) => ('threw' in o ? `threw ${o.threw}` : Buffer.from(o.bytes).toString('hex'))
    if (show(actual) !== show(expected)) t.fail(`${printable(payload.s)} / ${String(payload.n)}: ${show(actual)} vs ${show(expected)}`)
    else same++
  }
  t.equal(same, payloads.length, `${same} payloads: the same bytes, or the same failure`)
  t.end()
})

/** What `encode` of the JSON round trip's value throws, as 'CODE@offset', or 'bytes'. */
function codecOutcome(f: () => unknown): string {
  try {
    f()
    return 'bytes'
  } catch (err) {
    if (err instanceof BFastError) return `${err.code}@${err.offset}`
    throw err
  }
}

t.test('regression: batched strings (full batches, one non-ASCII or lone-surrogate string among thousands of ASCII ones) keep the round trip\'s bytes and the codec\'s error offset', (t) => {
  // emitter.ts BATCH_MAX_UNITS: strings up to 128 units are written as one batch per 1,024
  // strings (64 in a message's first batch) or 16,384 units, checked for ASCII once per batch; a
  // batch that is not is laid out again string by string, and the rest of the message is written
  // directly. Two strings an item: batches end after items 31, 543, 1055...
  const schema: Schema = { type: 'array', items: { type: 'object', properties: { s: { type: 'string' }, t: { type: 'string' } } } }
  const result = compileSchemaWriter(schema, {}, 128)
  if (!('writer' in result)) throw new Error(`not compiled (${result.fallback})`)
  const writer = result.writer
  const serialize = fastJsonStringify(schema) as (v: unknown) => string
  const ITEMS = 2600
  // Lengths 0-140 (over the batch limit too), so batches end on either bound; `t` is a cons string.
  const payload = (odd: string, at: number) =>
    Array.from({ length: ITEMS }, (_, i) => ({ s: i === at ? `${'a'.repeat(i % 7)}${odd}` : 'x'.repeat((i * 37) % 141), t: `user${i}@example.com` }))
  let checked = 0
  for (const at of [0, 1, 31, 32, 511, 512, 543, 544, 1023, 1024, 2047, ITEMS - 1]) {
    for (const odd of ['\xe9', '\u20ac', '\u{1F600}', 'b'.repeat(120) + '\xff']) {
      const value = payload(odd, at)
      const expected = roundTrip(serialize, value)
      if (!('bytes' in expected)) throw new Error('the round trip failed')
      t.equal(Buffer.compare(writer(value), Buffer.from(expected.bytes)), 0, `${printable(odd)} at item ${at}: the round trip's bytes`)
      checked++
    }
    for (const lone of ['\ud800', '\udc00']) {
      const value = payload(lone, at)
      const codec = codecOutcome(() => encode(JSON.parse(serialize(value))))
      t.match(codec, /^LONE_SURROGATE@\d+$/, 'the codec refuses the lone surrogate')
      t.equal(codecOutcome(() => writer(value)), codec, `${printable(lone)} at item ${at}: the codec's code and offset`)
    }
  }
  const ascii = payload('', -1)
  const expected = roundTrip(serialize, ascii)
  if (!('bytes' in expected)) throw new Error('the round trip failed')
  t.equal(Buffer.compare(writer(ascii), Buffer.from(expected.bytes)), 0, 'all ASCII: the round trip\'s bytes')
  t.equal(checked, 48)
  t.end()
})

t.test('many keys: slots past the generated code\'s local ones, the 0x7F padding slot, and more string members than a first batch holds keep the round trip\'s bytes', (t) => {
  // schema-writer.ts: key slots are given by the generated code (intern()), the first 64 keys in
  // locals and the rest in an array, with the empty padding entry before slot 0x7F (SPEC 2); an
  // object's first string members are batched under one check (object(), at most 64 of them).
  const KEYS = 300
  const properties: Schema = {}
  for (let k = 0; k < KEYS; k++) properties[`k${k}`] = k % 3 === 0 ? { type: 'integer' } : { type: 'string' }
  const schema: Schema = { type: 'array', items: { type: 'object', properties } }
  const result = compileSchemaWriter(schema, {}, 128)
  if (!('writer' in result)) throw new Error(`not compiled (${result.fallback})`)
  const serialize = fastJsonStringify(schema) as (v: unknown) => string
  const item = (i: number, odd: string) =>
    Object.fromEntries(Array.from({ length: KEYS }, (_, k) => [`k${k}`, k % 3 === 0 ? i * k : `${'s'.repeat((i + k) % 40)}${k === 200 ? odd : ''}`]))
  for (const odd of ['', '\xe9']) {
    // Each item skips a different key, so first uses (and slots) come in a shifted order.
    const value = Array.from({ length: 40 }, (_, i) => {
      const o = item(i, odd)
      delete o[`k${(i * 7) % KEYS}`]
      return o
    })
    const expected = roundTrip(serialize, value)
    if (!('bytes' in expected)) throw new Error('the round trip failed')
    t.equal(Buffer.compare(result.writer(value), Buffer.from(expected.bytes)), 0, `${odd === '' ? 'ASCII' : 'non-ASCII'}: the round trip's bytes`)
    t.equal((decode(result.writer(value)) as unknown[]).length, 40)
  }
  t.end()
})

t.test('a reply holds little more memory than its bytes, after a larger reply too', (t) => {
  const result = compileSchemaWriter(GROWTH_SCHEMA, {}, 128)
  if (!('writer' in result)) throw new Error(`not compiled (${result.fallback})`)
  // A message is built in a buffer of its own sized from the last one (Emitter.start): a view of
  // it is sent, unless that buffer is over twice the message. A small one may be a slice of
  // Node's Buffer pool (Buffer.poolSize: 8 KB on Node 20, 64 KB on Node 26).
  const bound = (m: Uint8Array) => 2 * m.length + Buffer.poolSize
  const large = result.writer(growthPayload(3))
  t.ok(large.buffer.byteLength <= bound(large), `large: ${large.buffer.byteLength} bytes held for ${large.length}`)
  const small = result.writer(growthPayload(3).slice(0, 2))
  t.ok(small.buffer.byteLength <= bound(small), `small after large: ${small.buffer.byteLength} bytes held for ${small.length}`)
  const again = result.writer(growthPayload(3))
  t.ok(again.buffer.byteLength <= bound(again), `large after small: ${again.buffer.byteLength} bytes held for ${again.length}`)
  t.equal(Buffer.compare(again, large), 0, 'the same bytes each time')
  t.end()
})

/** A schema as assertion text: JSON with every non-ASCII or control unit escaped (U+2028 breaks TAP lines). */
function printable(schema: unknown): string {
  return JSON.stringify(schema).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Decoded B-FAST with Dates and bigints as JSON carries them. */
function asJson(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)))
}

async function schemaApp(schema: Schema, payloads: readonly unknown[]): Promise<{ app: FastifyInstance; base: string }> {
  const app = Fastify()
  app.addSchema(EXT_SCHEMA)
  await app.register(bfast, { compression: { network: 'fast' } })
  app.get<{ Querystring: { i: string } }>('/p', { schema: { response: { 200: schema } } }, async (req) => payloads[Number(req.query.i)])
  const { url: base } = await listen(app)
  return { app, base }
}

t.test('over a real socket, every schema form: decode(B-FAST) equals JSON.parse(JSON), and the same 500 where JSON fails', async (t) => {
  const cases = fc.sample(schemaAndPayloads(anySchemaArb), { seed: SEED + 1, numRuns: 200 })
  let compared = 0
  let failed = 0
  for (const [schema, payloads] of cases) {
    let server: { app: FastifyInstance; base: string }
    try {
      server = await schemaApp(schema, payloads)
    } catch {
      continue // a schema fast-json-stringify itself refuses: Fastify does not start, nothing to compare
    }
    try {
      for (let i = 0; i < payloads.length; i++) {
        if (payloads[i] === null || payloads[i] === undefined || typeof payloads[i] !== 'object') continue // not negotiated: left to Fastify
        const url = `/p?i=${i}`
        const json = await viaSocket(server.base, { url })
        const res = await viaSocket(server.base, { url, headers: ASK_BFAST })
        const label = `${printable(schema)} #${i}`
        if (json.status === 500) {
          failed++
          t.equal(res.status, 500, `${label}: 500 as JSON`)
          t.equal(res.headers['content-type'], JSON_CT, `${label}: the JSON error`)
          t.same(JSON.parse(res.body.toString('utf8')), JSON.parse(json.body.toString('utf8')), `${label}: the same error body`)
          continue
        }
        t.equal(res.status, json.status, `${label}: status`)
        const expected = JSON.parse(json.body.toString('utf8')) as unknown
        if (res.headers['content-type'] === BFAST) {
          compared++
          const decoded = asJson(decode(res.body))
          if (JSON.stringify(decoded) !== JSON.stringify(expected)) t.same(decoded, expected, `${label}: decode(B-FAST) equals JSON.parse(JSON)`)
          // Key order is part of the reply: compare the text too.
          t.equal(JSON.stringify(decoded), JSON.stringify(expected), `${label}: same keys in the same order`)
        } else {
          t.equal(res.headers['content-type'], JSON_CT, `${label}: refused by the codec: JSON`)
          t.equal(res.body.toString('utf8'), json.body.toString('utf8'), `${label}: the JSON reply's bytes`)
        }
      }
    } finally {
      await server.app.close()
    }
  }
  t.ok(compared > 100, `${compared} B-FAST replies compared with their JSON reply`)
  t.ok(failed > 0, `${failed} replies where JSON fails (500) compared`)
})

t.test('hostile property names: generated code stays data, no prototype is reached', async (t) => {
  const properties = record(HOSTILE_KEYS.map((k) => [k, { type: 'string' }] as const))
  const schema = { type: 'object', properties, required: ['"]);process.exit(1);//'] }
  const result = compileSchemaWriter(schema, {}, 128)
  t.ok('writer' in result, 'compiles')
  const payload = record(HOSTILE_KEYS.map((k, i) => [k, `v${i}`] as const))
  const server = await schemaApp(schema, [payload])
  t.teardown(() => server.app.close())
  const json = await viaSocket(server.base, { url: '/p?i=0' })
  for (const res of [await viaInject(server.app, { url: '/p?i=0', headers: ASK_BFAST }), await viaSocket(server.base, { url: '/p?i=0', headers: ASK_BFAST })]) {
    t.equal(res.headers['content-type'], BFAST, `${res.via}: B-FAST`)
    const decoded = decode(res.body) as Record<string, unknown>
    t.equal(JSON.stringify(decoded), json.body.toString('utf8'), `${res.via}: the JSON reply's keys, order and values`)
    t.equal(Object.getPrototypeOf(decoded), Object.prototype, `${res.via}: prototype untouched`)
    t.ok(Object.hasOwn(decoded, '__proto__'), `${res.via}: __proto__ is an own key`)
    t.equal(({} as Record<string, unknown>).polluted, undefined)
  }
})

t.test('each form Fastify accepts compiles or falls back as documented, logged once at debug', async (t) => {
  const user = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } }
  const secret = () => ({ id: 1, name: 'Ada', password: 'hunter2' })
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'debug', stream: logs.stream } })
  app.addSchema({ $id: 'user', ...user })
  await app.register(bfast)
  app.get('/exact', { schema: { response: { 200: user } } }, async () => secret())
  app.get('/class', { schema: { response: { '2XX': user } } }, async (_q, reply) => reply.code(201).send(secret()))
  app.get('/default', { schema: { response: { default: user } } }, async () => secret())
  app.get('/content', { schema: { response: { 200: { content: { 'application/json': { schema: user } } } } } }, async () => secret())
  app.get('/ref', { schema: { response: { 200: { $ref: 'user#' } } } }, async () => secret())
  app.get('/any-of', { schema: { response: { 200: { anyOf: [user] } } } }, async () => secret())
  // What TypeBox's Type.Object({ id: Type.Integer(), name: Type.Optional(Type.String()) }) builds:
  // JSON Schema plus symbol-keyed metadata (the typebox package itself is not a dependency here).
  const kind = Symbol.for('TypeBox.Kind')
  const optional = Symbol.for('TypeBox.Optional')
  const typebox = { [kind]: 'Object', type: 'object', required: ['id'], properties: { id: { [kind]: 'Integer', type: 'integer' }, name: { [kind]: 'String', [optional]: 'Optional', type: 'string' } } }
  app.get('/typebox', { schema: { response: { 200: typebox } } }, async () => secret())
  // Regression: in an encapsulated context the server options and the schema controller are
  // inherited (Object.create of the parent), and were not found: the writer never compiled there.
  app.register(async (child) => {
    child.get('/exact', { schema: { response: { 200: user } } }, async () => secret())
  }, { prefix: '/child' })
  app.register(async (child) => {
    child.setSerializerCompiler(() => (data) => JSON.stringify({ custom: (data as { id: number }).id }))
    child.get('/custom-compiler', { schema: { response: { 200: user } } }, async () => secret())
  })
  const { url: base } = await listen(app)
  t.teardown(() => app.close())
  const expected = { id: 1, name: 'Ada' }
  for (const url of ['/exact', '/class', '/default', '/content', '/ref', '/any-of', '/child/exact', '/typebox']) {
    for (let round = 0; round < 2; round++) {
      const res = await viaSocket(base, { url, headers: ASK_BFAST })
      t.equal(res.headers['content-type'], BFAST, `${url}: B-FAST`)
      t.same(decode(res.body), expected, `${url}: the schema's fields only`)
    }
  }
  const custom = await viaSocket(base, { url: '/custom-compiler', headers: ASK_BFAST })
  t.same(decode(custom.body), { custom: 1 }, 'a custom serializerCompiler: its output, through the round trip')
  const fallbacks = logs.lines.filter((l) => l.level === DEBUG && String(l.msg).includes('not compiled'))
  t.same(fallbacks.map((l) => l.keyword).sort(), ['anyOf', 'serializerCompiler'], 'each fallback logged once, with its keyword')
  t.notOk(logs.lines.some((l) => l.level === LOG_LEVEL.warn), 'nothing logged as a warning')
})

/** pino's debug level. */
const DEBUG = 20
