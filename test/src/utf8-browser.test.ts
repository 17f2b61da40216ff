/**
 * The codec as a browser runs it: loaded while no global `Buffer` exists, so src/utf8.ts
 * takes its TextEncoder/TextDecoder and plain-Uint8Array paths (issue 2: the codec must not
 * depend on Node). Runs the UTF-8 checks, the upstream vectors and the corpus on that build.
 * Nothing in this file imports the codec statically: it must load after Buffer is hidden.
 */
import t from 'tap'
import { utf8Suite } from './utf8-cases.js'

const saved = globalThis.Buffer
Reflect.deleteProperty(globalThis, 'Buffer')
let codec: typeof import('../../src/index.js')
try {
  codec = await import('../../src/index.js')
} finally {
  globalThis.Buffer = saved
}
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
