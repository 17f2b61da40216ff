/**
 * The datasets of the benchmark (issue 2, Speed): users-10k (SPEC section 7, `$gen` rule) and
 * the two real-world documents of the corpus.
 */
import { users } from '../examples/data.js'
import { jsonFixture } from '../test/helpers/paths.js'

/** The SPEC 7 `$gen` users rule: one generator (examples/data.ts) for examples, tests, load tests and benchmarks. */
export { users, type User } from '../examples/data.js'

/** Sizes of the generated user lists (SPEC section 7 uses 10,000; see LARGE_USERS_COUNT). */
export const USERS_COUNT = 10_000
/**
 * 12,000 users encode to just over DEFAULT_PARALLEL_THRESHOLD (1,000,000 bytes), the smallest
 * message the plugin sends in the chunked, parallel-compressed form.
 */
export const LARGE_USERS_COUNT = 12_000

export interface Dataset {
  name: string
  value: unknown
  /**
   * Builds the value again, the same way: a copy of its own for a codec that changes what it
   * encodes. msgpackr's pack turns a list of doubles into a list of boxed numbers (V8's
   * element kind DOUBLE -> tagged, `%HasDoubleElements`), which `JSON.stringify` and B-FAST
   * then read instead of the lists the application built, at another cost (Node 26:
   * docs/PERFORMANCE-NOTES.md "msgpackr changes the objects it packs").
   */
  build(): unknown
  /** What the dataset stands for, for the report. */
  description: string
}

function dataset(name: string, build: () => unknown, description: string): Dataset {
  return { name, value: build(), build, description }
}

/** The three datasets every codec comparison runs on, in report order. */
export function datasets(): Dataset[] {
  return [
    dataset('users-10k', () => users(USERS_COUNT), 'SPEC 7 $gen users, n = 10,000: small objects of one shape, ASCII'),
    dataset('twitter.json', () => jsonFixture('twitter.json'), 'corpus: tweets, mostly non-ASCII text, nested'),
    dataset('citm_catalog.json', () => jsonFixture('citm_catalog.json'), 'corpus: event catalog, many numbers and repeated keys'),
  ]
}
