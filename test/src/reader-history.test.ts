// What a message decodes to never depends on the messages decoded before it: the reader keeps
// string-table keys (src/key-cache.ts), the key lists of small messages (src/reader.ts
// knownShapes) and compiled row readers across messages, and each must check this message's
// bytes before it trusts what an earlier one left. The same 600 messages (replies of repeating
// key lists, under shared first keys and in colliding cache slots, 45% of them altered) are
// read after different messages, in both orders, in this process and in fresh ones, on Node's
// paths and on the paths browsers take: every message must read the same everywhere, value
// for value and error for error (SPEC 6: code and offset).
import t from 'tap'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'
import { historyCases, outcomes } from '../helpers/history.js'

const CASES = 600
const PRIMERS = 300

const cases = historyCases(1, CASES)
const here = outcomes(historyCases(2, PRIMERS), cases, false)

/** The cases' outcomes in a fresh process, after the primers of `primerSeed`. */
function fresh(browser: boolean, primerSeed: number, backwards: boolean): { nativeLatin1: boolean, outcomes: string[] } {
  // Browsers' paths: the codec loaded first by codecWithoutBuffer, which history.js then shares.
  const script = `
${browser ? `await (await import(${distSpecifier('test/helpers/browser-codec.js')})).codecWithoutBuffer()` : ''}
const { historyCases, outcomes } = await import(${distSpecifier('test/helpers/history.js')})
const { NATIVE_LATIN1 } = await import(${distSpecifier('src/utf8.js')})
let input = ''
process.stdin.setEncoding('utf8')
for await (const chunk of process.stdin) input += chunk
const cases = JSON.parse(input)
process.stdout.write(JSON.stringify({ nativeLatin1: NATIVE_LATIN1, outcomes: outcomes(historyCases(${primerSeed}, ${PRIMERS}), cases, ${backwards}) }))`
  return moduleOutput(script, [], JSON.stringify(cases))
}

/** The first few cases whose outcomes differ, for the report. */
function differences(a: readonly string[], b: readonly string[]): string[] {
  const found: string[] = []
  for (let i = 0; i < a.length && found.length < 3; i++) {
    if (a[i] !== b[i]) found.push(`case ${i} (${cases[i].hex}, options ${cases[i].options}):\n  ${a[i]}\n  ${b[i]}`)
  }
  return found
}

t.test('the cases reach what they test: values, tables, poisoned members and errors', async (t) => {
  t.equal(here.filter((o) => o.startsWith('not a BFastError')).length, 0, 'every failure is a BFastError')
  const values = here.filter((o) => !o.startsWith('BFastError'))
  t.ok(values.length >= 300, `${values.length} messages decode to a value`)
  const tables = values.filter((o) => o.includes('"$table"')).length
  t.ok(tables >= 20, `${tables} hold tables`)
  t.ok(values.filter((o) => o.includes('"__proto__"')).length >= 20, 'some keep an own __proto__')
  t.equal(values.filter((o) => o.includes('$prototype')).length, 0, 'no decoded object has another prototype')
  const codes = new Set(here.filter((o) => o.startsWith('BFastError')).map((o) => o.split(' ')[1]))
  t.ok(codes.has('FORBIDDEN_PROPERTY'), `errors: ${[...codes].join(', ')}`)
  t.ok(codes.size >= 4, 'several kinds of error')
})

t.test("Node's paths: after other messages, in the other order, in a fresh process", async (t) => {
  const other = fresh(false, 3, true)
  t.equal(other.nativeLatin1, true)
  t.same(differences(here, other.outcomes), [])
})

t.test("browsers' paths (no Buffer): after other messages, in either order, and as on Node", async (t) => {
  const forwards = fresh(true, 2, false)
  const backwards = fresh(true, 4, true)
  t.equal(forwards.nativeLatin1, false, 'the codec took its browser paths')
  t.same(differences(forwards.outcomes, backwards.outcomes), [])
  t.same(differences(here, forwards.outcomes), [])
})
