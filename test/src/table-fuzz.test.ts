/**
 * Bounded, seeded structure-aware fuzzing of table messages (issue 14 item 3, SPEC 8.5): every
 * header and directory field, every offset (and a child's), set to chosen values or nudged by
 * small amounts, plus byte mutations of valid table messages, plain and transformed (SPEC 8.6:
 * the transform flags switched on and off too). decode and every accessor
 * (toArray, get, column, iteration, JSON) must return or throw BFastError, what they return
 * must agree and re-encode to the same value. `npm run fuzz` runs the same targets longer.
 */
import t from 'tap'
import fc from 'fast-check'
import { tableFuzzTargets, tableOracle, tableSeeds } from '../helpers/table-cases.js'

const SEED = 0x7ab1e5
const RUNS_PER_TARGET = 4000

for (const target of tableFuzzTargets(tableSeeds())) {
  t.test(`fuzz: ${target.name}`, (t) => {
    const details = fc.check(fc.property(target.input, (bytes) => tableOracle(bytes) === undefined), { seed: SEED, numRuns: RUNS_PER_TARGET })
    const example = details.counterexample?.[0]
    t.notOk(details.failed, details.failed && example ? `finding: ${JSON.stringify(tableOracle(example))} (seed ${details.seed}, path ${details.counterexamplePath})` : `${details.numRuns} cases`)
    t.equal(details.numRuns, RUNS_PER_TARGET, 'every case ran')
    t.end()
  })
}
