/**
 * Table transforms (src/table-transforms.ts, SPEC 8.6): tables written with `transforms: true`
 * read back exactly as without (every column type, every decode option, nested tables); a
 * transformed table built by hand from the spec reads as the spec says; the transforms keep
 * every size and position; lengths that lie are BAD_TABLE at their slot, found when the column
 * is first read (opening stays O(columns)), never a RangeError; unknown flags stay BAD_TABLE.
 */
import t from 'tap'
import fc from 'fast-check'
import { BFastError, BFastTable, decode, encode } from '../../src/index.js'
import type { DecodeOptions } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import { TABLE_DELTA, TABLE_SHUFFLE } from '../../src/tags.js'
import { concat } from '../helpers/messages.js'
import { failure } from '../helpers/thrown.js'
import { materialize, sameValue, users } from '../helpers/tagged.js'
import {
  COL_ANY, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_STRING, COL_VALIDITY, bits, f64s, i32s, recordsArb,
  tableMessage, u32s
} from '../helpers/table-cases.js'
import type { TableSpec } from '../helpers/table-cases.js'

const SEED = 0x7f0a5
const RUNS = 500
const BOTH = TABLE_DELTA | TABLE_SHUFFLE

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() }
  } catch (err) {
    return err instanceof BFastError ? { code: err.code } : { other: String(err) }
  }
}

/** SPEC 8.6 DELTA, from the spec: slot 0 the last offset, then each item's length. */
function deltaSlots(lengths: readonly number[]): Uint8Array {
  return u32s([lengths.reduce((a, b) => a + b, 0), ...lengths])
}

/** SPEC 8.6 SHUFFLE, from the spec: byte k of item i at k * n + i. */
function shuffled(items: Uint8Array, width: number): Uint8Array {
  const n = items.length / width
  const out = new Uint8Array(items.length)
  for (let i = 0; i < n; i++) for (let k = 0; k < width; k++) out[k * n + i] = items[i * width + k]
  return out
}

function i64s(values: readonly bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8)
  const dv = new DataView(b.buffer)
  values.forEach((v, i) => dv.setBigInt64(i * 8, v, true))
  return b
}

const enc = new TextEncoder()

/** Three rows, every transformed part kind: int32, int64, float64 (nullable), strings, list of float64, any. */
function handBuilt(): TableSpec {
  return {
    keys: ['id', 'big', 'f', 'name', 'xs', 'v'],
    rows: 3,
    flags: BOTH,
    columns: [
      { key: 0, type: COL_INT32, parts: [[shuffled(i32s([1000, 1001, -2]), 4)]] },
      { key: 1, type: COL_INT64, parts: [[shuffled(i64s([2n ** 40n, -(2n ** 50n), 9n]), 8)]] },
      { key: 2, type: COL_FLOAT64, flags: COL_VALIDITY, parts: [[bits([true, false, true])], [shuffled(f64s([0.5, 0, -0]), 8)]] },
      { key: 3, type: COL_STRING, parts: [[deltaSlots([2, 0, 3])], [enc.encode('abxyz')]] },
      {
        key: 4,
        type: COL_LIST,
        childType: COL_FLOAT64,
        parts: [[deltaSlots([2, 0, 1])], [shuffled(f64s([1.5, 2.5, 99.9]), 8)]]
      },
      // v1 values: the string "q" (0x50, u32 1, 'q'), true (0x21), null (0x10).
      { key: 5, type: COL_ANY, parts: [[deltaSlots([6, 1, 1])], [concat(0x50, 1, 0, 0, 0, 0x71, 0x21, 0x10)]] }
    ]
  }
}

const HAND_ROWS = [
  { id: 1000, big: 2 ** 40, f: 0.5, name: 'ab', xs: [1.5, 2.5], v: 'q' },
  { id: 1001, big: -(2 ** 50), f: null, name: '', xs: [], v: true },
  { id: -2, big: 9, f: -0, name: 'xyz', xs: [99.9], v: null }
]

t.test('a transformed table built from SPEC 8.6 reads as the spec says, through every accessor', (t) => {
  const { bytes } = tableMessage(handBuilt())
  const table = decode<BFastTable>(bytes)
  t.equal(sameValue(table.toArray(), HAND_ROWS), undefined, 'toArray()')
  for (let i = 0; i < 3; i++) t.equal(sameValue(decode<BFastTable>(bytes).get(i), HAND_ROWS[i]), undefined, `get(${i}) first`)
  t.same([...decode<BFastTable>(bytes).column('id') as Int32Array], [1000, 1001, -2], 'column(id) unshuffled')
  t.same([...decode<BFastTable>(bytes).column('big') as BigInt64Array], [2n ** 40n, -(2n ** 50n), 9n], 'column(big)')
  t.equal(JSON.stringify(decode(bytes)), JSON.stringify(HAND_ROWS))
  t.end()
})

t.test('the writer writes SPEC 8.6 exactly: flags 0x18, the same size, each part rearranged as the spec says', (t) => {
  const rows = [{ id: 1000, name: 'ab', xs: [1.5, 2.5] }, { id: 1001, name: 'xyz', xs: [99.9] }]
  const plain = encode(rows, { tables: true })
  const done = encode(rows, { tables: true, transforms: true })
  t.equal(done.length, plain.length, 'same length')
  const at = plain.indexOf(0xa0)
  t.equal(done[at + 1], BOTH, 'table flags DELTA | SHUFFLE')
  // Spot checks against the spec: the id part, the name offsets, the list offsets.
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
  t.ok(hex(done).includes(hex(shuffled(i32s([1000, 1001]), 4))), 'id items shuffled')
  t.ok(hex(done).includes(hex(deltaSlots([2, 3]))), 'name offsets as the last offset, then lengths')
  t.ok(hex(done).includes(hex(concat(deltaSlots([2, 1]), new Uint8Array(4), shuffled(f64s([1.5, 2.5, 99.9]), 8)))), 'list offsets and child')
  t.end()
})

t.test('users-10k: transformed, every accessor, and much smaller under LZ4', (t) => {
  const rows = users(10_000)
  const bytes = encode(rows, { tables: true, transforms: true })
  t.equal(sameValue(decode<BFastTable>(bytes).toArray(), rows), undefined, 'toArray()')
  t.equal(sameValue(decode<BFastTable>(bytes).get(4321), rows[4321]), undefined, 'get(i) before any column is undone')
  t.equal(sameValue([...decode<BFastTable>(bytes)], rows), undefined, 'iteration')
  t.equal(JSON.stringify(decode(bytes)), JSON.stringify(rows))
  const ids = decode<BFastTable>(bytes).column('id')
  t.ok(ids instanceof Int32Array && ids.byteOffset % 4 === 0 && ids[9999] === 9999, 'column(id): an aligned Int32Array copy')
  const plainLz4 = compress(encode(rows, { tables: true })).length
  const lz4 = compress(bytes).length
  t.ok(lz4 < plainLz4 * 0.4, `table + LZ4 ${lz4} bytes transformed, ${plainLz4} plain`)
  t.end()
})

t.test('arbitrary records: transformed tables read back as the v1 list does, under every decode option', (t) => {
  const optionSets: DecodeOptions[] = [
    {}, { int64: 'bigint' }, { int64: 'number' }, { dates: 'string' }, { copyBinary: true }, { float64Array: 'array' }
  ]
  t.doesNotThrow(() => {
    fc.assert(fc.property(recordsArb, fc.constantFrom(...optionSets), fc.boolean(), (rows, options, nest) => {
      const value = nest ? { rows, more: [rows, 1], cells: [{ inner: rows }] } : rows
      const v1 = outcome(() => decode(encode(value), options))
      const done = encode(value, { tables: true, transforms: true })
      t.equal(done.length, encode(value, { tables: true }).length)
      const diff = sameValue(outcome(() => materialize(decode(done, options))), v1)
      if (diff !== undefined) throw new Error(`${diff} (options ${JSON.stringify(options)})`)
      const table = decode(done, options)
      if (!(table instanceof BFastTable)) return
      // Row by row first (each column undone on first access), then columns.
      for (let i = 0; i < table.length; i++) {
        const d = sameValue(materialize(table.get(i)), materialize((v1 as { value: unknown[] }).value[i]))
        if (d !== undefined) throw new Error(`get(${i}): ${d}`)
      }
      for (const name of table.columnNames) {
        const col = decode<BFastTable>(done, options).column(name) as ArrayLike<unknown>
        if (col.length !== table.length) throw new Error(`column(${name}) has ${col.length} items`)
      }
    }), { seed: SEED, numRuns: RUNS })
  })
  t.end()
})

t.test('transforms without tables change nothing; the option is checked', (t) => {
  const rows = users(50)
  t.same(encode(rows, { transforms: true }), encode(rows), 'v1 bytes unchanged')
  t.equal(failure(() => encode(rows, { tables: true, transforms: 1 as unknown as boolean })), 'BAD_OPTION@0')
  t.end()
})

// ---- hostile transformed tables ---------------------------------------------------------------

/** Two string rows, DELTA: slots [total, len0, len1] then the heap. */
function lengths(total: number, a: number, b: number, heap = 'abc'): TableSpec {
  return {
    keys: ['s'],
    rows: 2,
    flags: TABLE_DELTA,
    columns: [{ key: 0, type: COL_STRING, parts: [[u32s([total, a, b])], [enc.encode(heap)]] }]
  }
}

t.test('regression: DELTA lengths that lie are BAD_TABLE at their slot, found on first read, never a RangeError', (t) => {
  const cases: Array<{ name: string; spec: TableSpec; when: 'open' | 'read'; slot: number }> = [
    { name: 'a length past the heap', spec: lengths(3, 4, 0), when: 'read', slot: 1 },
    { name: 'lengths summing past the last offset', spec: lengths(3, 2, 2), when: 'read', slot: 2 },
    { name: 'lengths summing short of the last offset', spec: lengths(3, 1, 1), when: 'read', slot: 0 },
    { name: 'u32 lengths that would overflow', spec: lengths(3, 0xffffffff, 4), when: 'read', slot: 1 },
    { name: 'a last offset other than the heap size', spec: lengths(2, 1, 1), when: 'open', slot: 0 },
    { name: 'a last offset of 2^32 - 1', spec: lengths(0xffffffff, 1, 2), when: 'open', slot: 0 }
  ]
  for (const c of cases) {
    const { bytes, root } = tableMessage(c.spec)
    // The offsets part is the first region: directory 12..28, then 8-aligned from the message start.
    const part = Math.ceil((root + 28) / 8) * 8
    const expected = `BAD_TABLE@${part + 4 * c.slot}`
    if (c.when === 'open') {
      t.equal(failure(() => decode(bytes)), expected, `${c.name}: at open`)
      continue
    }
    t.equal(failure(() => decode(bytes)), 'no error', `${c.name}: opening does not add the lengths up`)
    t.equal(failure(() => decode<BFastTable>(bytes).get(1)), expected, `${c.name}: get`)
    t.equal(failure(() => decode<BFastTable>(bytes).toArray()), expected, `${c.name}: toArray`)
    t.equal(failure(() => decode<BFastTable>(bytes).column('s')), expected, `${c.name}: column`)
    const table = decode<BFastTable>(bytes)
    failure(() => table.get(0))
    t.equal(failure(() => table.get(0)), expected, `${c.name}: again after a failure`)
  }
  t.end()
})

t.test('regression: a list whose DELTA lengths lie never reads past its child', (t) => {
  const spec: TableSpec = {
    keys: ['xs'],
    rows: 2,
    flags: BOTH,
    columns: [{ key: 0, type: COL_LIST, childType: COL_FLOAT64, parts: [[u32s([2, 3, 0xfffffffe])], [f64s([1, 2])]] }]
  }
  const { bytes } = tableMessage(spec)
  const got = failure(() => decode<BFastTable>(bytes).toArray())
  t.match(got, /^BAD_TABLE@\d+$/)
  t.end()
})

t.test('other table flags are still BAD_TABLE; a plain table is read as before', (t) => {
  for (const flags of [0x01, 0x02, 0x04, 0x20, 0x80, BOTH | 0x40]) {
    const { bytes, root } = tableMessage({ ...handBuilt(), flags })
    t.equal(failure(() => decode(bytes)), `BAD_TABLE@${root + 1}`, `flags 0x${flags.toString(16)}`)
  }
  t.end()
})

t.test('each transform alone is read as the spec says', (t) => {
  const shuffleOnly: TableSpec = {
    keys: ['id', 'name'],
    rows: 2,
    flags: TABLE_SHUFFLE,
    columns: [
      { key: 0, type: COL_INT32, parts: [[shuffled(i32s([7, 300]), 4)]] },
      { key: 1, type: COL_STRING, parts: [[u32s([0, 2, 3])], [enc.encode('abc')]] }
    ]
  }
  t.same(decode<BFastTable>(tableMessage(shuffleOnly).bytes).toArray(), [{ id: 7, name: 'ab' }, { id: 300, name: 'c' }])
  const deltaOnly: TableSpec = {
    keys: ['id', 'name'],
    rows: 2,
    flags: TABLE_DELTA,
    columns: [
      { key: 0, type: COL_INT32, parts: [[i32s([7, 300])]] },
      { key: 1, type: COL_STRING, parts: [[deltaSlots([2, 1])], [enc.encode('abc')]] }
    ]
  }
  t.same(decode<BFastTable>(tableMessage(deltaOnly).bytes).toArray(), [{ id: 7, name: 'ab' }, { id: 300, name: 'c' }])
  t.end()
})

t.test('regression: a table an object toJSON rewound over is not transformed (stale position)', (t) => {
  const inner = {
    rows: [{ a: 1.5, s: 'x' }, { a: 2.5, s: 'yy' }],
    toJSON: () => ({ x: [{ b: 0.25, s: 'zzz' }, { b: 0.5, s: '' }], pad: 'p'.repeat(40) })
  }
  const value = { first: [{ k: 1 }, { k: 2 }], inner, last: [{ k: 3.5 }] }
  const expected: unknown = JSON.parse(JSON.stringify(value))
  const bytes = encode(value, { tables: true, transforms: true })
  t.equal(bytes.length, encode(value, { tables: true }).length)
  t.equal(JSON.stringify(decode(bytes)), JSON.stringify(expected))
  t.end()
})

t.test('a transformed message at an unaligned address reads the same (the DataView path), errors included', (t) => {
  const at = (bytes: Uint8Array): Uint8Array => {
    const buf = new Uint8Array(bytes.length + 1)
    buf.set(bytes, 1)
    return buf.subarray(1)
  }
  const rows = users(500)
  const bytes = at(encode(rows, { tables: true, transforms: true }))
  t.equal(sameValue(decode<BFastTable>(bytes).toArray(), rows), undefined, 'toArray()')
  t.same([...(decode<BFastTable>(bytes).column('id') as Int32Array)].slice(0, 3), [0, 1, 2], 'column(id)')
  const { bytes: lying, root } = tableMessage(lengths(3, 2, 2))
  const part = Math.ceil((root + 28) / 8) * 8
  t.equal(failure(() => decode<BFastTable>(at(lying)).toArray()), `BAD_TABLE@${part + 8}`, 'the lying slot, found the same way')
  t.end()
})
