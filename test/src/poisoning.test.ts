/**
 * Issue 10 finding 2 and must-have 3: `onProtoPoisoning` / `onConstructorPoisoning` as decode
 * options, with secure-json-parse's meanings (SPEC 5). Every case is checked against
 * secure-json-parse itself on the JSON text of the same value, through both the generic
 * object loop and the generated shape readers (repeated shapes), nested and at the root.
 */
import t from 'tap'
import sjson from 'secure-json-parse'
import { BFastError, decode, encode } from '../../src/index.js'
import type { DecodeOptions } from '../../src/index.js'
import { SHAPE_MIN_HITS } from '../../src/limits.js'
import { thrownBy } from '../helpers/thrown.js'

const ACTIONS = ['error', 'remove', 'ignore'] as const

/** JSON texts, parsed by JSON.parse (own `__proto__`), then encoded as B-FAST. */
const texts: Record<string, string> = {
  'root __proto__': '{"a":1,"__proto__":{"polluted":true}}',
  'nested __proto__': '{"user":{"name":"x","__proto__":{"isAdmin":true}}}',
  'constructor.prototype': '{"constructor":{"prototype":{"polluted":true}}}',
  'nested constructor.prototype': '{"list":[{"constructor":{"prototype":{"x":1}},"b":2}]}',
  'constructor without prototype (allowed)': '{"constructor":{"name":"ok"}}',
  'constructor as a string (allowed)': '{"constructor":"prototype"}',
  'no suspicious key': '{"a":{"b":[1,2,{"c":3}]}}'
}

/** Repeats an object often enough that the reader compiles its shape (src/shapes.ts). */
function repeated(text: string): string {
  return `[${Array.from({ length: SHAPE_MIN_HITS * 3 }, () => text).join(',')}]`
}

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() }
  } catch (err) {
    return { error: err instanceof BFastError ? 'FORBIDDEN_PROPERTY' : err instanceof SyntaxError ? 'FORBIDDEN_PROPERTY' : String(err) }
  }
}

t.test('finding 2: the codec follows secure-json-parse for every action, generic and shape-compiled', (t) => {
  for (const proto of ACTIONS) {
    for (const ctor of ACTIONS) {
      const options: DecodeOptions = { onProtoPoisoning: proto, onConstructorPoisoning: ctor }
      for (const [name, text] of Object.entries(texts)) {
        for (const json of [text, repeated(text)]) {
          const bytes = encode(JSON.parse(json))
          const expected = outcome(() => sjson.parse(json, { protoAction: proto, constructorAction: ctor }))
          const got = outcome(() => decode(bytes, options))
          t.same(got, expected, `${name}${json === text ? '' : ' (repeated)'}: proto ${proto}, constructor ${ctor}`)
          if (typeof got === 'object' && got !== null && 'value' in got) {
            const own = (o: unknown): boolean => JSON.stringify(o).includes('__proto__')
            if (proto !== 'ignore' && own((got as { value: unknown }).value)) t.fail(`${name}: __proto__ kept under ${proto}`)
          }
        }
      }
    }
  }
  t.end()
})

t.test('finding 2: FORBIDDEN_PROPERTY points at the object holding the key', (t) => {
  const bytes = encode(JSON.parse('{"ok":{"x":1},"bad":{"__proto__":{"p":1}}}'))
  const err = thrownBy(() => decode(bytes, { onProtoPoisoning: 'error' }))
  t.ok(err instanceof BFastError && err.code === 'FORBIDDEN_PROPERTY', 'FORBIDDEN_PROPERTY')
  if (err instanceof BFastError) t.equal(bytes[err.offset], 0x70, `offset ${err.offset} is an object tag`)
  t.end()
})

t.test('finding 2: defaults keep __proto__ an own property (SPEC 5, as JSON.parse), and bad actions are refused', (t) => {
  const got = decode(encode(JSON.parse('{"__proto__":{"x":1}}'))) as Record<string, unknown>
  t.ok(Object.prototype.hasOwnProperty.call(got, '__proto__'), 'own property by default')
  t.equal(Object.getPrototypeOf(got), Object.prototype, 'prototype unchanged')
  for (const bad of ['throw', '', 'Error']) {
    t.equal((thrownBy(() => decode(encode(1), { onProtoPoisoning: bad as 'error' })) as BFastError).code, 'BAD_OPTION', `onProtoPoisoning ${bad}`)
    t.equal((thrownBy(() => decode(encode(1), { onConstructorPoisoning: bad as 'error' })) as BFastError).code, 'BAD_OPTION', `onConstructorPoisoning ${bad}`)
  }
  t.end()
})
