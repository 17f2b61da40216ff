/**
 * toArray() where `new Function` is forbidden (a Content-Security-Policy without
 * 'unsafe-eval'): a real Node run with --disallow-code-generation-from-strings builds the same
 * rows as a run that may compile, and the flag really forbids compiling there.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { ROOT } from '../helpers/paths.js'

const script = `
import { BFastTable, decode, encode } from ${JSON.stringify(new URL('dist/src/index.js', 'file://' + ROOT).href)}
let compiles = true
try { new Function('return 1') } catch { compiles = false }
const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: 'User ' + i, at: new Date(i * 1e9), tags: ['a', String(i)], score: i / 3 }))
const table = decode(encode(rows, { tables: true }))
const out = { compiles, isTable: table instanceof BFastTable, json: JSON.stringify(table.toArray()), rows: JSON.stringify(rows) }
console.log(JSON.stringify(out))
`

function run(flags: string[]): { compiles: boolean; isTable: boolean; json: string; rows: string } {
  const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' })
  return JSON.parse(out) as { compiles: boolean; isTable: boolean; json: string; rows: string }
}

t.test('toArray() with and without new Function', (t) => {
  const csp = run(['--disallow-code-generation-from-strings'])
  const normal = run([])
  t.equal(csp.compiles, false, 'the flag forbids new Function')
  t.equal(normal.compiles, true)
  t.ok(csp.isTable && normal.isTable)
  t.equal(csp.json, csp.rows, 'rows built without new Function are the rows sent')
  t.equal(normal.json, normal.rows)
  t.end()
})
