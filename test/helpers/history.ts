/**
 * Message sequences for test/src/reader-history.test.ts. The reader keeps state from one message to
 * the next (string-table keys, src/key-cache.ts; key lists of small messages, knownShapes in
 * src/reader.ts; and the table reader's compiled row readers), on the promise that what a
 * message decodes to never depends on the messages before it. These are small replies whose
 * keys and key lists repeat across messages, under shared first keys and in colliding key-cache
 * slots, some of them altered byte by byte, each with the decode options it is read with, and
 * what reading each one gives, as text.
 *
 * Loaded by the test and by its child processes (one of them without a global Buffer, as
 * browsers load the codec), so it uses no Node API.
 */
import { BFastError, BFastTable, decode, encode } from '../../src/index.js'
import type { DecodeOptions } from '../../src/index.js'
import { KEY_CACHE_MAX_BYTES } from '../../src/limits.js'
import { slotOf } from '../../src/key-cache.js'
import { bytesToHex, defineOwn, hexToBytes } from './tagged.js'

/** A message and the options it is decoded with (an index into DECODE_OPTIONS). */
export interface HistoryCase {
  hex: string
  options: number
}

/** Options that change what a message decodes to, or whether it does (SPEC 5, SPEC 6). */
const DECODE_OPTIONS: ReadonlyArray<DecodeOptions | undefined> = [
  undefined,
  { onProtoPoisoning: 'error' },
  { onProtoPoisoning: 'remove' },
  { onConstructorPoisoning: 'error' },
  { onConstructorPoisoning: 'remove' },
  { int64: 'bigint', dates: 'string' },
  { tables: false }
]

/** A seeded generator (mulberry32): the same cases on every run and in every process. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const encoder = new TextEncoder()

function slotOfKey(key: string): number {
  const bytes = encoder.encode(key)
  return slotOf(bytes, 0, bytes.length)
}

/**
 * Another key of `key`'s length in the same key-cache slot, with the same first and last byte
 * (found among the letters between; 6+ letters give enough names): only a compare of every
 * byte tells them apart.
 */
function twinOf(key: string): string {
  const slot = slotOfKey(key)
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  const middle = key.length - 2
  for (let i = 0; i < 26 ** middle; i++) {
    let name = key[0]
    for (let n = i, j = 0; j < middle; j++, n = Math.floor(n / 26)) name += letters[n % 26]
    name += key[key.length - 1]
    if (name !== key && slotOfKey(name) === slot) return name
  }
  throw new Error(`no key-cache twin of ${key}`)
}

/** The key lists replies are built from: shared first keys, twins in the cache, edge lengths. */
function keyLists(): string[][] {
  const status2 = twinOf('status')
  const created2 = twinOf('created')
  const longest = 'k'.repeat(KEY_CACHE_MAX_BYTES)
  const tooLong = 'k'.repeat(KEY_CACHE_MAX_BYTES + 1)
  return [
    ['id', 'name', 'a'], ['id', 'name', 'b'], ['id', 'a', 'name'], ['id'], ['name', 'id'],
    ['__proto__', 'a'], ['a', '__proto__'], ['constructor', 'b'], ['b', 'constructor'],
    ['id', 'created'], [created2, 'name'], ['id', created2],
    ['status', 'id'], ['id', status2], [status2, 'id'], ['name', 'status', status2],
    [longest, 'a'], [tooLong, 'a'], ['é', 'a'], ['naïve', 'id'], ['0', '1', 'a'], ['a', 'b', 'c', 'd', 'e']
  ]
}

class Replies {
  private readonly next: () => number
  private readonly lists = keyLists()

  constructor(seed: number) {
    this.next = random(seed)
  }

  pick<T>(from: readonly T[]): T {
    return from[Math.floor(this.next() * from.length)]
  }

  leaf(): unknown {
    const r = this.next()
    if (r < 0.3) return Math.floor(this.next() * 300) - 20
    if (r < 0.5) return this.pick(['x', 'User 7', 'user7@example.com', 'Ünïcödé', 'a longer text of forty characters, ASCII'])
    if (r < 0.6) return this.pick([null, true, false])
    if (r < 0.7) return this.next() * 1000
    if (r < 0.8) return 2n ** 60n + BigInt(Math.floor(this.next() * 1000))
    if (r < 0.9) return new Date(Date.UTC(2026, 11, 1 + Math.floor(this.next() * 28)))
    return new Uint8Array([1, 2, 3])
  }

  /** An object of one of the key lists, now and then with a member fewer, more, or two swapped. */
  record(depth: number, keys = this.pick(this.lists)): Record<string, unknown> {
    let list = keys
    const change = this.next()
    if (change < 0.06 && list.length > 1) list = list.slice(0, -1)
    else if (change < 0.12) list = [...list, this.pick(['z', 'a', 'id', 'name'])]
    else if (change < 0.18 && list.length > 2) list = [list[0], list[2], list[1], ...list.slice(3)]
    const o: Record<string, unknown> = {}
    for (const key of list) {
      let v = this.value(depth + 1)
      // Poisoned members (secure-json-parse's meanings): what the options above look for.
      if (key === 'constructor' && this.next() < 0.5) v = { prototype: { polluted: true } }
      if (key === '__proto__' && this.next() < 0.5) v = { polluted: true }
      defineOwn(o, key, v)
    }
    return o
  }

  value(depth: number): unknown {
    const r = this.next()
    if (depth < 3 && r < 0.35) return this.record(depth)
    if (depth < 3 && r < 0.6) {
      // A list of records of one key list: enough of them for the reader to learn it in the message.
      const keys = this.pick(this.lists)
      const n = Math.floor(this.next() * 7)
      return Array.from({ length: n }, () => (this.next() < 0.1 ? this.leaf() : this.record(depth + 1, keys)))
    }
    return this.leaf()
  }

  /** One message: an encoded reply, or one with a byte changed (mostly in its string table) or cut. */
  message(): HistoryCase {
    const bytes = encode(this.value(0), { tables: this.next() < 0.4 })
    const options = Math.floor(this.next() * DECODE_OPTIONS.length)
    const r = this.next()
    if (r < 0.55) return { hex: bytesToHex(bytes), options }
    const changed = bytes.slice()
    if (r < 0.85) {
      // The string table comes right after the header (SPEC 3): most of these land in a key.
      const at = Math.floor(this.next() * Math.min(changed.length, 48))
      changed[at] = this.next() < 0.7 ? 0x61 + Math.floor(this.next() * 26) : Math.floor(this.next() * 256)
    } else if (r < 0.95) {
      changed[Math.floor(this.next() * changed.length)] = Math.floor(this.next() * 256)
    } else {
      return { hex: bytesToHex(changed.subarray(0, Math.floor(this.next() * changed.length))), options }
    }
    return { hex: bytesToHex(changed), options }
  }
}

/** `count` messages from the generator seeded with `seed`. */
export function historyCases(seed: number, count: number): HistoryCase[] {
  const replies = new Replies(seed)
  return Array.from({ length: count }, () => replies.message())
}

/** A decoded value as text: every member in order, every type, and any prototype but the plain one. */
function describe(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  if (v === undefined) return { $undefined: true }
  if (typeof v === 'bigint') return { $bigint: String(v) }
  if (typeof v === 'number') return Object.is(v, -0) || !Number.isFinite(v) ? { $number: Object.is(v, -0) ? '-0' : String(v) } : v
  if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString() }
  if (v instanceof Uint8Array) return { $bytes: bytesToHex(v) }
  if (v instanceof Float64Array) return { $f64: Array.from(v, describe) }
  if (v instanceof BFastTable) return { $table: v.toArray().map(describe) }
  if (Array.isArray(v)) return v.map(describe)
  if (typeof v === 'object') {
    const members: Array<[string, unknown]> = Object.keys(v).map((k) => [k, describe((v as Record<string, unknown>)[k])])
    return Object.getPrototypeOf(v) === Object.prototype ? { $object: members } : { $object: members, $prototype: 'not Object.prototype' }
  }
  return { $other: typeof v }
}

/** What decoding one case gives: its value as text, or its error's code and offset. */
function outcome(c: HistoryCase): string {
  try {
    return JSON.stringify(describe(decode(hexToBytes(c.hex), DECODE_OPTIONS[c.options])))
  } catch (err) {
    return err instanceof BFastError ? `BFastError ${err.code} at ${err.offset}` : `not a BFastError: ${String(err)}`
  }
}

/**
 * Decodes `primers` (their outcomes unused: they only leave state behind), then `cases` in
 * order or back to front, and returns each case's outcome in the order of `cases`.
 */
export function outcomes(primers: readonly HistoryCase[], cases: readonly HistoryCase[], backwards: boolean): string[] {
  for (const c of primers) outcome(c)
  const out = new Array<string>(cases.length)
  for (let k = 0; k < cases.length; k++) {
    const i = backwards ? cases.length - 1 - k : k
    out[i] = outcome(cases[i])
  }
  return out
}
