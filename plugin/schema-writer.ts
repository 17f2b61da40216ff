/**
 * B-FAST writers compiled from response schemas (issue 12), as fast-json-stringify compiles a
 * JSON serializer from them.
 *
 * The contract: for any payload, a compiled writer writes exactly the bytes that the
 * plugin's round trip writes (Fastify's JSON serializer, JSON.parse, ./schema.ts `project`,
 * `encode`), or throws where that serializer throws. It therefore mirrors
 * fast-json-stringify's semantics keyword by keyword (fast-json-stringify/index.js
 * buildValue, buildInnerObject, buildArray, buildSingleTypeSerializer and lib/serializer.js):
 * properties in `properties` order with the required ones first, `required` and `default`,
 * toJSON() on objects, the string, integer, number and boolean coercions, `nullable`,
 * `format: 'date-time'`, `$ref` to the route's document and to schemas added with addSchema.
 * Dates written as date-time text and bigints written as numbers stay typed, as `project`
 * keeps them.
 *
 * Anything else (anyOf, oneOf, allOf, if/then/else, patternProperties, additionalProperties
 * other than false, tuples, type arrays, untyped schemas, formats date/time/unsafe, recursive
 * or unresolvable $ref, keywords it does not know) makes the whole schema fall back to the
 * round trip: compile() answers with the keyword instead of a writer. Never a guess.
 *
 * Generated code is safe for any schema text: property names reach it only as JSON string
 * literals (valid JS string literals, U+2028 included, since ES2019), never as identifiers or
 * in comments, and key bytes are passed in as data.
 */
import {
  KEY_MAX_BYTES, LOW_BYTE, OBJECT_END, SMALL_INT_WRITE_MAX, TABLE_MAX_SLOTS, TAG_FALSE, TAG_FLOAT64, TAG_INT64,
  TAG_LIST, TAG_NULL, TAG_OBJECT, TAG_SMALL_INT, TAG_STRING, TAG_TRUE, TWO_32
} from '../src/tags.js'
import {
  ASCII_END, BATCH_FIRST_STRINGS, BATCH_MAX_UNITS, BATCH_POSITION_MAX, BATCH_STRINGS, BATCH_UNITS, Emitter, PAD_SLOT,
  putNum, SHORT_ASCII, TAG_AND_U32, takeEmitter, utf8Write
} from './emitter.js'

/** A compiled writer: the B-FAST message for a payload. */
export type SchemaWriter = (payload: unknown) => Buffer

export type CompileResult = { writer: SchemaWriter } | { fallback: string }

/**
 * Thrown by a compiled writer for a value whose JSON text it cannot predict (a toString()
 * returning a non-string, where fast-json-stringify would write a number or worse): the caller
 * takes the round trip for this reply.
 */
export const NOT_MIRRORED: unique symbol = Symbol('fastify-bfast.not-mirrored')

/** Keys one compiled writer may name (SPEC 3 allows 65,535 slots; a schema this large is not a reply shape). */
const MAX_KEYS = 4096

/** Keywords with no effect on fast-json-stringify's output (annotations and validation only). */
const IGNORED = new Set([
  '$schema', '$comment', '$id', 'title', 'description', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly',
  'definitions', '$defs', 'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minProperties',
  'maxProperties', 'propertyNames', 'dependencies', 'dependentRequired', 'dependentSchemas', 'not', 'contentEncoding',
  'contentMediaType'
])
/** Keywords this compiler implements. */
const HANDLED = new Set(['type', 'properties', 'required', 'items', 'nullable', 'format', 'default', '$ref', 'const', 'additionalProperties', 'additionalItems'])
/** Sibling keywords of `$ref` fast-json-stringify ignores (it merges the target with any other). */
const IGNORED_REF_SIBLINGS = new Set(['$ref', '$comment', 'title', 'description', 'examples', 'deprecated', 'readOnly', 'writeOnly'])
/** fast-json-stringify's type inference from keywords (index.js inferTypeByKeyword), in its order. */
const INFER: ReadonlyArray<[type: string, keywords: readonly string[]]> = [
  ['object', ['properties', 'required', 'additionalProperties', 'patternProperties', 'maxProperties', 'minProperties', 'dependencies']],
  ['array', ['items', 'additionalItems', 'maxItems', 'minItems', 'uniqueItems', 'contains']],
  ['string', ['maxLength', 'minLength', 'pattern']],
  ['number', ['multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum']]
]
/** String formats fast-json-stringify writes its own way (lib/serializer.js asDate, asTime, asUnsafeString). */
const UNMIRRORED_FORMATS = new Set(['date', 'time', 'unsafe'])

class Unsupported extends Error {
  constructor(readonly keyword: string) {
    super(keyword)
  }
}

type Schema = Record<string, unknown>

interface Ctx {
  keys: string[]
  keyIds: Map<string, number>
  /** Values the generated code reads by index (defaults, consts). */
  data: unknown[]
  external: Readonly<Record<string, unknown>>
  /** Schemas on the current $ref path, to refuse recursion. */
  refStack: Set<object>
  uid: number
  maxDepth: number
}

function isRecord(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** RFC 6901 JSON Pointer, as a URI fragment (percent-decoded first). */
function pointer(doc: unknown, fragment: string): unknown {
  if (fragment === '') return doc
  if (!fragment.startsWith('/')) throw new Unsupported('$ref')
  let node = doc
  for (const raw of fragment.slice(1).split('/')) {
    const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    if (!isRecord(node) && !Array.isArray(node)) throw new Unsupported('$ref')
    if (!Object.hasOwn(node, token)) throw new Unsupported('$ref')
    node = (node as Record<string, unknown>)[token]
  }
  return node
}

/** Follows `$ref`s (with only ignorable siblings) to the schema and the document it lives in. */
function deref(ctx: Ctx, schema: Schema, doc: Schema): [Schema, Schema] {
  let hops = 0
  while (typeof schema.$ref === 'string') {
    for (const k of Object.keys(schema)) if (!IGNORED_REF_SIBLINGS.has(k)) throw new Unsupported('$ref with siblings')
    const ref = schema.$ref
    const hash = ref.indexOf('#')
    const base = hash === -1 ? ref : ref.slice(0, hash)
    const fragment = hash === -1 ? '' : ref.slice(hash + 1)
    let target: unknown
    if (base === '') target = pointer(doc, fragment)
    else {
      if (!Object.hasOwn(ctx.external, base)) throw new Unsupported('$ref')
      const external = ctx.external[base]
      if (!isRecord(external)) throw new Unsupported('$ref')
      doc = external
      target = pointer(external, fragment)
    }
    if (typeof target === 'boolean') throw new Unsupported('boolean schema')
    if (!isRecord(target)) throw new Unsupported('$ref')
    schema = target
    if (++hops > 64) throw new Unsupported('$ref')
  }
  if (schema.$ref !== undefined) throw new Unsupported('$ref')
  return [schema, doc]
}

/** No lone surrogate (TextEncoder would silently write U+FFFD for one). */
function wellFormed(key: string): boolean {
  try {
    encodeURIComponent(key)
    return true
  } catch {
    return false
  }
}

function keyId(ctx: Ctx, key: string): number {
  let id = ctx.keyIds.get(key)
  if (id === undefined) {
    if (ctx.keys.length >= MAX_KEYS) throw new Unsupported('too many keys')
    id = ctx.keys.length
    ctx.keys.push(key)
    ctx.keyIds.set(key, id)
  }
  return id
}

function dataRef(ctx: Ctx, value: unknown): string {
  ctx.data.push(value)
  return `d[${ctx.data.length - 1}]`
}

/**
 * Code writing a constant (a `const` or a `default`): what JSON.parse(JSON.stringify(value))
 * gives, written as the codec writes it. `rest`: see gen().
 */
function literal(ctx: Ctx, value: unknown, keyword: string, rest: number): string {
  if (value === null) return `dv.setUint8(p++, ${TAG_NULL});`
  if (typeof value === 'boolean') return `dv.setUint8(p++, ${value ? TAG_TRUE : TAG_FALSE});`
  if (typeof value === 'number' && Number.isFinite(value)) {
    return `p = putNum(e.buf, dv, p, ${dataRef(ctx, value === 0 ? 0 : value)});`
  }
  if (typeof value === 'string') return `${call(`e.str(${dataRef(ctx, value)})`)}\n${room(rest)}`
  throw new Unsupported(keyword)
}

/** The schema's type, or the one fast-json-stringify infers from its keywords. */
function typeOf(schema: Schema): unknown {
  if (schema.type !== undefined) return schema.type
  for (const [inferred, keywords] of INFER) {
    if (keywords.some((k) => k in schema)) return inferred
  }
  return undefined
}

/**
 * What the code for a (dereferenced) schema writes, as far as the bounds checks go: 'bounded'
 * for a value of at most VALUE_ROOM bytes whatever the payload, 'string' for a plain string
 * (batched, see object()), 'object' for a non-nullable object (it checks its room before writing
 * anything: object()), 'other' for anything else. Unsupported schemas are 'other' (gen()
 * refuses them).
 */
function sizeClass(schema: Schema): 'bounded' | 'string' | 'object' | 'other' {
  if (schema.const !== undefined) return 'other'
  const type = typeOf(schema)
  if (type === 'integer' || type === 'number' || type === 'boolean' || type === 'null') return 'bounded'
  if (type === 'string' && schema.format !== 'date-time') return 'string'
  if (type === 'object' && schema.nullable !== true) return 'object'
  return 'other'
}

function checkKeywords(schema: Schema): void {
  for (const k of Object.keys(schema)) {
    if (HANDLED.has(k) || IGNORED.has(k) || k.startsWith('x-')) continue
    throw new Unsupported(k)
  }
}

/*
 * The generated code keeps the emitter's state in locals (`dv` the DataView of the buffer, `p`
 * the write position, `lim` = e.safeEnd) so that V8 holds them in registers across a whole
 * object instead of loading and storing Emitter fields per value, and writes the common case of
 * each value itself: numbers by DataView stores in the code (int32(), finite()), short ASCII
 * text by putAscii's loop, longer text by one native utf8Write call. The Emitter's methods are
 * called on the slow paths only, with `p` stored before and every local reloaded after (call()).
 * Every byte goes through `dv` (setUint8), none through the Uint8Array: one object fewer whose
 * map V8 checks again after each merge with a slow path, and one live value fewer to spill
 * around each object (callgrind, users-10k, the generated function: Node 24 6.73M -> 6.33M,
 * Node 26 6.46M -> 6.06M instructions a message).
 *
 * Bounds: one check per object, not per value. gen() is entered with VALUE_ROOM + rest bytes
 * of room (p + VALUE_ROOM + rest <= lim) and leaves rest bytes of room, where rest is what the
 * enclosing object still writes without another check (its remaining members' keys and fixed
 * parts, and its end byte). Values of a bounded size (at most VALUE_ROOM bytes) need no check;
 * strings, objects and arrays make room for themselves plus rest. An object checks once for all
 * its members' fixed parts and its first strings' batched bytes (object()), a list of bounded
 * items once per chunk of items (array()), and no call is left on the common path (a key's first
 * use included: intern()), so that V8 keeps dv's map known from one check to the next.
 */

/** Bytes of a value's fixed part at most: a tag and 8 bytes, or a list's tag and u32 count (SPEC 2). */
const VALUE_ROOM = 9
/** A member's u32 key index (SPEC 2) and its value's fixed part. */
const MEMBER_ROOM = 4 + VALUE_ROOM
/**
 * Pre strings per object at most (see object()): at most the first batch's size, so that a flush
 * always leaves space for them.
 */
const PRE_STRINGS_MAX = BATCH_FIRST_STRINGS
/** Items of a list of bounded values under one bounds check (see array()). */
const ARRAY_CHUNK_ITEMS = 1024
/** Reloads the locals after an Emitter method wrote (it may have grown the buffer). */
const RELOAD = 'p = e.pos; dv = e.view; lim = e.safeEnd;'
/**
 * The generated function's locals (see above); `rope`, `nb`, `cap` and `bmax` hold the current
 * batch of strings, its size and capacity, and the longest string batched: BATCH_MAX_UNITS, or -1
 * once a batch was not all ASCII (a number compared with a string's length, not a boolean tested
 * before it: one live value and one branch fewer per string; see emitter.ts
 * BATCH_MAX_UNITS).
 */
const PRELUDE =
  'let dv = e.view, p = e.pos, lim = e.safeEnd, ns = 0;\n' +
  'const so = e.slotOf, ord = e.order, putNum = h.putNum, utf8Write = h.utf8Write, bq = e.batch;\n' +
  `let rope = '', nb = 0, bmax = ${BATCH_MAX_UNITS}, cap = ${BATCH_FIRST_STRINGS};\n`
/**
 * Code writing the current batch of strings and starting the next one (a batch that was not all
 * ASCII leaves nb at 0 and rope empty for the rest of the message, so no flush is due again).
 */
const FLUSH =
  `e.pos = p; bmax = e.flushStrings(rope, nb) ? ${BATCH_MAX_UNITS} : -1; rope = ''; nb = 0; cap = ${BATCH_STRINGS}; ` +
  RELOAD
/** Writes the last batch of strings (it may move p: see Emitter.relayout). */
const FLUSH_LAST = 'if (nb > 0) { e.pos = p; e.flushStrings(rope, nb); p = e.pos; }'

/** Code calling an Emitter method (or a coercion writing through one) from the generated code. */
function call(code: string): string {
  return `e.pos = p; ${code}; ${RELOAD}`
}

/** Code making room for `n` (a number or an expression) more bytes; none is p <= lim, always true. */
function room(n: number | string): string {
  if (n === 0) return ''
  return `if (p + ${n} > lim) { e.pos = p; e.grow(${n}); dv = e.view; lim = e.safeEnd; }`
}

/**
 * Keys whose slot the generated code keeps in a local (`s<id>`, -1 until the key's first use in
 * the message): a register or stack compare per member instead of an Int32Array load with its
 * map and bounds checks (callgrind, Node 26, users-10k: ~10 instructions a member). Each call
 * of the generated function has its own locals, as each message has its own slots (a writer
 * re-entered from a toJSON() runs another call). Keys past this many use the slot array.
 */
const LOCAL_SLOTS = 64

/**
 * Code giving key `id` its slot on its first use in the message (SPEC 3: the next one, never a
 * 0x7F slot, which takes a padding entry first: SPEC 2), recorded in `ord` for finish(). No call:
 * a call on this path (Emitter.intern, taken once per key and message) left a merge after every
 * member where V8 no longer knew the maps of buf and dv, so every store after it checked them
 * again (with the per-object checks of object() and array(), callgrind on Node 26, users-10k:
 * 14.5M -> 12.0M instructions a message). No slot-count check: MAX_KEYS keys and their padding
 * stay far below TABLE_MAX_SLOTS (compileSchemaWriter).
 */
function intern(id: number, slot: string): string {
  return `if ((ns & ${LOW_BYTE}) === ${OBJECT_END}) ord[ns++] = ${PAD_SLOT}; ${slot} = ns; ord[ns++] = ${id};`
}

/** Code writing key `id`'s u32 index (SPEC 2), interning it on its first use in the message (SPEC 3). */
function key(id: number): string {
  if (id < LOCAL_SLOTS) {
    return `if (s${id} < 0) { ${intern(id, `s${id}`)} } dv.setUint32(p, s${id}, true); p += 4;`
  }
  return `{ let s = so[${id}]; if (s < 0) { ${intern(id, 's')} so[${id}] = s; } dv.setUint32(p, s, true); p += 4; }`
}

/** The declarations of the slot locals of the first `count` keys (see LOCAL_SLOTS). */
function slotLocals(count: number): string {
  const names: string[] = []
  for (let id = 0; id < Math.min(count, LOCAL_SLOTS); id++) names.push(`s${id} = -1`)
  return names.length === 0 ? '' : `let ${names.join(', ')};\n`
}

/**
 * Code writing the int32 held in `k` as putNum writes it (SPEC 5): a small int, else int64 as
 * two u32 halves. Written into the generated code rather than called: on Node 24 and 26 the
 * call to putNum was not inlined into a large generated function and its DataView stores
 * went through the builtins (callgrind: DataViewPrototypeSetInt32 ~8% of users-10k).
 */
function int32(k: string): string {
  return (
    `if (${k} >>> 0 <= ${SMALL_INT_WRITE_MAX}) dv.setUint8(p++, ${TAG_SMALL_INT} | ${k});\n` +
    `else { dv.setUint8(p, ${TAG_INT64}); dv.setInt32(p + 1, ${k}, true); dv.setInt32(p + 5, ${k} >> 31, true); p += 9; }`
  )
}

/** Code writing the finite number held in `k` (never -0) as putNum writes it (SPEC 5); see int32(). */
function finite(k: string): string {
  return (
    `if ((${k} | 0) === ${k}) { ${int32(k)} }\n` +
    `else if (Number.isSafeInteger(${k})) { const hi = Math.floor(${k} / ${TWO_32}); dv.setUint8(p, ${TAG_INT64}); ` +
    `dv.setUint32(p + 1, ${k} - hi * ${TWO_32}, true); dv.setInt32(p + 5, hi, true); p += 9; }\n` +
    `else { dv.setUint8(p, ${TAG_FLOAT64}); dv.setFloat64(p + 1, ${k}, true); p += 9; }`
  )
}

/** Code writing a list's tag and u32 count (SPEC 2) held in `n`, . */
function listHeader(n: string): string {
  return `dv.setUint8(p, ${TAG_LIST}); dv.setUint32(p + 1, ${n}, true); p += ${TAG_AND_U32};`
}

/**
 * Code writing the value held in the variable `v` under `schema`; `rest`: the room the caller
 * needs left after it (see above); `pre`: a string the caller made batch space and room for
 * (object()).
 */
function gen(
  ctx: Ctx, input: Schema | boolean, inputDoc: Schema, v: string, depth: number, rest: number, pre = false
): string {
  if (typeof input === 'boolean' || !isRecord(input)) throw new Unsupported('boolean schema')
  const [schema, doc] = deref(ctx, input, inputDoc)
  if (ctx.refStack.has(schema)) throw new Unsupported('recursive $ref')
  // A nested $id changes the base URI of the $refs under it: not followed.
  if (schema !== doc && schema.$id !== undefined) throw new Unsupported('$id')
  checkKeywords(schema)
  const type = typeOf(schema)
  const nullable = schema.nullable === true
  let code: string
  if (schema.const !== undefined) {
    // fast-json-stringify writes the constant whatever the value (buildConstSerializer).
    if (Array.isArray(type)) throw new Unsupported('type array')
    code = literal(ctx, schema.const, 'const', rest)
  } else if (Array.isArray(type)) {
    throw new Unsupported('type array')
  } else {
    ctx.refStack.add(schema)
    code = single(ctx, schema, doc, type, v, depth, rest, pre)
    ctx.refStack.delete(schema)
  }
  return nullable ? `if (${v} === null) dv.setUint8(p++, ${TAG_NULL}); else {\n${code}\n}` : code
}

function single(
  ctx: Ctx, schema: Schema, doc: Schema, type: unknown, v: string, depth: number, rest: number, pre: boolean
): string {
  switch (type) {
    case 'null':
      return `dv.setUint8(p++, ${TAG_NULL});`
    case 'boolean':
      return `dv.setUint8(p++, ${v} ? ${TAG_TRUE} : ${TAG_FALSE});`
    // The common case of each type is written inline, the coercions are calls; a coerced
    // number takes at most VALUE_ROOM bytes, so they need no room after.
    case 'integer': {
      const k = `k${ctx.uid++}`
      return (
        `if (typeof ${v} === 'number' && (${v} | 0) === ${v}) { const ${k} = ${v} | 0; ${int32(k)} }\n` +
        `else { ${call(`w.int(e, ${v})`)} }`
      )
    }
    case 'number': {
      const k = `k${ctx.uid++}`
      return (
        `if (typeof ${v} === 'number' && ${v} - ${v} === 0) { const ${k} = ${v} === 0 ? 0 : ${v}; ${finite(k)} }\n` +
        `else { ${call(`w.num(e, ${v})`)} }`
      )
    }
    case 'string': {
      const format = schema.format
      if (typeof format === 'string' && UNMIRRORED_FORMATS.has(format)) throw new Unsupported(`format: ${format}`)
      if (format === 'date-time') return `${call(`w.dateTime(e, ${v})`)}\n${room(rest)}`
      const n = `n${ctx.uid++}`
      const q = `q${ctx.uid++}`
      const i = `i${ctx.uid++}`
      const c = `c${ctx.uid++}`
      const slow = `${call(`e.text(${TAG_STRING}, ${v})`)}\n${room(rest)}`
      return (
        `if (typeof ${v} === 'string') {\nconst ${n} = ${v}.length;\n` +
        // Batched (emitter.ts BATCH_MAX_UNITS): the tag and length as if ASCII, the bytes' room
        // left for flushStrings(), which a full batch calls first. After a batch that was not all
        // ASCII (bmax -1), the message's strings are written directly, as below. A string the
        // enclosing object made room and batch space for (`pre`, see object()) has no checks here.
        (pre
          ? ''
          : `if (${n} <= bmax && (nb === cap || rope.length + ${n} > ${BATCH_UNITS})) { ${FLUSH} }\n`) +
        // Tested again: after a batch that was not all ASCII, this string is written directly too
        // (batched alone, it would make the last flush lay out the rest of the message again);
        // and past BATCH_POSITION_MAX (batch positions are int32) strings are written directly.
        `if (${n} <= bmax && p < ${BATCH_POSITION_MAX}) {\n` +
        (pre ? '' : `${room(`${TAG_AND_U32 + rest} + ${n}`)}\n`) +
        `rope += ${v}; bq[nb++] = p + ${TAG_AND_U32}; dv.setUint8(p, ${TAG_STRING}); dv.setUint32(p + 1, ${n}, true); p += ${TAG_AND_U32} + ${n};\n` +
        `} else if (${n} <= ${SHORT_ASCII}) {\n` +
        `${room(`${TAG_AND_U32 + rest} + ${n}`)}\n` +
        // Short text: putAscii's loop written here with literal constants (the emitter's tags
        // are module bindings, each use a cell load and hole check once inlined; callgrind,
        // Node 26: ~40 instructions a string), its length by one DataView store.
        `let ${q} = p + ${TAG_AND_U32}, ${i} = 0;\n` +
        `for (; ${i} < ${n}; ${i}++) { const ${c} = ${v}.charCodeAt(${i}); if (${c} >= ${ASCII_END}) break; dv.setUint8(${q}++, ${c}); }\n` +
        `if (${i} === ${n}) { dv.setUint8(p, ${TAG_STRING}); dv.setUint32(p + 1, ${n}, true); p = ${q}; } else { ${slow} }\n` +
        // Longer text: one native UTF-8 write, which is also the ASCII check (any other character,
        // a lone surrogate's U+FFFD included, takes more bytes than UTF-16 units); the rest is
        // rewritten by e.text, which refuses lone surrogates.
        `} else {\n${room(`${TAG_AND_U32 + rest} + 3 * ${n}`)}\n` +
        `if (utf8Write.call(e.buf, ${v}, p + ${TAG_AND_U32}, 3 * ${n}) === ${n}) ` +
        `{ dv.setUint8(p, ${TAG_STRING}); dv.setUint32(p + 1, ${n}, true); p += ${TAG_AND_U32} + ${n}; }\n` +
        `else { ${slow} }\n}\n` +
        `} else { ${call(`w.str(e, ${v})`)}\n${room(rest)} }`
      )
    }
    case 'object':
      return object(ctx, schema, doc, v, depth + 1, rest)
    case 'array':
      return array(ctx, schema, doc, v, depth + 1, rest)
    case undefined:
      throw new Unsupported('untyped schema')
    default:
      throw new Unsupported(`type: ${String(type)}`)
  }
}

function object(ctx: Ctx, schema: Schema, doc: Schema, v: string, depth: number, rest: number): string {
  if (depth > ctx.maxDepth) throw new Unsupported('maxDepth')
  if (schema.patternProperties !== undefined) throw new Unsupported('patternProperties')
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) throw new Unsupported('additionalProperties')
  const properties = schema.properties === undefined ? {} : schema.properties
  if (!isRecord(properties)) throw new Unsupported('properties')
  const required: unknown[] = Array.isArray(schema.required) ? schema.required : []
  if (schema.required !== undefined && !Array.isArray(schema.required)) throw new Unsupported('required')
  // fast-json-stringify (buildInnerObject): required properties first, then the rest, each
  // group in `properties` order (Array#sort is stable).
  const names = Object.keys(properties).sort((a, b) => {
    const ra = required.includes(a)
    const rb = required.includes(b)
    return ra === rb ? 0 : ra ? -1 : 1
  })
  // Plain string members before the first member that may batch strings itself (an object or
  // array) are `pre`: the batch is flushed here if it lacks space for all of them, and this
  // object's room check covers their batched bytes, so that they write with no call and no check.
  const members = names.map((name) => {
    const sub = properties[name]
    if (!isRecord(sub)) throw new Unsupported(typeof sub === 'boolean' ? 'boolean schema' : 'properties')
    const [resolved] = deref(ctx, sub, doc)
    return { name, sub, resolved, size: sizeClass(resolved), pre: false, room: MEMBER_ROOM }
  })
  let preCount = 0
  for (const m of members) {
    if (m.size === 'other' || m.size === 'object' || preCount === PRE_STRINGS_MAX) break
    if (m.size === 'string') {
      m.pre = true
      m.room = MEMBER_ROOM - VALUE_ROOM + TAG_AND_U32 + BATCH_MAX_UNITS
      preCount++
    }
  }
  let code = ''
  if (preCount > 0) {
    code +=
      `if (nb > cap - ${preCount} || rope.length > ${BATCH_UNITS - preCount * BATCH_MAX_UNITS}) { ${FLUSH} }\n`
  }
  // One check for the tag, every member's key and fixed part (a pre string's batched bytes), the
  // end byte and the caller's rest, made before the null test (null takes two bytes at most), so
  // that gen() needs no room for an object (sizeClass 'object'); `after`: what the members after
  // each still need.
  const after: number[] = []
  let tail = 1 + rest
  for (let i = members.length - 1; i >= 0; i--) {
    after[i] = tail
    tail += members[i]!.room
  }
  code += `${room(1 + tail)}\n`
  const o = `o${ctx.uid++}`
  // fast-json-stringify's `v && typeof v.toJSON === 'function'`, with the usual case (a non-null
  // object) tested first: a typeof and a compare instead of the full truthiness test.
  code +=
    `const ${o} = (typeof ${v} === 'object' && ${v} !== null) ? (typeof ${v}.toJSON === 'function' ? ${v}.toJSON() : ${v}) ` +
    `: (${v} && typeof ${v}.toJSON === 'function') ? ${v}.toJSON() : ${v};\n`
  const whenNull =
    schema.nullable === true ? `dv.setUint8(p++, ${TAG_NULL});` : `dv.setUint8(p++, ${TAG_OBJECT}); dv.setUint8(p++, ${OBJECT_END});`
  code += `if (${o} === null) { ${whenNull} } else {\n`
  for (const name of required) {
    if (typeof name !== 'string') throw new Unsupported('required')
    if (!names.includes(name)) code += `if (${o}[${JSON.stringify(name)}] === undefined) throw new Error('required');\n`
  }
  code += `dv.setUint8(p++, ${TAG_OBJECT});\n`
  members.forEach(({ name, sub, resolved, pre }, i) => {
    const id = keyId(ctx, name)
    const x = `x${ctx.uid++}`
    code += `const ${x} = ${o}[${JSON.stringify(name)}];\n`
    code += `if (${x} !== undefined) {\n${key(id)}\n${gen(ctx, sub, doc, x, depth, after[i]!, pre)}\n}`
    const absent = resolved.default !== undefined ? `{\n${key(id)}\n${literal(ctx, resolved.default, 'default', after[i]!)}\n}` : null
    if (absent !== null) code += ` else ${absent}\n`
    else if (required.includes(name)) code += ' else throw new Error(\'required\');\n'
    else code += '\n'
  })
  code += `dv.setUint8(p++, ${OBJECT_END});\n}`
  return code
}

function array(ctx: Ctx, schema: Schema, doc: Schema, v: string, depth: number, rest: number): string {
  if (depth > ctx.maxDepth) throw new Unsupported('maxDepth')
  const items = schema.items === undefined ? {} : schema.items
  if (Array.isArray(items)) throw new Unsupported('tuple items')
  if (!isRecord(items)) throw new Unsupported(typeof items === 'boolean' ? 'boolean schema' : 'items')
  const n = `n${ctx.uid++}`
  const i = `i${ctx.uid++}`
  const item = `v${ctx.uid++}`
  // SPEC 2: the list tag and its u32 count, within the VALUE_ROOM gen() was entered with.
  let code = `if (${v} === null) { ${listHeader('0')} }\n`
  code += `else if (!Array.isArray(${v})) throw new TypeError('not an array');\n`
  code += `else {\nconst ${n} = ${v}.length;\n${listHeader(n)}\n`
  const itemSize = sizeClass(deref(ctx, items, doc)[0])
  if (itemSize === 'bounded') {
    // Items of at most VALUE_ROOM bytes: one bounds check per chunk of items (and the caller's
    // rest), so that dv stays the same object through the inner loop. Chunks, not the
    // whole list: a long list of small ints takes 1 byte an item, not VALUE_ROOM.
    const end = `m${ctx.uid++}`
    code += `for (let ${i} = 0; ${i} < ${n};) {\n`
    code += `const ${end} = ${n} - ${i} > ${ARRAY_CHUNK_ITEMS} ? ${i} + ${ARRAY_CHUNK_ITEMS} : ${n};\n`
    code += `${room(`${VALUE_ROOM} * (${end} - ${i}) + ${rest}`)}\n`
    code += `for (; ${i} < ${end}; ${i}++) {\nconst ${item} = ${v}[${i}];\n`
    code += `${gen(ctx, items, doc, item, depth, 0)}\n}\n}\n}`
    return code
  }
  // An object item checks its own room first (object()).
  code += `for (let ${i} = 0; ${i} < ${n}; ${i}++) {\nconst ${item} = ${v}[${i}];\n${itemSize === 'object' ? '' : room(VALUE_ROOM)}\n`
  code += `${gen(ctx, items, doc, item, depth, 0)}\n}\n`
  code += `${room(rest)}\n}`
  return code
}

/**
 * The coercions of fast-json-stringify's lib/serializer.js, written as the round trip
 * (JSON.parse of that text, then `project`) would leave the value.
 */
const coerce = {
  /** asInteger with the default rounding (trunc): an integer, a bigint as is, else Math.trunc; "0" for -0. */
  int(e: Emitter, x: unknown): void {
    if (Number.isInteger(x)) e.num((x as number) === 0 ? 0 : (x as number))
    else if (typeof x === 'bigint') e.big(x)
    else {
      const n = Math.trunc(x as number)
      if (n === Infinity || n === -Infinity || n !== n) throw new Error('not an integer')
      e.num(n === 0 ? 0 : n)
    }
  },
  /**
   * asNumber: Number(x); NaN throws, the infinities are null; a bigint JSON wrote as a number
   * stays a bigint (`project`).
   */
  num(e: Emitter, x: unknown): void {
    if (typeof x === 'number') {
      if (x !== x) throw new Error('not a number')
      if (x === Infinity || x === -Infinity) e.nul()
      else e.num(x === 0 ? 0 : x)
      return
    }
    if (typeof x === 'bigint') {
      e.big(x)
      return
    }
    const n = Number(x)
    if (n !== n) throw new Error('not a number')
    if (n === Infinity || n === -Infinity) e.nul()
    else e.num(n === 0 ? 0 : n)
  },
  /** The plain string branch of buildSingleTypeSerializer; a valid Date written as its ISO text stays a Date. */
  str(e: Emitter, x: unknown): void {
    if (typeof x === 'string') e.str(x)
    else if (x === null) e.str('')
    else if (x instanceof Date) {
      x.toISOString() // throws for an invalid Date, as fast-json-stringify does
      e.date(x)
    } else if (x instanceof RegExp) e.str(x.source)
    else {
      const s: unknown = (x as { toString(): unknown }).toString()
      if (typeof s !== 'string') throw NOT_MIRRORED
      e.str(s)
    }
  },
  /** asDateTime: null is "", a Date its ISO text (kept typed), a string as is, anything else throws. */
  dateTime(e: Emitter, x: unknown): void {
    if (x === null) e.str('')
    else if (x instanceof Date) {
      x.toISOString()
      e.date(x)
    } else if (typeof x === 'string') e.str(x)
    else throw new Error('not a date-time')
  }
}

/** The plain functions the generated code writes its common cases with. */
const helpers = { putNum, utf8Write }

type Body = (e: Emitter, input: unknown, w: typeof coerce, d: readonly unknown[], h: typeof helpers) => number

/**
 * Compiles the writer for one response schema, or names the keyword that keeps it on the
 * round trip. `external` are the schemas added with addSchema, by $id, as the route's
 * serializer compiler saw them.
 *
 * @example
 * ```ts
 * const r = compileSchemaWriter({ type: 'object', properties: { id: { type: 'integer' } } }, {}, 128)
 * if ('writer' in r) r.writer({ id: 1, secret: 'x' }) // the message for { id: 1 }
 * ```
 */
export function compileSchemaWriter(
  schema: unknown,
  external: Readonly<Record<string, unknown>>,
  maxDepth: number
): CompileResult {
  if (!isRecord(schema)) return { fallback: typeof schema === 'boolean' ? 'boolean schema' : 'schema' }
  const ctx: Ctx = { keys: [], keyIds: new Map(), data: [], external, refStack: new Set(), uid: 0, maxDepth }
  let body: string
  try {
    const root = gen(ctx, schema, schema, 'input', 0, 0)
    body = `${PRELUDE}${slotLocals(ctx.keys.length)}${room(VALUE_ROOM)}\n${root}\n${FLUSH_LAST}\nreturn p;`
  } catch (err) {
    if (err instanceof Unsupported) return { fallback: err.keyword }
    throw err
  }
  const keyBytes: Uint8Array[] = []
  for (const key of ctx.keys) {
    if (!wellFormed(key)) return { fallback: 'key with a lone surrogate' }
    const bytes = new TextEncoder().encode(key)
    if (bytes.length > KEY_MAX_BYTES) return { fallback: `key over ${KEY_MAX_BYTES} bytes` }
    keyBytes.push(bytes)
  }
  let fn: Body
  try {
    fn = new Function('e', 'input', 'w', 'd', 'h', `'use strict';\n${body}`) as Body
  } catch {
    // A Content-Security-Policy-like restriction on code generation (or a compiler bug): stay correct.
    return { fallback: 'code generation' }
  }
  const data = ctx.data
  const slotOf = new Int32Array(keyBytes.length)
  // SPEC 3: each key at most once, a padding entry before every 0x7F slot (intern()).
  const maxSlots = keyBytes.length + Math.ceil(keyBytes.length / 255) + 1
  if (maxSlots > TABLE_MAX_SLOTS) return { fallback: 'too many keys' }
  const order = new Int32Array(maxSlots)
  let tableBound = maxSlots - keyBytes.length
  for (const bytes of keyBytes) tableBound += 1 + bytes.length
  let hint = 0
  let busy = false
  const writer: SchemaWriter = (payload) => {
    const e = takeEmitter()
    const outer = !busy
    busy = true
    e.busy = true
    // A writer re-entered from a toJSON() takes its own slot and order arrays: the outer message
    // still needs these (takeEmitter gave it its own Emitter for the same reason).
    const own = outer ? [slotOf, order] : [new Int32Array(keyBytes.length), new Int32Array(maxSlots)]
    e.start(keyBytes, own[0]!, own[1]!, tableBound, hint)
    try {
      // The end position is returned, not stored in e.pos: a store after a long first loop has
      // no type feedback when V8 compiles that loop on stack (OSR), and deoptimized every call.
      e.pos = fn(e, payload, coerce, data, helpers)
      hint = e.bodySize()
      return e.finish()
    } finally {
      if (outer) busy = false
      e.busy = false
      e.release()
    }
  }
  return { writer }
}
