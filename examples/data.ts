/**
 * The example data: the "users" list of SPEC section 7 (`$gen` kind "users") and a profile
 * object holding the types JSON cannot carry (Dates, a bigint, bytes).
 */

/** One user of the SPEC 7 "users" list. */
export interface User {
  id: number
  name: string
  email: string
  active: boolean
  scores: number[]
}

/** A single object with the types B-FAST carries natively (SPEC 5) and JSON does not. */
export interface Profile {
  id: number
  name: string
  createdAt: Date
  lastLogin: Date
  /** Beyond Number.MAX_SAFE_INTEGER: a JSON number would silently lose precision. */
  balanceMicros: bigint
  /** Raw bytes (a thumbnail, a key, a hash): base64 text in JSON, bytes in B-FAST. */
  avatar: Uint8Array
  tags: string[]
}

/** What `POST /users` takes: a user without its id. */
export type NewUser = Omit<User, 'id'>

/** Bounds of `GET /users?n=`: the default, and the largest list one request may ask for. */
export const USERS_DEFAULT = 10_000
export const USERS_MAX = 1_000_000

/** Every user's fixed last score (SPEC 7). */
const LAST_SCORE = 99.9
/** Scores are i * 1.5 and i * 2.5 (SPEC 7). */
const SCORE_FACTORS = [1.5, 2.5] as const

/**
 * Users `offset .. offset + n - 1`, exactly the SPEC 7 `$gen` list.
 *
 * @example
 * ```ts
 * users(2) // [{ id: 0, name: 'User 0', email: 'user0@example.com', active: true, scores: [0, 0, 99.9] }, ...]
 * ```
 */
export function users(n: number, offset = 0): User[] {
  const out = new Array<User>(n)
  for (let k = 0; k < n; k++) {
    const i = offset + k
    out[k] = {
      id: i,
      name: `User ${i}`,
      email: `user${i}@example.com`,
      active: i % 2 === 0,
      scores: [i * SCORE_FACTORS[0], i * SCORE_FACTORS[1], LAST_SCORE]
    }
  }
  return out
}

/** Size of the example avatar: a 16x16 8-bit greyscale image. */
const AVATAR_BYTES = 256

/**
 * A profile with fixed values, so that replies are cacheable and comparable.
 *
 * @example
 * ```ts
 * profile().balanceMicros // 9007199254740993n
 * ```
 */
export function profile(): Profile {
  const avatar = new Uint8Array(AVATAR_BYTES)
  for (let i = 0; i < AVATAR_BYTES; i++) avatar[i] = (i * 7) & 0xff
  return {
    id: 42,
    name: 'Ada Lovelace',
    createdAt: new Date('2024-01-15T09:30:00.000Z'),
    lastLogin: new Date('2026-11-20T18:04:05.123Z'),
    balanceMicros: 9_007_199_254_740_993n,
    avatar,
    tags: ['admin', 'beta']
  }
}
