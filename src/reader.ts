/**
 * The B-FAST v1 reader: a message (plain or compressed, SPEC 4) to JS values (SPEC 1, 2, 3, 5).
 *
 * Safe on every input (SPEC 6): every length and count is checked against the bytes that
 * remain before anything is allocated, nesting is bounded, and every failure is a
 * `BFastError` with a code and the byte offset (offsets count in the plain message).
 *
 * Written for V8 on purpose (PERFORMANCE-NOTES "Decoding"): the state of the one message
 * being read lives in one module-level object (decode never re-enters: it runs no user code),
 * single bytes are read as `src[pos++]` and wider values through one DataView per message,
 * keys are decoded once per message from the string table, and readValue holds the hot
 * paths of strings, objects, lists and int64 itself (see there) beside its switch on the tag.
 */
import { BFastError, isStackOverflow } from './errors.js'
import type { DecodeOptions, PoisoningAction } from './options.js'
import {
  checkDecodeOptions, DECODE_OPTIONS, DEFAULT_MAX_DECOMPRESSED_SIZE, DEFAULT_MAX_DEPTH, DEFAULT_MAX_HEAP_PER_BYTE
} from './options.js'
import * as tags from './tags.js'
import * as limits from './limits.js'
import { forgetRegion, readUtf8, readUtf8Region } from './utf8.js'
import { readKey } from './key-cache.js'
import { shapeBuilder, shapeReader } from './shapes.js'
import type { ShapeBuilder, ShapeParts, ShapeReader } from './shapes.js'
import { decompressWithin } from './frame.js'
import { isDetached } from './detached.js'
import { openTable } from './table-reader.js'
import { LITTLE_ENDIAN } from './platform.js'
import { setOwn } from './own-property.js'

// Module-local copies of the imported facts (tags.ts and limits.ts stay their one place).
// Written for V8 on purpose: optimized code folds a module's own `const` bindings to constants,
// but loads an imported binding from its cell and checks it for the hole (TDZ) at every use, as
// in every `case` of readValue's switch. Callgrind, Node 26, users-10k decode: 121.1M -> 115.8M
// instructions for 4 decodes (citm 61.7M -> 57.7M for 2).
const {
  FLAG_BIG_ENDIAN, HEADER_SIZE, MAGIC_0, MAGIC_1, OBJECT_END, OFFSET_FLAGS, OFFSET_TABLE_COUNT, OFFSET_VERSION,
  SMALL_INT_MASK, TABLE_HEADER_SIZE, TABLE_OFFSET_LENGTH, TAG_BYTES, TAG_DATE, TAG_DATETIME, TAG_DECIMAL,
  TAG_F64_ARRAY, TAG_FALSE, TAG_FLOAT64, TAG_INT64, TAG_LIST, TAG_NULL, TAG_OBJECT, TAG_SMALL_INT,
  TAG_SMALL_INT_LAST, TAG_STRING, TAG_TABLE, TAG_TIME, TAG_TRUE, TAG_UUID, TWO_32, VERSION
} = tags
const {
  DECODE_BUDGET_SLACK, HEAP_COST_LIST, HEAP_COST_OBJECT, HEAP_COST_SLOT, HEAP_COST_TYPED_ARRAY, MAX_STRING_UNITS,
  SHAPE_KNOWN_MAX_BYTES, SHAPE_MAX_COMPILES, SHAPE_MAX_VARIANTS, SHAPE_MIN_HITS
} = limits

const F64_BYTES = 8
/** Piece size for texts over MAX_STRING_UNITS bytes (see readHugeText). */
const HUGE_TEXT_PIECE = 64 * 1024 * 1024
/** SPEC 2: a UUID is sent as 32 hex digits; it is returned hyphenated 8-4-4-4-12. */
const UUID_HEX = /^[0-9a-fA-F]{32}$/
/** An ISO datetime with a zone designator; without one it is "naive" and read as UTC. */
const HAS_ZONE = /(?:[Zz]|[+-]\d\d(?::?\d\d)?)$/
const EMPTY = new Uint8Array(0)
const EMPTY_VIEW: DataView = new DataView(EMPTY.buffer)
/** decode(bytes) without options: every option takes its registry default. */
const NO_OPTIONS: DecodeOptions = Object.freeze({})

interface Shape {
  /** Key indices in order; the first is the slot this shape is filed under. */
  indices: number[]
  hits: number
  reader: ShapeReader | null
  /** Read generically from now on (uncompilable, over budget, or missing too often). */
  retired: boolean
  /** Other key lists met by the compiled reader, each with its builder (see continueObject). */
  variants: Variant[] | null
  /**
   * Filed by knownReader with an earlier message's list: its first miss hands the rest of the
   * message back to the vote (learn), which finds this message's most common list.
   */
  known: boolean
}

interface Variant {
  indices: number[]
  build: ShapeBuilder | null
}

const INT64_AUTO = 0
const INT64_NUMBER = 1
const INT64_BIGINT = 2
/** The poisoning options' actions, as small integers for the hot checks. */
const ACTION_IGNORE = 0
const ACTION_ERROR = 1
const ACTION_REMOVE = 2

const hasOwn = Object.prototype.hasOwnProperty
const PROTO_KEY = '__proto__'
const CONSTRUCTOR_KEY = 'constructor'
const PROTOTYPE_KEY = 'prototype'

// ---- the message being read ------------------------------------------------------------------
/**
 * The state of the message being read and the options of the call, as fields of one object
 * made once. Written for V8 on purpose: a module-level variable lives in a context slot of no
 * known type, so optimized code checks and untags every read of `pos`, `end` or `depth` (a Smi
 * check and shift) and retags every write; a field of `r`, a constant of stable map, loads as
 * a field of known representation (Smi for the offsets) without the check. Callgrind, 4
 * decodes (GC pinned), users-10k / twitter / citm: Node 26 115.3M / 40.4M / 52.9M -> 99.1M /
 * 36.5M / 46.8M; Node 24 107.5M / 38.6M / 72.7M -> 98.5M / 37.1M / 67.0M.
 */
class ReaderState {
  src: Uint8Array = EMPTY
  view: DataView = EMPTY_VIEW
  pos = 0
  end = 0
  keys: string[] = []
  depth = 0
  /** Shapes learnt in this message, by the key index objects start with (./shapes.ts). */
  shapes: (Shape | undefined)[] = []
  compiles = 0
  /** Estimated heap built so far (SPEC 6 work budget; see charge()). */
  work = 0
  /** charge() recomputes the allowance only once `work` passes this (the last allowance computed). */
  workLimit = DECODE_BUDGET_SLACK
  /** The table holds a key the poisoning options act on: objects are checked (see guard()). */
  guarded = false
  // ---- options of the current call -----------------------------------------------------------
  maxDepth = DEFAULT_MAX_DEPTH
  int64Mode = INT64_AUTO
  datesAsString = false
  decimalAsString = false
  f64AsArray = false
  copyBinary = false
  /** SPEC 8 tables accepted (DecodeOptions.tables); false reads v1 only. */
  tablesAllowed = true
  maxHeapPerByte = DEFAULT_MAX_HEAP_PER_BYTE
  protoAction = ACTION_IGNORE
  constructorAction = ACTION_IGNORE
  /** The call's options as given, for tables' lazily read cells (SPEC 8.5). */
  callOptions: DecodeOptions | undefined = undefined
}

const r = new ReaderState()

function truncated(at: number, what: string): never {
  throw new BFastError('TRUNCATED', at, `Message ends inside ${what}`)
}

/** Reads a u32 length or count and checks that `unit` bytes per item remain for it. */
function readLength(unit: number, what: string): number {
  const p = r.pos
  if (r.end - p < 4) lengthCut(what)
  const n = r.view.getUint32(p, true)
  r.pos = p + 4
  if (n > (r.end - p - 4) / unit) countPastEnd(n, what)
  return n
}

// The errors of the hot readers are built in functions of their own (here and below), never in
// the readers: V8 counts a function's whole bytecode, cold paths and message templates included,
// against the budget of the function it is inlined into (see readValue).
function lengthCut(what: string): never {
  truncated(r.pos, `the length of ${what}`)
}

function countPastEnd(n: number, what: string): never {
  truncated(r.pos - 4, `${what} (declares ${n}, ${r.end - r.pos} bytes remain)`)
}

/**
 * SPEC 6 work budget, checked per container (never per byte, so the hot loops stay as they
 * are): the estimated heap built so far may not pass maxHeapPerByte per message byte read so
 * far, plus DECODE_BUDGET_SLACK. Checking against the bytes read so far, not the whole
 * message, stops a message of empty containers after its first few KiB instead of after it
 * has cost its whole budget.
 */
function charge(cost: number, at: number): void {
  // The hot test is one add and one compare against the last allowance; the allowance grows
  // with pos, so it is recomputed only when passed (a few times per message for real data).
  if ((r.work += cost) > r.workLimit) recheck(at)
}

function recheck(at: number): void {
  const allowed = r.maxHeapPerByte * r.pos + DECODE_BUDGET_SLACK
  if (r.work > allowed) overBudget(at)
  r.workLimit = allowed
}

function overBudget(at: number): never {
  throw new BFastError(
    'OVER_BUDGET',
    at,
    `Decoding would build more than maxHeapPerByte (${r.maxHeapPerByte}) estimated heap bytes per message byte ` +
      `(${r.work} bytes by byte ${r.pos}): too many containers for the message size`
  )
}

/**
 * One value, by its tag. Written for V8 on purpose: the string, object, list and int64 paths
 * are written out here instead of being functions of their own. readValue (over 460 bytes of
 * bytecode) is never inlined, so every value is one call into it, and TurboFan inlines its
 * callees only up to 920 bytes of their bytecode in all (--max-inlined-bytecode-size-cumulative),
 * by call frequency: with readText, readLength and readUtf8Region taking the budget (strings are
 * the most frequent values over the three datasets), readObject, readList and readInt64 stayed
 * calls, and those are most of citm_catalog.json's 37,778 values (10,937 objects, 10,451 lists
 * (8,695 empty), some 14,000 int64). The errors of these paths are built in functions of their
 * own for the same reason (the budget counts the cold bytecode of an inlined function too).
 * Measured (callgrind and Chromium): PERFORMANCE-NOTES "citm in Chromium".
 */
function readValue(): unknown {
  if (r.pos >= r.end) truncated(r.pos, 'a value')
  const tag = r.src[r.pos++]
  switch (tag) {
    case TAG_STRING: {
      // readText written out (and its readLength): see above.
      const p = r.pos
      if (r.end - p < 4) lengthCut('a string')
      const n = r.view.getUint32(p, true)
      r.pos = p + 4
      if (n > r.end - p - 4) countPastEnd(n, 'a string')
      // UTF-8 never gives more UTF-16 units than bytes: only longer texts need counting.
      const s = n > MAX_STRING_UNITS ? readHugeText(p + 4, n) : readUtf8Region(r.src, p + 4, n)
      r.pos = p + 4 + n
      return s
    }
    case TAG_OBJECT: {
      const at = r.pos - 1
      if (++r.depth > r.maxDepth) deep(at)
      charge(HEAP_COST_OBJECT, at)
      if (r.pos >= r.end) truncated(r.pos, 'an object (no 0x7F terminator)')
      let o: Record<string, unknown>
      // SPEC 2: a 0x7F byte where a key index starts ends the object (as upstream reads it).
      if (r.src[r.pos] === OBJECT_END) {
        r.pos++
        o = {}
      } else {
        const first = readKeyIndex()
        const shape = r.shapes[first]
        o = shape !== undefined && shape.reader !== null
          ? shape.reader(shape.indices)
          : readUnshaped(first, shape)
      }
      // Checked on the finished object, whichever path built it (generic loop or shape reader).
      if (r.guarded) guard(o, at)
      r.depth--
      return o
    }
    case TAG_LIST: {
      const at = r.pos - 1
      // SPEC 6: every value takes at least one byte, so a count beyond the remaining bytes is
      // refused before the array is allocated (readLength written out: see above).
      if (r.end - r.pos < 4) lengthCut('a list')
      const n = r.view.getUint32(r.pos, true)
      r.pos += 4
      if (n > r.end - r.pos) countPastEnd(n, 'a list')
      if (r.depth >= r.maxDepth) deep(at)
      let a: unknown[]
      // An empty list (citm_catalog.json: 8,695 of its 10,451) is made here, without the calls.
      if (n === 0) a = []
      else {
        r.depth++
        a = r.pos < r.end && isNumberTag(r.src[r.pos]) ? readNumbers(n) : readValues(n)
        r.depth--
      }
      // Charged once the elements are read (each took at least one byte), so a long list is
      // never refused for bytes it has not been given credit for yet; its elements (objects,
      // typed arrays) are charged as they are read, so a flood inside it stops early.
      charge(HEAP_COST_LIST + n * HEAP_COST_SLOT, at)
      return a
    }
    case TAG_INT64:
      return int64At(r.pos)
    case TAG_FLOAT64: {
      if (r.end - r.pos < F64_BYTES) truncated(r.pos, 'a float64')
      const v = r.view.getFloat64(r.pos, true)
      r.pos += F64_BYTES
      return v
    }
    case TAG_NULL:
      return null
    case TAG_FALSE:
      return false
    case TAG_TRUE:
      return true
    case TAG_BYTES:
      return readBytes()
    case TAG_F64_ARRAY:
      return readFloat64Array()
    case TAG_DATETIME:
    case TAG_DATE:
      return readDate(tag)
    case TAG_TIME:
      return readText('a time')
    case TAG_UUID:
      return readUuid()
    case TAG_DECIMAL: {
      const text = readText('a decimal')
      return r.decimalAsString ? text : parseFloat(text)
    }
    case TAG_TABLE:
      return readTableValue()
    default:
      // SPEC 2: 0x30..0x3F except 0x38 are small ints (0x39..0x3F are read, never written).
      if (tag >= TAG_SMALL_INT && tag <= TAG_SMALL_INT_LAST) return tag & SMALL_INT_MASK
      return unknownTag(tag)
  }
}

function unknownTag(tag: number): never {
  throw new BFastError('UNKNOWN_TAG', r.pos - 1, `Unknown tag 0x${tag.toString(16).padStart(2, '0')}`)
}

/** SPEC 8: a table, opened in O(columns) by ./table-reader.ts, which checks every extent. */
function readTableValue(): unknown {
  const at = r.pos - 1
  if (!r.tablesAllowed) {
    throw new BFastError('UNKNOWN_TAG', at, 'Unknown tag 0xa0 (a table, SPEC 8, where only B-FAST v1 is read)')
  }
  const table = openTable(r.src, r.view, at, r.end, r.keys, r.depth, r.callOptions, r.int64Mode)
  r.pos = at + TABLE_HEADER_SIZE + r.view.getUint32(at + TABLE_OFFSET_LENGTH, true)
  // SPEC 6 work budget: rows are built on demand, after decode returns; charge them as if
  // read now (one object and one slot each) so a table can never make more per byte than
  // the same rows as v1 objects.
  charge(table.length * (HEAP_COST_OBJECT + HEAP_COST_SLOT), at)
  if (r.guarded) guardTable(table.columnNames, at)
  return table
}

/** SPEC 2: float64, and 0x30..0x3F (small ints, 0x38 being int64). */
function isNumberTag(tag: number): boolean {
  return tag === TAG_FLOAT64 || (tag >= TAG_SMALL_INT && tag <= TAG_SMALL_INT_LAST)
}

function readValues(n: number): unknown[] {
  const a = new Array<unknown>(n)
  for (let i = 0; i < n; i++) a[i] = readValue()
  return a
}

/**
 * A list that starts with a number (scores, coordinates, series). Its array comes from its
 * own allocation site, which V8 soon allocates with unboxed double elements, as JSON.parse
 * builds number arrays; float64 and small ints are stored as read, so no HeapNumber is boxed
 * for them (readValue's result is a tagged value). Any other value is read generically (the
 * array then holds tagged values, which is only slower). Measured on Node 26: users-10k
 * decode spent half its time in GC, a third of its allocations being boxed scores.
 */
function readNumbers(n: number): unknown[] {
  const a = new Array<unknown>(n)
  for (let i = 0; i < n; i++) {
    if (r.pos >= r.end) truncated(r.pos, 'a value')
    const tag = r.src[r.pos]
    if (tag === TAG_FLOAT64) {
      if (r.end - r.pos <= F64_BYTES) truncated(r.pos + 1, 'a float64')
      a[i] = r.view.getFloat64(r.pos + 1, true)
      r.pos += 1 + F64_BYTES
    } else if (tag === TAG_INT64) {
      // Lists of ids (citm_catalog.json: 362 lists, 1,166 ids) without a readValue call each.
      a[i] = int64At(r.pos + 1)
    } else if (tag >= TAG_SMALL_INT && tag <= TAG_SMALL_INT_LAST) {
      a[i] = tag & SMALL_INT_MASK
      r.pos++
    } else a[i] = readValue()
  }
  return a
}

/**
 * onProtoPoisoning / onConstructorPoisoning, with secure-json-parse's rules (SPEC 5): an own
 * `__proto__` key; a `constructor` key whose value is a non-null object with an own
 * `prototype` key. Only runs for messages whose string table holds one of those keys.
 */
function guard(o: Record<string, unknown>, at: number): void {
  if (r.protoAction !== ACTION_IGNORE && hasOwn.call(o, PROTO_KEY)) {
    if (r.protoAction === ACTION_ERROR) forbidden(at, PROTO_KEY)
    delete o[PROTO_KEY]
  }
  if (r.constructorAction !== ACTION_IGNORE && hasOwn.call(o, CONSTRUCTOR_KEY)) {
    const c = o[CONSTRUCTOR_KEY]
    if (c !== null && typeof c === 'object' && hasOwn.call(c, PROTOTYPE_KEY)) {
      if (r.constructorAction === ACTION_ERROR) forbidden(at, `${CONSTRUCTOR_KEY}.${PROTOTYPE_KEY}`)
      delete o[CONSTRUCTOR_KEY]
    }
  }
}

/**
 * A table's rows are built after decode returns, so a forbidden key among its columns cannot
 * be removed from them: under 'error' and 'remove' alike the table is refused.
 */
function guardTable(names: readonly string[], at: number): void {
  if (r.protoAction !== ACTION_IGNORE && names.includes(PROTO_KEY)) forbidden(at, `a table column ${PROTO_KEY}`)
  if (r.constructorAction !== ACTION_IGNORE && names.includes(CONSTRUCTOR_KEY)) {
    forbidden(at, `a table column ${CONSTRUCTOR_KEY}`)
  }
}

function forbidden(at: number, what: string): never {
  throw new BFastError('FORBIDDEN_PROPERTY', at, `Object contains forbidden prototype property (${what})`)
}

/**
 * Key lists of objects met first in earlier messages, by their first key (one list a key: the
 * last one met). A message's first object of a list met in SHAPE_MIN_HITS messages (since it
 * was filed) is read by that list's compiled reader at once, instead of by the generic loop
 * until it repeats SHAPE_MIN_HITS times in this message, which a reply of one object (or a
 * few) never does.
 * Why: the generic loop's keyed stores are megamorphic, about 8% of a one-user decode (Node
 * 26, PERFORMANCE-NOTES "Shapes kept across messages").
 *
 * Only in messages of up to SHAPE_KNOWN_MAX_BYTES: a large one learns its own lists soon
 * enough, and twitter.json read 6% more instructions with the memory (its lists under one
 * first key vary). The reader still checks every key index of this message (another list goes
 * on generically, continueObject), so what a message decodes to never depends on the messages
 * before it. Keys are compared as strings: the key cache (./key-cache.ts) makes a repeated key
 * the same string, so most compares are pointer compares. Bounded: SHAPE_KNOWN_MAX lists of at
 * most SHAPE_MAX_MEMBERS keys (a longer one is never compiled), then emptied; compiles count
 * against the message's SHAPE_MAX_COMPILES.
 */
interface KnownShape {
  names: string[]
  /** Messages since this list was filed whose first object of this first key had it. */
  hits: number
  /** Compiled once hits reached SHAPE_MIN_HITS; null before, and where it cannot be compiled. */
  reader: ShapeReader | null
}

const knownShapes = new Map<string, KnownShape>()

/**
 * The reader of a key list met in earlier messages, filed for this message under `first` when
 * its keys are this message's string-table entries first, first + 1, ... (as an object's new
 * keys are interned in order); else undefined.
 */
function knownReader(first: number): Shape | undefined {
  const table = r.keys
  const known = knownShapes.get(table[first])
  if (known === undefined || known.reader === null) return undefined
  const names = known.names
  if (first + names.length > table.length) return undefined
  for (let j = 1; j < names.length; j++) if (table[first + j] !== names[j]) return undefined
  const indices = new Array<number>(names.length)
  for (let j = 0; j < names.length; j++) indices[j] = first + j
  const shape: Shape = { indices, hits: 1, reader: known.reader, retired: false, variants: null, known: true }
  r.shapes[first] = shape
  return shape
}

/** Counts the key list of a message's first object of its first key (see knownShapes). */
function rememberShape(seen: readonly number[]): void {
  if (seen.length > limits.SHAPE_MAX_MEMBERS) return
  const table = r.keys
  const key = table[seen[0]]
  const known = knownShapes.get(key)
  if (known !== undefined && known.names.length === seen.length) {
    let same = true
    for (let j = 1; j < seen.length && same; j++) same = known.names[j] === table[seen[j]]
    if (same) {
      if (++known.hits === SHAPE_MIN_HITS && r.compiles < SHAPE_MAX_COMPILES) {
        r.compiles++
        known.reader = shapeReader(known.names, SHAPE_PARTS)
      }
      return
    }
  }
  if (knownShapes.size >= limits.SHAPE_KNOWN_MAX) knownShapes.clear()
  knownShapes.set(key, { names: seen.map((i) => table[i]), hits: 1, reader: null })
}

/** An object whose shape has no reader (yet): read generically, its key list voted on by learn(). */
function readUnshaped(first: number, shape: Shape | undefined): Record<string, unknown> {
  if (shape === undefined && r.end <= SHAPE_KNOWN_MAX_BYTES) {
    const known = knownReader(first)
    if (known !== undefined) return (known.reader as ShapeReader)(known.indices)
  }
  const seen = shape === undefined || !shape.retired ? [first] : null
  const o: Record<string, unknown> = {}
  setOwn(o, r.keys[first], readValue())
  readMembers(o, seen)
  if (seen !== null) learn(first, seen, shape)
  return o
}

/** The generic member loop, from a key index or the terminator; records indices in `seen`. */
function readMembers(o: Record<string, unknown>, seen: number[] | null): Record<string, unknown> {
  const table = r.keys
  for (;;) {
    if (r.pos >= r.end) truncated(r.pos, 'an object (no 0x7F terminator)')
    if (r.src[r.pos] === OBJECT_END) {
      r.pos++
      return o
    }
    const index = readKeyIndex()
    if (seen !== null) seen.push(index)
    setOwn(o, table[index], readValue())
  }
}

/**
 * Where a generated reader meets an unexpected key after `matched` members (their values in
 * `values`): reads the other members and builds the object with the builder of its key list,
 * a variant of the shape filed under indices[0] (compiled the first time it is met, within the
 * message's SHAPE_MAX_COMPILES and the shape's SHAPE_MAX_VARIANTS). Built by keyed stores
 * instead, an object of over 16 members ends in dictionary mode (see ./shapes.ts).
 */
function continueObject(indices: readonly number[], matched: number, values: unknown[]): Record<string, unknown> {
  const seen = indices.slice(0, matched)
  values.length = matched
  for (;;) {
    if (r.pos >= r.end) truncated(r.pos, 'an object (no 0x7F terminator)')
    if (r.src[r.pos] === OBJECT_END) break
    seen.push(readKeyIndex())
    values.push(readValue())
  }
  r.pos++
  const shape = r.shapes[indices[0]] as Shape
  if (shape.known) {
    // An earlier message's list, not this one's (twitter.json: statuses of four lists under
    // one first key): this object is read, and the message's other objects vote as usual.
    shape.known = false
    shape.reader = null
    shape.hits = 1
  }
  let variants = shape.variants
  if (variants === null) variants = shape.variants = []
  for (let i = 0; i < variants.length; i++) {
    const variant = variants[i]
    if (sameIndices(variant.indices, seen)) {
      return variant.build !== null ? variant.build(values) : buildMembers(seen, values)
    }
  }
  if (variants.length < SHAPE_MAX_VARIANTS && r.compiles < SHAPE_MAX_COMPILES) {
    r.compiles++
    const build = shapeBuilder(seen.map((i) => r.keys[i]))
    variants.push({ indices: seen, build })
    if (build !== null) return build(values)
  }
  return buildMembers(seen, values)
}

/** An object of these key indices and values by generic stores (repeated keys: the last wins). */
function buildMembers(indices: readonly number[], values: readonly unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (let i = 0; i < indices.length; i++) setOwn(o, r.keys[indices[i]], values[i])
  return o
}

function readKeyIndex(): number {
  const p = r.pos
  if (r.end - p < 4) truncated(p, 'a key index')
  const index = r.view.getUint32(p, true)
  if (index >= r.keys.length) badKeyIndex(index)
  r.pos = p + 4
  return index
}

function badKeyIndex(index: number): never {
  throw new BFastError('BAD_KEY_INDEX', r.pos, `Key index ${index} outside the string table of ${r.keys.length}`)
}

/** Generated readers' key check: consumes the next key index only if it is `index`. */
function expectKey(index: number): boolean {
  if (r.end - r.pos < 4 || r.view.getUint32(r.pos, true) !== index) return false
  r.pos += 4
  return true
}

/** Generated readers' end check: consumes the 0x7F terminator only if it is next. */
function expectEnd(): boolean {
  if (r.pos >= r.end || r.src[r.pos] !== OBJECT_END) return false
  r.pos++
  return true
}

/** What every generated reader calls (bound once per reader, ./shapes.ts). */
const SHAPE_PARTS: ShapeParts = Object.freeze({
  value: readValue, key: expectKey, end: expectEnd, rest: continueObject
})

/**
 * Learns the shape of objects starting with key index `first`: a majority vote over the
 * member lists read so far, compiled once it has won SHAPE_MIN_HITS times.
 */
function learn(first: number, seen: number[], shape: Shape | undefined): void {
  if (shape === undefined) {
    r.shapes[first] = { indices: seen, hits: 1, reader: null, retired: false, variants: null, known: false }
    if (r.end <= SHAPE_KNOWN_MAX_BYTES) rememberShape(seen)
    return
  }
  if (!sameIndices(shape.indices, seen)) {
    if (--shape.hits <= 0) {
      shape.indices = seen
      shape.hits = 1
    }
    return
  }
  if (++shape.hits < SHAPE_MIN_HITS) return
  if (r.compiles >= SHAPE_MAX_COMPILES) {
    shape.retired = true
    return
  }
  r.compiles++
  shape.reader = shapeReader(seen.map((i) => r.keys[i]), SHAPE_PARTS)
  if (shape.reader === null) shape.retired = true
}

function sameIndices(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function deep(at: number): never {
  throw new BFastError('DEPTH', at, `Nesting deeper than maxDepth (${r.maxDepth})`)
}

/** SPEC 2: the int64 whose 8 bytes start at `p` (just past its tag); moves past it. */
function int64At(p: number): number | bigint {
  if (r.end - p < 8) truncated(p, 'an int64')
  r.pos = p + 8
  // hi * 2^32 is exact and the sum rounds once, so 'number' mode is correctly rounded.
  const n = r.view.getInt32(p + 4, true) * TWO_32 + r.view.getUint32(p, true)
  return r.int64Mode === INT64_AUTO && Number.isSafeInteger(n) ? n : int64Other(p, n)
}

/** The int64 read in 'number' and 'bigint' mode, and for values past 2^53 in 'auto' mode. */
function int64Other(p: number, n: number): number | bigint {
  return r.int64Mode === INT64_NUMBER ? n : r.view.getBigInt64(p, true)
}

function readBytes(): Uint8Array {
  charge(HEAP_COST_TYPED_ARRAY, r.pos - 1)
  const n = readLength(1, 'bytes')
  const start = r.pos
  r.pos += n
  // A view into the input unless asked for a copy (SPEC 5); slice via the Uint8Array
  // prototype so a Node Buffer input is copied too (Buffer#slice is a view).
  return r.copyBinary
    ? Uint8Array.prototype.slice.call(r.src, start, r.pos)
    : new Uint8Array(r.src.buffer, r.src.byteOffset + start, n)
}

function readFloat64Array(): Float64Array | number[] {
  charge(HEAP_COST_TYPED_ARRAY, r.pos - 1)
  const n = readLength(F64_BYTES, 'a float64 array')
  const start = r.pos
  r.pos += n * F64_BYTES
  if (r.f64AsArray) {
    const a = new Array<number>(n)
    for (let i = 0; i < n; i++) a[i] = r.view.getFloat64(start + i * F64_BYTES, true)
    return a
  }
  const offset = r.src.byteOffset + start
  // SPEC 5: a zero-copy view needs 8-byte alignment; otherwise (or on request) a copy.
  if (LITTLE_ENDIAN && !r.copyBinary && offset % F64_BYTES === 0) return new Float64Array(r.src.buffer, offset, n)
  const out = new Float64Array(n)
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(r.src.subarray(start, r.pos))
  else for (let i = 0; i < n; i++) out[i] = r.view.getFloat64(start + i * F64_BYTES, true)
  return out
}

function readText(what: string): string {
  const n = readLength(1, what)
  // UTF-8 never gives more UTF-16 units than bytes: only longer texts need counting.
  const s = n > MAX_STRING_UNITS ? readHugeText(r.pos, n) : readUtf8Region(r.src, r.pos, n)
  r.pos += n
  return s
}

/**
 * Refuses a text whose string would pass MAX_STRING_UNITS, before the engine is asked to build
 * it (V8 would throw a plain Error, or Node's fatal TextDecoder an error readUtf8 would take
 * for bad UTF-8). Units: one per byte that is not a continuation byte, two per 4-byte lead.
 */
function checkUnits(start: number, n: number): void {
  let units = 0
  for (let i = start, stop = start + n; i < stop; i++) {
    const b = r.src[i]
    if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1
  }
  if (units > MAX_STRING_UNITS) {
    throw new BFastError(
      'STRING_TOO_LONG',
      start - 5,
      `A string of ${units} UTF-16 units; the engine holds at most ${MAX_STRING_UNITS}`
    )
  }
}

/**
 * A text of more bytes than MAX_STRING_UNITS: STRING_TOO_LONG if its string would not fit
 * (checkUnits); otherwise decoded in pieces, because Node's decoders refuse more bytes than
 * the maximum string length even when the string would fit (a fatal TextDecoder throws
 * ERR_STRING_TOO_LONG, which readUtf8 cannot tell from bad UTF-8).
 */
function readHugeText(start: number, n: number): string {
  checkUnits(start, n)
  const stop = start + n
  let s = ''
  for (let p = start; p < stop;) {
    let q = Math.min(stop, p + HUGE_TEXT_PIECE)
    // Cut before a lead byte so no sequence straddles two pieces (at most 3 continuation bytes).
    for (let back = 0; back < 3 && q < stop && (r.src[q] & 0xc0) === 0x80; back++) q--
    s += readUtf8(r.src, p, q - p)
    p = q
  }
  return s
}

function badValue(at: number, what: string): never {
  throw new BFastError('BAD_VALUE', at, what)
}

function readDate(tag: number): Date | string {
  const at = r.pos - 1
  const text = readText(tag === TAG_DATE ? 'a date' : 'a datetime')
  if (r.datesAsString) return text
  // A naive datetime (no zone) is read as UTC, so the result never depends on the reader's
  // time zone; a date "YYYY-MM-DD" is UTC midnight by ECMAScript's own rule.
  const d = new Date(tag === TAG_DATETIME && !HAS_ZONE.test(text) ? text + 'Z' : text)
  if (d.getTime() !== d.getTime()) {
    badValue(at, `Unreadable ${tag === TAG_DATE ? 'date' : 'datetime'} "${text.slice(0, 64)}"`)
  }
  return d
}

function readUuid(): string {
  const at = r.pos - 1
  const t = readText('a UUID')
  if (!UUID_HEX.test(t)) badValue(at, `A UUID must be 32 hex digits, got "${t.slice(0, 64)}"`)
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20)}`.toLowerCase()
}

function readTable(): void {
  if (r.end < HEADER_SIZE) truncated(r.end, 'the header')
  const count = r.src[OFFSET_TABLE_COUNT] | (r.src[OFFSET_TABLE_COUNT + 1] << 8)
  // SPEC 3: every entry takes at least its length byte.
  if (count > r.end - HEADER_SIZE) truncated(HEADER_SIZE, `the string table (declares ${count} keys)`)
  const table = new Array<string>(count)
  r.pos = HEADER_SIZE
  for (let i = 0; i < count; i++) {
    if (r.pos >= r.end) truncated(r.pos, 'the string table')
    const n = r.src[r.pos++]
    if (n > r.end - r.pos) truncated(r.pos - 1, `key ${i} of the string table`)
    table[i] = n !== 0 && n <= limits.KEY_CACHE_MAX_BYTES ? readKey(r.src, r.pos, n) : readUtf8(r.src, r.pos, n)
    r.pos += n
  }
  r.keys = table
  r.shapes = new Array<Shape | undefined>(count)
  r.compiles = 0
  r.guarded = needsGuard(table)
}

/**
 * The call's options into the module state, checked once per call (checkDecodeOptions, against
 * the registry in ./options.ts); a missing option takes the registry's default.
 */
function setOptions(options: DecodeOptions | undefined): void {
  r.callOptions = options
  checkDecodeOptions(options)
  if (options === undefined) options = NO_OPTIONS
  r.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
  const int64 = options.int64 ?? DECODE_OPTIONS.int64.default
  r.int64Mode = int64 === 'number' ? INT64_NUMBER : int64 === 'bigint' ? INT64_BIGINT : INT64_AUTO
  r.datesAsString = (options.dates ?? DECODE_OPTIONS.dates.default) === 'string'
  r.decimalAsString = (options.decimal ?? DECODE_OPTIONS.decimal.default) === 'string'
  r.f64AsArray = (options.float64Array ?? DECODE_OPTIONS.float64Array.default) === 'array'
  r.copyBinary = options.copyBinary ?? DECODE_OPTIONS.copyBinary.default
  r.tablesAllowed = options.tables ?? DECODE_OPTIONS.tables.default
  r.maxHeapPerByte = options.maxHeapPerByte ?? DEFAULT_MAX_HEAP_PER_BYTE
  r.protoAction = actionIndex(options.onProtoPoisoning ?? DECODE_OPTIONS.onProtoPoisoning.default)
  r.constructorAction = actionIndex(options.onConstructorPoisoning ?? DECODE_OPTIONS.onConstructorPoisoning.default)
}

function actionIndex(action: PoisoningAction): number {
  return action === 'error' ? ACTION_ERROR : action === 'remove' ? ACTION_REMOVE : ACTION_IGNORE
}

/**
 * Decodes a B-FAST v1 message: plain, single-block LZ4 or chunked LZ4 (SPEC 4).
 *
 * @example
 * ```ts
 * import { decode, BFastError } from 'fastify-bfast/codec'
 * const users = decode<User[]>(new Uint8Array(await res.arrayBuffer()))
 * decode(bytes, { int64: 'bigint', dates: 'string' })
 * ```
 */
export function decode<T = unknown>(bytes: Uint8Array | ArrayBuffer, options?: DecodeOptions): T {
  setOptions(options)
  let input: Uint8Array
  if (bytes instanceof Uint8Array) input = bytes
  else if (bytes instanceof ArrayBuffer) {
    if (bytes.byteLength === 0 && isDetached(bytes)) detached()
    input = new Uint8Array(bytes)
  } else throw new BFastError('BAD_OPTION', 0, 'decode() takes a Uint8Array or an ArrayBuffer')
  if (input.length === 0 && isDetached(input.buffer)) detached()
  const message = decompressWithin(input, options?.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE)
  return readMessage(message) as T
}

function detached(): never {
  throw new BFastError(
    'DETACHED',
    0,
    'decode() was given a detached ArrayBuffer (transferred away): its bytes are gone'
  )
}

/**
 * Reading v1 values inside a table's cells (SPEC 8.2, type any) after decode() returned:
 * beginEmbedded() restores the message, its string table and the call's options,
 * readEmbedded() reads the one value that must fill [start, stop) exactly, endEmbedded()
 * drops the references again. decode() never runs user code, so none of this interleaves
 * with a decode in progress.
 */
export function beginEmbedded(
  message: Uint8Array,
  messageView: DataView,
  table: string[],
  options: DecodeOptions | undefined
): void {
  setOptions(options)
  r.src = message
  r.view = messageView
  r.keys = table
  r.shapes = new Array<Shape | undefined>(table.length)
  r.compiles = 0
  forgetRegion(messageView)
  // A lazily read cell starts a fresh budget (not the last decode's); objects in cells get
  // the same prototype checks as the message's own.
  r.work = 0
  r.workLimit = DECODE_BUDGET_SLACK
  r.guarded = needsGuard(table)
}

/** True when the string table holds a key the poisoning options act on (see guard()). */
function needsGuard(table: readonly string[]): boolean {
  return (
    (r.protoAction !== ACTION_IGNORE && table.includes(PROTO_KEY)) ||
    (r.constructorAction !== ACTION_IGNORE && table.includes(CONSTRUCTOR_KEY))
  )
}

export function readEmbedded(start: number, stop: number, level: number): unknown {
  r.pos = start
  r.end = stop
  r.depth = level
  try {
    const v = readValue()
    if (r.pos !== stop) throw new BFastError('BAD_TABLE', r.pos, `${stop - r.pos} bytes left in a table cell after its value`)
    return v
  } catch (err) {
    if (isStackOverflow(err) && r.depth > DEFAULT_MAX_DEPTH) {
      throw new BFastError('DEPTH', r.pos, `Nesting of ${r.depth} levels exceeds the call stack`)
    }
    throw err
  }
}

export function endEmbedded(): void {
  forgetRegion()
  r.src = EMPTY
  r.view = EMPTY_VIEW
  r.keys = []
  r.shapes = []
  r.callOptions = undefined
}

function readMessage(message: Uint8Array): unknown {
  r.src = message
  r.view = new DataView(message.buffer, message.byteOffset, message.byteLength)
  r.end = message.length
  r.pos = 0
  r.depth = 0
  r.work = 0
  r.workLimit = DECODE_BUDGET_SLACK
  r.guarded = false
  forgetRegion(r.view)
  try {
    if (r.end < HEADER_SIZE) truncated(r.end, 'the header')
    if (r.src[0] !== MAGIC_0 || r.src[1] !== MAGIC_1) {
      throw new BFastError('BAD_MAGIC', 0, 'Message does not start with "BF"')
    }
    if ((r.src[OFFSET_FLAGS] & FLAG_BIG_ENDIAN) !== 0) {
      throw new BFastError('BAD_FLAGS', OFFSET_FLAGS, 'Big-endian flag set; B-FAST v1 is little-endian only')
    }
    if (r.src[OFFSET_VERSION] !== VERSION) {
      throw new BFastError('BAD_VERSION', OFFSET_VERSION, `Unknown version ${r.src[OFFSET_VERSION]}`)
    }
    readTable()
    const root = readValue()
    if (r.pos !== r.end) throw new BFastError('TRAILING', r.pos, `${r.end - r.pos} bytes after the root value`)
    return root
  } catch (err) {
    // SPEC 6: every failure is a BFastError. A maxDepth raised beyond what the call stack
    // holds ends in the engine's stack overflow (RangeError in V8), which is DEPTH here.
    if (isStackOverflow(err) && r.depth > DEFAULT_MAX_DEPTH) {
      throw new BFastError('DEPTH', r.pos, `Nesting of ${r.depth} levels exceeds the call stack`)
    }
    throw err
  } finally {
    // Drop the references to the caller's bytes.
    forgetRegion()
    r.src = EMPTY
    r.view = EMPTY_VIEW
    r.keys = []
    r.shapes = []
    r.callOptions = undefined
  }
}
