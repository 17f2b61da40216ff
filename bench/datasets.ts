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
  /** What the dataset stands for, for the report. */
  description: string
}

/** The three datasets every codec comparison runs on, in report order. */
export function datasets(): Dataset[] {
  return [
    { name: 'users-10k', value: users(USERS_COUNT), description: 'SPEC 7 $gen users, n = 10,000: small objects of one shape, ASCII' },
    { name: 'twitter.json', value: jsonFixture('twitter.json'), description: 'corpus: tweets, mostly non-ASCII text, nested' },
    { name: 'citm_catalog.json', value: jsonFixture('citm_catalog.json'), description: 'corpus: event catalog, many numbers and repeated keys' },
  ]
}
