/**
 * Bounded, seeded fuzzing in `npm test` (issue 6 "Fuzzing"): mutated valid messages (bit
 * flips, truncations, splices, length-field edits), plain and compressed, and random bytes.
 * `decode` must return or throw BFastError, and whatever it returns must re-encode and read
 * back to the same value. `npm run fuzz` (test/fuzz-long.ts) runs the same targets for longer.
 */
import t from 'tap'
import fc from 'fast-check'
import { fuzzTargets, oracle, plainSeeds } from '../helpers/fuzz-cases.js'
import { jsonFixture } from '../helpers/paths.js'

/** Fixed seed: a failure here reproduces with the seed and path fast-check prints. */
const SEED = 0xbfa57
const RUNS_PER_TARGET = 6000

const { vectors } = jsonFixture<{ vectors: Array<{ b64: string }> }>('bfast-v1-upstream.json')
const seeds = plainSeeds(vectors.map((v) => new Uint8Array(Buffer.from(v.b64, 'base64'))))

for (const target of fuzzTargets(seeds)) {
  t.test(`fuzz: ${target.name}`, (t) => {
    const details = fc.check(fc.property(target.input, (bytes) => oracle(bytes) === undefined), { seed: SEED, numRuns: RUNS_PER_TARGET })
    const example = details.counterexample?.[0]
    t.notOk(details.failed, details.failed && example ? `finding: ${JSON.stringify(oracle(example))} (seed ${details.seed}, path ${details.counterexamplePath})` : `${details.numRuns} cases`)
    t.equal(details.numRuns, RUNS_PER_TARGET, 'every case ran')
    t.end()
  })
}
