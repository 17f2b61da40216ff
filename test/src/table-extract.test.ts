/**
 * The generated row extractors of the table writer (src/table-extract.ts): runs of rows of one
 * key list, broken by every kind of other row, give the bytes the generic row loop gives (a real
 * Node run with --disallow-code-generation-from-strings, where nothing is compiled), read back as
 * the rows, and read each member once.
 */
import t from 'tap'
import { BFastTable, decode, encode } from '../../src/index.js'
import { TABLE_EXTRACT_MIN_ROWS } from '../../src/limits.js'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'

/** Rows long enough for the extractor, broken at row `at` by `odd(row)` (a new row, or the same). */
const cases = `
const N = ${4 * TABLE_EXTRACT_MIN_ROWS}
const at = N / 2
const user = (i) => ({ id: i, name: 'User ' + i, email: 'user' + i + '@example.com', active: i % 2 === 0, scores: [i * 1.5, i, 99.9] })
const broken = (odd) => Array.from({ length: N }, (_, i) => (i === at ? odd(user(i), i) : user(i)))
class Row { constructor (u) { Object.assign(this, u) } }
export const cases = {
  'one shape': broken((u) => u),
  'keys in another order (v1)': broken((u) => ({ id: u.id, email: u.email, name: u.name, active: u.active, scores: u.scores })),
  'an extra key': broken((u) => ({ ...u, zip: 'z' })),
  'a key missing': broken(({ name, ...u }) => u),
  'an undefined member': broken((u) => ({ ...u, name: undefined })),
  'a function member': broken((u) => ({ ...u, active: () => 1 })),
  'a null-prototype row': broken((u) => Object.assign(Object.create(null), u)),
  'a class instance (v1)': broken((u) => new Row(u)),
  'an own toJSON (v1)': broken((u) => ({ ...u, toJSON: () => 1 })),
  'an array row (v1)': broken(() => [1, 2]),
  'kinds changing from the odd row on': Array.from({ length: N }, (_, i) => (i < at ? user(i) : { id: i * 1.5, name: i % 3 === 0 ? null : i, email: 'é' + i, active: i % 5 === 0 ? null : true, scores: i % 2 ? null : [1, 'x', null, undefined] })),
  'undefined members inside the run': Array.from({ length: N }, (_, i) => ({ ...user(i), name: i % 9 === 0 ? undefined : 'n' + i })),
  'bigints and dates after the first row': Array.from({ length: N }, (_, i) => ({ id: i === 0 ? 1 : BigInt(i) << 40n, at: new Date(i) })),
  'a key named __proto__': Array.from({ length: N }, (_, i) => JSON.parse('{"a":' + i + ',"__proto__":' + i + '}')),
  'a column turning int, float, then string late':
    Array.from({ length: N }, (_, i) => ({ ...user(i), id: i < at ? i : i < at + 9 ? i + 0.5 : 'id' + i })),
  // Number and boolean columns kept in typed scratch by the extractor (src/table-writer.ts adopt), moved back
  // to values (spill) at the first cell of another kind, a row leaving them out, or rows after the run.
  'a boolean column meeting a number late': broken((u) => ({ ...u, active: 1 })),
  'a number column meeting a boolean late': broken((u) => ({ ...u, id: true })),
  'typed columns meeting null late': broken((u) => ({ ...u, id: null, active: null })),
  'bigints and dates late in typed columns': broken((u) => ({ ...u, id: 5n, active: new Date(0) })),
  'typed columns left out by one row': broken(({ id, active, ...u }) => u),
  'typed columns undefined in one row': broken((u) => ({ ...u, id: undefined, active: undefined })),
  'typed columns left out by the last rows': Array.from({ length: N }, (_, i) => {
    const { id, active, ...u } = user(i)
    return i < N - 3 ? { id, ...u, active } : u
  }),
  'typed numbers of every kind': Array.from({ length: N }, (_, i) => ({
    ...user(i), id: [i, -i, 0.5 * i, -0, NaN, Infinity, -Infinity, 2 ** 40 + i, -(2 ** 53 - 1), 2 ** 60, 7, 8][i % 12]
  })),
  'a number column holding a string in one row': broken((u) => ({ ...u, id: String(u.id) })),
  // A getter of one row that adds a key to the next: JSON takes that row's keys after the getter ran, so must the
  // writer (a writer that checked every row's keys before reading any member would write the next row without it).
  'a getter that adds a key to the next row': (() => {
    const rows = broken((u) => u)
    Object.defineProperty(rows[at], 'name', { enumerable: true, get () { rows[at + 1].zip = 'z'; return 'n' } })
    return rows
  })()
}
`

const script = `
import { encode } from ${distSpecifier('src/index.js')}
${cases}
let compiles = true
try { new Function('return 1') } catch { compiles = false }
const out = { compiles, bytes: {} }
for (const [name, rows] of Object.entries(cases)) out.bytes[name] = Buffer.from(encode(rows, { tables: true })).toString('hex')
console.log(JSON.stringify(out))
`

interface Run { compiles: boolean; bytes: Record<string, string> }

function run(flags: string[]): Run {
  return moduleOutput<Run>(script, flags)
}

t.test('extracted runs give the bytes of the generic row loop', (t) => {
  const csp = run(['--disallow-code-generation-from-strings'])
  const normal = run([])
  t.equal(csp.compiles, false, 'the flag forbids new Function')
  t.equal(normal.compiles, true)
  t.same(Object.keys(normal.bytes), Object.keys(csp.bytes))
  for (const name of Object.keys(csp.bytes)) t.equal(normal.bytes[name], csp.bytes[name], name)
  t.end()
})

t.test('extracted runs read back as the rows, key order included', async (t) => {
  const { cases: all } = (await import(`data:text/javascript,${encodeURIComponent(cases)}`)) as {
    cases: Record<string, unknown[]>
  }
  for (const [name, rows] of Object.entries(all)) {
    const back = decode(encode(rows, { tables: true }))
    t.equal(back instanceof BFastTable, !name.endsWith('(v1)'), name)
    const plain = back instanceof BFastTable ? back.toArray() : back
    // JSON cannot carry bigints: compare those rows' values directly.
    if (name.startsWith('bigints')) t.same(plain, rows, name)
    else t.equal(JSON.stringify(plain), JSON.stringify(rows), name)
  }
})

t.test('typed number and boolean columns give back every value exactly, table after table', (t) => {
  // The typed scratch is reused across tables: a shorter table after a longer one, and one whose typed column is
  // left out by its last rows, must not read a value of the earlier table.
  const n = 4 * TABLE_EXTRACT_MIN_ROWS
  const odd = [-0, NaN, Infinity, -Infinity, 0.1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, 2 ** 60, 5e-324]
  for (const [rows, last] of [[n * 3, n * 3], [n, n - 2], [n, n], [n * 2, 1]]) {
    const table = Array.from({ length: rows }, (_, i) =>
      i < last ? { x: odd[i % odd.length] * (i + 1), y: i % 3 === 0, z: i } : { z: i })
    const back = decode(encode(table, { tables: true })) as BFastTable
    t.ok(back instanceof BFastTable)
    const plain = back.toArray() as Record<string, unknown>[]
    t.equal(plain.length, rows)
    let wrong = 0
    for (let i = 0; i < rows; i++) {
      const a = table[i] as Record<string, unknown>
      const b = plain[i]
      if (!Object.is(a.x, b.x) || a.y !== b.y || a.z !== b.z || Object.keys(a).join() !== Object.keys(b).join()) wrong++
    }
    t.equal(wrong, 0, `${rows} rows, the typed columns in ${last}`)
  }
  t.end()
})

t.test('each member of an extracted row is read once, as JSON reads it', (t) => {
  let reads = 0
  const rows = Array.from({ length: 4 * TABLE_EXTRACT_MIN_ROWS }, (_, i) => ({
    id: i,
    get name() {
      reads++
      return `n${i}`
    }
  }))
  const back = decode(encode(rows, { tables: true })) as BFastTable
  t.equal(reads, rows.length)
  t.ok(back instanceof BFastTable)
  t.equal(JSON.stringify(back), JSON.stringify(rows))
  t.end()
})
