/**
 * The B-FAST v1 writer: JS values to an uncompressed message (SPEC 1, 2, 3 and 5).
 *
 * Written for V8 on purpose (PERFORMANCE-NOTES "Encoding"):
 * - one reusable, growable scratch buffer per Writer (the shared one is reused across calls),
 *   with one bounds check per value against a slack margin, not one per byte;
 * - the body is written first and the string table beside it, then both are copied once into
 *   the exact-size output (the table must precede the body, SPEC 1); a large table at the root
 *   whose size is known after its first pass is written straight into the output (direct());
 * - the array and object loops live in their own functions, the value dispatcher stays small;
 * - numbers take the `(v | 0) === v` test first; int64 is written as two 32-bit halves;
 * - objects of a repeated key list are written by generated code with named loads
 *   (./writer-shapes.ts), not by the generic for...in loop, whose loads go megamorphic.
 */
import { BFastError } from './errors.js'
import type { EncodeOptions } from './options.js'
import { checkEncodeOptions, DEFAULT_MAX_DEPTH, ENCODE_OPTIONS } from './options.js'
import {
  HEADER_SIZE, INT64_MAX, INT64_MIN, KEY_MAX_BYTES, LOW_BYTE, MAGIC_0, MAGIC_1, OBJECT_END, OFFSET_FLAGS,
  OFFSET_TABLE_COUNT, OFFSET_VERSION, SMALL_INT_WRITE_MAX, TABLE_MAX_SLOTS, TAG_BYTES, TAG_DATETIME,
  TAG_F64_ARRAY, TAG_FALSE, TAG_FLOAT64, TAG_INT64, TAG_LIST, TAG_NULL, TAG_OBJECT, TAG_SMALL_INT, TAG_STRING, TAG_TRUE,
  TWO_32, VERSION
} from './tags.js'
import {
  SHAPE_MAX_COMPILES, SHAPE_MAX_VARIANTS, SHAPE_MIN_HITS, U32_MAX, WRITER_COPY_LOOP_MAX, WRITER_INITIAL_BYTES,
  WRITER_KEYS_RETAIN_MAX, WRITER_PATH_RETAIN_MAX, WRITER_RETAIN_MAX_BYTES, WRITER_SHAPE_HITS_MAX,
  WRITER_SHAPE_MAX_RELEARN, WRITER_SLACK_BYTES
} from './limits.js'
import { allocBytes, utf8Length, writeUtf8 } from './utf8.js'
import { isStackOverflow } from './errors.js'
import { isDetached } from './detached.js'
import { aligned, paddingEntry, writeTable } from './table-writer.js'
import { transformTables } from './table-transforms.js'
import { ARRAY_AT, LITTLE_ENDIAN } from './platform.js'
import { listWriter, memberWriter, sameKeys } from './writer-shapes.js'
import type { ListWriter, MemberWriter } from './writer-shapes.js'

/**
 * encode()'s output allocator: memory the caller owns alone (byteOffset 0, `.buffer` holding
 * only the message), never a slice of Node's shared Buffer pool, whose other bytes belong to
 * unrelated allocations (`new Blob([msg.buffer])` would send them). Node: an uninitialised
 * Buffer on its own ArrayBuffer; elsewhere a Uint8Array.
 */
const NodeBufferSlow = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer
const allocOwned: (size: number) => Uint8Array =
  NodeBufferSlow !== undefined ? (size) => NodeBufferSlow.allocUnsafeSlow(size) : (size) => new Uint8Array(size)

const hasOwn = Object.prototype.hasOwnProperty

interface WithToJSON {
  toJSON(key: string): unknown
}

const TO_JSON = 'toJSON'

/** Key-map epochs step past every index a message can hold (SPEC 3: at most TABLE_MAX_SLOTS). */
const KEY_EPOCH_STEP = TABLE_MAX_SLOTS + 1
/** Before epoch + index could leave the safe-integer range, start again from an empty map. */
const KEY_EPOCH_LIMIT = Number.MAX_SAFE_INTEGER - 2 * KEY_EPOCH_STEP

/**
 * A key of the writer's key map (SPEC 3), with the keys predicted around it. Objects of one
 * shape list their keys in the same order, so the key that followed this one last time is
 * usually the next one again: checking that guess is one string comparison (property names
 * are internalized, so usually a pointer compare), where a Map lookup hashes and probes.
 * Measured on Node 26, the Map lookups were about 15% of encoding users-10k.
 */
class KeyEntry {
  /** epoch + index while this key is in the current message's table, else below the epoch. */
  stamp = -1
  /** The key written after this one in the last object that had this key. */
  next: KeyEntry | null = null
  /** The first key of the last object (or list of objects) written as this member's value. */
  child: KeyEntry | null = null
  /** The key list learnt for the objects written as this member's value (see Writer#object). */
  shape: Shape | null = null
  /** The key's string-table entry (SPEC 3: length byte, then UTF-8) once a message wrote it. */
  entry: Uint8Array | null = null
  constructor(readonly key: string) {}
}

/**
 * A key list of the objects of one member (or of the root), with its compiled member writer
 * (./writer-shapes.ts) once it has repeated SHAPE_MIN_HITS times. A member keeps up to
 * SHAPE_MAX_VARIANTS such lists, chained from the first one learnt (`next`): one member name
 * often holds objects of several key lists (twitter.json's `statuses` 4, `entities` 4, `user` 2),
 * and with one list per member they outvoted each other until the member was retired and every
 * one of its objects took the generic loop. A key list not among the member's variants once all
 * are taken is a vote against the last one: a mismatch takes a hit back and, at none left, that
 * variant is learnt anew, at most WRITER_SHAPE_MAX_RELEARN times for the member (counted on the
 * first); then the member is retired and its objects take the generic loop without the
 * `Object.keys` call the check costs.
 */
class Shape {
  hits = 1
  /** On the member's first variant: the relearns of its last variant, and the variants. */
  relearned = 0
  variants = 1
  retired = false
  /** False once compiling this key list gave no writer (see memberWriter): never tried again. */
  compilable = true
  write: MemberWriter | null = null
  /** The compiled writer for runs of such objects in a list (Writer#list), with `write`. */
  list: ListWriter | null = null
  /** This writer's key-map entries of `keys`, in order, once `write` is compiled. */
  entries: KeyEntry[] = []
  /** The member's next key list (see above). */
  next: Shape | null = null
  constructor(public keys: string[]) {}
}

export class Writer {
  buf: Uint8Array
  view: DataView
  pos = 0
  /** pos may grow to here before a fixed-size value needs a bounds check. */
  safeEnd: number
  table: Uint8Array
  tpos = 0
  /**
   * SPEC 3: per-message key interning, first-seen order. Entries are stamped with the message's
   * epoch (stamp = epoch + index) instead of clearing the map after every message: Map#clear
   * allocates a new table, a fixed cost that was a tenth of encoding a small reply. Entries of
   * earlier messages (value below `epoch`) are ignored and overwritten; the map is cleared only
   * when it holds more than WRITER_KEYS_RETAIN_MAX keys, so memory stays bounded.
   */
  keys = new Map<string, KeyEntry>()
  epoch = 0
  /** The first key of the last root object (see KeyEntry). */
  rootFirst: KeyEntry | null = null
  /** The key list learnt for root objects and the objects of a root list (see KeyEntry#shape). */
  rootShape: Shape | null = null
  /** Member writers compiled in this message (at most SHAPE_MAX_COMPILES). */
  compiles = 0
  /** The member whose value is being written, for its objects' first-key guess (see KeyEntry). */
  parent: KeyEntry | null = null
  slots = 0
  depth = 0
  maxDepth = DEFAULT_MAX_DEPTH
  /** The member key for a toJSON(key) call, set by field() for object values. */
  jsonKey = ''
  /** Where jsonResult() last wrote a null for a toJSON() result JSON leaves out, or -1. */
  toJSONNull = -1
  /** Object.prototype.toJSON exists (a polluted prototype): plain objects take the slow path. */
  inheritedToJSON = false
  /** The containers on the current path, to tell a cycle from deep nesting at the limit. */
  path: unknown[] = []
  busy = false
  /** encode(v, { tables: true }): arrays of records become tables (SPEC 8, ./table-writer.ts). */
  tables = false
  /** A table was written: the body must start 8-aligned (SPEC 8.3). */
  tableWritten = false
  /**
   * Where each table written starts in the body (./table-writer.ts), for the transforms applied
   * to the finished message (SPEC 8.6); a table an object's toJSON rewound over is taken out.
   */
  tableStarts: number[] = []
  /**
   * ./platform.ts ARRAY_AT, read by Writer#list once a list: a field of the writer is one load,
   * the imported binding a module-cell load and its hole (TDZ) check.
   */
  readonly arrayAt: typeof ARRAY_AT = ARRAY_AT
  /** The output allocator of the message being written (encode() or encodeForSend()). */
  alloc: ((size: number) => Uint8Array) | null = null
  /**
   * A large table at the root being written straight into its output (direct()): the output,
   * where its body starts, and the scratch buffer to go back to.
   */
  directOut: Uint8Array | null = null
  directAt = 0
  saved: Uint8Array | null = null

  constructor() {
    this.buf = allocBytes(WRITER_INITIAL_BYTES)
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength)
    this.safeEnd = this.buf.length - WRITER_SLACK_BYTES
    this.table = allocBytes(WRITER_INITIAL_BYTES / 4)
  }

  reset(maxDepth: number, tables: boolean): void {
    this.tables = tables
    if (this.tableStarts.length !== 0) this.tableStarts.length = 0
    this.tableWritten = false
    this.pos = 0
    this.tpos = 0
    this.slots = 0
    this.depth = 0
    this.compiles = 0
    this.maxDepth = maxDepth
    // keys: empty already (a new Writer, or release() after the last message).
    this.jsonKey = ''
    this.parent = null
    this.toJSONNull = -1
    this.inheritedToJSON = typeof (Object.prototype as Partial<WithToJSON>).toJSON === 'function'
  }

  /** Drops references to the caller's values and oversized buffers after a message. */
  release(): void {
    if (this.saved !== null) {
      this.setBuffer(this.saved)
      this.saved = null
    }
    this.directOut = null
    this.alloc = null
    // Emptied by storing holes' worth of null, not by `length = 0`: setting an array's length
    // is a runtime call on Node 26 and gives up its backing store, which the next message's
    // first enter() grew back (both about 5% of a one-user encode, perf). A path that once
    // went deep is let go.
    const path = this.path
    if (path.length > WRITER_PATH_RETAIN_MAX) this.path = []
    else for (let i = path.length - 1; i > 0; i--) path[i] = null
    this.epoch += KEY_EPOCH_STEP
    this.parent = null
    if (this.keys.size > WRITER_KEYS_RETAIN_MAX || this.epoch > KEY_EPOCH_LIMIT) {
      // The guesses and shapes link entries of this map only: dropping the roots drops them all
      // (an old entry's stamp must never meet the new epochs).
      this.keys.clear()
      this.rootFirst = null
      this.rootShape = null
      this.epoch = 0
    }
    if (this.buf.length > WRITER_RETAIN_MAX_BYTES) this.setBuffer(allocBytes(WRITER_INITIAL_BYTES))
    if (this.table.length > WRITER_RETAIN_MAX_BYTES) this.table = allocBytes(WRITER_INITIAL_BYTES / 4)
  }

  setBuffer(next: Uint8Array): void {
    this.buf = next
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength)
    this.safeEnd = next.length - WRITER_SLACK_BYTES
  }

  /** Makes room for `n` more bytes: grow x4 so a large message grows a few times only. */
  grow(n: number): void {
    const needed = this.pos + n + WRITER_SLACK_BYTES
    let size = this.buf.length * 4
    while (size < needed) size *= 2
    const next = allocBytes(size)
    next.set(this.buf.subarray(0, this.pos))
    this.setBuffer(next)
  }

  ensure(n: number): void {
    if (this.pos + n > this.safeEnd) this.grow(n)
  }

  /**
   * A table as the message's root value whose layout is known before it is written (the table
   * writer's directBody: `body` bytes, its column names `names` the only keys): the body is
   * written straight into the output, after room for the header and the string table, so that
   * finish() has nothing to copy (users-100k: a 7 MB copy, an eighth of the table encode, Node
   * 26). If the body then differs from what was announced (it cannot today), the writer grows
   * out of the output as out of any buffer (grow) and finish() copies as usual. False when
   * the message is not in that state.
   */
  direct(names: readonly string[], body: number): boolean {
    if (this.pos !== 0 || this.tpos !== 0 || this.slots !== 0 || this.alloc === null) return false
    // Fewer keys than the slot OBJECT_END, which tableEntry() skips with an empty entry.
    if (names.length >= OBJECT_END) return false
    let table = 0
    for (let i = 0; i < names.length; i++) {
      const bytes = utf8Length(names[i])
      if (bytes > KEY_MAX_BYTES) return false
      table += 1 + bytes
    }
    // SPEC 8.3: the body starts 8-aligned (alignBody's padding entry fills the gap).
    const at = aligned(HEADER_SIZE + table)
    const out = this.alloc(at + body)
    this.saved = this.buf
    this.directOut = out
    this.directAt = at
    this.setBuffer(out.subarray(at))
    // Every write of a table's columns is bounded by an exact ensure(): no slack at the end.
    this.safeEnd = body
    return true
  }

  // ---- values ------------------------------------------------------------------------------

  value(v: unknown): void {
    if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
    switch (typeof v) {
      case 'string':
        this.text(TAG_STRING, v)
        return
      case 'number':
        this.number(v)
        return
      case 'boolean':
        this.buf[this.pos++] = v ? TAG_TRUE : TAG_FALSE
        return
      case 'object':
        if (v === null) this.buf[this.pos++] = TAG_NULL
        else this.objectLike(v, true)
        return
      case 'bigint':
        this.bigint(v)
        return
      default:
        // SPEC 5: undefined, functions and symbols are null where a value must stand.
        this.buf[this.pos++] = TAG_NULL
    }
  }

  number(v: number): void {
    const buf = this.buf
    let p = this.pos
    if ((v | 0) === v) {
      if (v >= 0 && v <= SMALL_INT_WRITE_MAX && !(v === 0 && 1 / v < 0)) {
        buf[p] = TAG_SMALL_INT | v
        this.pos = p + 1
        return
      }
      if (v !== 0) {
        // Byte stores, not DataView#setInt32: V8 13/14 left those as builtin calls here.
        // Typed-array stores keep the low 8 bits, so no masks are needed.
        const sign = v >> 31
        buf[p] = TAG_INT64
        buf[p + 1] = v
        buf[p + 2] = v >> 8
        buf[p + 3] = v >> 16
        buf[p + 4] = v >> 24
        buf[p + 5] = sign
        buf[p + 6] = sign
        buf[p + 7] = sign
        buf[p + 8] = sign
        this.pos = p + 9
        return
      }
    } else if (Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO_32)
      buf[p++] = TAG_INT64
      this.view.setUint32(p, v - hi * TWO_32, true)
      this.view.setInt32(p + 4, hi, true)
      this.pos = p + 8
      return
    }
    // SPEC 5: fractions, -0, NaN and the infinities are float64.
    buf[p++] = TAG_FLOAT64
    this.view.setFloat64(p, v, true)
    this.pos = p + 8
  }

  bigint(v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX) {
      throw new BFastError('INT_RANGE', this.pos, `bigint ${v} is outside the int64 range`)
    }
    this.buf[this.pos++] = TAG_INT64
    this.view.setBigInt64(this.pos, v, true)
    this.pos += 8
  }

  /** A u32-length-prefixed UTF-8 value: strings, and datetimes (SPEC 2). */
  text(tag: number, s: string): void {
    const room = 5 + s.length * 3
    if (this.pos + room > this.safeEnd) this.grow(room)
    const start = this.pos
    this.buf[start] = tag
    const n = writeUtf8(this.buf, start + 5, s, start)
    this.view.setUint32(start + 1, n, true)
    this.pos = start + 5 + n
  }

  bytes(src: Uint8Array): void {
    if (src.length > U32_MAX) this.lengthRange('A Uint8Array', src.length)
    this.ensure(5 + src.length)
    this.buf[this.pos] = TAG_BYTES
    this.view.setUint32(this.pos + 1, src.length, true)
    this.buf.set(src, this.pos + 5)
    this.pos += 5 + src.length
  }

  float64Array(a: Float64Array): void {
    const n = a.length
    if (n > U32_MAX) this.lengthRange('A Float64Array', n)
    this.ensure(5 + n * 8)
    this.buf[this.pos] = TAG_F64_ARRAY
    this.view.setUint32(this.pos + 1, n, true)
    let p = this.pos + 5
    if (LITTLE_ENDIAN) {
      this.buf.set(new Uint8Array(a.buffer, a.byteOffset, n * 8), p)
      p += n * 8
    } else {
      for (let i = 0; i < n; i++, p += 8) this.view.setFloat64(p, a[i], true)
    }
    this.pos = p
  }

  /**
   * Dispatch for objects. A server encodes many shapes, so property loads here see many hidden
   * classes and go megamorphic; the common cases are told apart without any: Array.isArray and
   * the prototype are intrinsics, and a plain object's own toJSON is spotted while its keys are
   * walked (see object()). `instanceof` chains come last (PERFORMANCE-NOTES "Dispatch").
   */
  objectLike(v: object, toJSON: boolean): void {
    // toJSON(key) gets the member key field() left here; consumed at once so it never goes stale.
    const key = this.jsonKey
    this.jsonKey = ''
    if (Array.isArray(v)) {
      this.list(v)
      return
    }
    const proto: unknown = Object.getPrototypeOf(v)
    if (proto === null || (proto === Object.prototype && !this.inheritedToJSON)) {
      this.object(v as Record<string, unknown>, toJSON ? key : null)
      return
    }
    if (v instanceof Date) this.date(v)
    else if (ArrayBuffer.isView(v)) this.arrayBufferView(v)
    else if (v instanceof ArrayBuffer) {
      if (v.byteLength === 0 && isDetached(v)) this.detached()
      this.bytes(new Uint8Array(v))
    } else if (v instanceof Map) this.map(v)
    else if (v instanceof Set) this.set(v)
    else if (toJSON && typeof (v as WithToJSON).toJSON === 'function') this.jsonResult(v as WithToJSON, key)
    // Boxed primitives are written as their primitive, as JSON.stringify does (else `{}`).
    else if (v instanceof Number || v instanceof String) this.value(v.valueOf())
    else if (v instanceof Boolean || v instanceof BigInt) this.value(v.valueOf())
    else this.object(v as Record<string, unknown>, null)
  }

  /**
   * SPEC 5, as JSON.stringify: toJSON(key) is called once; its result's own toJSON is not. A
   * result JSON would leave out (undefined, a function, a symbol) is written as null and marked,
   * so that field() can take the whole member back out.
   */
  jsonResult(v: WithToJSON, key: string): void {
    const r = v.toJSON(key)
    if (r === undefined || typeof r === 'function' || typeof r === 'symbol') {
      if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
      this.toJSONNull = this.pos
      this.buf[this.pos++] = TAG_NULL
      return
    }
    this.toJSONValue(r)
  }

  /** The value a toJSON() returned, written as itself: its own toJSON is not called (SPEC 5). */
  toJSONValue(r: unknown): void {
    if (typeof r === 'object' && r !== null) {
      if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
      this.objectLike(r, false)
    } else this.value(r)
  }

  date(d: Date): void {
    const t = d.getTime()
    if (t !== t) {
      // An invalid Date writes null, as JSON does (SPEC 5).
      this.buf[this.pos++] = TAG_NULL
      return
    }
    // Upstream writes Python isoformat() ("+00:00"); every reader also accepts it, while
    // Python before 3.11 rejects the "Z" that toISOString() ends with.
    const iso = d.toISOString()
    this.text(TAG_DATETIME, iso.slice(0, -1) + '+00:00')
  }

  /** SPEC 2: lengths and counts are u32; a longer one would wrap and corrupt the message. */
  lengthRange(what: string, n: number): never {
    throw new BFastError(
      'LENGTH_RANGE',
      this.pos,
      `${what} of ${n} elements; B-FAST lengths are u32 (at most ${U32_MAX})`
    )
  }

  detached(): never {
    throw new BFastError('DETACHED', this.pos, 'A detached ArrayBuffer (transferred away): its bytes are gone')
  }

  /** A typed array or DataView: bytes, float64s, or a list of its elements (SPEC 5). */
  arrayBufferView(v: ArrayBufferView): void {
    // A view of a detached buffer reads as empty (a DataView throws): its data is gone, so
    // refuse rather than send an empty value in its place.
    const buffer = v.buffer
    if (buffer.byteLength === 0 && isDetached(buffer)) this.detached()
    if (v instanceof Uint8Array) this.bytes(v)
    else if (v instanceof Float64Array) this.float64Array(v)
    else if (v instanceof DataView) this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    else {
      // Other typed arrays have no B-FAST tag: write their elements as a list, which keeps
      // every value (JSON would write an index-keyed object).
      const n = (v as unknown as ArrayLike<number>).length
      if (n > U32_MAX) this.lengthRange('A typed array', n)
      this.list(Array.from(v as unknown as ArrayLike<number | bigint>))
    }
  }

  enter(container: object): void {
    const depth = ++this.depth
    this.path[depth] = container
    if (depth > this.maxDepth) throw this.tooDeep(`Nesting deeper than maxDepth (${this.maxDepth})`)
  }

  /**
   * The error for a path that got too deep: CIRCULAR when a container repeats on it (cycles
   * are only looked for here, at the limit, so the hot path never pays for them), else DEPTH.
   */
  tooDeep(message: string): BFastError {
    const seen = new Set<unknown>()
    for (let i = 1; i <= this.depth && i < this.path.length; i++) {
      if (seen.has(this.path[i])) return new BFastError('CIRCULAR', this.pos, 'Value contains itself')
      seen.add(this.path[i])
    }
    return new BFastError('DEPTH', this.pos, message)
  }

  list(a: unknown[]): void {
    const n = a.length
    // A list that starts with a number: its run of numbers is written by numbers(), whose loads
    // never change the caller's array (see there), and no other site here or in writeTable (rows
    // are objects) reads a double array. `at`, not `a[0]`, for the same reason.
    // `at` only where it is Array.prototype.at (./platform.ts ARRAY_AT); other lists are read by
    // index, here and in the loop below, as JSON reads them.
    const plainAt = a.at === this.arrayAt
    const first = n === 0 ? undefined : plainAt ? a.at(0) : a[0]
    if (this.tables && typeof first === 'object' && first !== null && writeTable(this, a)) return
    // A list of numbers alone (users' scores, twitter.json's indices) is written by numbers()
    // without enter()'s path or the shape lookup below: no element is a container, so no cycle
    // or shape can start in it. enter() waits for the first element that is not a number; past
    // maxDepth it runs first, and throws as for any list.
    const numbersFirst = typeof first === 'number' && plainAt && this.depth < this.maxDepth
    if (!numbersFirst) this.enter(a)
    this.ensure(5)
    this.buf[this.pos] = TAG_LIST
    this.view.setUint32(this.pos + 1, n, true)
    this.pos += 5
    let i = 0
    if (numbersFirst) {
      i = this.numbers(a, n)
      if (i === n) return
      this.enter(a)
    }
    // Objects of the key list learnt for this member's objects: runs of them are written by that
    // list's compiled loop (./writer-shapes.ts ListWriter), past value(), objectLike() and
    // object() per element. A plain-object toJSON on Object.prototype must be called: not then.
    const shape = this.parent === null ? this.rootShape : this.parent.shape
    let writeList = shape !== null && !this.inheritedToJSON ? shape.list : null
    // Captured with writeList: a relearn mid-list (an element's members vote) must not pair this
    // loop with another list's entries. Null, not `[]`: no allocation per list without a shape.
    const entries = writeList !== null ? (shape as Shape).entries : null
    for (; i < n; i++) {
      const v = a[i]
      // Numbers written here, not through value(): an element of a double array passed to a
      // call that is not inlined (value() is recursive) is boxed first, a heap number each.
      if (typeof v === 'number') {
        if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
        this.number(v)
        continue
      }
      if (writeList !== null && entries !== null && typeof v === 'object' && v !== null) {
        const next = writeList(this, a, i, entries)
        if (next !== i) {
          // The same vote Writer#object casts per object (see Shape).
          const s = shape as Shape
          s.hits = s.hits + next - i < WRITER_SHAPE_HITS_MAX ? s.hits + next - i : WRITER_SHAPE_HITS_MAX
          i = next - 1
          continue
        }
        // Not of the learnt list: the rest of this list takes the generic path (and votes).
        writeList = null
      }
      this.value(v)
    }
    this.depth--
  }

  /**
   * Writes the list's leading run of numbers (SPEC 5, as number() does) and returns the index of
   * its first element that is not a number. Written for V8 on purpose: this is the only site that
   * reads the caller's double arrays (PACKED_DOUBLE_ELEMENTS). An indexed load `a[i]` whose
   * feedback holds both double and tagged arrays is compiled (Maglev, TurboFan) with a transition
   * of the double ones to tagged elements, a HeapNumber per element, and the application's array
   * stays so after encode() returns (its own number loops slow down). `Array#at` is inlined as a
   * dispatch on the array's map with a load of that map's kind each, and never transitions.
   * Room for the whole run is made once (at most 9 bytes a number), so the loop has no bounds test.
   */
  numbers(a: readonly unknown[], n: number): number {
    if (this.pos + n * 9 > this.safeEnd) this.grow(n * 9)
    const buf = this.buf
    let p = this.pos
    let i = 0
    for (; i < n; i++) {
      const v = a.at(i)
      if (typeof v !== 'number') break
      if ((v | 0) === v) {
        if (v >= 0 && v <= SMALL_INT_WRITE_MAX && !(v === 0 && 1 / v < 0)) {
          buf[p++] = TAG_SMALL_INT | v
          continue
        }
        if (v !== 0) {
          // As number(): int32 as int64 by byte stores (typed-array stores keep the low 8 bits).
          // Written out here, not shared: number() and this loop calling one putNumber(buf,
          // view, p, v) cost citm_catalog +1.3% instructions on Node 26, +2.8% on 24 (callgrind).
          const sign = v >> 31
          buf[p] = TAG_INT64
          buf[p + 1] = v
          buf[p + 2] = v >> 8
          buf[p + 3] = v >> 16
          buf[p + 4] = v >> 24
          buf[p + 5] = sign
          buf[p + 6] = sign
          buf[p + 7] = sign
          buf[p + 8] = sign
          p += 9
          continue
        }
      } else if (Number.isSafeInteger(v)) {
        const hi = Math.floor(v / TWO_32)
        buf[p] = TAG_INT64
        this.view.setUint32(p + 1, v - hi * TWO_32, true)
        this.view.setInt32(p + 5, hi, true)
        p += 9
        continue
      }
      buf[p] = TAG_FLOAT64
      this.view.setFloat64(p + 1, v, true)
      p += 9
    }
    this.pos = p
    return i
  }

  /**
   * The count is written after the elements: an element's toJSON may add to the Set while it
   * is iterated (iteration then visits the additions too), and a count written first would
   * then disagree with the elements written, a message decode rejects.
   */
  set(s: Set<unknown>): void {
    this.enter(s)
    this.ensure(5)
    const at = this.pos
    this.buf[at] = TAG_LIST
    this.pos += 5
    let n = 0
    for (const v of s) {
      this.value(v)
      n++
    }
    this.view.setUint32(at + 1, n, true)
    this.depth--
  }

  /**
   * A plain object or class instance: own enumerable string keys, as JSON. `toJSONKey` is the
   * key to call an own toJSON with, or null where toJSON must not be looked for; meeting a
   * toJSON function among the keys rewinds the object and writes its toJSON() result instead
   * (the keys interned meanwhile stay in the table, unused, which readers allow).
   * Objects whose `Object.keys` repeat the key list learnt for their member take that list's
   * compiled member writer instead of the loop (./writer-shapes.ts: same members, same bytes).
   */
  object(o: Record<string, unknown>, toJSONKey: string | null): void {
    const parent = this.parent
    const shape = parent === null ? this.rootShape : parent.shape
    let keys: string[] | null = null
    if (shape === null || !shape.retired) {
      // The own enumerable string keys, in the order for...in visits own keys (as JSON takes them).
      keys = Object.keys(o)
      for (let s = shape; s !== null; s = s.next) {
        if (s.write === null || !sameKeys(keys, s.keys)) continue
        this.enter(o)
        this.buf[this.pos++] = TAG_OBJECT
        s.write(this, o, s.entries)
        if (s.hits < WRITER_SHAPE_HITS_MAX) s.hits++
        this.ensure(1)
        this.buf[this.pos++] = OBJECT_END
        this.parent = parent
        this.depth--
        return
      }
    }
    const start = this.pos
    this.enter(o)
    this.buf[this.pos++] = TAG_OBJECT
    // Each key is first checked against the guess (KeyEntry), the map is asked only on a miss.
    let prev: KeyEntry | null = null
    let guess = parent === null ? this.rootFirst : parent.child
    for (const key in o) {
      if (!hasOwn.call(o, key)) continue
      const v = o[key]
      if (key === TO_JSON && toJSONKey !== null && typeof v === 'function') {
        this.depth--
        this.pos = start
        this.dropTablesFrom(start)
        this.toJSONNull = -1
        this.parent = parent
        this.jsonResult(o as unknown as WithToJSON, toJSONKey)
        return
      }
      // SPEC 5, as JSON: undefined, functions and symbols are left out with their key.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
      let e: KeyEntry
      let hit = false
      if (guess !== null && guess.key === key) {
        e = guess
        hit = true
      } else e = this.entry(key)
      this.field(e, v)
      // Linked only once written: a key refused by addKey (too long) is never kept.
      if (!hit) {
        if (prev !== null) prev.next = e
        else if (parent !== null) parent.child = e
        else this.rootFirst = e
      }
      prev = e
      guess = e.next
    }
    this.ensure(1)
    this.buf[this.pos++] = OBJECT_END
    // Members set `parent` for their own objects; the next sibling container needs it back.
    this.parent = parent
    this.depth--
    if (keys !== null) this.learn(parent, shape, keys)
  }

  /** Counts `keys` for the shapes of `parent`'s objects (see Shape); compiles a repeated one. */
  learn(parent: KeyEntry | null, shape: Shape | null, keys: string[]): void {
    if (shape === null) {
      if (parent === null) this.rootShape = new Shape(keys)
      else parent.shape = new Shape(keys)
      return
    }
    let s = shape
    while (!sameKeys(keys, s.keys)) {
      if (s.next !== null) {
        s = s.next
        continue
      }
      if (shape.variants < SHAPE_MAX_VARIANTS) {
        s.next = new Shape(keys)
        shape.variants++
        return
      }
      if (--s.hits > 0) return
      if (++shape.relearned > WRITER_SHAPE_MAX_RELEARN) {
        shape.retired = true
        return
      }
      s.keys = keys
      s.hits = 1
      s.compilable = true
      s.write = null
      s.list = null
      s.entries = []
      return
    }
    if (!s.compilable || ++s.hits < SHAPE_MIN_HITS || this.compiles >= SHAPE_MAX_COMPILES) return
    this.compiles++
    const write = memberWriter(keys)
    if (write === null) {
      // A member whose only key list cannot be compiled skips the Object.keys check from now on.
      s.compilable = false
      if (shape.variants === 1) shape.retired = true
      return
    }
    s.entries = keys.map((key) => this.entry(key))
    s.write = write
    s.list = listWriter(keys)
  }

  map(m: Map<unknown, unknown>): void {
    this.enter(m)
    const parent = this.parent
    this.buf[this.pos++] = TAG_OBJECT
    for (const [k, v] of m) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
      this.field(this.entry(String(k)), v)
    }
    this.ensure(1)
    this.buf[this.pos++] = OBJECT_END
    this.parent = parent
    this.depth--
  }

  /**
   * One object member JSON keeps (the caller has left out undefined, functions and symbols,
   * SPEC 5); a member whose toJSON(key) returns one of those is taken back out, as JSON does.
   */
  field(e: KeyEntry, v: unknown): void {
    const mark = this.pos
    this.keyIndex(e)
    // The common members first, past value()'s dispatch; keyIndex left room for a number or a
    // boolean (WRITER_SLACK_BYTES).
    if (typeof v === 'string') {
      this.text(TAG_STRING, v)
      return
    }
    if (typeof v === 'number') {
      this.number(v)
      return
    }
    if (typeof v === 'boolean') {
      this.buf[this.pos++] = v ? TAG_TRUE : TAG_FALSE
      return
    }
    if (typeof v === 'object' && v !== null) {
      this.jsonKey = e.key
      this.parent = e
    }
    this.value(v)
    if (this.toJSONNull === mark + 4) {
      // The value's toJSON(key) gave what JSON leaves out: so does this member.
      this.pos = mark
      this.toJSONNull = -1
    }
  }

  /** field() for a string member (see MemberSink). */
  fieldString(e: KeyEntry, v: string): void {
    this.keyIndex(e)
    this.text(TAG_STRING, v)
  }

  /** field() for a number member (see MemberSink); keyIndex left room for it. */
  fieldNumber(e: KeyEntry, v: number): void {
    this.keyIndex(e)
    this.number(v)
  }

  /** field() for a boolean member (see MemberSink); keyIndex left room for it. */
  fieldBoolean(e: KeyEntry, v: boolean): void {
    this.keyIndex(e)
    this.buf[this.pos++] = v ? TAG_TRUE : TAG_FALSE
  }

  /**
   * field() for an array member (see MemberSink): what field() then value() and objectLike() do
   * for an array, without their tests (arrays' toJSON is not called, as in objectLike).
   */
  fieldList(e: KeyEntry, v: unknown[]): void {
    const mark = this.pos
    this.keyIndex(e)
    this.parent = e
    if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
    this.list(v)
    if (this.toJSONNull === mark + 4) {
      // field()'s rule, kept so that both paths take a member out alike.
      this.pos = mark
      this.toJSONNull = -1
    }
  }

  /** The map's entry for `key`. A key too long to intern is not kept (addKey will refuse it). */
  entry(key: string): KeyEntry {
    let e = this.keys.get(key)
    if (e === undefined) {
      e = new KeyEntry(key)
      if (key.length <= KEY_MAX_BYTES) this.keys.set(key, e)
    }
    return e
  }

  /** Writes the u32 index of a key by name (table directories, ./table-writer.ts). */
  key(name: string): void {
    this.keyIndex(this.entry(name))
  }

  /** Writes the key's u32 index (SPEC 2), interning the key first if this message lacks it. */
  keyIndex(e: KeyEntry): void {
    if (e.stamp < this.epoch) this.addKey(e)
    if (this.pos > this.safeEnd) this.grow(WRITER_SLACK_BYTES)
    this.view.setUint32(this.pos, e.stamp - this.epoch, true)
    this.pos += 4
  }

  /** SPEC 3: intern a key; SPEC 2: never hand out an index whose low byte is 0x7F. */
  addKey(e: KeyEntry): void {
    if ((this.slots & LOW_BYTE) === OBJECT_END) this.tableEntry('')
    if (this.slots >= TABLE_MAX_SLOTS) {
      throw new BFastError('TOO_MANY_KEYS', this.pos, `More than ${TABLE_MAX_SLOTS} string-table slots in one message`)
    }
    const index = this.slots
    const bytes = e.entry
    const at = this.tpos
    if (bytes !== null && at + bytes.length <= this.table.length) {
      // A key written by an earlier message: its entry's bytes again, not its text encoded again
      // (writeUtf8 cost ~350 instructions a key, 12% of a one-user encode on Node 26, callgrind).
      const table = this.table
      for (let i = 0; i < bytes.length; i++) table[at + i] = bytes[i]
      this.tpos = at + bytes.length
      this.slots++
    } else {
      this.tableEntry(e.key)
      // A copy (Buffer#slice would be a view of the table, which the next message overwrites).
      if (bytes === null) e.entry = Uint8Array.prototype.slice.call(this.table, at, this.tpos)
    }
    e.stamp = this.epoch + index
  }

  tableEntry(key: string): void {
    // UTF-8 never takes fewer bytes than UTF-16 units, so a long key fails before any room is
    // made for it (a 10M-character key must not cost 30 MB first).
    if (key.length > KEY_MAX_BYTES) this.keyTooLong(key)
    const need = 1 + key.length * 3
    if (this.tpos + need > this.table.length) {
      let size = this.table.length * 2
      while (size < this.tpos + need) size *= 2
      const next = allocBytes(size)
      next.set(this.table.subarray(0, this.tpos))
      this.table = next
    }
    const n = writeUtf8(this.table, this.tpos + 1, key, this.pos)
    if (n > KEY_MAX_BYTES) this.keyTooLong(key)
    this.table[this.tpos] = n
    this.tpos += 1 + n
    this.slots++
  }

  /** Forgets the tables at or after body offset `from` (rewound over: no longer in the message). */
  dropTablesFrom(from: number): void {
    const starts = this.tableStarts
    let kept = 0
    for (let i = 0; i < starts.length; i++) if (starts[i] < from) starts[kept++] = starts[i]
    starts.length = kept
  }

  /** SPEC 8.3: an unreferenced string-table entry so that the body starts 8-aligned. */
  alignBody(): void {
    const pad = paddingEntry(HEADER_SIZE + this.tpos)
    if (pad === null) return
    if (this.slots >= TABLE_MAX_SLOTS) {
      throw new BFastError('TOO_MANY_KEYS', this.pos, `More than ${TABLE_MAX_SLOTS} string-table slots in one message`)
    }
    this.tableEntry(pad)
  }

  keyTooLong(key: string): never {
    // SPEC 3: upstream truncates the length byte and corrupts the message; refuse instead.
    const size = key.length > KEY_MAX_BYTES * 4 ? `at least ${key.length}` : String(utf8Length(key))
    throw new BFastError('KEY_TOO_LONG', this.pos, `Key of ${size} UTF-8 bytes; a key holds at most ${KEY_MAX_BYTES}`)
  }

  /** SPEC 1: the message header. */
  header(out: Uint8Array): void {
    out[0] = MAGIC_0
    out[1] = MAGIC_1
    out[OFFSET_FLAGS] = 0
    out[OFFSET_VERSION] = VERSION
    out[OFFSET_TABLE_COUNT] = this.slots & LOW_BYTE
    out[OFFSET_TABLE_COUNT + 1] = this.slots >>> 8
  }

  /** Header, string table and body in one exact-size output. */
  finish(alloc: (size: number) => Uint8Array): Uint8Array {
    if (this.tableWritten) this.alignBody()
    const direct = this.directOut
    if (
      direct !== null && this.buf.buffer === direct.buffer &&
      this.buf.byteOffset === direct.byteOffset + this.directAt &&
      HEADER_SIZE + this.tpos === this.directAt && this.directAt + this.pos === direct.length
    ) {
      this.header(direct)
      direct.set(this.table.subarray(0, this.tpos), HEADER_SIZE)
      return direct
    }
    const out = alloc(HEADER_SIZE + this.tpos + this.pos)
    this.header(out)
    const tpos = this.tpos
    const pos = this.pos
    // Small messages (most API replies): a byte loop beats two subarray views and two set
    // calls, which cost more than the copy below WRITER_COPY_LOOP_MAX bytes.
    if (tpos + pos <= WRITER_COPY_LOOP_MAX) {
      const table = this.table
      const buf = this.buf
      for (let i = 0; i < tpos; i++) out[HEADER_SIZE + i] = table[i]
      const at = HEADER_SIZE + tpos
      for (let i = 0; i < pos; i++) out[at + i] = buf[i]
    } else {
      out.set(this.table.subarray(0, tpos), HEADER_SIZE)
      out.set(this.buf.subarray(0, pos), HEADER_SIZE + tpos)
    }
    return out
  }
}

const shared = new Writer()

/**
 * Encodes a value as an uncompressed B-FAST v1 message (SPEC 1). Every call starts a fresh
 * string table (SPEC 3). The result is a new buffer the caller owns alone: byteOffset 0, and
 * its `.buffer` holds the message and nothing else.
 *
 * Throws `BFastError` with `KEY_TOO_LONG`, `TOO_MANY_KEYS`, `INT_RANGE`, `CIRCULAR`, `DEPTH`,
 * `LONE_SURROGATE`, `LENGTH_RANGE` or `DETACHED` instead of ever producing a corrupt message.
 *
 * @example
 * ```ts
 * import { encode, decode } from 'fastify-bfast/codec'
 * const bytes = encode({ id: 1, at: new Date(), tags: ['a', 'b'] })
 * decode(bytes) // { id: 1, at: Date, tags: ['a', 'b'] }
 * ```
 */
export function encode(value: unknown, options?: EncodeOptions): Uint8Array {
  return encodeWith(value, options, allocOwned)
}

/**
 * encode() for callers that only write the bytes out and drop them (the plugin's replies):
 * the result may be a view into Node's shared Buffer pool, which is cheaper for small
 * messages (a pooled slice instead of a new ArrayBuffer). Never hand its `.buffer` on.
 * Not part of the public API.
 */
export function encodeForSend(value: unknown, options?: EncodeOptions, transformFrom = 0): Uint8Array {
  return encodeWith(value, options, allocBytes, transformFrom)
}

function encodeWith(
  value: unknown,
  options: EncodeOptions | undefined,
  alloc: (size: number) => Uint8Array,
  transformFrom = 0
): Uint8Array {
  // Checked once per call against the registry (./options.ts), which holds the defaults too.
  checkEncodeOptions(options)
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH
  const tables = options?.tables ?? ENCODE_OPTIONS.tables.default
  const transforms = options?.transforms ?? ENCODE_OPTIONS.transforms.default
  // A toJSON() that calls encode() re-enters: give it its own Writer.
  const w = shared.busy ? new Writer() : shared
  w.busy = true
  try {
    w.reset(maxDepth, tables)
    w.alloc = alloc
    w.value(value)
    const out = w.finish(alloc)
    // SPEC 8.6: the finished tables rearranged in place, each where the body put it.
    if (transforms && w.tableStarts.length !== 0 && out.length >= transformFrom) {
      transformTables(out, out.length - w.pos, w.tableStarts)
    }
    return out
  } catch (err) {
    // SPEC 6: every failure is a BFastError. A maxDepth raised beyond what the call stack
    // holds ends in the engine's stack overflow (RangeError in V8) before the depth check.
    if (isStackOverflow(err) && w.depth > DEFAULT_MAX_DEPTH) {
      throw w.tooDeep(`Nesting of ${w.depth} levels exceeds the call stack`)
    }
    throw err
  } finally {
    w.busy = false
    w.release()
  }
}
