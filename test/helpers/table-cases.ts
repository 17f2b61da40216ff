/**
 * Table messages (SPEC 8) for the table tests and fuzzers: a hand-built table assembler written
 * from the spec (not from the codec), a reference locator of every header, directory and
 * offset field of a table that is the root value, arbitrary arrays of records that exercise
 * every column type, and the structure-aware fuzz targets.
 */
import fc from 'fast-check'
import { BFastError, BFastTable, decode, encode } from '../../src/index.js'
import {
  COL_ANY, COL_BOOL, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY, HEADER_SIZE,
  TABLE_DELTA, TAG_TABLE
} from '../../src/tags.js'
import { INTERESTING_U32, mutate, mutationArb, oracle } from './fuzz-cases.js'
import { concat, u16, u32, utf8 } from './messages.js'
import type { Finding, FuzzTarget } from './fuzz-cases.js'
import type { Part } from './messages.js'
import { materialize, sameValue } from './tagged.js'

export { COL_ANY, COL_BOOL, COL_FLOAT64, COL_INT32, COL_INT64, COL_LIST, COL_PRESENCE, COL_STRING, COL_VALIDITY }

const ALIGN = 8
const DIR_ENTRY = 16
const TABLE_HEADER = 12

function pad(n: number): Uint8Array {
  return new Uint8Array((ALIGN - (n % ALIGN)) % ALIGN)
}

/** One column for `tableMessage`: its parts, each placed at the next multiple of 8 (SPEC 8.3). */
export interface ColumnSpec {
  key: number
  type: number
  flags?: number
  childType?: number
  childFlags?: number
  parts: Part[][]
  /** Directory overrides (a lie), relative to the table start as on the wire. */
  offset?: number
  length?: number
}

export interface TableSpec {
  keys: string[]
  rows: number
  columns: ColumnSpec[]
  flags?: number
  /** Declared column count / byte length, when they should lie. */
  count?: number
  length?: number
  /** Bytes appended inside the table's length after the last region. */
  tail?: number
}

/**
 * A whole message whose root value is the table: header, string table (padded with one
 * unreferenced entry so the root starts 8-aligned, SPEC 8.3), table header, directory and
 * regions. Returns the message and the table's offset.
 */
export function tableMessage(spec: TableSpec): { bytes: Uint8Array; root: number } {
  const entries: Uint8Array[] = spec.keys.map((k) => concat(utf8(k).length, utf8(k)))
  let before = HEADER_SIZE + entries.reduce((n, e) => n + e.length, 0)
  let count = spec.keys.length
  if (before % ALIGN !== 0) {
    const need = (ALIGN - (before % ALIGN)) % ALIGN
    entries.push(concat(need - 1, new Uint8Array(need - 1)))
    before += need
    count++
  }
  const root = before
  const c = spec.columns.length
  const dirEnd = TABLE_HEADER + DIR_ENTRY * c
  const regions: Uint8Array[] = []
  const placed: Array<{ offset: number; length: number }> = []
  let at = dirEnd + pad(root + dirEnd).length
  for (const col of spec.columns) {
    const bytes: Part[] = []
    let n = 0
    col.parts.forEach((part, i) => {
      const b = concat(...part)
      if (i > 0) {
        const p = pad(n)
        bytes.push(p)
        n += p.length
      }
      bytes.push(b)
      n += b.length
    })
    const region = concat(...bytes)
    placed.push({ offset: at, length: region.length })
    regions.push(region)
    at += region.length
    const p = pad(root + at)
    if (p.length > 0 && col !== spec.columns[c - 1]) {
      regions.push(p)
      at += p.length
    }
  }
  const dir = spec.columns.map((col, i) => concat(
    u32(col.key), col.type, col.flags ?? 0, col.childType ?? 0, col.childFlags ?? 0,
    u32(col.offset ?? placed[i].offset), u32(col.length ?? placed[i].length)
  ))
  const tail = new Uint8Array(spec.tail ?? 0)
  const firstPad = pad(root + dirEnd)
  const length = dirEnd - TABLE_HEADER + firstPad.length + regions.reduce((n, r) => n + r.length, 0) + tail.length
  const table = concat(
    TAG_TABLE, spec.flags ?? 0, u16(spec.count ?? c), u32(spec.rows), u32(spec.length ?? length),
    ...dir, firstPad, ...regions, tail
  )
  const header = concat(0x42, 0x46, 0, 1, u16(count), ...entries)
  return { bytes: concat(header, table), root }
}

export function i32s(values: readonly number[]): Uint8Array {
  const b = new Uint8Array(values.length * 4)
  const dv = new DataView(b.buffer)
  values.forEach((v, i) => dv.setInt32(i * 4, v, true))
  return b
}

export function u32s(values: readonly number[]): Uint8Array {
  return concat(...values.map(u32))
}

export function f64s(values: readonly number[]): Uint8Array {
  const b = new Uint8Array(values.length * 8)
  const dv = new DataView(b.buffer)
  values.forEach((v, i) => dv.setFloat64(i * 8, v, true))
  return b
}

export function bits(values: readonly boolean[]): Uint8Array {
  const b = new Uint8Array(Math.ceil(values.length / 8))
  values.forEach((v, i) => {
    if (v) b[i >> 3] |= 1 << (i & 7)
  })
  return b
}

/** Strings as (n+1) offsets and a heap (SPEC 8.2). */
export function stringParts(values: readonly string[]): Part[][] {
  const heap = values.map(utf8)
  const offsets = [0]
  for (const h of heap) offsets.push(offsets[offsets.length - 1] + h.length)
  return [[u32s(offsets)], [concat(...heap)]]
}

// ---- locating the fields of a root table (reference reader of SPEC 8.1-8.3) -------------------

export interface Field {
  at: number
  size: 1 | 2 | 4
  what: string
}

/**
 * Every header and directory field, and every offset of every variable-size column (its
 * child's too), of a message whose root value is a well-formed table.
 */
export function tableFields(msg: Uint8Array): Field[] {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength)
  let p = HEADER_SIZE
  const count = dv.getUint16(4, true)
  for (let i = 0; i < count; i++) p += 1 + msg[p]
  if (msg[p] !== TAG_TABLE) return []
  const t = p
  const fields: Field[] = [
    { at: t + 1, size: 1, what: 'table flags' },
    { at: t + 2, size: 2, what: 'column count' },
    { at: t + 4, size: 4, what: 'row count' },
    { at: t + 8, size: 4, what: 'table length' }
  ]
  const c = dv.getUint16(t + 2, true)
  const rows = dv.getUint32(t + 4, true)
  // SPEC 8.6 DELTA: slot 0 of an offsets part holds the last offset.
  const lastSlot = (msg[t + 1] & TABLE_DELTA) !== 0 ? 0 : rows
  for (let i = 0; i < c; i++) {
    const e = t + TABLE_HEADER + DIR_ENTRY * i
    fields.push(
      { at: e, size: 4, what: `column ${i} key index` },
      { at: e + 4, size: 1, what: `column ${i} type` },
      { at: e + 5, size: 1, what: `column ${i} flags` },
      { at: e + 6, size: 1, what: `column ${i} child type` },
      { at: e + 7, size: 1, what: `column ${i} child flags` },
      { at: e + 8, size: 4, what: `column ${i} region offset` },
      { at: e + 12, size: 4, what: `column ${i} region length` }
    )
    const offsetsAt = (start: number, flags: number, n: number): number => {
      let q = start
      const up = (x: number): number => Math.ceil(x / ALIGN) * ALIGN
      if ((flags & COL_PRESENCE) !== 0) q = up(q + Math.ceil(n / 8))
      if ((flags & COL_VALIDITY) !== 0) q = up(q + Math.ceil(n / 8))
      return q
    }
    const type = msg[e + 4]
    const region = t + dv.getUint32(e + 8, true)
    if (type === COL_STRING || type === COL_ANY || type === COL_LIST) {
      const o = offsetsAt(region, msg[e + 5], rows)
      for (let r = 0; r <= rows && o + 4 * r + 4 <= msg.length; r++) fields.push({ at: o + 4 * r, size: 4, what: `column ${i} offset ${r}` })
      const childType = msg[e + 6]
      if (type === COL_LIST && (childType === COL_STRING || childType === COL_ANY) && o + 4 * rows + 4 <= msg.length) {
        const n = dv.getUint32(o + 4 * lastSlot, true)
        const co = offsetsAt(Math.ceil((o + 4 * (rows + 1)) / ALIGN) * ALIGN, msg[e + 7], n)
        for (let j = 0; j <= n && co + 4 * j + 4 <= msg.length; j++) fields.push({ at: co + 4 * j, size: 4, what: `column ${i} child offset ${j}` })
      }
    }
  }
  return fields
}

// ---- arbitrary arrays of records ---------------------------------------------------------------

const KEY_POOL = ['id', 'name', 'a', 'b', 'é', '__proto__', 'toString', 'x'.repeat(40), '']

/** Values of one column: one kind per column (so typed columns are made), plus nulls and holes. */
const cellKinds: Array<fc.Arbitrary<unknown>> = [
  fc.integer({ min: -5, max: 7 }),
  fc.integer(),
  fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(2 ** 40, -(2 ** 50))),
  fc.oneof(fc.double(), fc.constantFrom(-0, NaN, Infinity, 0.5), fc.integer({ min: 0, max: 7 })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.integer({ min: 8, max: 100 })),
  fc.boolean(),
  fc.string({ unit: 'grapheme-ascii' }),
  fc.string({ unit: 'grapheme' }),
  fc.array(fc.double(), { maxLength: 4 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.array(fc.oneof(fc.string(), fc.constant(null)), { maxLength: 4 }),
  fc.array(fc.oneof(fc.boolean(), fc.constant(undefined)), { maxLength: 4 }),
  fc.array(fc.oneof(fc.integer(), fc.string(), fc.date({ noInvalidDate: true }), fc.array(fc.integer(), { maxLength: 2 })), { maxLength: 3 }),
  fc.date(),
  fc.uint8Array({ maxLength: 4 }),
  fc.float64Array({ maxLength: 3 }),
  fc.dictionary(fc.constantFrom('p', 'q'), fc.integer(), { maxKeys: 2 }),
  fc.oneof(fc.integer(), fc.string(), fc.boolean())
]

/** A cell: usually of the column's kind, sometimes null, undefined, or left out. */
function cellOf(kind: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 8, arbitrary: kind }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(HOLE) })
}

const HOLE = Symbol('hole')

/** Arrays of plain objects whose keys keep one order, mixing every column type. */
export const recordsArb: fc.Arbitrary<Array<Record<string, unknown>>> = fc
  .uniqueArray(fc.constantFrom(...KEY_POOL), { minLength: 1, maxLength: 5 })
  .chain((names) => fc.tuple(fc.constant(names), fc.tuple(...names.map(() => fc.constantFrom(...cellKinds)))))
  .chain(([names, kinds]) => fc.array(fc.tuple(...kinds.map(cellOf)), { minLength: 1, maxLength: 12 }).map((rows) => rows.map((cells) => {
    const o: Record<string, unknown> = {}
    names.forEach((name, c) => {
      if (cells[c] !== HOLE) Object.defineProperty(o, name, { value: cells[c], enumerable: true, writable: true, configurable: true })
    })
    return o
  })))

/** Root-table messages and tables nested in other values, for the fuzzers' seeds. */
export function tableSeeds(): Uint8Array[] {
  const values: unknown[] = fc.sample(recordsArb, { seed: 0x7ab1e, numRuns: 40 })
  const out: Uint8Array[] = []
  // Each plain and with the transforms of SPEC 8.6.
  for (const transforms of [false, true]) {
    for (const rows of values) out.push(encode(rows, { tables: true, transforms }))
    const users = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `User ${i}`, active: i % 2 === 0, scores: [i * 1.5, 99.9], at: new Date(i * 1e9) }))
    out.push(encode(users, { tables: true, transforms }))
    out.push(encode({ users, total: 20 }, { tables: true, transforms }))
    out.push(encode([{ nested: users.slice(0, 3), n: null }, { nested: [], n: 1n }], { tables: true, transforms }))
  }
  return out.filter((m) => tableFields(m).length > 0 || m.length < 4096)
}

// ---- structure-aware fuzzing (issue 14 item 3) -----------------------------------------------

/** A write of one value into one located field of a table. */
interface FieldEdit {
  field: number
  value: number
}

const fieldEditArb: fc.Arbitrary<FieldEdit> = fc.record({
  field: fc.nat(),
  value: fc.oneof(
    fc.constantFrom(...INTERESTING_U32),
    fc.integer({ min: 0, max: 64 }),
    // 0x08, 0x10, 0x18: the SPEC 8.6 transform flags switched on or off under a table's parts.
    fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x18, 0xff),
    fc.nat()
  )
})

function applyEdits(seed: Uint8Array, edits: readonly FieldEdit[], shift: readonly number[]): Uint8Array {
  const out = Uint8Array.from(seed)
  const fields = tableFields(out)
  if (fields.length === 0) return out
  const dv = new DataView(out.buffer)
  for (const e of edits) {
    const f = fields[e.field % fields.length]
    if (f.size === 1) out[f.at] = e.value & 0xff
    else if (f.size === 2) dv.setUint16(f.at, e.value & 0xffff, true)
    else dv.setUint32(f.at, e.value >>> 0, true)
  }
  // Small relative nudges of offsets (off by one, by eight) find the checks' edges.
  for (const d of shift) {
    const f = fields[Math.abs(d) % fields.length]
    if (f.size === 4) dv.setUint32(f.at, (dv.getUint32(f.at, true) + (d % 9)) >>> 0, true)
  }
  return out
}

/** The fuzz targets over table messages, beside the v1 ones (./fuzz-cases.ts). */
export function tableFuzzTargets(seeds: readonly Uint8Array[]): FuzzTarget[] {
  const seed = fc.constantFrom(...seeds)
  return [
    {
      name: 'table: directory, header and offset fields set to chosen values',
      input: fc.tuple(seed, fc.array(fieldEditArb, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 2 }))
        .map(([s, edits, shift]) => applyEdits(s, edits, shift))
    },
    {
      name: 'table: offsets nudged by small amounts',
      input: fc.tuple(seed, fc.array(fc.integer({ min: -100000, max: 100000 }), { minLength: 1, maxLength: 4 }))
        .map(([s, shift]) => applyEdits(s, [], shift))
    },
    {
      name: 'table: byte mutations (flips, truncations, splices, length edits)',
      input: fc.tuple(seed, fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([s, muts]) => mutate(s, muts, seeds))
    }
  ]
}

/** Every table in a decoded value (tables nest in objects, lists and cells of other tables). */
function tablesIn(v: unknown, out: BFastTable[], budget: { n: number }): void {
  if (--budget.n < 0) return
  if (v instanceof BFastTable) {
    out.push(v)
    return
  }
  if (Array.isArray(v)) for (const x of v) tablesIn(x, out, budget)
  else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof Date)) {
    for (const k of Object.keys(v)) tablesIn((v as Record<string, unknown>)[k], out, budget)
  }
}

/**
 * The table oracle: the v1 oracle (decode returns or throws BFastError, every row readable,
 * re-encodes to the same value), then every accessor of every table (get, column, iteration,
 * toArray) returns or throws BFastError, and get(i) agrees with toArray()[i].
 */
export function tableOracle(input: Uint8Array): Finding | undefined {
  const base = oracle(input)
  if (base !== undefined) return base
  const hex = Array.from(input, (x) => x.toString(16).padStart(2, '0')).join('')
  try {
    const found: BFastTable[] = []
    let value: unknown
    try {
      value = decode(input)
    } catch {
      return undefined
    }
    tablesIn(value, found, { n: 10000 })
    for (const t of found) {
      let rows: unknown[] | undefined
      try {
        rows = t.toArray()
      } catch (err) {
        if (!(err instanceof BFastError)) throw err
      }
      for (const name of t.columnNames) {
        try {
          const col = t.column(name)
          if (col === undefined || col.length !== t.length) throw new Error(`column ${name} has ${col?.length} items for ${t.length} rows`)
        } catch (err) {
          if (!(err instanceof BFastError)) throw err
        }
      }
      for (let i = 0; i < t.length && i < 64; i++) {
        try {
          const row = t.get(i)
          if (rows !== undefined) {
            const diff = sameValue(materialize(row), materialize(rows[i]))
            if (diff !== undefined) throw new Error(`get(${i}) differs from toArray()[${i}]: ${diff}`)
          }
        } catch (err) {
          if (!(err instanceof BFastError)) throw err
        }
      }
      try {
        let n = 0
        for (const row of t) if (row === undefined || ++n > t.length) throw new Error('iteration out of step')
      } catch (err) {
        if (!(err instanceof BFastError)) throw err
      }
    }
  } catch (err) {
    return { stage: 'decode', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), input: hex }
  }
  return undefined
}
