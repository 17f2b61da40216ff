/**
 * Every codec fuzz target with its oracle, seeded from the upstream vectors: the v1 targets
 * (./fuzz-cases.ts) and the structure-aware table targets (./table-cases.ts, SPEC 8). One list
 * for `npm run fuzz` (test/fuzz-long.ts) and the bounded run on the codec as browsers load it
 * (test/src/fuzz-browser.test.ts). Importing this loads the codec: import it after
 * codecWithoutBuffer() where the browser paths are wanted.
 */
import type fc from 'fast-check'
import { fuzzTargets, oracle, plainSeeds } from './fuzz-cases.js'
import type { Finding } from './fuzz-cases.js'
import { tableFuzzTargets, tableOracle, tableSeeds } from './table-cases.js'
import { jsonFixture } from './paths.js'

export interface CheckedTarget {
  name: string
  input: fc.Arbitrary<Uint8Array>
  /** undefined when the input is handled as it must be, else what went wrong. */
  check: (input: Uint8Array) => Finding | undefined
}

export function checkedFuzzTargets(): CheckedTarget[] {
  const { vectors } = jsonFixture<{ vectors: Array<{ b64: string }> }>('bfast-v1-upstream.json')
  return [
    ...fuzzTargets(plainSeeds(vectors.map((v) => new Uint8Array(Buffer.from(v.b64, 'base64'))))).map((x) => ({ ...x, check: oracle })),
    ...tableFuzzTargets(tableSeeds()).map((x) => ({ ...x, check: tableOracle }))
  ]
}
