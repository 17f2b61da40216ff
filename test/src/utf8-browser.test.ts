/**
 * The codec as a browser runs it: loaded while no global `Buffer` exists, so src/utf8.ts
 * takes its TextEncoder/TextDecoder and plain-Uint8Array paths (issue 2: the codec must not
 * depend on Node). Runs the UTF-8 checks, the upstream vectors and the corpus on that build.
 * Nothing in this file imports the codec statically (test/helpers/browser-codec.ts).
 */
import t from 'tap'
import { codecWithoutBuffer } from '../helpers/browser-codec.js'
import { utf8Suite } from './utf8-cases.js'

const codec = await codecWithoutBuffer()
const { jsonFixture } = await import('../helpers/paths.js')
const { fromTagged, sameValue, bytesToHex } = await import('../helpers/tagged.js')

t.test('the codec really loaded without Buffer', (t) => {
  t.equal(Object.getPrototypeOf(codec.encode(1)), Uint8Array.prototype, 'encode returns a plain Uint8Array, not a Buffer')
  t.end()
})
utf8Suite(t, codec)
t.test('upstream vectors', (t) => {
  const { vectors } = jsonFixture<{ vectors: Array<{ name: string; value: unknown; b64: string; canonical?: boolean }> }>('bfast-v1-upstream.json')
  for (const v of vectors) {
    const bytes = Uint8Array.from(atob(v.b64), (c) => c.charCodeAt(0))
    t.equal(sameValue(codec.decode(bytes), fromTagged(v.value)), undefined, v.name)
    if (v.canonical === true) t.equal(bytesToHex(codec.encode(fromTagged(v.value))), bytesToHex(bytes), `${v.name}: canonical bytes`)
  }
  t.end()
})
t.test('the corpus', (t) => {
  for (const name of ['twitter.json', 'citm_catalog.json']) {
    const value = jsonFixture(name)
    t.equal(sameValue(codec.decode(codec.encode(value)), jsonFixture(name)), undefined, name)
  }
  t.end()
})
t.test('ASCII and short non-ASCII strings of every length up to 80 (the reused apply scratch arrays)', (t) => {
  // Two different strings of each length, read one after the other: a scratch array reused for
  // the second must not leak the first one's characters; lengths cross every cut-off (16, 32, 64).
  const texts: string[] = []
  for (let n = 0; n <= 80; n++) {
    for (const [a, b] of [['a', 'Z'], ['0', '~'], ['\u00e9', '\u4e2d']] as const) {
      texts.push(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? a : b)).join(''))
      texts.push(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? b : a)).join(''))
    }
  }
  t.same(codec.decode<string[]>(codec.encode(texts)), texts)
  t.same(codec.decode(codec.encode({ a: texts[40], b: texts[41] })), { a: texts[40], b: texts[41] })
  t.end()
})
t.test('texts repeated in a message are read again from their first occurrence (src/utf8.ts readRepeat)', (t) => {
  // Same length, same middle and last byte (one slot), different elsewhere: a slot taken by
  // one text must never answer for another.
  const a = '\u4e2d'.repeat(7) + 'abc-mid-\u00e9' + 'x'.repeat(5)
  const b = '\u4e2e'.repeat(7) + 'abc-mid-\u00e9' + 'x'.repeat(5)
  const c = 'user0001@example.com'
  const d = 'user0002@example.com'
  const values = [a, b, a, c, d, c, b, a, d, { a, b, c, d }, [a, a, b, b]]
  t.same(codec.decode(codec.encode(values)), values)
  // A second message with the same texts at other offsets (the slots of the first are forgotten).
  const other = ['pad', b, a, d, c]
  t.same(codec.decode(codec.encode(other)), other)
  t.end()
})
t.test('texts of one slot that differ in a single byte anywhere are told apart (readRepeat compares words, then bytes)', (t) => {
  // Same length, middle and last byte (one slot), one byte changed at every other position:
  // in the first word, a later word, and the 1-3 byte tail the word loop leaves.
  const values: string[] = []
  for (let length = 16; length <= 23; length++) {
    const base = Array.from({ length }, (_, i) => String.fromCharCode(0x61 + (i % 26))).join('')
    values.push(base)
    for (let k = 0; k < length; k++) {
      if (k === length >>> 1 || k === length - 1) continue
      values.push(base.slice(0, k) + 'Z' + base.slice(k + 1), base)
    }
  }
  t.same(codec.decode(codec.encode(values)), values)
  t.end()
})
t.test('a message of distinct texts stops looking for repeats and still reads every text', (t) => {
  const texts = Array.from({ length: 3000 }, (_, i) => `user${i}@example.com \u00e9${i % 7}`)
  texts.push(texts[5]!, texts[2999]!)
  t.same(codec.decode(codec.encode(texts)), texts)
  t.end()
})
t.test('a text equal to a remembered one but for one ill-formed byte is BAD_UTF8 at that byte', (t) => {
  // Two equal strings of 20 bytes (one slot); the second's third character loses its lead byte.
  const bytes = codec.encode(['\u00e9'.repeat(10), '\u00e9'.repeat(10)]).slice()
  const text = bytes.lastIndexOf(0xc3) - 18
  t.equal(bytes[text], 0xc3)
  bytes[text + 4] = 0x80
  t.throws(() => codec.decode(bytes), { code: 'BAD_UTF8', offset: text + 4 })
  t.end()
})
