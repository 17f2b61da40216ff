/**
 * Hostile tables (src/table-reader.ts, SPEC 8.5): every header and directory field, region,
 * offset, bitmap and cell of a hand-built table, each lie refused with its exact BFastError
 * code and offset; counts the bytes do not back are refused at open, before any allocation.
 */
import t from 'tap'
import { BFastTable, decode, encode } from '../../src/index.js'
import { TAG_TABLE } from '../../src/tags.js'
import { concat, u32 } from '../helpers/messages.js'
import { failure } from '../helpers/thrown.js'
import {
  COL_ANY, COL_BOOL, COL_FLOAT64, COL_INT32, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY, bits, f64s, i32s,
  stringParts, tableMessage, u32s
} from '../helpers/table-cases.js'
import type { TableSpec } from '../helpers/table-cases.js'

const ASCII = 0x04

/** A valid two-row table: id int32, name string (ascii), ok bool. */
function base(): TableSpec {
  return {
    keys: ['id', 'name', 'ok'],
    rows: 2,
    columns: [
      { key: 0, type: COL_INT32, parts: [[i32s([7, 8])]] },
      { key: 1, type: COL_STRING, flags: ASCII, parts: stringParts(['ab', 'c']) },
      { key: 2, type: COL_BOOL, parts: [[Uint8Array.of(1, 0)]] }
    ]
  }
}

t.test('the hand-built table reads as the spec says', (t) => {
  const { bytes } = tableMessage(base())
  const table = decode<BFastTable>(bytes)
  t.same(table.toArray(), [{ id: 7, name: 'ab', ok: true }, { id: 8, name: 'c', ok: false }])
  t.end()
})

interface Case {
  name: string
  spec: (s: TableSpec) => TableSpec
  /** Expected "CODE@offset"; the offset from the table's start (root) unless absolute. */
  code: string
  at: (root: number) => number
  /** Fails at open (decode) or only when the cells are read. */
  when: 'open' | 'read'
}

const DIR = 12
const entry = (i: number): number => DIR + 16 * i
/** Where base()'s parts sit, from the table start: directory 12..60, then 8-aligned regions. */
const REGION0 = 64
const STRINGS = 72
const HEAP = 88
const BOOLS = 96

const cases: Case[] = [
  { name: 'unknown table flags', spec: (s) => ({ ...s, flags: 1 }), code: 'BAD_TABLE', at: (r) => r + 1, when: 'open' },
  { name: 'zero columns', spec: (s) => ({ ...s, count: 0 }), code: 'BAD_TABLE', at: (r) => r + 2, when: 'open' },
  { name: 'more columns than the directory holds', spec: (s) => ({ ...s, count: 60 }), code: 'TRUNCATED', at: (r) => r + DIR, when: 'open' },
  { name: 'table length past the message', spec: (s) => ({ ...s, length: 0xffffffff }), code: 'TRUNCATED', at: (r) => r + 8, when: 'open' },
  { name: 'key index outside the string table', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], key: 9 }, ...s.columns.slice(1)] }), code: 'BAD_KEY_INDEX', at: (r) => r + entry(0), when: 'open' },
  { name: 'a column name twice', spec: (s) => ({ ...s, columns: [s.columns[0], { ...s.columns[1], key: 0 }, s.columns[2]] }), code: 'BAD_TABLE', at: (r) => r + entry(1), when: 'open' },
  { name: 'unknown column type 0', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], type: 0 }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 4, when: 'open' },
  { name: 'unknown column type 8', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], type: 8 }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 4, when: 'open' },
  { name: 'ascii flag on an int32 column', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], flags: ASCII }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 5, when: 'open' },
  { name: 'reserved flag bit', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], flags: 0x80 }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 5, when: 'open' },
  { name: 'child type on a non-list column', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], childType: COL_INT32 }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 6, when: 'open' },
  { name: 'region before the directory ends', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], offset: 8 }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 8, when: 'open' },
  { name: 'region past the table', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], length: 0x10000 }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 8, when: 'open' },
  { name: 'region offset 0xffffffff', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], offset: 0xffffffff }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0) + 8, when: 'open' },
  { name: 'two columns sharing one region', spec: (s) => ({ ...s, columns: [s.columns[0], { ...s.columns[0], key: 1, offset: REGION0, length: 8 }, s.columns[2]] }), code: 'BAD_TABLE', at: (r) => r + entry(1) + 8, when: 'open' },
  { name: 'int32 region one byte short', spec: (s) => ({ ...s, columns: [{ ...s.columns[0], parts: [[i32s([7]), 0, 0, 0]] }, ...s.columns.slice(1)] }), code: 'BAD_TABLE', at: (r) => r + entry(0), when: 'open' },
  { name: '1 billion rows in a 76-byte table', spec: (s) => ({ ...s, rows: 1e9 }), code: 'BAD_TABLE', at: (r) => r + entry(0), when: 'open' },
  { name: 'strings: first offset not 0', spec: (s) => ({ ...s, columns: [s.columns[0], { ...s.columns[1], parts: [[u32s([1, 2, 3])], [Uint8Array.of(97, 98, 99)]] }, s.columns[2]] }), code: 'BAD_TABLE', at: (r) => r + STRINGS, when: 'open' },
  { name: 'strings: last offset short of the heap', spec: (s) => ({ ...s, columns: [s.columns[0], { ...s.columns[1], parts: [[u32s([0, 2, 2])], [Uint8Array.of(97, 98, 99)]] }, s.columns[2]] }), code: 'BAD_TABLE', at: (r) => r + STRINGS + 8, when: 'open' },
  { name: 'strings: offsets out of order', spec: (s) => ({ ...s, columns: [s.columns[0], { ...s.columns[1], parts: [[u32s([0, 3, 2])], [Uint8Array.of(97, 98)]] }, s.columns[2]] }), code: 'BAD_TABLE', at: (r) => r + STRINGS + 4, when: 'read' },
  { name: 'strings: invalid UTF-8', spec: (s) => ({ ...s, columns: [s.columns[0], { ...s.columns[1], flags: 0, parts: [[u32s([0, 1, 2])], [Uint8Array.of(0xff, 0x41)]] }, s.columns[2]] }), code: 'BAD_UTF8', at: (r) => r + HEAP, when: 'read' },
  { name: 'bool byte 2', spec: (s) => ({ ...s, columns: [s.columns[0], s.columns[1], { ...s.columns[2], parts: [[Uint8Array.of(2, 0)]] }] }), code: 'BAD_TABLE', at: (r) => r + BOOLS, when: 'read' }
]

for (const c of cases) {
  t.test(c.name, (t) => {
    const { bytes, root } = tableMessage(c.spec(base()))
    const expected = `${c.code}@${c.at(root)}`
    if (c.when === 'open') t.equal(failure(() => decode(bytes)), expected)
    else {
      const table = decode<BFastTable>(bytes)
      t.equal(failure(() => table.toArray()), expected, 'toArray')
      t.equal(failure(() => [table.get(0), table.get(1)]), expected, 'get')
      t.equal(failure(() => JSON.stringify(table)), expected, 'JSON.stringify')
    }
    t.end()
  })
}

t.test('strings: an ascii flag on UTF-8 is checked, not trusted', (t) => {
  const spec = base()
  spec.columns[1] = { ...spec.columns[1], parts: stringParts(['é', 'c']) }
  const table = decode<BFastTable>(tableMessage(spec).bytes)
  t.same(table.toArray(), [{ id: 7, name: 'é', ok: true }, { id: 8, name: 'c', ok: false }])
  t.same(table.column('name'), ['é', 'c'])
  t.end()
})

t.test('strings: the ascii check finds a non-ASCII byte anywhere in the heap, at any memory alignment', (t) => {
  // readAscii ORs aligned u32 words with bytes before and after them: each byte position of
  // the heap, each of the four alignments of the message in memory.
  const cells = ['abcdefghij', 'klm', '', 'nopqrstuvwxyz0123', 'x']
  const text = cells.join('')
  for (let shift = 0; shift < 4; shift++) {
    for (let at = -1; at < text.length; at++) {
      let p = 0
      // 'é' (2 bytes) or 'ÿ' in place of character `at` (none for at = -1).
      const values = cells.map((c) => {
        const out = c.split('').map((ch, k) => (p + k === at ? (at % 2 === 0 ? 'é' : 'ÿ') : ch)).join('')
        p += c.length
        return out
      })
      const spec = base()
      spec.rows = values.length
      spec.columns = [{ key: 1, type: COL_STRING, flags: ASCII, parts: stringParts(values) }]
      const bytes = tableMessage(spec).bytes
      const moved = new Uint8Array(bytes.length + shift)
      moved.set(bytes, shift)
      const table = decode<BFastTable>(moved.subarray(shift))
      t.same(table.toArray(), values.map((name) => ({ name })), `shift ${shift}, non-ASCII at ${at}`)
    }
  }
  t.end()
})

t.test('strings: an ascii column of several 64 KB texts (asciiStrings): cells across texts, a cell longer than one, non-ASCII late', (t) => {
  // asciiStrings turns the heap into texts of at most 64 KB (ASCII_CHUNK), each starting at a
  // cell: ~200 KB of cells here, so three texts and more.
  const many = Array.from({ length: 8000 }, (_, i) => `cell ${i} ${'x'.repeat(i % 37)}`)
  const columns: Record<string, string[]> = {
    'ascii, several texts': many,
    'one cell longer than a text': [...many.slice(0, 3000), 'y'.repeat(100_000), ...many.slice(3000)],
    'a long cell first, empty cells between': ['z'.repeat(70_000), '', ...many.slice(0, 4000), '', ''],
    'non-ASCII in the last cell': [...many.slice(0, -1), 'caf\u00e9'],
    'non-ASCII in a middle cell': [...many.slice(0, 5000), '\u00ff', ...many.slice(5000)]
  }
  for (const [name, values] of Object.entries(columns)) {
    const spec = base()
    spec.rows = values.length
    spec.columns = [{ key: 1, type: COL_STRING, flags: ASCII, parts: stringParts(values) }]
    const bytes = tableMessage(spec).bytes
    const rows = values.map((value) => ({ name: value }))
    t.same(decode<BFastTable>(bytes).toArray(), rows, `${name}: toArray`)
    t.same(decode<BFastTable>(bytes).column('name'), values, `${name}: column`)
    const table = decode<BFastTable>(bytes)
    for (const i of [0, 1, 2999, 3000, 3001, 5000, values.length - 1].filter((i) => i < values.length)) t.same(table.get(i), rows[i], `${name}: get(${i})`)
  }
  t.end()
})

t.test('strings: offsets out of order or past the heap in a later 64 KB text of an ascii column', (t) => {
  const values = Array.from({ length: 8000 }, (_, i) => `cell ${i} ${'x'.repeat(i % 37)}`)
  const heapLength = values.reduce((sum, v) => sum + v.length, 0)
  // One column: directory 12..28, so its region (the offsets) starts 32 bytes into the table.
  const OFFSETS = 32
  for (const [name, row, value] of [['out of order', 6000, 1], ['past the heap', 7000, heapLength + 1]] as const) {
    const offsets = [0]
    for (const v of values) offsets.push(offsets[offsets.length - 1] + v.length)
    offsets[row] = value
    const spec = base()
    spec.rows = values.length
    spec.columns = [{ key: 1, type: COL_STRING, flags: ASCII, parts: [[u32s(offsets)], stringParts(values)[1]] }]
    const { bytes, root } = tableMessage(spec)
    const expected = `BAD_TABLE@${root + OFFSETS + 4 * row}`
    t.equal(failure(() => decode<BFastTable>(bytes).toArray()), expected, `${name}: toArray`)
    t.equal(failure(() => decode<BFastTable>(bytes).column('name')), expected, `${name}: column`)
  }
  t.end()
})

t.test('lists: offsets past the child, huge child counts, empty v1 elements', (t) => {
  const list = (offsets: number[], childType: number, child: Array<Array<Uint8Array | number>>, flags = 0, childFlags = 0): TableSpec => ({
    keys: ['l'], rows: 2, columns: [{ key: 0, type: COL_LIST, flags, childType, childFlags, parts: [[u32s(offsets)], ...child] }]
  })
  const ok = tableMessage(list([0, 1, 3], COL_FLOAT64, [[f64s([1.5, 2, -0])]]))
  t.same(decode<BFastTable>(ok.bytes).toArray(), [{ l: [1.5] }, { l: [2, -0] }])
  const past = tableMessage(list([0, 1, 3], COL_FLOAT64, [[f64s([1.5, 2])]]))
  t.equal(failure(() => decode(past.bytes)), `BAD_TABLE@${past.root + 12}`, 'child too short for its count')
  const huge = tableMessage(list([0, 1, 0x7fffffff], COL_BOOL, [[Uint8Array.of(1, 0)]]))
  t.equal(failure(() => decode(huge.bytes)), `BAD_TABLE@${huge.root + 32 + 8}`, '2^31 elements claimed in 2 bytes: refused at open')
  const order = tableMessage(list([0, 2, 1], COL_INT32, [[i32s([1])]]))
  t.equal(failure(() => decode<BFastTable>(order.bytes).get(0)), `BAD_TABLE@${order.root + 36}`, 'offset 2 past the child\'s 1 element')
  t.equal(failure(() => decode<BFastTable>(order.bytes).get(1)), `BAD_TABLE@${order.root + 40}`, 'offsets 2..1 out of order')
  const anyEmpty = tableMessage(list([0, 1, 2], COL_ANY, [[u32s([0, 1, 1])], [Uint8Array.of(0x10)]]))
  t.equal(failure(() => decode<BFastTable>(anyEmpty.bytes).toArray()), `BAD_TABLE@${anyEmpty.root + 32 + 16 + 4}`, 'an empty v1 list element')
  t.end()
})

t.test('lists read whole by toArray: hostile offsets refused where get() refuses them, at any memory alignment', (t) => {
  // toArray reads a list column without bitmaps in one loop over a Uint32Array of its offsets
  // (src/table-reader.ts lists, offsetsOf), a view when aligned and a copy when not: each
  // offset is checked there as listAt checks it for get(), with the same code and offset.
  const list = (offsets: number[], childType: number, child: Array<Uint8Array | number>): TableSpec => ({
    keys: ['l'], rows: offsets.length - 1, columns: [{ key: 0, type: COL_LIST, childType, parts: [[u32s(offsets)], child] }]
  })
  const cases: Array<[string, TableSpec, string | null]> = [
    ['float64 lists', list([0, 1, 3, 3], COL_FLOAT64, [f64s([1.5, 2, -0])]), null],
    ['int32 lists', list([0, 2, 2, 3], COL_INT32, [i32s([7, -1, 0])]), null],
    ['offset past the child', list([0, 2, 1], COL_INT32, [i32s([1])]), 'past'],
    ['offsets out of order', list([0, 1, 0, 1], COL_INT32, [i32s([1])]), 'order']
  ]
  for (const [name, spec, bad] of cases) {
    const { bytes, root } = tableMessage(spec)
    for (let shift = 0; shift < 4; shift++) {
      const moved = new Uint8Array(bytes.length + shift)
      moved.set(bytes, shift)
      const table = decode<BFastTable>(moved.subarray(shift))
      if (bad === null) {
        const rows = Array.from({ length: table.length }, (_, i) => table.get(i))
        t.same(table.toArray(), rows, `${name}, shift ${shift}: toArray reads what get() reads`)
        const expected = spec.columns[0].childType === COL_FLOAT64 ? [[1.5], [2, -0], []] : [[7, -1], [], [0]]
        t.strictSame(table.toArray().map((row) => row.l), expected, `${name}, shift ${shift}: the values`)
        t.ok(Object.is((table.toArray()[1] as { l: number[] }).l[1], expected[1][1]), 'a -0 stays -0')
        continue
      }
      const at = bad === 'past' ? root + 36 : root + 40
      t.equal(failure(() => table.toArray()), `BAD_TABLE@${at}`, `${name}, shift ${shift}: toArray`)
      t.equal(failure(() => table.get(bad === 'past' ? 0 : 1)), `BAD_TABLE@${at}`, `${name}, shift ${shift}: get`)
    }
  }
  t.end()
})

t.test('v1 cells: a value that does not fill its slice, one that runs past it', (t) => {
  const anyCol = (offsets: number[], area: number[]): TableSpec => ({
    keys: ['v'], rows: 2, columns: [{ key: 0, type: COL_ANY, parts: [[u32s(offsets)], [Uint8Array.from(area)]] }]
  })
  const good = tableMessage(anyCol([0, 1, 2], [0x31, 0x10]))
  t.same(decode<BFastTable>(good.bytes).toArray(), [{ v: 1 }, { v: null }])
  const extra = tableMessage(anyCol([0, 2, 3], [0x31, 0x31, 0x10]))
  t.equal(failure(() => decode<BFastTable>(extra.bytes).get(0)), `BAD_TABLE@${extra.root + 32 + 16 + 1}`)
  const short = tableMessage(anyCol([0, 4, 5], [0x50, 2, 0, 0, 0x10]))
  t.equal(failure(() => decode<BFastTable>(short.bytes).get(0)), `TRUNCATED@${short.root + 32 + 16 + 1}`)
  t.end()
})

t.test('bitmaps: presence and validity say which rows hold the key and which are null', (t) => {
  const spec: TableSpec = {
    keys: ['n'], rows: 3, columns: [{ key: 0, type: COL_INT32, flags: COL_PRESENCE | COL_VALIDITY, parts: [[bits([true, true, false])], [bits([true, false, false])], [i32s([5, 0, 0])]] }]
  }
  t.same(decode<BFastTable>(tableMessage(spec).bytes).toArray(), [{ n: 5 }, { n: null }, {}])
  const anyFlags: TableSpec = { keys: ['n'], rows: 1, columns: [{ key: 0, type: COL_ANY, flags: COL_VALIDITY, parts: [[u32s([0, 1])], [Uint8Array.of(0x10)]] }] }
  const m = tableMessage(anyFlags)
  t.equal(failure(() => decode(m.bytes)), `BAD_TABLE@${m.root + 12 + 5}`, 'no validity bitmap on v1 values')
  t.end()
})

t.test('maxDepth: the table counts as a list, its rows as objects (SPEC 8.4)', (t) => {
  const { bytes, root } = tableMessage(base())
  t.equal(failure(() => decode(bytes, { maxDepth: 1 })), `DEPTH@${root}`)
  t.equal(failure(() => decode(bytes, { maxDepth: 2 })), 'no error')
  t.end()
})

t.test('a table nested in a list: its length is checked against the list\'s end', (t) => {
  const { bytes, root } = tableMessage(base())
  const table = bytes.subarray(root)
  // The same table inside a one-element list, with the table's declared length one byte too long.
  const msg = concat(bytes.subarray(0, root), 0x60, u32(1), table)
  const lying = Uint8Array.from(msg)
  new DataView(lying.buffer).setUint32(root + 5 + 8, table.length - 12 + 1, true)
  t.equal(failure(() => decode(lying)), `TRUNCATED@${root + 5 + 8}`)
  t.end()
})

t.test('tables: false reads B-FAST v1 only (the plugin\'s request bodies): a table is UNKNOWN_TAG at its tag', (t) => {
  const rows = [{ id: 1, name: 'a' }, { id: 2, name: 'b' }]
  const bytes = encode({ rows }, { tables: true })
  t.ok(decode<{ rows: unknown }>(bytes).rows instanceof BFastTable, 'by default a table decodes as a BFastTable')
  const at = bytes.indexOf(TAG_TABLE)
  t.throws(() => decode(bytes, { tables: false }), { name: 'BFastError', code: 'UNKNOWN_TAG', offset: at })
  t.same(decode(encode({ rows }), { tables: false }), { rows }, 'v1 lists are read as ever')
  t.throws(() => decode(bytes, { tables: 'no' as unknown as boolean }), { code: 'BAD_OPTION' })
  t.end()
})
