// The generated shape readers (src/shapes.ts) must give exactly what the generic loop gives,
// whatever the mix of shapes: these cases drive every branch (learn, compile, literal,
// mismatch mid-object, mismatch at the terminator, retired shapes, uncompilable keys).
import t from 'tap'
import { decode, encode } from '../../src/index.js'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'
import { message, w } from '../helpers/messages.js'

function roundTrip(value: unknown): unknown {
  return decode(encode(value))
}

t.test('many objects of one shape decode to equal objects with own keys in order', async (t) => {
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `n${i}`, ok: i % 2 === 0 }))
  const back = roundTrip(rows) as typeof rows
  t.same(back, rows)
  t.same(Object.keys(back[49]), ['id', 'name', 'ok'])
})

t.test('objects that share a first key but diverge mid-way, interleaved', async (t) => {
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < 40; i++) {
    rows.push({ id: i, a: 1, b: 2 })
    rows.push({ id: i, a: 1, c: 3, d: [i] })
    rows.push({ id: i })
    rows.push({ id: i, a: 1, b: 2, extra: { nested: i } })
  }
  t.same(roundTrip(rows), rows)
})

t.test('a learnt shape followed by objects with fewer, more and reordered members', async (t) => {
  const base = Array.from({ length: 10 }, (_, i) => ({ x: i, y: i, z: i }))
  const odd = [{ x: 1, y: 2 }, { x: 1, y: 2, z: 3, w: 4 }, { x: 1, z: 3, y: 2 }, { x: 1 }]
  const value = [...base, ...odd, ...base]
  t.same(roundTrip(value), value)
})

t.test('__proto__ in a repeated shape stays an own property and never sets the prototype', async (t) => {
  const rows = Array.from({ length: 10 }, () => JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":2}') as Record<string, unknown>)
  const back = roundTrip(rows) as Record<string, unknown>[]
  for (const o of back) {
    t.equal(Object.getPrototypeOf(o), Object.prototype)
    t.ok(Object.prototype.hasOwnProperty.call(o, '__proto__'))
    t.equal((o as { polluted?: unknown }).polluted, undefined)
  }
  t.equal(({} as { polluted?: unknown }).polluted, undefined)
})

t.test('keys that need escaping in generated code', async (t) => {
  const keys = ['"quoted"', "it's", 'back\\slash', 'line\nbreak', '\u2028sep', '}; throw 1; {', '0', 'constructor', 'prototype']
  const rows = Array.from({ length: 8 }, (_, i) => Object.fromEntries(keys.map((k) => [k, i])))
  t.same(roundTrip(rows), rows)
})

t.test('shapes learnt in one message do not leak into the next one', async (t) => {
  const first = Array.from({ length: 10 }, (_, i) => ({ p: i, q: i }))
  const second = Array.from({ length: 10 }, (_, i) => ({ q: i, p: i }))
  t.same(roundTrip(first), first)
  const back = roundTrip(second) as Record<string, number>[]
  t.same(back, second)
  t.same(Object.keys(back[5]), ['q', 'p'])
})

/** 30-member objects sharing a first key, in three variants (as twitter.json's statuses). */
function variantRows(count: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < count; i++) {
    const o: Record<string, unknown> = { id: i }
    for (let k = 0; k < 30; k++) o[`m${k}`] = k % 3 === 0 ? `s${i}` : k
    if (i % 3 === 1) o.extra = { deep: i }
    if (i % 3 === 2) {
      delete o.m7
      o.late = [i]
    }
    rows.push(o)
  }
  return rows
}

t.test('variants of a learnt shape decode equal, keys in order', async (t) => {
  const rows = variantRows(40)
  const back = roundTrip(rows) as Record<string, unknown>[]
  t.same(back, rows)
  for (let i = 0; i < rows.length; i++) t.same(Object.keys(back[i]), Object.keys(rows[i]))
})

t.test('a variant with a repeated key (hand-built) keeps the first position and the last value', async (t) => {
  const learnt = w.obj([[0, w.small(1)], [1, w.small(2)]])
  const repeated = w.obj([[0, w.small(1)], [1, w.small(2)], [0, w.small(3)]])
  const other = w.obj([[0, w.small(4)], [2, w.small(5)]])
  const list = [learnt, learnt, learnt, learnt, repeated, other, repeated, other]
  const back = decode(message(['a', 'b', 'c'], w.list(list.length, ...list))) as Record<string, number>[]
  t.same(back.slice(4), [{ a: 3, b: 2 }, { a: 4, c: 5 }, { a: 3, b: 2 }, { a: 4, c: 5 }])
  t.same(Object.keys(back[6]), ['a', 'b'])
})

t.test('more variants than SHAPE_MAX_VARIANTS still decode equal', async (t) => {
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < 60; i++) rows.push(i % 2 === 0 ? { a: i, b: 1, c: 2 } : { a: i, b: 1, [`v${i}`]: i })
  t.same(roundTrip(rows), rows)
})

// Regression (issue 11): objects of over 16 members that left a learnt shape were finished by
// keyed stores, which V8 turns into dictionary-mode objects (twitter.json: 113 of 1,264 a message).
t.test('objects that leave a learnt shape keep fast properties', async (t) => {
  const script = `
    import { decode, encode } from ${distSpecifier('src/index.js')}
    const rows = []
    for (let i = 0; i < 40; i++) {
      const o = { id: i }
      for (let k = 0; k < 30; k++) o['m' + k] = k
      if (i % 3 === 2) o.late = i
      rows.push(o)
    }
    // The shape is learnt by its fifth object (SHAPE_MIN_HITS votes); the ones before are generic.
    const back = decode(encode(rows))
    console.log(JSON.stringify(back.slice(5).filter((o) => !%HasFastProperties(o)).length))`
  t.equal(moduleOutput<number>(script, ['--allow-natives-syntax']), 0)
})
