// The generated shape readers (src/shapes.ts) must give exactly what the generic loop gives,
// whatever the mix of shapes: these cases drive every branch (learn, compile, literal,
// mismatch mid-object, mismatch at the terminator, retired shapes, uncompilable keys).
import t from 'tap'
import { decode, encode } from '../../src/index.js'

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
