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

/** JSON text of a decoded value: equal texts mean equal keys, values and key order. */
function text(bytes: Uint8Array): string {
  return JSON.stringify(decode(bytes))
}

// Key lists are remembered across messages (src/reader.ts knownShapes): the first object of a
// message may be read by the compiled reader of a list met in earlier messages. It must still
// read exactly what this message holds.
t.test('a key list met in earlier messages: any other list under its first key decodes exactly', async (t) => {
  const keys = ['a', 'b', 'c', 'd']
  const learnt = message(keys, w.obj([[0, w.small(1)], [1, w.small(2)], [2, w.small(3)]]))
  for (let i = 0; i < 6; i++) t.equal(text(learnt), '{"a":1,"b":2,"c":3}', `priming message ${i}`)
  const cases: Array<[string, Uint8Array, string]> = [
    ['reordered', message(keys, w.obj([[0, w.small(4)], [2, w.small(5)], [1, w.small(6)]])), '{"a":4,"c":5,"b":6}'],
    ['fewer', message(keys, w.obj([[0, w.small(4)], [1, w.small(5)]])), '{"a":4,"b":5}'],
    ['more', message(keys, w.obj([[0, w.small(4)], [1, w.small(5)], [2, w.small(6)], [3, w.small(7)]])), '{"a":4,"b":5,"c":6,"d":7}'],
    ['a repeated key', message(keys, w.obj([[0, w.small(4)], [1, w.small(5)], [2, w.small(6)], [1, w.small(7)]])), '{"a":4,"b":7,"c":6}'],
    ['only the first key', message(keys, w.obj([[0, w.small(4)]])), '{"a":4}'],
    // The same names, but not this message's entries 0, 1, 2 in order: the generic loop.
    ['another table order', message(['a', 'c', 'b'], w.obj([[0, w.small(4)], [2, w.small(5)], [1, w.small(6)]])), '{"a":4,"b":5,"c":6}'],
    ['another table order, members in table order', message(['a', 'c', 'b'], w.obj([[0, w.small(4)], [1, w.small(5)], [2, w.small(6)]])), '{"a":4,"c":5,"b":6}'],
    ['a table too short for the list', message(['a', 'b'], w.obj([[0, w.small(4)], [1, w.small(5)]])), '{"a":4,"b":5}'],
    ['the learnt list again', learnt, '{"a":1,"b":2,"c":3}']
  ]
  for (const [name, bytes, expected] of cases) t.equal(text(bytes), expected, name)
  // And each after a run of its own kind, then the learnt list once more.
  for (const [name, bytes, expected] of cases) {
    for (let i = 0; i < 4; i++) t.equal(text(bytes), expected, `${name}, run ${i}`)
    t.equal(text(learnt), '{"a":1,"b":2,"c":3}', `the learnt list after ${name}`)
  }
})

t.test('key lists remembered across messages: nested first objects, lists, and the bound on how many', async (t) => {
  const reply = (i: number): unknown => ({ user: { id: i, name: `n${i}` }, tags: [{ id: i, label: 'x' }], at: i })
  for (let i = 0; i < 6; i++) {
    const value = reply(i)
    t.equal(JSON.stringify(roundTrip(value)), JSON.stringify(value), `reply ${i}`)
  }
  // More first keys than the memory keeps (SHAPE_KNOWN_MAX), each list met several times.
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < 600; k++) {
      const value = { [`k${k}`]: k, v: round, w: [k] }
      const back = roundTrip(value)
      if (JSON.stringify(back) !== JSON.stringify(value)) t.fail(`round ${round}, list ${k}: ${JSON.stringify(back)}`)
    }
  }
  t.equal(JSON.stringify(roundTrip(reply(7))), JSON.stringify(reply(7)), 'and the first list again')
  // Lists longer than SHAPE_MAX_MEMBERS are not remembered (never compiled); they still decode.
  const wide = (i: number): Record<string, number> => Object.fromEntries(Array.from({ length: 80 }, (_, k) => [`w${k}`, i + k]))
  for (let i = 0; i < 5; i++) t.equal(JSON.stringify(roundTrip(wide(i))), JSON.stringify(wide(i)), `80 members, message ${i}`)
})

t.test('a remembered key list never skips the prototype checks of a later message', async (t) => {
  const bytes = encode(JSON.parse('{"a":1,"constructor":{"prototype":{"polluted":true}}}'))
  for (let i = 0; i < 5; i++) decode(bytes, { onConstructorPoisoning: 'ignore' })
  t.throws(() => decode(bytes, { onConstructorPoisoning: 'error' }), { code: 'FORBIDDEN_PROPERTY' })
  const removed = decode(bytes, { onConstructorPoisoning: 'remove' }) as Record<string, unknown>
  t.same(Object.keys(removed), ['a'])
  const proto = encode(JSON.parse('{"a":1,"__proto__":{"polluted":true}}'))
  for (let i = 0; i < 5; i++) decode(proto, { onProtoPoisoning: 'ignore' })
  t.throws(() => decode(proto, { onProtoPoisoning: 'error' }), { code: 'FORBIDDEN_PROPERTY' })
  const kept = decode(proto, { onProtoPoisoning: 'ignore' }) as Record<string, unknown>
  t.equal(Object.getPrototypeOf(kept), Object.prototype)
  t.ok(Object.prototype.hasOwnProperty.call(kept, '__proto__'))
  t.equal(({} as Record<string, unknown>).polluted, undefined)
})
