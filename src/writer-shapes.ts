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
 * The caller checks first that the object's own enumerable string keys are exactly the compiled
 * list, in the order `for...in` visits own keys (SPEC 5 and JSON.stringify take the same list).
 * Browser-safe; where `new Function` is forbidden (a Content-Security-Policy without
 * 'unsafe-eval'), nothing is compiled and every object takes the generic loop.
 */
import { SHAPE_CACHE_MAX, SHAPE_MAX_MEMBERS, WRITER_SLACK_BYTES } from './limits.js'
import { OBJECT_END, TAG_OBJECT } from './tags.js'

/** What a member writer needs of the Writer: `field` writes one member JSON keeps. */
export interface MemberSink<E> {
  field(entry: E, value: unknown): void
  /** `field` for a string or a number, whose type the generated code has tested at its own site. */
  fieldString(entry: E, value: string): void
  fieldNumber(entry: E, value: number): void
  fieldBoolean(entry: E, value: boolean): void
  /** `field` for an array, past the value dispatch (value, objectLike) that `field` goes through. */
  fieldList(entry: E, value: unknown[]): void
}

/**
 * A compiled writer for one key list: for each key in order, reads the member and, unless JSON
 * leaves it out (undefined, a function, a symbol: SPEC 5), calls `w.field(entries[i], value)`.
 */
export type MemberWriter = <E>(w: MemberSink<E>, o: Record<string, unknown>, entries: readonly E[]) => void

/** What a list writer needs of the Writer besides `field`: its buffer, depth and path (see Writer). */
export interface ListSink<E> extends MemberSink<E> {
  buf: Uint8Array
  pos: number
  safeEnd: number
  depth: number
  maxDepth: number
  path: unknown[]
  parent: E | null
  grow(n: number): void
}

/**
 * A compiled writer for a run of list elements of one key list: from index `i` on, writes each
 * element that is a plain object (prototype Object.prototype or null) with exactly these own
 * enumerable keys, as Writer#object would, and returns the index of the first element it did not
 * write (`a.length` when it wrote them all). The caller writes that element the generic way.
 */
export type ListWriter = <E>(w: ListSink<E>, a: readonly unknown[], i: number, entries: readonly E[]) => number

/** Both writers of one key list (see memberWriter and listWriter). */
interface Compiled {
  member: MemberWriter
  list: ListWriter
}

const cache = new Map<string, Compiled | null>()
let canCompile = true

/**
 * The member writer for objects with exactly these keys in this order, or null when the list is
 * not compiled: too many members, or a key the generic loop treats specially (`toJSON`, whose
 * function value replaces the object; `__proto__`, kept out of generated code as in ./shapes.ts),
 * or no `new Function`.
 */
export function memberWriter(keys: readonly string[]): MemberWriter | null {
  return compiled(keys)?.member ?? null
}

/**
 * The list writer for runs of objects with exactly these keys (see ListWriter), or null where
 * memberWriter gives null. Written for V8 on purpose: one generated loop per key list, so the
 * element's prototype, key list and member loads are checked at sites that see that list's
 * hidden classes only, and the per-element dispatch (value, objectLike, object, the indirect call
 * of the member writer) is skipped. The `in` test runs no user code on an ordinary object (no
 * getter is called) and gives TurboFan the element's map, so that getPrototypeOf after it folds
 * to a constant behind that map check; alone it was a runtime call per object on Node 26
 * (PERFORMANCE-NOTES "The generic encoder on Node 26 and 24").
 */
export function listWriter(keys: readonly string[]): ListWriter | null {
  return compiled(keys)?.list ?? null
}

function compiled(keys: readonly string[]): Compiled | null {
  const signature = JSON.stringify(keys)
  const cached = cache.get(signature)
  if (cached !== undefined) return cached
  const writers = compile(keys)
  if (cache.size >= SHAPE_CACHE_MAX) cache.clear()
  cache.set(signature, writers)
  return writers
}

function compile(keys: readonly string[]): Compiled | null {
  if (!canCompile || keys.length === 0 || keys.length > SHAPE_MAX_MEMBERS) return null
  if (keys.includes('toJSON') || keys.includes('__proto__')) return null
  // JSON string literals are valid JS string literals (ES2019), so any key is safe here.
  let members = ''
  for (let i = 0; i < keys.length; i++) {
    const key = JSON.stringify(keys[i])
    // The type is tested here, where the site sees this member's values only (Writer#field's own
    // tests see every member's).
    members += `v = o[${key}];\n`
    members += `if (typeof v === 'string') w.fieldString(e[${i}], v);\n`
    members += `else if (typeof v === 'number') w.fieldNumber(e[${i}], v);\n`
    members += `else if (typeof v === 'boolean') w.fieldBoolean(e[${i}], v);\n`
    members += `else if (Array.isArray(v)) w.fieldList(e[${i}], v);\n`
    members += `else if (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol') w.field(e[${i}], v);\n`
  }
  // Writer#object for one element, with Writer#enter's depth and path (the path is read only
  // when the depth limit is hit, to tell a cycle from deep nesting).
  const list =
    'var n = a.length, d = w.depth + 1, parent = w.parent, o, v, k, p, c;\n' +
    'if (d > w.maxDepth) return i;\n' +
    'for (; i < n; i++) {\n' +
    '  o = a[i];\n' +
    '  if (typeof o !== \'object\' || o === null || Array.isArray(o)) return i;\n' +
    '  void (\'constructor\' in o);\n' +
    '  p = Object.getPrototypeOf(o);\n' +
    '  if (p !== OP && p !== null) return i;\n' +
    // The key check by for...in, not Object.keys: the keys come from the hidden class's enum
    // cache with no allocation (Object.keys made an array per element, ~88 B, the largest share
    // of the young-generation garbage a fresh 10,000-user reply drives; measured on a real
    // socket: PERFORMANCE-NOTES "The list writer's key check and the fresh 10,000-user reply").
    // for...in visits own keys first, in Object.keys order, then
    // enumerable keys of Object.prototype (the only prototype let through above); hasOwn, which
    // TurboFan folds for a for...in key on the enum-cache path, keeps an inherited one from
    // standing in for a missing own key, and the count rejects an extra key of either kind.
    '  c = 0;\n' +
    '  for (k in o) {\n' +
    `    if (c === ${keys.length} || k !== K[c] || !hasOwn.call(o, k)) return i;\n` +
    '    c++;\n' +
    '  }\n' +
    `  if (c !== ${keys.length}) return i;\n` +
    '  w.depth = d;\n' +
    '  w.path[d] = o;\n' +
    `  if (w.pos > w.safeEnd) w.grow(${WRITER_SLACK_BYTES});\n` +
    `  w.buf[w.pos++] = ${TAG_OBJECT};\n` +
    members +
    `  if (w.pos > w.safeEnd) w.grow(${WRITER_SLACK_BYTES});\n` +
    `  w.buf[w.pos++] = ${OBJECT_END};\n` +
    '  w.parent = parent;\n' +
    '  w.depth = d - 1;\n' +
    '}\n' +
    'return i;\n'
  try {
    return {
      member: new Function('w', 'o', 'e', 'var v;\n' + members) as MemberWriter,
      list: new Function('OP', 'K', 'hasOwn', `return function (w, a, i, e) {\n${list}}`)(
        Object.prototype,
        keys.slice(),
        Object.prototype.hasOwnProperty
      ) as ListWriter
    }
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
