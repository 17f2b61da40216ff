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

// Regression (byStores went megamorphic): the reader's key strings are not V8's internalized
// names and a full GC collected the rows' hidden classes; rows are now stored through
// internalized names and their shapes pinned. Same rows across a full GC, with index-like and
// Object.prototype-named keys, as v1 decodes them.
const regression = `
import { decode, encode } from ${distSpecifier('src/index.js')}
const rows = Array.from({ length: 40 }, (_, i) => ({ b: i, 0: 'zero' + i, 10: i % 2 === 0, constructor: 'c' + i, toString: [i], hasOwnProperty: null }))
const bytes = encode(rows, { tables: true })
const first = decode(bytes).toArray()
globalThis.gc()
const second = decode(bytes).toArray()
globalThis.gc()
const third = decode(bytes).toArray()
const v1 = decode(encode(rows))
const same = (a) => a.every((r, i) => JSON.stringify(Object.entries(r)) === JSON.stringify(Object.entries(v1[i])))
console.log(JSON.stringify({
  same: [first, second, third].map(same),
  plain: [first, second, third].every((a) => a.every((r) => Object.getPrototypeOf(r) === Object.prototype)),
  own: third.every((r) => Object.hasOwn(r, 'constructor') && Object.hasOwn(r, 'toString') && Object.hasOwn(r, '0'))
}))
`

t.test('regression: byStores rows stay the rows sent across full GCs, with index-like and prototype-named keys', (t) => {
  for (const flags of [['--disallow-code-generation-from-strings', '--expose-gc'], ['--expose-gc']]) {
    const out = moduleOutput<{ same: boolean[]; plain: boolean; own: boolean }>(regression, flags)
    t.same(out.same, [true, true, true], `${flags.join(' ')}: the rows v1 decodes, key order included`)
    t.ok(out.plain, 'plain objects')
    t.ok(out.own, 'prototype-named keys are own properties')
  }
  t.end()
})
