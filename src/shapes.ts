/**
 * Generated readers for repeated object shapes (PERFORMANCE-NOTES "Objects").
 *
 * Objects built member by member with computed keys go through V8's megamorphic keyed-store
 * path and a hidden-class transition per member; an object literal with the keys written out
 * is created from one boilerplate in one step. For a shape (an ordered list of key names)
 * seen repeatedly, this module compiles a reader that reads each value, checks that the next
 * key index is the expected one, and builds the literal at the end. On a mismatch it hands the
 * values read so far to the reader's `rest`, which reads the other members from the same byte
 * (a wrong guess reads nothing twice) and builds the object with a compiled builder for that
 * variant's key list (shapeBuilder): an object of more than 16 members built by keyed stores
 * would be left in dictionary mode by V8 (a keyed store may add at most 12 properties beyond
 * the 4 in-object ones of `{}` before V8 normalises the object), as twitter.json's status and
 * user objects were (113 of 1,264 objects a message; PERFORMANCE-NOTES "Decode on Node 24 and 26").
 *
 * Browser-safe. Where `new Function` is forbidden (a Content-Security-Policy without
 * 'unsafe-eval'), compilation is switched off and every object is read generically.
 */
import { SHAPE_CACHE_MAX, SHAPE_MAX_MEMBERS } from './limits.js'

/**
 * What a compiled reader calls. `value` reads the next value; `key(i)` consumes the next key
 * index if it equals i; `end()` consumes the 0x7F terminator if it is next; `rest(indices,
 * matched, values)` reads the remaining members and builds the object (see ./reader.ts).
 */
export interface ShapeParts {
  value: () => unknown
  key: (index: number) => boolean
  end: () => boolean
  rest: (indices: readonly number[], matched: number, values: unknown[]) => Record<string, unknown>
}

/**
 * A compiled reader, bound to its parts when compiled. `indices` are the expected key indices
 * of this message (the first one is already consumed by the caller).
 */
export type ShapeReader = (indices: readonly number[]) => Record<string, unknown>

/** A compiled builder: the object of one key list from its values, in key order, as one literal. */
export type ShapeBuilder = (values: readonly unknown[]) => Record<string, unknown>

const cache = new Map<string, ShapeReader | null>()
const builders = new Map<string, ShapeBuilder | null>()
let canCompile = true

/**
 * Returns a reader for objects with exactly these keys in this order, or null when the shape
 * cannot be compiled: a `__proto__` key (a literal `"__proto__": v` would set the prototype,
 * SPEC 5 wants an own property), a repeated key, too many members, or no `new Function`.
 * Readers are cached by their keys alone: `parts` must be the same object on every call (the
 * reader module has one).
 */
export function shapeReader(names: readonly string[], parts: ShapeParts): ShapeReader | null {
  const signature = JSON.stringify(names)
  const cached = cache.get(signature)
  if (cached !== undefined) return cached
  const reader = compile(names, parts)
  if (cache.size >= SHAPE_CACHE_MAX) cache.clear()
  cache.set(signature, reader)
  return reader
}

/**
 * Returns a builder for objects with exactly these keys in this order, or null when it cannot
 * be compiled (the same rules as shapeReader). Cached across messages like the readers.
 */
export function shapeBuilder(names: readonly string[]): ShapeBuilder | null {
  const signature = JSON.stringify(names)
  const cached = builders.get(signature)
  if (cached !== undefined) return cached
  const literal = literalOf(names, 'values[', ']')
  const builder = literal === null ? null : (generate(['values'], `return ${literal};`) as ShapeBuilder | null)
  if (builders.size >= SHAPE_CACHE_MAX) builders.clear()
  builders.set(signature, builder)
  return builder
}

/**
 * The object literal `{"k0": <pre>0<post>, ...}` of these keys, or null for keys no literal may
 * hold: `__proto__` (a literal `"__proto__": v` would set the prototype, SPEC 5 wants an own
 * property), a repeated key, or more than SHAPE_MAX_MEMBERS.
 */
function literalOf(names: readonly string[], pre: string, post: string): string | null {
  if (!canCompile || names.length > SHAPE_MAX_MEMBERS) return null
  if (names.includes('__proto__') || new Set(names).size !== names.length) return null
  // JSON string literals are valid JS string literals (ES2019), so any key is safe here.
  return `{${names.map((k, i) => `${JSON.stringify(k)}: ${pre}${i}${post}`).join(', ')}}`
}

function generate(params: string[], body: string): unknown {
  if (!canCompile) return null
  try {
    return new Function(...params, body)
  } catch {
    canCompile = false
    return null
  }
}

/**
 * The reader is made by a generated factory that closes it over the parts, so the object
 * reader calls it with one argument instead of five: a call through a site that meets every
 * shape's reader (megamorphic) pushes and checks every argument. Chromium, citm_catalog.json
 * (10,937 objects): see PERFORMANCE-NOTES "citm in Chromium".
 */
function compile(names: readonly string[], parts: ShapeParts): ShapeReader | null {
  const literal = literalOf(names, 'v', '')
  if (literal === null) return null
  const n = names.length
  // All members as expected: one object literal (one boilerplate, no transitions). On a
  // mismatch after j members: the j values read so far go to rest, which carries on.
  let body = `return function (indices) {\nvar j = ${n};\nmatch: {\nvar v0 = value();\n`
  for (let i = 1; i < n; i++) body += `if (!key(indices[${i}])) { j = ${i}; break match; }\nvar v${i} = value();\n`
  body += `if (!end()) break match;\nreturn ${literal};\n}\n`
  body += `return rest(indices, j, [${names.map((_, i) => `v${i}`).join(', ')}]);\n};`
  const factory = generate(['value', 'key', 'end', 'rest'], body) as
    ((...f: [ShapeParts['value'], ShapeParts['key'], ShapeParts['end'], ShapeParts['rest']]) => ShapeReader) | null
  return factory === null ? null : factory(parts.value, parts.key, parts.end, parts.rest)
}
