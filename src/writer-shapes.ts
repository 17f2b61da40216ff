/**
 * Generated member writers for repeated object shapes: the writer's side of ./shapes.ts
 * (PERFORMANCE-NOTES "Encoding", issue 11).
 *
 * Written for V8 on purpose. The writer's generic member loop (`for...in`, `hasOwnProperty`,
 * `o[key]`) is one site for every object of every shape a process encodes. Its for-in feedback
 * turns generic for good once any object it meets cannot use an enum cache (an empty object,
 * one with index keys, one whose hidden class a decode of similar objects deprecated), and from
 * then on each member costs a megamorphic keyed load and a hasOwnProperty call: measured on
 * Node 24 and 26, about 200 ns per 5-member object against about 25 ns for the same members
 * read by named loads. For a key list seen repeatedly, this module compiles a function that
 * reads each member by name (`o["id"]`: a named load whose inline cache sees that shape's
 * hidden classes only) and hands it to the writer's `field`.
 *
 * The caller checks first that the object's `Object.keys` are exactly the compiled list, in
 * order: the own enumerable string keys in the order `for...in` visits own keys (SPEC 5 and
 * JSON.stringify take the same list). Browser-safe; where `new Function` is forbidden (a
 * Content-Security-Policy without 'unsafe-eval'), nothing is compiled and every object takes
 * the generic loop.
 */
import { SHAPE_CACHE_MAX, SHAPE_MAX_MEMBERS } from './limits.js'

/** What a member writer needs of the Writer: `field` writes one member JSON keeps. */
export interface MemberSink<E> {
  field(entry: E, value: unknown): void
}

/**
 * A compiled writer for one key list: for each key in order, reads the member and, unless JSON
 * leaves it out (undefined, a function, a symbol: SPEC 5), calls `w.field(entries[i], value)`.
 */
export type MemberWriter = <E>(w: MemberSink<E>, o: Record<string, unknown>, entries: readonly E[]) => void

const cache = new Map<string, MemberWriter | null>()
let canCompile = true

/**
 * The member writer for objects with exactly these keys in this order, or null when the list is
 * not compiled: too many members, or a key the generic loop treats specially (`toJSON`, whose
 * function value replaces the object; `__proto__`, kept out of generated code as in ./shapes.ts),
 * or no `new Function`.
 */
export function memberWriter(keys: readonly string[]): MemberWriter | null {
  const signature = JSON.stringify(keys)
  const cached = cache.get(signature)
  if (cached !== undefined) return cached
  const writer = compile(keys)
  if (cache.size >= SHAPE_CACHE_MAX) cache.clear()
  cache.set(signature, writer)
  return writer
}

function compile(keys: readonly string[]): MemberWriter | null {
  if (!canCompile || keys.length === 0 || keys.length > SHAPE_MAX_MEMBERS) return null
  if (keys.includes('toJSON') || keys.includes('__proto__')) return null
  // JSON string literals are valid JS string literals (ES2019), so any key is safe here.
  let body = 'var v;\n'
  for (let i = 0; i < keys.length; i++) {
    body += `v = o[${JSON.stringify(keys[i])}];\n`
    body += `if (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol') w.field(e[${i}], v);\n`
  }
  try {
    return new Function('w', 'o', 'e', body) as MemberWriter
  } catch {
    canCompile = false
    return null
  }
}

/** True when `keys` is exactly `expected`, in order (property names compare by pointer mostly). */
export function sameKeys(keys: readonly string[], expected: readonly string[]): boolean {
  const n = keys.length
  if (n !== expected.length) return false
  for (let i = 0; i < n; i++) if (keys[i] !== expected[i]) return false
  return true
}
