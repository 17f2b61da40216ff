/**
 * src/writer.ts: what encode() does to the values it is given (nothing, not even to their V8
 * representation). Its bytes are covered by the roundtrip, vectors, hostile and shapes tests.
 */
import t from 'tap'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'

// Regression (encode() turned the caller's double arrays into tagged ones): Writer#list read
// every list's elements at one `a[i]` site, which saw arrays of objects and arrays of doubles;
// V8's optimized code for such a site transitions a double array (PACKED_DOUBLE_ELEMENTS) to
// tagged elements, a HeapNumber per element, for good, and the array literal's allocation site
// then makes later arrays tagged from birth: the application's own loops over `user.scores`
// ran on boxed numbers. V8 natives in a child process tell the elements kind; the writer is
// warmed with such values first, so that its optimized code has seen every kind of list.
// 'users' is the case that failed on Node 20, 22, 24 and 26; 'mixed' (also nested and mixed
// lists) failed on 20 and 26; 'tables' (the same through encode(v, { tables: true })) on 24 and 26
// (the rows' double lists; Writer#list now never hands writeTable a list that starts with a number).
const script = (mode: string): string => `
import { decode, encode } from ${distSpecifier('src/index.js')}
const mode = ${JSON.stringify(mode)}
const users = (n) => Array.from({ length: n }, (_, i) => ({
  id: i, name: 'User ' + i, active: i % 2 === 0, scores: [i * 1.5, i * 2.5, 99.9], ids: [i, i + 1, 7]
}))
const data = () => mode === 'users' ? { users: users(200) } : {
  users: users(200),
  doubles: [0.5, 1.5, 2.5],
  ints: [1, 2, 3],
  points: [[1.5, 2.5], [3.5, 4.5]],
  mixed: [1, 'a', 2.5],
  rows: [{ at: [0.25, 0.75] }, { at: [1.25, 1.75] }]
}
const options = mode === 'tables' ? { tables: true } : undefined
for (let i = 0; i < 300; i++) encode(data(), options)
const kinds = (d) => ({
  scores: d.users.every((u) => %HasDoubleElements(u.scores)),
  ids: d.users.every((u) => %HasSmiElements(u.ids)),
  doubles: d.doubles === undefined || %HasDoubleElements(d.doubles),
  ints: d.ints === undefined || %HasSmiElements(d.ints),
  points: d.points === undefined || d.points.every((p) => %HasDoubleElements(p)),
  rows: d.rows === undefined || d.rows.every((r) => %HasDoubleElements(r.at))
})
const value = data()
const born = kinds(value)
const back = decode(encode(value, options))
console.log(JSON.stringify({
  born,
  after: kinds(value),
  same: JSON.stringify(mode === 'tables' ? null : back) === JSON.stringify(mode === 'tables' ? null : value)
}))
`

type Kinds = Record<'scores' | 'ids' | 'doubles' | 'ints' | 'points' | 'rows', boolean>

const all: Kinds = { scores: true, ids: true, doubles: true, ints: true, points: true, rows: true }

// Still open in src/table-writer.ts: its list-cell loops read int and double lists at one site each,
// which turns int lists (PACKED_SMI) into double ones: reported, not this module's code.
const todo: Record<string, string | undefined> = {
  tables: 'table-writer list cells: an int list is made a double list (SMI -> DOUBLE)'
}

for (const mode of ['users', 'mixed', 'tables']) {
  t.test(`encode() keeps the elements kind of the caller's number arrays (${mode})`, { todo: todo[mode] }, (t) => {
    const out = moduleOutput<{ born: Kinds, after: Kinds, same: boolean }>(script(mode), ['--allow-natives-syntax'])
    t.same(out.born, all, 'arrays made after many encodes are born PACKED_DOUBLE / PACKED_SMI')
    t.same(out.after, all, 'and stay so through encode()')
    t.ok(out.same, 'the values are written as they are')
    t.end()
  })
}
