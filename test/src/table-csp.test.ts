/**
 * toArray() where `new Function` is forbidden (a Content-Security-Policy without
 * 'unsafe-eval'): a real Node run with --disallow-code-generation-from-strings builds the same
 * rows as a run that may compile, and the flag really forbids compiling there.
 */
import t from 'tap'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'

const script = `
import { BFastTable, decode, encode } from ${distSpecifier('src/index.js')}
let compiles = true
try { new Function('return 1') } catch { compiles = false }
const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: 'User ' + i, at: new Date(i * 1e9), tags: ['a', String(i)], score: i / 3 }))
// Wider than the store sites written out one per column (src/table.ts byStores), and narrower.
const wide = Array.from({ length: 30 }, (_, i) => Object.fromEntries(Array.from({ length: 11 }, (_, k) => ['k' + k, k % 2 === 0 ? i * k : 'v' + i + '.' + k])))
const narrow = Array.from({ length: 30 }, (_, i) => ({ x: i }))
const table = decode(encode(rows, { tables: true }))
const tables = [table, decode(encode(wide, { tables: true })), decode(encode(narrow, { tables: true }))]
const out = {
  compiles,
  isTable: tables.every((t) => t instanceof BFastTable),
  json: JSON.stringify(tables.map((t) => t.toArray())),
  rows: JSON.stringify([rows, wide, narrow]),
  plain: tables.every((t) => t.toArray().every((r) => Object.getPrototypeOf(r) === Object.prototype))
}
console.log(JSON.stringify(out))
`

interface Run { compiles: boolean; isTable: boolean; json: string; rows: string; plain: boolean }

function run(flags: string[]): Run {
  return moduleOutput<Run>(script, flags)
}

t.test('toArray() with and without new Function', (t) => {
  const csp = run(['--disallow-code-generation-from-strings'])
  const normal = run([])
  t.equal(csp.compiles, false, 'the flag forbids new Function')
  t.equal(normal.compiles, true)
  t.ok(csp.isTable && normal.isTable)
  t.equal(csp.json, csp.rows, 'rows built without new Function are the rows sent')
  t.equal(normal.json, normal.rows)
  t.ok(csp.plain && normal.plain, 'every row is a plain object (prototype Object.prototype)')
  t.end()
})
