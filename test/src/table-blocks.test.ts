/**
 * toArray() of tables of more than TABLE_READ_BLOCK rows (src/table.ts inBlocks): the columns are
 * read a block of rows at a time into reused scratch arrays. The rows are the ones v1 decode
 * returns (hand-picked and fast-check tables, with and without `new Function`), and every hostile
 * offset or byte in any block, at block boundaries included, is refused with the code and
 * offset get() refuses it with.
 */
import fc from 'fast-check'
import t from 'tap'
import { BFastTable, decode, encode } from '../../src/index.js'
import { TABLE_READ_BLOCK } from '../../src/limits.js'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'
import { failure } from '../helpers/thrown.js'
import { sameValue } from '../helpers/tagged.js'
import { COL_BOOL, COL_INT32, COL_LIST, COL_STRING, i32s, tableMessage } from '../helpers/table-cases.js'
import type { TableSpec } from '../helpers/table-cases.js'

const ASCII = 0x04
const B = TABLE_READ_BLOCK
/** Two full blocks and a short one: at least 32,768 rows (a u16 row index would wrap). */
const N = Math.max(2 * B + 5, 32_768 + 3)

/** Rows of every column kind, with a non-ASCII name, a missing key and a v1 value in later blocks only. */
function mixedRows(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => {
    const row: Record<string, unknown> = {
      id: i,
      big: i % 3 === 0 ? 2 ** 40 + i : -i,
      name: i === B + 9 ? 'Zoë ' + i : 'User ' + i,
      ok: i % 5 === 0,
      scores: i % 4 === 0 ? [] : [i * 1.5, -0, 99.9],
      maybe: i % 7 === 0 ? null : i / 2,
      tags: ['t' + (i % 3)]
    }
    if (i % 11 !== 3 || i < B) row.opt = 'o' + i
    row.when = i === 2 * B + 1 ? new Date(i * 1e6) : { at: i }
    return row
  })
}

t.test('toArray of a table of several blocks: the rows v1 decode returns', (t) => {
  t.ok(B * 8 < 128 * 1024, 'a block of cells is under V8\'s largest regular object')
  const rows = mixedRows(N)
  for (const options of [undefined, { int64: 'bigint' as const }, { int64: 'number' as const }]) {
    const table = decode<BFastTable>(encode(rows, { tables: true }), options)
    t.ok(table instanceof BFastTable)
    t.equal(table.length, N)
    t.equal(sameValue(table.toArray(), decode(encode(rows), options)), undefined, `options ${JSON.stringify(options)}`)
    t.equal(sameValue(table.toArray(), Array.from({ length: N }, (_, i) => table.get(i))), undefined, 'toArray twice, as get() reads')
  }
  // Every cell present: the blocks go through the row builder (one constructor, keys in column order).
  const plain = Array.from({ length: N }, (_, i) => ({ id: i, name: 'n' + i, ok: i % 2 === 0, l: [i, i + 0.5] }))
  const table = decode<BFastTable>(encode(plain, { tables: true }))
  const got = table.toArray()
  t.equal(sameValue(got, decode(encode(plain))), undefined)
  t.ok(got.every((r) => Object.getPrototypeOf(r) === Object.prototype), 'plain objects')
  t.equal(sameValue(table.get(B), plain[B]), undefined, 'get() after toArray')
  t.end()
})

t.test('fast-check: tables of one to three blocks read as v1 decode reads them', (t) => {
  const value = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.string(), fc.string({ unit: 'grapheme' }), fc.boolean(), fc.constant(null))
  const template = fc.record({
    a: fc.integer(),
    b: fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })),
    c: fc.boolean(),
    d: fc.array(fc.double(), { maxLength: 3 }),
    e: value,
    f: fc.option(fc.double())
  }, { requiredKeys: ['a', 'b', 'c', 'd'] })
  let tables = 0
  fc.assert(fc.property(
    fc.array(template, { minLength: 1, maxLength: 6 }), fc.integer({ min: B - 2, max: 2 * B + 3 }), fc.nat(),
    (templates, n, seed) => {
      const rows = Array.from({ length: n }, (_, i) => templates[(i * 7919 + seed) % templates.length])
      const back = decode(encode(rows, { tables: true }))
      const v1 = decode(encode(rows))
      if (back instanceof BFastTable) {
        tables++
        return sameValue(back.toArray(), v1) === undefined
      }
      return sameValue(back, v1) === undefined
    }
  ), { seed: 14, numRuns: 12 })
  t.ok(tables > 0, `${tables} of the runs were tables`)
  t.end()
})

t.test('toArray of several blocks without new Function: the rows v1 decode returns', (t) => {
  const script = `
import { BFastTable, decode, encode } from ${distSpecifier('src/index.js')}
import { sameValue } from ${distSpecifier('test/helpers/tagged.js')}
let compiles = true
try { new Function('return 1') } catch { compiles = false }
const rows = Array.from({ length: ${N} }, (_, i) => ({ id: i, name: 'User ' + i, ok: i % 3 === 0, s: [i / 3], when: new Date(i) }))
const table = decode(encode(rows, { tables: true }))
console.log(JSON.stringify({ compiles, table: table instanceof BFastTable, diff: sameValue(table.toArray(), decode(encode(rows))) ?? null }))
`
  for (const flags of [['--disallow-code-generation-from-strings'], []]) {
    const out = moduleOutput<{ compiles: boolean; table: boolean; diff: string | null }>(script, flags)
    t.equal(out.compiles, flags.length === 0)
    t.ok(out.table)
    t.equal(out.diff, null, `flags ${flags.join(' ')}`)
  }
  t.end()
})

/** A hand-built table of n rows: name (ASCII-flagged string), ok (bool), l (list of int32). */
function spec(n: number, names: Uint8Array[], ok: Uint8Array, listOffsets: number[]): TableSpec {
  const offsets = [0]
  for (const h of names) offsets.push(offsets[offsets.length - 1] + h.length)
  const heap = new Uint8Array(offsets[n])
  names.forEach((h, i) => heap.set(h, offsets[i]))
  return {
    keys: ['name', 'ok', 'l'],
    rows: n,
    columns: [
      { key: 0, type: COL_STRING, flags: ASCII, parts: [[i32s(offsets)], [heap]] },
      { key: 1, type: COL_BOOL, parts: [[ok]] },
      { key: 2, type: COL_LIST, childType: COL_INT32, parts: [[i32s(listOffsets)], [i32s(Array.from({ length: listOffsets[n] }, (_, k) => k))]] }
    ]
  }
}

t.test('hostile cells in any block: toArray refuses them where get() does, block boundaries included', (t) => {
  const n = 2 * B + 5
  const enc = new TextEncoder()
  const names = (): Uint8Array[] => Array.from({ length: n }, (_, i) => enc.encode('u' + i))
  const ok = (): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 2)
  const lists = (): number[] => Array.from({ length: n + 1 }, (_, i) => 2 * i)
  const good = decode<BFastTable>(tableMessage(spec(n, names(), ok(), lists())).bytes)
  t.equal(sameValue(good.toArray(), Array.from({ length: n }, (_, i) => ({ name: 'u' + i, ok: i % 2 === 1, l: [2 * i, 2 * i + 1] }))), undefined, 'the valid table')
  for (const row of [1, B - 1, B, B + 1, 2 * B - 1, 2 * B, n - 1]) {
    // Each case names the row whose cell get() refuses.
    const cases: Array<[string, TableSpec]> = []
    const nm = names()
    nm[row] = Uint8Array.of(0x61, 0xff)
    cases.push(['invalid UTF-8 in an ASCII-flagged column', spec(n, nm, ok(), lists())])
    const bo = ok()
    bo[row] = 2
    cases.push(['a boolean byte 2', spec(n, names(), bo, lists())])
    const past = lists()
    for (let i = row + 1; i <= n; i++) past[i] = 2 * n + 1
    cases.push(['a list offset past the child', { ...spec(n, names(), ok(), lists()), columns: spec(n, names(), ok(), lists()).columns.map((c, k) => k === 2 ? { ...c, parts: [[i32s(past)], [i32s(Array.from({ length: 2 * n }, (_, k) => k))]] } : c) }])
    if (row < n - 1) {
      // (At the last row the lie would be the child's count: the row before is refused first.)
      const order = lists()
      order[row + 1] = order[row] - 1
      cases.push(['list offsets out of order', spec(n, names(), ok(), order)])
    }
    for (const [name, hostile] of cases) {
      const { bytes } = tableMessage(hostile)
      const expected = failure(() => decode<BFastTable>(bytes).get(row))
      t.not(expected, 'no error', `${name}, row ${row}: get() refuses it`)
      t.equal(failure(() => decode<BFastTable>(bytes).toArray()), expected, `${name}, row ${row}`)
    }
    // String offsets that lie, written over the valid table's bytes (ASCII path: checked before any cut).
    for (const lie of ['order', 'past'] as const) {
      const { bytes, root } = tableMessage(spec(n, names(), ok(), lists()))
      const table = decode<BFastTable>(bytes)
      const part = root + 12 + 3 * 16 + 4 // name's offsets start right after the directory (8-aligned)
      const view = new DataView(bytes.buffer, bytes.byteOffset)
      const slot = part + 4 * (row + 1)
      t.equal(view.getUint32(slot, true), enc.encode(Array.from({ length: row + 1 }, (_, i) => 'u' + i).join('')).length, 'the slot found')
      view.setUint32(slot, lie === 'order' ? view.getUint32(slot - 4, true) - 1 : 0x7fffffff, true)
      const expected = failure(() => table.get(row))
      t.equal(expected, `BAD_TABLE@${slot}`, `string offset ${lie}, row ${row}: get()`)
      t.equal(failure(() => decode<BFastTable>(bytes).toArray()), expected, `string offset ${lie}, row ${row}: toArray`)
    }
  }
  t.end()
})
