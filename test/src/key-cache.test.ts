/**
 * The decoder's key cache (src/key-cache.ts): keys kept across messages never change what a
 * message decodes to. Each case decodes a message whose keys the cache may hold from an earlier
 * one, in slots other keys shared, and checks the result against the keys actually sent.
 */
import t, { type Test } from 'tap'
import { BFastError, decode, encode } from '../../src/index.js'
import { HEADER_SIZE } from '../../src/tags.js'
import { KEY_CACHE_MAX_BYTES, KEY_CACHE_SLOTS } from '../../src/limits.js'
import { slotOf } from '../../src/key-cache.js'
import { thrownBy } from '../helpers/thrown.js'

/** Decodes a one-member object and checks that its one key and value came back exactly. */
function checkOne(t: Test, key: string, value: number): void {
  const out = decode<Record<string, unknown>>(encode({ [key]: value }))
  const keys = Object.keys(out)
  if (keys.length !== 1 || keys[0] !== key || out[key] !== value) {
    t.fail(`key ${JSON.stringify(key)}: decoded ${JSON.stringify(keys)} = ${String(out[keys[0]])}`)
  }
}

t.test('more keys than slots, of one length, read back exactly in either order', (t) => {
  // More distinct keys than slots: some must share a slot, whatever the hash.
  const keys = Array.from({ length: KEY_CACHE_SLOTS + 904 }, (_, i) => `key-${i.toString().padStart(5, '0')}`)
  for (let i = 0; i < keys.length; i++) checkOne(t, keys[i], i)
  for (let i = keys.length - 1; i >= 0; i--) checkOne(t, keys[i], i)
  t.pass(`${keys.length * 2} messages`)
  t.end()
})

t.test('keys alike in their first, middle and last bytes and length read back exactly', (t) => {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  const keys: string[] = []
  for (const x of letters) for (const y of letters) keys.push(`a${x}c${y}e`)
  // Interleaved: each key right after the one its slot most likely holds.
  for (let i = 0; i < keys.length; i++) {
    checkOne(t, keys[i], i)
    checkOne(t, keys[(i * 7) % keys.length], i)
  }
  t.pass(`${keys.length * 2} messages`)
  t.end()
})

t.test('keys the cache does not keep: empty, non-ASCII, longer than its limit', (t) => {
  const long = 'k'.repeat(KEY_CACHE_MAX_BYTES + 1)
  const edge = 'k'.repeat(KEY_CACHE_MAX_BYTES)
  const keys = ['', 'é', 'café', 'cafe', 'caf\u00e9s', '日本', '🙂', long, edge, edge.slice(1) + 'é']
  for (let round = 0; round < 3; round++) keys.forEach((k, i) => checkOne(t, k, i))
  // A key of the same bytes' length as a kept one but with a non-ASCII byte in it.
  checkOne(t, 'abcd', 1)
  checkOne(t, 'ab\u00e9', 2)
  checkOne(t, 'abcd', 3)
  t.pass('all read back')
  t.end()
})

t.test('a kept key never hides ill-formed UTF-8 at the same place of a later message', (t) => {
  const good = encode({ ab: 1 })
  t.same(decode(good), { ab: 1 })
  // The table: count (2 bytes), then key 0 as its length byte and its bytes (SPEC 3).
  const at = HEADER_SIZE + 1
  t.equal(good[HEADER_SIZE], 2)
  t.equal(good[at + 1], 0x62)
  const bad = Uint8Array.from(good)
  bad[at + 1] = 0xff
  const err = thrownBy(() => decode(bad))
  t.ok(err instanceof BFastError, String(err))
  if (err instanceof BFastError) {
    t.equal(err.code, 'BAD_UTF8')
    t.equal(err.offset, at + 1)
  }
  t.same(decode(good), { ab: 1 }, 'and the good message still decodes')
  t.end()
})

t.test('a kept __proto__ key is guarded in every later message', (t) => {
  const bytes = encode(JSON.parse('{"a":1,"__proto__":{"polluted":true}}'))
  const ignored = decode<Record<string, unknown>>(bytes, { onProtoPoisoning: 'ignore' })
  t.ok(Object.prototype.hasOwnProperty.call(ignored, '__proto__'), 'kept as an own key when asked')
  for (let i = 0; i < 3; i++) {
    const err = thrownBy(() => decode(bytes, { onProtoPoisoning: 'error' }))
    t.ok(err instanceof BFastError && err.code === 'FORBIDDEN_PROPERTY', `decode ${i}: ${String(err)}`)
    const removed = decode<Record<string, unknown>>(bytes, { onProtoPoisoning: 'remove' })
    t.same(Object.keys(removed), ['a'])
    t.equal(({} as Record<string, unknown>).polluted, undefined)
  }
  t.end()
})

t.test('a non-ASCII key is never kept: its units could equal the bytes of another key', (t) => {
  // Two Latin-1 units take four bytes of UTF-8; the same two units as raw bytes are another,
  // two-byte key (ill-formed, or another character). Where both land in one slot, a kept
  // non-ASCII key would compare equal to those two bytes.
  // A seeded search: keys of 1-12 units, lower-case letters and some Latin-1 letters.
  const found: Array<[string, Uint8Array]> = []
  let seed = 1
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
  for (let i = 0; i < 1_000_000 && found.length < 4; i++) {
    let text = ''
    const units = 1 + Math.floor(random() * 12)
    for (let j = 0; j < units; j++) {
      text += String.fromCharCode(random() < 0.3 ? 0x80 + Math.floor(random() * 128) : 0x61 + Math.floor(random() * 26))
    }
    const utf8 = new TextEncoder().encode(text)
    if (utf8.length === units) continue
    const raw = Uint8Array.from(text, (unit) => unit.charCodeAt(0))
    if (slotOf(utf8, 0, utf8.length) === slotOf(raw, 0, raw.length)) found.push([text, raw])
  }
  t.ok(found.length > 0, `slot-sharing pairs found: ${found.length}`)
  for (const [text, raw] of found) {
    checkOne(t, text, 1)
    // A message of the key's length in bytes, then those bytes written over its key.
    const bytes = encode({ ['k'.repeat(raw.length)]: 7 })
    bytes.set(raw, HEADER_SIZE + 1)
    let expected: string | null
    try {
      expected = new TextDecoder('utf-8', { fatal: true }).decode(raw)
    } catch {
      expected = null
    }
    const got = thrownBy(() => decode(bytes))
    if (expected === null) {
      t.ok(got instanceof BFastError && got.code === 'BAD_UTF8', `${JSON.stringify(text)}: ${String(got)}`)
    } else {
      t.same(decode(bytes), { [expected]: 7 }, `${JSON.stringify(text)} against ${JSON.stringify(expected)}`)
    }
  }
  t.end()
})

t.test('regression: keys that differ only in their middle bytes kept each other out (citm_catalog.json)', (t) => {
  // The slot was once a hash of three bytes and the length: citm's 532 numeric keys, nine digits
  // alike at both ends, shared 252 slots and missed in every message.
  const keys = Array.from({ length: 532 }, (_, i) => String(205705993 + i * 37))
  const utf8 = new TextEncoder()
  const slotsUsed = new Set(keys.map((k) => slotOf(utf8.encode(k), 0, k.length)))
  t.ok(slotsUsed.size >= 480, `${slotsUsed.size} slots for ${keys.length} keys`)
  const value = Object.fromEntries(keys.map((k, i) => [k, i]))
  for (let round = 0; round < 3; round++) t.equal(JSON.stringify(decode(encode(value))), JSON.stringify(value), `round ${round}`)
  t.end()
})
