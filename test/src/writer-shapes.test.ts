// The generated member writers (src/writer-shapes.ts) must write exactly the bytes the generic
// member loop writes, whatever the mix of shapes and whatever the writer has learnt before.
// The oracle is a Map of the same entries: Writer#map never uses a learnt shape, and writes
// members (keys, left-out values, order) by the same rules as the generic object loop.
import t from 'tap'
import type { Test } from 'tap'
import { decode, encode } from '../../src/index.js'
import { SHAPE_MAX_VARIANTS, WRITER_KEYS_RETAIN_MAX } from '../../src/limits.js'
import { bytesToHex } from '../helpers/tagged.js'
import { codeOf } from '../helpers/thrown.js'

/** The same value with every plain object replaced by a Map of its own enumerable entries. */
function asMaps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asMaps)
  if (v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
    return new Map(Object.keys(v).map((k) => [k, asMaps((v as Record<string, unknown>)[k])]))
  }
  return v
}

/** Encodes `value` several times (learning, then compiled) and checks every message against the oracle. */
function sameAsGeneric(t: Test, value: unknown, what: string): void {
  const expected = bytesToHex(encode(asMaps(value)))
  for (let round = 0; round < 4; round++) t.equal(bytesToHex(encode(value)), expected, `${what}, message ${round}`)
}

t.test('repeated shapes: the bytes of the generic loop, while learning and once compiled', async (t) => {
  const rows = Array.from({ length: 30 }, (_, i) => ({ sid: i, name: `n${i}`, ok: i % 2 === 0, at: [i, 1.5] }))
  sameAsGeneric(t, rows, 'one shape')
  const nested = Array.from({ length: 12 }, (_, i) => ({ nk: i, inner: { p: i, q: [{ r: i }, { r: -i }] } }))
  sameAsGeneric(t, { list: nested, again: nested }, 'nested shapes under members and lists')
})

t.test('members JSON leaves out are left out by compiled shapes too', async (t) => {
  const sym = Symbol('s')
  const rows = Array.from({ length: 20 }, (_, i) => ({
    lid: i,
    u: i % 3 === 0 ? undefined : i,
    f: i % 2 === 0 ? () => i : 'kept',
    s: i % 4 === 0 ? sym : null,
  }))
  sameAsGeneric(t, rows, 'undefined, function and symbol members')
  t.same(decode(encode(rows)), JSON.parse(JSON.stringify(rows)))
})

t.test('objects that differ from the learnt shape, interleaved and in runs', async (t) => {
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < 40; i++) {
    rows.push({ di: i, a: 1, b: 2 })
    if (i % 5 === 0) rows.push({ b: 2, a: 1, di: i }, { di: i, a: 1 }, { di: i, a: 1, b: 2, c: 3 }, {})
  }
  for (let i = 0; i < 30; i++) rows.push({ other: i, keys: [i] })
  for (let i = 0; i < 30; i++) rows.push({ di: i, a: 1, b: 2 })
  sameAsGeneric(t, rows, 'mixed shapes')
  // Many different shapes in one member retire it; the rest is written generically, correctly.
  const varied = Array.from({ length: 200 }, (_, i) => ({ [`v${i % 50}`]: i, w: i }))
  sameAsGeneric(t, varied, 'fifty shapes in one list')
})

t.test('getters run once, in key order; a key a getter deletes before it is read is left out, as JSON', async (t) => {
  let calls = 0
  // Own keys in order: gid, got, after; reading `got` deletes `after`.
  const make = (): Record<string, unknown>[] => Array.from({ length: 10 }, (_, i) => {
    const o: Record<string, unknown> = { gid: i }
    Object.defineProperty(o, 'got', {
      enumerable: true,
      get() {
        calls++
        delete o.after
        return i
      },
    })
    o.after = 'dropped'
    return o
  })
  const expected = Array.from({ length: 10 }, (_, i) => ({ gid: i, got: i }))
  t.same(JSON.parse(JSON.stringify(make())), expected, 'what JSON.stringify writes')
  for (let round = 0; round < 3; round++) {
    calls = 0
    t.same(decode(encode(make())), expected, `message ${round}`)
    t.equal(calls, 10, `message ${round}: one getter call per object`)
  }
})

t.test('a toJSON member in a repeated shape is always called, never compiled away', async (t) => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ tj: i, toJSON: () => ({ replaced: i }) }))
  for (let round = 0; round < 3; round++) t.same(decode(encode(rows)), rows.map((_, i) => ({ replaced: i })))
})

t.test('an enumerable Object.prototype property is never written (own keys only)', async (t) => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ pp: i }))
  const proto = Object.prototype as Record<string, unknown>
  proto.polluted = 'no'
  try {
    // As JSON text: a deep compare would see the inherited key on both sides.
    const json = JSON.stringify(rows)
    for (let round = 0; round < 3; round++) t.equal(JSON.stringify(decode(encode(rows))), json)
  } finally {
    delete proto.polluted
  }
})

t.test('KEY_TOO_LONG in a repeated shape, every time', async (t) => {
  const long = 'k'.repeat(300)
  const rows = Array.from({ length: 10 }, (_, i) => ({ kt: i, [long]: i }))
  for (let round = 0; round < 3; round++) t.equal(codeOf(() => encode(rows)), 'KEY_TOO_LONG', `message ${round}`)
  t.ok(encode(rows.map((r) => ({ kt: r.kt }))) instanceof Uint8Array, 'the writer is usable after')
})

t.test('learnt shapes survive the key map being emptied without keeping an old index', async (t) => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ ea: i, eb: `b${i}` }))
  const reference = bytesToHex(encode(asMaps(rows)))
  for (let round = 0; round < 3; round++) t.equal(bytesToHex(encode(rows)), reference, `before, message ${round}`)
  // A message with more keys than the writer keeps makes it empty its key map (and epochs).
  const many: Record<string, number> = {}
  for (let i = 0; i <= WRITER_KEYS_RETAIN_MAX; i++) many[`m${i}`] = i
  encode(many)
  for (let round = 0; round < 3; round++) {
    t.equal(bytesToHex(encode({ first: 1, ...{ x: rows } })), bytesToHex(encode(asMaps({ first: 1, x: rows }))), `after, ${round}`)
    t.equal(bytesToHex(encode(rows)), reference, `after, message ${round}`)
  }
})

// Writer#list hands runs of objects of a compiled key list to that list's generated loop
// (ListWriter); every element it does not take must still be written the generic way.
t.test('lists of a compiled shape: runs broken by other values keep the generic bytes', async (t) => {
  class Row {
    lw: number
    s: string
    constructor(i: number) {
      this.lw = i
      this.s = `c${i}`
    }

    toJSON(): unknown {
      return { fromToJSON: this.lw }
    }
  }
  const rows: unknown[] = []
  for (let i = 0; i < 60; i++) {
    rows.push({ lw: i, s: `x${i}` })
    if (i % 7 === 3) {
      const bare = Object.create(null) as Record<string, unknown>
      bare.lw = i
      bare.s = 'bare'
      rows.push(new Row(i), bare, [i], null, 'str', i + 0.5, { s: 'reversed', lw: i }, {})
    }
  }
  t.same(decode(encode(rows)), JSON.parse(JSON.stringify(rows)), 'as JSON')
  rows.splice(30, 0, new Date(30), { lw: 30, s: 'after a date' })
  sameAsGeneric(t, rows, 'one list')
  sameAsGeneric(t, { a: rows, b: [rows, rows] }, 'under members and nested lists')
})

// The list loop checks an element's keys by for...in (no array per element): own keys that
// for...in does not visit (non-enumerable, symbols) are left out as JSON leaves them, and an
// extra, missing or reordered own key, an index key or a getter sends the element the generic way.
t.test('lists of a compiled shape: the for...in key check against the generic bytes', async (t) => {
  const rows: unknown[] = []
  for (let i = 0; i < 40; i++) {
    rows.push({ fk: i, fs: `s${i}` })
    if (i % 5 !== 2) continue
    const hidden = { fk: i, fs: 'hidden' }
    Object.defineProperty(hidden, 'fx', { value: 'not enumerable', enumerable: false })
    const symbol = { fk: i, fs: 'symbol', [Symbol('fy')]: 1 }
    const getter = { fk: i, get fs() { return `got${i}` } }
    rows.push(hidden, symbol, getter, { fk: i, fs: 'extra', fz: i }, { fk: i }, { fs: 'swapped', fk: i }, { 0: i, fk: i, fs: 'index' })
  }
  t.equal(JSON.stringify(decode(encode(rows))), JSON.stringify(rows), 'as JSON')
  sameAsGeneric(t, rows, 'one list')
})

t.test('lists of a compiled shape: the depth limit and cycles are reported as before', async (t) => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ cy: i, next: null as unknown }))
  for (let round = 0; round < 3; round++) encode(rows)
  for (let round = 0; round < 3; round++) {
    t.equal(codeOf(() => encode(rows, { maxDepth: 1 })), 'DEPTH', `maxDepth 1 with objects in a list, ${round}`)
    t.ok(encode(rows, { maxDepth: 2 }) instanceof Uint8Array, `maxDepth 2 holds them, ${round}`)
  }
  rows[4].next = rows[4]
  for (let round = 0; round < 3; round++) t.equal(codeOf(() => encode(rows)), 'CIRCULAR', `an object holding itself, ${round}`)
  rows[4].next = rows
  for (let round = 0; round < 3; round++) t.equal(codeOf(() => encode(rows)), 'CIRCULAR', `the list holding itself, ${round}`)
  rows[4].next = null
  t.same(decode(encode(rows)), rows, 'usable after')
})

t.test('lists of a compiled shape: an Object.prototype.toJSON added later is called for every element', async (t) => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ pj: i }))
  for (let round = 0; round < 3; round++) encode(rows)
  const proto = Object.prototype as Record<string, unknown>
  // The list itself is given back as it is (JSON then writes its elements, each through toJSON).
  proto.toJSON = function (this: { pj?: number }) { return 'pj' in this ? this.pj : this }
  try {
    t.same(decode(encode(rows)), JSON.parse(JSON.stringify(rows)), 'as JSON.stringify')
  } finally {
    delete proto.toJSON
  }
  t.same(decode(encode(rows)), rows, 'and forgotten once removed')
})

// The compiled list loop must check an element's own keys: a check by for...in (tried to save
// the Object.keys array per element) visits inherited enumerable keys after the own ones, so an
// element missing the list's last key, with that key enumerable on Object.prototype, would pass
// it and get the inherited value written.
t.test('lists of a compiled shape: a key only on a polluted Object.prototype is not written', async (t) => {
  // A member of its own, so that the list's shape is this test's alone.
  const full = { pl: Array.from({ length: 10 }, (_, i) => ({ pa: i, pb: `b${i}` })) }
  for (let round = 0; round < 3; round++) encode(full)
  const short = { pl: Array.from({ length: 10 }, (_, i) => ({ pa: i })) }
  const proto = Object.prototype as Record<string, unknown>
  proto.pb = 'inherited'
  try {
    // Compared as JSON text: a deep compare would see the inherited key on both sides.
    const json = JSON.stringify(short)
    for (let round = 0; round < 3; round++) t.equal(JSON.stringify(decode(encode(short))), json)
    t.equal(JSON.stringify(decode(encode(full))), JSON.stringify(full), 'own keys as before')
  } finally {
    delete proto.pb
  }
  t.same(decode(encode(full)), full, 'and the compiled loop used again once removed')
})

// Regression: Writer#list must hand its compiled loop the entries it was compiled with. Here the
// inner lists of one element relearn the member's key list (and compile the new one) while the
// outer list of the same member is still being written by the old loop; after a number breaks
// the run the outer loop is called again, and entries read at that moment would be the new list's.
t.test('regression: a relearn inside a list keeps the outer list loop on its own entries', async (t) => {
  const node = (i: number, kids: unknown[]): Record<string, unknown> => ({ rt: i, kids })
  const plain = { kids: Array.from({ length: 10 }, (_, i) => node(i, [])) }
  for (let round = 0; round < 4; round++) encode(plain)
  const relearning = Array.from({ length: 14 }, (_, i) => ({ ru: i }))
  const value = { kids: [node(0, []), node(1, relearning), node(2, []), 7, node(3, []), node(4, [])] }
  t.same(decode(encode(value)), JSON.parse(JSON.stringify(value)), 'as JSON')
  for (let round = 0; round < 4; round++) encode(plain)
  sameAsGeneric(t, value, 'the bytes of the generic loop')
})

// The generated member writers write boolean and array members themselves (Writer#fieldBoolean,
// #fieldList), past field() and value(): same bytes, same rules for what is inside the arrays.
t.test('boolean and array members of a compiled shape: the bytes of the generic loop', async (t) => {
  const withToJSON = Object.assign([1, 2], { toJSON: () => 'never called for an array' })
  class Gone {
    toJSON(): undefined {
      return undefined
    }
  }
  const rows = Array.from({ length: 20 }, (_, i) => ({
    ba: i % 3 === 0,
    list: i % 4 === 0 ? [] : [i, i + 0.5, `s${i}`, { deep: [i] }, [true, null]],
    own: withToJSON,
    gone: [new Gone(), () => i],
  }))
  sameAsGeneric(t, rows, 'booleans, lists, an array with its own toJSON, left-out elements')
  t.same(decode(encode(rows)), JSON.parse(JSON.stringify(rows.map((r) => ({ ...r, own: [1, 2] })))), 'as JSON')
  // Key lists never seen before: the first message is written by the generic loop.
  const tabled = rows.map((r, i) => ({ tb: r.ba, tl: [{ tr: i, ts: 'x' }, { tr: -i, ts: 'y' }] }))
  const expected = bytesToHex(encode(tabled, { tables: true }))
  for (let round = 1; round < 5; round++) {
    t.equal(bytesToHex(encode(tabled, { tables: true })), expected, `tables: true, message ${round}`)
  }
})

// A member keeps up to SHAPE_MAX_VARIANTS key lists (src/writer.ts Shape): twitter.json's
// `statuses` and `entities` objects come in 4 each, which outvoted each other while a member
// kept one list, until it was retired and every such object took the generic loop. Whichever
// variant writes an object, the bytes are the generic loop's.
t.test('a member whose objects come in several key lists: the bytes of the generic loop', async (t) => {
  const variants = [
    (i: number) => ({ va: i, vb: `b${i}`, vc: i % 2 === 0 }),
    (i: number) => ({ va: i, vb: `b${i}`, vc: true, vd: [i] }),
    (i: number) => ({ vb: `b${i}`, va: i }),
    (i: number) => ({ va: i, ve: { vf: i, vg: null } }),
  ]
  const mixed = { vl: Array.from({ length: 48 }, (_, i) => variants[(i * 7) % variants.length](i)) }
  sameAsGeneric(t, mixed, 'four key lists interleaved in one list')
  sameAsGeneric(t, { vm: mixed.vl[0], vn: mixed.vl.map((o) => ({ vm: o })) }, 'as single member values')
  // More key lists than SHAPE_MAX_VARIANTS: the last variant is voted on, learnt anew, then the
  // member retired; an uncompilable list (a toJSON member) among them is called every time.
  const many = { vl: Array.from({ length: 120 }, (_, i) => ({ va: i, [`vx${i % (SHAPE_MAX_VARIANTS + 3)}`]: i })) }
  sameAsGeneric(t, many, `${SHAPE_MAX_VARIANTS + 3} key lists in one member`)
  const withToJSON = {
    vl: Array.from({ length: 30 }, (_, i) => i % 3 === 0 ? { va: i, toJSON: () => ({ tj: i }) } : variants[i % 4](i)),
  }
  const json = JSON.parse(JSON.stringify(withToJSON)) as unknown
  for (let round = 0; round < 4; round++) t.same(decode(encode(withToJSON)), json, `a toJSON key list among them, ${round}`)
})

// Writer#list writes a list that starts with numbers without enter() and the shape lookup, and
// enters it only at its first element that is not a number.
t.test('number-list members of a compiled shape: the bytes of the generic loop', async (t) => {
  const lists = (i: number): unknown[] => [
    [i, i + 0.5, 99.9],
    [-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, 7, 8, -1],
    [i, 'then a string', { nl: [i] }, [i]],
    [0.5, null, 1],
    // eslint-disable-next-line no-sparse-arrays
    [1, , 3],
    [],
    ['a string first', i],
    Array.from({ length: 300 }, (_, k) => k * 1.25),
  ]
  const rows = Array.from({ length: 48 }, (_, i) => ({ nid: i, nums: lists(i)[i % 8], tail: `t${i}` }))
  sameAsGeneric(t, rows, 'number lists, mixed lists, holes and empty lists as members')
  sameAsGeneric(t, { nm: rows[0], nn: rows.map((r) => ({ nm: r })) }, 'as members of single objects')
  t.same(decode(encode(rows)), JSON.parse(JSON.stringify(rows)).map((r: { nums: unknown[] }, i: number) => (
    i % 8 === 1 ? { ...r, nums: lists(i)[1] } : r
  )), 'as JSON, but -0, NaN and the infinities kept')
})

t.test('lists that start with numbers: the depth limit and cycles as before', async (t) => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ dn: i, dl: [i, i + 0.5] }))
  for (let round = 0; round < 3; round++) encode(rows)
  for (let round = 0; round < 3; round++) {
    t.equal(codeOf(() => encode(rows, { maxDepth: 2 })), 'DEPTH', `maxDepth 2: the member lists are at depth 3, ${round}`)
    t.equal(codeOf(() => encode(rows[0], { maxDepth: 1 })), 'DEPTH', `maxDepth 1, one object, ${round}`)
    t.same(decode(encode(rows, { maxDepth: 3 })), rows, `maxDepth 3 holds them, ${round}`)
  }
  // A cycle after a run of numbers: the list is entered at its first container, so the cycle is
  // still told from deep nesting.
  const cyclic: unknown[] = [1, 2.5]
  cyclic.push({ back: cyclic })
  for (let round = 0; round < 3; round++) t.equal(codeOf(() => encode(cyclic)), 'CIRCULAR', `numbers, then itself, ${round}`)
  const deep: unknown[] = [1]
  let inner = deep
  for (let level = 0; level < 10; level++) {
    const next: unknown[] = [level]
    inner.push(next)
    inner = next
  }
  t.equal(codeOf(() => encode(deep, { maxDepth: 10 })), 'DEPTH', 'eleven nested lists that start with numbers, maxDepth 10')
  t.same(decode(encode(deep, { maxDepth: 11 })), deep, 'maxDepth 11 holds them')
})
