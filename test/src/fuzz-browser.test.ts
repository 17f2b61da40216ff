/**
 * The bounded fuzz targets of fuzz.test.ts and table-fuzz.test.ts, on the codec as a browser runs
 * it: loaded while no global `Buffer` exists, so src/utf8.ts and src/table-reader.ts read text
 * with their JS UTF-8 decoder, TextDecoder and fromCharCode instead of Buffer's (issue 2; issue 14
 * item 3: hostile bytes get BFastError in every reader). `npm run fuzz -- --browser` runs them
 * longer. Nothing here imports the codec statically (test/helpers/browser-codec.ts).
 */
import t from 'tap'
import fc from 'fast-check'
import { codecWithoutBuffer } from '../helpers/browser-codec.js'

/** Other seeds than the Node runs', so that the two cover different cases. */
const SEED = 0xb0a5e
const RUNS_PER_TARGET = 5000

const codec = await codecWithoutBuffer()
const { NATIVE_LATIN1 } = await import('../../src/utf8.js')
const { checkedFuzzTargets } = await import('../helpers/fuzz-targets.js')

t.test('the codec really loaded without Buffer', (t) => {
  t.equal(NATIVE_LATIN1, false, 'src/utf8.ts chose its browser path')
  t.equal(Object.getPrototypeOf(codec.encode('é')), Uint8Array.prototype, 'encode returns a plain Uint8Array, not a Buffer')
  t.end()
})

for (const target of checkedFuzzTargets()) {
  t.test(`fuzz without Buffer: ${target.name}`, (t) => {
    const details = fc.check(fc.property(target.input, (bytes) => target.check(bytes) === undefined), { seed: SEED, numRuns: RUNS_PER_TARGET })
    const example = details.counterexample?.[0]
    t.notOk(details.failed, details.failed && example ? `finding: ${JSON.stringify(target.check(example))} (seed ${details.seed}, path ${details.counterexamplePath})` : `${details.numRuns} cases`)
    t.equal(details.numRuns, RUNS_PER_TARGET, 'every case ran')
    t.end()
  })
}
