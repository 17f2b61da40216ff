/**
 * Generated readers for repeated object shapes (PERFORMANCE-NOTES "Objects").
 *
 * Objects built member by member with computed keys go through V8's megamorphic keyed-store
 * path and a hidden-class transition per member; an object literal with the keys written out
 * is created from one boilerplate in one step. For a shape (an ordered list of key names)
 * seen repeatedly, this module compiles a reader that reads each value, checks that the next
 * key index is the expected one, and builds the literal at the end. On a mismatch it builds
 * the members read so far with constant-key stores (monomorphic inline caches) and hands the
 * object to the generic loop, which carries on from the same byte: a wrong guess reads
 * nothing twice.
 *
 * Browser-safe. Where `new Function` is forbidden (a Content-Security-Policy without
 * 'unsafe-eval'), compilation is switched off and every object is read generically.
 */
import { SHAPE_CACHE_MAX, SHAPE_MAX_MEMBERS } from './limits.js'

/**
 * A compiled reader. `value` reads the next value; `key(i)` consumes the next key index if
 * it equals i; `end()` consumes the 0x7F terminator if it is next; `indices` are the expected
 * key indices of this message (the first one is already consumed by the caller); `rest(o)`
 * reads the remaining members generically into `o` and returns it.
 */
export type ShapeReader = (
  value: () => unknown,
  key: (index: number) => boolean,
  end: () => boolean,
  indices: readonly number[],
  rest: (o: Record<string, unknown>) => Record<string, unknown>
) => Record<string, unknown>

const cache = new Map<string, ShapeReader | null>()
let canCompile = true

/**
 * Returns a reader for objects with exactly these keys in this order, or null when the shape
 * cannot be compiled: a `__proto__` key (a literal `"__proto__": v` would set the prototype,
 * SPEC 5 wants an own property), a repeated key, too many members, or no `new Function`.
 */
export function shapeReader(names: readonly string[]): ShapeReader | null {
  const signature = JSON.stringify(names)
  const cached = cache.get(signature)
  if (cached !== undefined) return cached
  const reader = compile(names)
  if (cache.size >= SHAPE_CACHE_MAX) cache.clear()
  cache.set(signature, reader)
  return reader
}

function compile(names: readonly string[]): ShapeReader | null {
  if (!canCompile || names.length > SHAPE_MAX_MEMBERS) return null
  if (names.includes('__proto__') || new Set(names).size !== names.length) return null
  // JSON string literals are valid JS string literals (ES2019), so any key is safe here.
  const lit = names.map((n) => JSON.stringify(n))
  const n = names.length
  // All members as expected: one object literal (one boilerplate, no transitions). On a
  // mismatch after j members: build those j with constant-key stores, then carry on.
  let body = `var j = ${n};\nmatch: {\nvar v0 = value();\n`
  for (let i = 1; i < n; i++) body += `if (!key(indices[${i}])) { j = ${i}; break match; }\nvar v${i} = value();\n`
  body += `if (!end()) break match;\nreturn {${lit.map((k, i) => `${k}: v${i}`).join(', ')}};\n}\n`
  body += `var o = {};\no[${lit[0]}] = v0;\n`
  for (let i = 1; i < n; i++) body += `if (j > ${i}) o[${lit[i]}] = v${i};\n`
  body += 'return rest(o);'
  try {
    return new Function('value', 'key', 'end', 'indices', 'rest', body) as ShapeReader
  } catch {
    canCompile = false
    return null
  }
}
