/**
 * client/plain-values.ts (issue 16 item 5): `withoutTables` turns every table of a decoded reply
 * into its rows, nested ones too, and walks the rows of a table only where a cell can hold
 * another table (SPEC 8.4: a cell of type any, itself or as a list's items).
 */
import t from 'tap'
import { withoutTables } from '../../client/plain-values.js'
import { BFastTable, decode, encode } from '../../src/index.js'
import { cellsMayHoldTables } from '../../src/table.js'

const flat = [{ id: 1, name: 'Ada', tags: ['a', 'b'] }, { id: 2, name: 'Bob', tags: [] }]
const nested = [
  { id: 1, members: [{ id: 10 }, { id: 11 }] },
  { id: 2, members: [{ id: 20 }] }
]
const listsOfRecords = [{ id: 1, groups: [[{ id: 3 }], [{ id: 4 }]] }, { id: 2, groups: [] }]

/** How many BFastTables `value` holds, at any depth. */
function tablesIn(value: unknown): number {
  if (value instanceof BFastTable) return 1 + tablesIn(value.toArray())
  if (typeof value !== 'object' || value === null) return 0
  return Object.values(value).reduce((n: number, v) => n + tablesIn(v), 0)
}

function tableOf(rows: object[]): BFastTable<object> {
  const table = decode(encode(rows, { tables: true }))
  if (!(table instanceof BFastTable)) throw new Error('not a table')
  return table
}

t.test('cellsMayHoldTables: only tables with cells of type any', async (t) => {
  t.equal(cellsMayHoldTables(tableOf(flat)), false, 'numbers, strings and lists of strings')
  t.equal(cellsMayHoldTables(tableOf(nested)), true, 'a column of arrays of records')
  t.equal(cellsMayHoldTables(tableOf(listsOfRecords)), true, 'a list column whose items hold records')
})

t.test('withoutTables: the plain rows, nested tables included', async (t) => {
  // Decoded tables per case: the outer one, and in the last one a table per list of records.
  const cases = [['flat', flat, 1], ['nested', nested, 1], ['lists of records', listsOfRecords, 3]] as const
  for (const [name, rows, tables] of cases) {
    const decoded = decode(encode({ rows, n: rows.length }, { tables: true }))
    t.equal(tablesIn(decoded), tables, `${name}: tables decoded`)
    const value = withoutTables(decoded)
    t.equal(tablesIn(value), 0, `${name}: no table left`)
    t.same(value, { rows, n: rows.length }, name)
  }
  const plain = { a: [1, 2], b: { c: 'd' } }
  t.equal(withoutTables(plain), plain, 'a value without tables is returned as it is')
})
