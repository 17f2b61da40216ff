/**
 * The table writer (src/table-writer.ts, SPEC 8.1-8.4): which arrays become tables, the
 * column types chosen, alignment relative to the message start, and the v1 fallbacks.
 */
import t from 'tap'
import fc from 'fast-check'
import { BFastError, BFastTable, decode, encode } from '../../src/index.js'
import { COL_ASCII as COL_ASCII_FLAG, TAG_LIST, TAG_TABLE } from '../../src/tags.js'
import { TABLE_STRING_CHUNK, TABLE_WARM_BLOCK, TABLE_WARM_MIN_ROWS } from '../../src/limits.js'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'
import { tableFields } from '../helpers/table-cases.js'
import { COL_ANY, COL_BOOL, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_STRING } from '../helpers/table-cases.js'
import { sameValue } from '../helpers/tagged.js'

function rootTag(msg: Uint8Array): number {
  let p = 6
  const count = msg[4] | (msg[5] << 8)
  for (let i = 0; i < count; i++) p += 1 + msg[p]
  return msg[p]
}

function columnTypes(msg: Uint8Array): number[] {
  return tableFields(msg).filter((f) => f.what.endsWith(' type') && !f.what.includes('child')).map((f) => msg[f.at])
}

t.test('without tables: true nothing changes', (t) => {
  const rows = [{ a: 1 }, { a: 2 }]
  t.equal(rootTag(encode(rows)), TAG_LIST)
  t.equal(rootTag(encode(rows, { tables: false })), TAG_LIST)
  t.equal(rootTag(encode(rows, { tables: true })), TAG_TABLE)
  t.throws(() => encode(rows, { tables: 'yes' as unknown as boolean }), { code: 'BAD_OPTION' })
  t.end()
})

t.test('column types follow the values (SPEC 8.2)', (t) => {
  const msg = encode([
    { b: true, i: 7, l: 1 << 40, f: 0.5, s: 'x', list: [1], any: new Date(0), mix: 1 },
    { b: false, i: -3, l: 5n, f: 3, s: 'y', list: [], any: null, mix: 'one' }
  ], { tables: true })
  t.same(columnTypes(msg), [COL_BOOL, COL_INT32, COL_INT64, COL_FLOAT64, COL_STRING, COL_LIST, COL_ANY, COL_ANY])
  t.end()
})

t.test('a bigint column with a small int is v1 values, so int64: bigint reads each as v1 does', (t) => {
  const rows = [{ n: 3 }, { n: 5n }, { n: 1 << 40 }]
  const msg = encode(rows, { tables: true })
  t.same(columnTypes(msg), [COL_ANY])
  t.equal(sameValue(decode<BFastTable>(msg, { int64: 'bigint' }).toArray(), decode(encode(rows), { int64: 'bigint' })), undefined)
  t.end()
})

t.test('every column region and part is 8-aligned from the message start (SPEC 8.3)', (t) => {
  for (const keys of [[], ['k'], ['kk'], ['abc'], ['abcdefg'], ['a', 'bb', 'ccc']]) {
    const lead = Object.fromEntries(keys.map((k) => [k, 1]))
    const msg = encode({ ...lead, rows: [{ s: 'a', n: 1.5, i: 1, l: ['x', 'yz'] }, { s: 'bcd', n: 2.5, i: 2, l: [] }] }, { tables: true })
    const table = (decode(msg) as { rows: BFastTable }).rows
    t.ok(table instanceof BFastTable)
    const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
    let p = 6
    const count = dv.getUint16(4, true)
    for (let i = 0; i < count; i++) p += 1 + msg[p]
    t.equal(p % 8, 0, `body starts 8-aligned (keys ${keys.join(',')})`)
    const at = msg.indexOf(TAG_TABLE, p)
    const c = dv.getUint16(at + 2, true)
    for (let i = 0; i < c; i++) t.equal((at + dv.getUint32(at + 12 + 16 * i + 8, true)) % 8, 0, `region ${i} aligned`)
    t.equal((table.column('n') as Float64Array).buffer, msg.buffer, 'float64 column viewed in place')
  }
  t.end()
})

t.test('arrays that cannot be tables are v1 lists, values unchanged', (t) => {
  class Row {
    a = 1
  }
  const cases: Array<[string, unknown[]]> = [
    ['empty', []],
    ['a non-object row', [{ a: 1 }, 2]],
    ['a class instance', [new Row()]],
    ['an array row', [[1]]],
    ['conflicting key orders', [{ a: 1, b: 2 }, { b: 3, a: 4 }]],
    ['rows with no keys', [{}, {}]],
    ['an own toJSON', [{ a: 1, toJSON: () => 'x' }]],
    ['a Map row', [new Map([['a', 1]])]]
  ]
  for (const [name, rows] of cases) {
    const msg = encode(rows, { tables: true })
    t.equal(rootTag(msg), TAG_LIST, name)
    t.equal(sameValue(decode(msg), decode(encode(rows))), undefined, name)
  }
  const proto = Object.prototype as { toJSON?: () => unknown }
  proto.toJSON = function () {
    return 'polluted'
  }
  try {
    t.equal(rootTag(encode([{ a: 1 }], { tables: true })), TAG_LIST, 'a polluted Object.prototype.toJSON')
  } finally {
    delete proto.toJSON
  }
  t.end()
})

t.test('rows that lack later keys, or gain new ones at the end, are one table', (t) => {
  const rows = [{ a: 1 }, { a: 2, b: 'x' }, { b: 'y' }, { a: 3, b: undefined, c: [true] }]
  const msg = encode(rows, { tables: true })
  t.equal(rootTag(msg), TAG_TABLE)
  t.equal(sameValue(decode<BFastTable>(msg).toArray(), decode(encode(rows))), undefined)
  t.end()
})

t.test('toJSON of cells is called with the member key, and what it leaves out stays out', (t) => {
  const keys: string[] = []
  const cell = {
    toJSON: (k: string) => {
      keys.push(k)
      return k === 'skip' ? undefined : { k }
    }
  }
  const rows = [{ keep: cell, skip: cell, list: [cell] }]
  const table = decode<BFastTable>(encode(rows, { tables: true }))
  t.same(table.toArray(), [{ keep: { k: 'keep' }, list: [{ k: '' }] }])
  t.same(keys.sort(), ['', 'keep', 'skip'])
  t.end()
})

t.test('errors are v1\'s: INT_RANGE, CIRCULAR, DEPTH, KEY_TOO_LONG', (t) => {
  const cyclic: Array<Record<string, unknown>> = [{ a: 1 }]
  cyclic[0].self = cyclic
  const cases: Array<[string, unknown, string]> = [
    ['bigint outside int64', [{ n: 1n << 64n }], 'INT_RANGE'],
    ['a bigint outside int64 among others', [{ n: 1n }, { n: -(1n << 63n) - 1n }], 'INT_RANGE'],
    ['a cycle through a cell', cyclic, 'CIRCULAR'],
    ['a key over 255 bytes', [{ ['k'.repeat(256)]: 1 }], 'KEY_TOO_LONG']
  ]
  for (const [name, value, code] of cases) {
    t.throws(() => encode(value, { tables: true }), { code }, name)
    t.throws(() => encode(value), { code }, `${name} (v1)`)
  }
  const deep = [{ l: [[[[1]]]] }]
  for (let maxDepth = 1; maxDepth <= 7; maxDepth++) {
    let v1: string
    let tabled: string
    try {
      v1 = JSON.stringify(decode(encode(deep, { maxDepth })))
    } catch (err) {
      v1 = (err as BFastError).code
    }
    try {
      tabled = JSON.stringify(decode(encode(deep, { maxDepth, tables: true })))
    } catch (err) {
      tabled = (err as BFastError).code
    }
    t.equal(tabled, v1, `maxDepth ${maxDepth}`)
  }
  t.end()
})

t.test('each cell is read once, as JSON.stringify reads it (a getter is called once)', (t) => {
  let calls = 0
  const row = {}
  Object.defineProperty(row, 'a', { enumerable: true, get: () => (++calls > 1 ? 'now a string' : 1) })
  const msg = encode([row, { a: 2 }], { tables: true })
  t.equal(rootTag(msg), TAG_TABLE)
  t.equal(calls, 1)
  t.same(decode<BFastTable>(msg).toArray(), [{ a: 1 }, { a: 2 }])
  t.end()
})

t.test('a list that a toJSON() changes while the table is written is refused, never altered', (t) => {
  const list = [1, 2]
  const grow = {
    toJSON: () => {
      list.push(3)
      return 'x'
    }
  }
  const retype = {
    toJSON: () => {
      list[0] = 0.5 as unknown as number
      return 'x'
    }
  }
  t.throws(() => encode([{ t: grow, l: list }], { tables: true }), { code: 'BAD_VALUE' })
  list.length = 2
  t.throws(() => encode([{ t: retype, l: list }], { tables: true }), { code: 'BAD_VALUE' })
  t.end()
})

t.test('a list column of numbers every row holds: its offsets and float64 child exactly as SPEC 8.2-8.3 lay them out', (t) => {
  // The writer's one-loop path (src/table-writer.ts numberLists): no null list, no absent row,
  // no null element. Empty lists, -0, NaN and the infinities included; odd row counts leave
  // padding between the offsets and the child.
  for (const n of [1, 2, 3, 40]) {
    const rows = Array.from({ length: n }, (_, i) => ({
      l: [[0.5], [], [-0, NaN, Infinity], [i + 0.25, -Infinity]][i % 4]
    }))
    const msg = encode(rows, { tables: true })
    t.equal(rootTag(msg), TAG_TABLE)
    const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
    const fields = tableFields(msg)
    const field = (what: string): number => fields.find((f) => f.what === what)!.at
    t.equal(msg[field('column 0 type')], COL_LIST)
    t.equal(msg[field('column 0 flags')], 0)
    t.equal(msg[field('column 0 child type')], COL_FLOAT64)
    t.equal(msg[field('column 0 child flags')], 0)
    const offsets = field('column 0 offset 0')
    const region = field('table flags') - 1 + dv.getUint32(field('column 0 region offset'), true)
    t.equal(offsets, region)
    let k = 0
    const items: number[] = []
    for (let i = 0; i <= n; i++) {
      t.equal(dv.getUint32(offsets + 4 * i, true), k, `offset ${i} of ${n}`)
      if (i < n) {
        items.push(...rows[i].l)
        k += rows[i].l.length
      }
    }
    const child = Math.ceil((offsets + 4 * (n + 1)) / 8) * 8
    for (let p = offsets + 4 * (n + 1); p < child; p++) t.equal(msg[p], 0, 'padding is zero')
    t.equal(child % 8, 0)
    t.equal(dv.getUint32(field('column 0 region length'), true), child - region + 8 * k)
    for (let j = 0; j < k; j++) t.ok(Object.is(dv.getFloat64(child + 8 * j, true), items[j]), `element ${j}`)
    t.equal(sameValue(decode<BFastTable>(msg).toArray(), rows), undefined)
    t.equal(JSON.stringify(decode(msg)), JSON.stringify(rows))
  }
  t.end()
})

t.test('a list of numbers that a toJSON() grows, shrinks or retypes while its table is written is refused', (t) => {
  // Pass 1 counted the lists; the one-loop path for number lists (numberLists) checks every list
  // against that count and every element's type, and refuses what changed.
  const list = [0.5, 1.5]
  const change = (f: () => void): object => ({
    toJSON: () => {
      f()
      return 'x'
    }
  })
  const cases: Array<[string, () => void]> = [
    ['grows', () => list.push(2.5)],
    ['shrinks', () => list.pop()],
    ['retypes', () => { (list as unknown[])[1] = 'two' }]
  ]
  for (const [what, f] of cases) {
    list.length = 0
    list.push(0.5, 1.5)
    const rows = [{ t: change(f), l: list }, { t: 'y', l: [2.5] }]
    t.throws(() => encode(rows, { tables: true }), { code: 'BAD_VALUE' }, what)
  }
  t.end()
})

t.test('string columns written in one piece: ASCII, non-ASCII, nulls and gaps read back, the ascii flag only where true', (t) => {
  const long = 'x'.repeat(40)
  const rows = [
    { a: 'plain', b: 'caf\u00e9', c: null, d: long },
    { a: '', b: '\u{1F600} ok', d: 'y' },
    { a: 'ASCII only', b: 'plain too', c: 'z', d: '' }
  ]
  const msg = encode(rows, { tables: true })
  t.same(columnTypes(msg), [COL_STRING, COL_STRING, COL_STRING, COL_STRING])
  const flags = tableFields(msg).filter((f) => /^column \d flags$/.test(f.what)).map((f) => msg[f.at] & COL_ASCII_FLAG)
  t.same(flags, [COL_ASCII_FLAG, 0, COL_ASCII_FLAG, COL_ASCII_FLAG], 'only the column with non-ASCII text lacks the flag')
  const table = decode<BFastTable>(msg)
  t.equal(JSON.stringify(table), JSON.stringify(rows))
  t.same(table.toArray(), JSON.parse(JSON.stringify(rows)))
  t.same(table.get(1), { a: '', b: '\u{1F600} ok', d: 'y' })
  t.end()
})

t.test('string columns of several chunks (TABLE_STRING_CHUNK): non-ASCII, nulls and gaps in a later chunk', (t) => {
  // A scratch with room for every chunk (the shared writer keeps it between messages).
  encode('x'.repeat(1 << 20))
  const n = Math.ceil((3 * TABLE_STRING_CHUNK) / 16)
  const text = (i: number): string => `user ${i} `.padEnd(16, '.')
  const odd = (i: number, s: string): string => (i === n >> 1 || i === n - 3 ? s : text(i))
  const cases: Record<string, Array<Record<string, unknown>>> = {
    ascii: Array.from({ length: n }, (_, i) => ({ s: text(i) })),
    'non-ASCII in a middle and the last chunk': Array.from({ length: n }, (_, i) => ({ s: odd(i, '\u00e9t\u00e9') })),
    'nulls and gaps': Array.from({ length: n }, (_, i) => (i % 7 === 0 ? {} : { s: i % 5 === 0 ? null : text(i) })),
    'nulls, gaps and non-ASCII': Array.from({ length: n }, (_, i) =>
      (i % 7 === 0 ? {} : { s: i % 5 === 0 ? null : odd(i, '\u{1F600}') }))
  }
  for (const [name, rows] of Object.entries(cases)) {
    const msg = encode(rows, { tables: true })
    t.equal(rootTag(msg), TAG_TABLE, name)
    const flags = tableFields(msg).filter((f) => /^column \d flags$/.test(f.what)).map((f) => msg[f.at] & COL_ASCII_FLAG)
    t.same(flags, [name.includes('non-ASCII') ? 0 : COL_ASCII_FLAG], `${name}: the ascii flag`)
    t.equal(JSON.stringify(decode(msg)), JSON.stringify(rows), name)
  }
  const bad = Array.from({ length: n }, (_, i) => ({ s: odd(i, 'bad \ud800') }))
  t.throws(() => encode(bad, { tables: true }), { code: 'LONE_SURROGATE' }, 'a lone surrogate in a middle chunk')
  t.end()
})

t.test('a string column larger than a new writer\'s scratch is written whole after its loop', (t) => {
  // encode() inside a toJSON() runs on a new Writer (small scratch): no chunk has room there.
  const rows = [{ s: 'x'.repeat(2 * TABLE_STRING_CHUNK) }, { s: 'y'.repeat(3 * TABLE_STRING_CHUNK) }, { s: '\u00e9' }]
  let inner: Uint8Array | undefined
  encode({ toJSON: () => { inner = encode(rows, { tables: true }); return 0 } })
  t.ok(inner)
  t.equal(rootTag(inner!), TAG_TABLE)
  t.equal(JSON.stringify(decode(inner!)), JSON.stringify(rows))
  t.same(inner, encode(rows, { tables: true }), 'the bytes of the shared writer')
  t.end()
})

t.test('regression: non-ASCII text that fills exactly as many bytes as it has units is not taken for ASCII', (t) => {
  // The ASCII probe writes into room for text.length + ASCII_PROBE_SLACK bytes; a smaller room
  // let 'é' (2 bytes, 1 unit) + 'a' write exactly 2 bytes and pass for ASCII.
  for (const c of ['\u00e9', '\u20ac', '\u{1F600}']) {
    for (let k = 1; k <= 6; k++) {
      for (let j = 0; j <= 6; j++) {
        const rows = [{ s: c.repeat(k) }, { s: 'a'.repeat(j) }, { s: null }]
        t.equal(JSON.stringify(decode(encode(rows, { tables: true }))), JSON.stringify(rows), `${c} x${k}, a x${j}`)
      }
    }
  }
  t.end()
})

t.test('a lone surrogate in a string column is LONE_SURROGATE, as in v1', (t) => {
  const rows = [{ s: 'ok' }, { s: 'bad \ud800 here' }]
  t.throws(() => encode(rows, { tables: true }), { code: 'LONE_SURROGATE' })
  t.throws(() => encode([{ l: ['ok', 'bad \udc00'] }], { tables: true }), { code: 'LONE_SURROGATE' })
  t.end()
})

t.test('regression: a string list changed into holding an object is refused without calling its toString', (t) => {
  // The string heap is written from the column joined into one string; join would call an
  // object's toString (user code) and write its text.
  let called = 0
  const sneaky = { toString: () => { called++; return 'sneaky' } }
  const list: unknown[] = ['a', 'b']
  const swap = {
    toJSON: () => {
      list[1] = sneaky
      return 'x'
    }
  }
  t.throws(() => encode([{ t: swap, l: list }], { tables: true }), { code: 'BAD_VALUE' })
  t.equal(called, 0)
  t.end()
})

t.test('late optional key: a key first seen in a later row before known ones is still one table (SPEC 8.4)', (t) => {
  const d = new Date(0)
  const rows = [{ id: 1, created: d }, { id: 2, zip: 'x', created: d }, { id: 3, created: d }]
  const table = decode(encode(rows, { tables: true }))
  t.ok(table instanceof BFastTable, 'a table, not the v1 list')
  t.same((table as BFastTable).columnNames, ['id', 'zip', 'created'])
  t.equal(JSON.stringify(table), JSON.stringify(rows), 'key order kept in every row')
  // The order the first rows suggested can change when a later row tells more.
  const later = [{ a: 1 }, { b: 2 }, { b: 3, a: 4 }, { a: 1, y: 1, k: 1 }, { a: 1, x: 1, k: 1 }, { x: 2, y: 2 }]
  const again = decode(encode(later, { tables: true }))
  t.ok(again instanceof BFastTable)
  t.same((again as BFastTable).columnNames, ['b', 'a', 'x', 'y', 'k'])
  t.equal(JSON.stringify(again), JSON.stringify(later))
  t.end()
})

t.test('key orders no table can hold stay v1 lists, also when they contradict only through other keys', (t) => {
  for (const rows of [
    [{ a: 1, b: 2 }, { b: 3, a: 4 }],
    [{ a: 1, b: 1 }, { b: 1, c: 1 }, { c: 1, a: 1 }],
    [{ a: 1 }, { b: 1, a: 1 }, { a: 1, b: 1 }]
  ]) {
    const back = decode(encode(rows, { tables: true }))
    t.ok(Array.isArray(back), JSON.stringify(rows))
    t.equal(JSON.stringify(back), JSON.stringify(rows))
  }
  t.end()
})

t.test('hostile key orders: reordering work is bounded (TABLE_ORDER_WORK_*), past it a v1 list', (t) => {
  // Each row puts a new key before the last one: one order (k{n-1} ... k0) fits all, but each
  // row makes the writer rebuild an order that grows by one column.
  const chain = (n: number): Array<Record<string, number>> =>
    Array.from({ length: n }, (_, i) => (i === 0 ? { k0: 0 } : { [`k${i}`]: i, [`k${i - 1}`]: i }))
  const small = chain(100)
  const table = decode(encode(small, { tables: true }))
  t.ok(table instanceof BFastTable, 'within the allowance: a table')
  t.equal((table as BFastTable).columnNames[0], 'k99')
  t.equal(JSON.stringify(table), JSON.stringify(small))
  const big = chain(3000)
  const list = decode(encode(big, { tables: true }))
  t.ok(Array.isArray(list), 'past it: the v1 list')
  t.equal(JSON.stringify(list), JSON.stringify(big))
  t.end()
})

t.test('property: rows with optional keys in one order are a table, in conflicting orders a v1 list', (t) => {
  const SEED = 0x1a7e
  const RUNS = 400
  const names = fc.uniqueArray(fc.constantFrom('id', 'zip', 'name', 'created', 'a', 'b', 'c', 'd', 'e', 'f'), {
    minLength: 2, maxLength: 10
  })
  const cell = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.double(), fc.constant(undefined))
  // Each row: a subset of the keys, in the order of `keys`.
  const rowsIn = (keys: string[]) => fc.array(
    fc.tuple(fc.subarray(keys), fc.array(cell, { minLength: keys.length, maxLength: keys.length })).map(
      ([kept, values]) => Object.fromEntries(kept.map((k, i) => [k, values[i]]))
    ),
    { minLength: 1, maxLength: 20 }
  )
  t.doesNotThrow(() => {
    fc.assert(fc.property(names.chain((keys) => rowsIn(keys)), (rows) => {
      // At least one kept key somewhere, or there is no column at all (a v1 list then).
      if (!rows.some((row) => Object.values(row).some((v) => v !== undefined))) return
      const back = decode(encode(rows, { tables: true }))
      if (!(back instanceof BFastTable)) throw new Error('not a table')
      if (JSON.stringify(back) !== JSON.stringify(rows)) throw new Error('JSON text differs')
    }), { seed: SEED, numRuns: RUNS })
  }, 'consistent orders')
  t.doesNotThrow(() => {
    const conflicting = names.chain((keys) => fc.tuple(rowsIn(keys), fc.nat(), fc.integer(), fc.integer()).map(
      ([rows, at, x, y]) => {
        // Two rows hold the first two keys the other way round (kept: defined values).
        const [p, q] = keys
        rows.splice(at % (rows.length + 1), 0, { [p]: x, [q]: y }, { [q]: y, [p]: x })
        return rows
      }))
    fc.assert(fc.property(conflicting, (rows) => {
      const back = decode(encode(rows, { tables: true }))
      if (!Array.isArray(back)) throw new Error('not the v1 list')
      if (JSON.stringify(back) !== JSON.stringify(rows)) throw new Error('JSON text differs')
    }), { seed: SEED, numRuns: RUNS })
  }, 'conflicting orders')
  t.end()
})

t.test('regression: an Array subclass with its own at() in a list cell was written through it (JSON reads the indices)', (t) => {
  class Shifted<T> extends Array<T> {
    override at(): T | undefined { return 42 as T }
  }
  const rows = [
    { id: 1, ints: Shifted.from([1, 2]), doubles: Shifted.from([1.5]), strings: Shifted.from(['a', null]), any: Shifted.from([{ x: 1 }, 'b']) },
    { id: 2, ints: [3], doubles: [2.5, -0.5], strings: ['c'], any: [true, 1.25] },
    { id: 3, ints: Shifted.from<number>([]), doubles: Shifted.from([0.25, 4]), strings: Shifted.from(['d']), any: Shifted.from([null]) }
  ]
  const expected = JSON.parse(JSON.stringify(rows))
  const table = decode(encode(rows, { tables: true })) as BFastTable
  t.ok(table instanceof BFastTable, 'written as a table')
  t.same(table.toArray(), expected, 'as JSON.stringify: the elements, not at()')
  t.end()
})

/**
 * Large tables (TABLE_WARM_MIN_ROWS rows and more): pass 1 lays out each column of ASCII strings a
 * block of rows at a time (src/table-writer.ts layWarm), and pass 2 copies that layout. A child with
 * --disallow-code-generation-from-strings runs no generated extractor and so lays out nothing early:
 * every case must give the same bytes (or the same error) both ways.
 */
const warmCases = `
const N = ${TABLE_WARM_MIN_ROWS + 3 * TABLE_WARM_BLOCK + 5}
const late = N - 100
const user = (i) => ({ id: i, name: 'User ' + i, email: 'user' + i + '@example.com', active: i % 2 === 0, scores: [i * 1.5, 99.9] })
const users = (odd) => Array.from({ length: N }, (_, i) => odd(user(i), i))
export const cases = {
  'ASCII strings': users((u) => u),
  'a non-ASCII string late': users((u, i) => (i === late ? { ...u, name: 'é' + i } : u)),
  'a non-ASCII string in the first block': users((u, i) => (i === 40 ? { ...u, email: 'x\\u4e2dy' } : u)),
  'null in a string column late': users((u, i) => (i === late ? { ...u, name: null } : u)),
  'a number in a string column late': users((u, i) => (i === late ? { ...u, name: i } : u)),
  'a row leaving a string column out': users((u, i) => { if (i !== N >> 1) return u; const { name, ...v } = u; return v }),
  'an undefined string member': users((u, i) => (i === N >> 1 ? { ...u, email: undefined } : u)),
  'the last rows in the generic loop': users((u, i) => (i >= N - 3 ? { ...u, zip: 'z' + i } : u)),
  'a run broken in the middle': users((u, i) => (i === N >> 1 ? { zip: 'z', ...u } : u)),
  'empty strings and strings longer than a chunk': users((u, i) => ({ ...u, name: i % 7 === 0 ? '' : i % 5000 === 1 ? 'x'.repeat(${TABLE_STRING_CHUNK} + i) : u.name })),
  'a lone surrogate late': users((u, i) => (i === late ? { ...u, name: '\\ud800' } : u)),
  'a getter that changes the next row\\'s string': (() => {
    const rows = users((u) => u)
    Object.defineProperty(rows[late], 'name', { enumerable: true, get () { rows[late + 1].name = 'changed'; return 'n' } })
    return rows
  })(),
  'a shorter table after the longer ones': users((u, i) => ({ ...u, name: 'u' + (i % 10) })).slice(0, N - ${TABLE_WARM_BLOCK}),
  'a list holding a string late': users((u, i) => (i === late ? { ...u, scores: [1.5, 'x'] } : u)),
  'a list holding a string in the first row': users((u, i) => (i === 0 ? { ...u, scores: ['x'] } : u)),
  'a null list late': users((u, i) => (i === late ? { ...u, scores: null } : u)),
  'a list with a hole late': users((u, i) => (i === late ? { ...u, scores: [1.5, , 2.5] } : u)),
  'a row leaving the list column out': users((u, i) => { if (i !== N >> 1) return u; const { scores, ...v } = u; return v }),
  'an empty first list, then longer lists': users((u, i) => ({ ...u, scores: Array.from({ length: i % 9 }, (_, j) => i + j / 4) })),
  'lists of integers only': users((u, i) => ({ ...u, scores: [i, 2] })),
  'more list elements than a column captures': users((u, i) => ({ ...u, scores: Array.from({ length: 32 }, (_, j) => j + i / 8) })),
  '-0, NaN and the infinities in lists': users((u, i) => (i % 1000 === 3 ? { ...u, scores: [-0, NaN, Infinity, -Infinity] } : u)),
  'a getter that changes the list of an earlier row': (() => {
    const rows = users((u) => u)
    Object.defineProperty(rows[late], 'active', { enumerable: true, get () { rows[late - 3].scores[0] = -1; return true } })
    return rows
  })(),
  'a getter of a list element that changes its value': (() => {
    const rows = users((u) => u)
    let reads = 0
    Object.defineProperty(rows[late].scores, 0, { enumerable: true, get: () => (++reads === 1 ? 0.25 : 7.75) })
    return rows
  })()
}
`

t.test('large tables: string columns laid out in pass 1 give the bytes of the generic row loop', (t) => {
  const script = `
import { createHash } from 'node:crypto'
import { encode } from ${distSpecifier('src/index.js')}
${warmCases}
let compiles = true
try { new Function('return 1') } catch { compiles = false }
const out = { compiles, bytes: {} }
for (const [name, rows] of Object.entries(cases)) {
  try {
    out.bytes[name] = createHash('sha256').update(encode(rows, { tables: true })).digest('hex')
  } catch (err) {
    out.bytes[name] = err.code + ' ' + err.message
  }
}
console.log(JSON.stringify(out))
`
  const csp = moduleOutput<{ compiles: boolean; bytes: Record<string, string> }>(script, ['--disallow-code-generation-from-strings'])
  const normal = moduleOutput<{ compiles: boolean; bytes: Record<string, string> }>(script, [])
  t.equal(csp.compiles, false, 'the flag forbids new Function')
  t.equal(normal.compiles, true)
  t.same(Object.keys(normal.bytes), Object.keys(csp.bytes))
  for (const name of Object.keys(csp.bytes)) t.equal(normal.bytes[name], csp.bytes[name], name)
  t.match(normal.bytes['a lone surrogate late'], /^LONE_SURROGATE /)
  t.end()
})

t.test('large tables: string columns laid out in pass 1 read back as the rows', async (t) => {
  const { cases: all } = (await import(`data:text/javascript,${encodeURIComponent(warmCases)}`)) as {
    cases: Record<string, unknown[]>
  }
  for (const [name, rows] of Object.entries(all)) {
    if (name.startsWith('a lone surrogate') || name.startsWith('a getter')) continue
    const bytes = encode(rows, { tables: true })
    const back = decode(bytes)
    t.ok(back instanceof BFastTable, name)
    t.equal(JSON.stringify((back as BFastTable).toArray()), JSON.stringify(rows), name)
  }
  const ascii = encode(all['ASCII strings'], { tables: true })
  const flags = tableFields(ascii).filter((f) => f.what.startsWith('column') && f.what.endsWith(' flags') && !f.what.includes('child')).map((f) => ascii[f.at])
  const types = columnTypes(ascii)
  t.same(types.map((type, i) => (type === COL_STRING ? flags[i] & COL_ASCII_FLAG : -1)), [-1, COL_ASCII_FLAG, COL_ASCII_FLAG, -1, -1])
})

/** users-like rows for the large-table list tests: a list of numbers in every row. */
function largeRows(): Array<{ id: number; name: string; active: boolean; scores: number[] }> {
  return Array.from({ length: TABLE_WARM_MIN_ROWS + 10 }, (_, i) => ({ id: i, name: `u${i}`, active: i % 2 === 0, scores: [i * 1.5, 99.9] }))
}

t.test('regression: a large table wrote a list as a later row\'s getter left it, not as JSON read it', (t) => {
  // JSON.stringify writes row k's list when it reaches row k; a getter of a later row that
  // changes that list in place (same length, numbers still) came too late for JSON, but pass 2
  // read the list again and wrote the changed numbers.
  const build = (): ReturnType<typeof largeRows> => {
    const rows = largeRows()
    const k = rows.length - 5
    Object.defineProperty(rows[k], 'active', { enumerable: true, get: () => { rows[k - 3].scores[0] = -1; return true } })
    return rows
  }
  const expected = JSON.stringify(build())
  const rows = build()
  const msg = encode(rows, { tables: true })
  t.equal(rootTag(msg), TAG_TABLE)
  t.equal(JSON.stringify(decode<BFastTable>(msg)), expected)
  t.end()
})

t.test('regression: a large table read a list element\'s getter twice (JSON reads it once)', (t) => {
  const rows = largeRows()
  let reads = 0
  Object.defineProperty(rows[rows.length - 4].scores, 1, { enumerable: true, get: () => (++reads === 1 ? 0.25 : 7.75) })
  const msg = encode(rows, { tables: true })
  t.equal(rootTag(msg), TAG_TABLE)
  t.equal(reads, 1)
  t.same(decode<BFastTable>(msg).get(rows.length - 4)?.scores, [(rows.length - 4) * 1.5, 0.25])
  t.end()
})

t.test('a large table at the root, written straight into its output, is still a buffer of its own', (t) => {
  // src/writer.ts Writer#direct: the body goes into the output itself. The output must still be
  // what encode() promises (byteOffset 0, its .buffer the message alone), and later messages
  // must not write into it (the writer goes back to its own scratch).
  const rows = largeRows()
  const a = encode(rows, { tables: true })
  t.equal(a.byteOffset, 0)
  t.equal(a.buffer.byteLength, a.length)
  const before = Buffer.from(a)
  const other = largeRows().map((r) => ({ ...r, name: `other ${r.id}` }))
  const b = encode(other, { tables: true })
  encode({ nested: other }, { tables: true })
  encode([{ a: 1 }], { tables: true })
  t.ok(Buffer.from(a).equals(before), 'the first output is unchanged by later messages')
  t.equal(JSON.stringify(decode(a)), JSON.stringify(rows))
  t.equal(JSON.stringify(decode(b)), JSON.stringify(other))
  t.end()
})
