/**
 * The upstream vectors (SPEC 7) are the ground truth for reading: every one decodes to its
 * tagged value, every `canonical` one is written byte-for-byte as upstream wrote it, and the
 * others re-encode to a message that reads back to the same value.
 */
import t from 'tap'
import { decode, encode, isCompressed } from '../../src/index.js'
import { jsonFixture } from '../helpers/paths.js'
import { bytesToHex, fromTagged, sameValue } from '../helpers/tagged.js'

interface Vector {
  name: string
  value: unknown
  compressed: boolean
  b64: string
  canonical?: boolean
  note?: string
}

const { vectors } = jsonFixture<{ vectors: Vector[] }>('bfast-v1-upstream.json')

t.ok(vectors.length >= 40, 'the vectors file is the full upstream set')

for (const v of vectors) {
  t.test(`vector ${v.name}`, (t) => {
    const bytes = new Uint8Array(Buffer.from(v.b64, 'base64'))
    const expected = fromTagged(v.value)
    t.equal(isCompressed(bytes), v.compressed, 'isCompressed matches the vector')

    const decoded = decode(bytes)
    t.equal(sameValue(decoded, expected), undefined, 'decodes to the tagged value')

    // An ArrayBuffer input reads the same (SPEC: decode accepts Uint8Array | ArrayBuffer).
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    t.equal(sameValue(decode(ab), expected), undefined, 'decodes from an ArrayBuffer too')

    if (v.canonical === true) {
      t.equal(bytesToHex(encode(expected)), bytesToHex(bytes), 'canonical: encoded byte-for-byte as upstream')
    }
    const again = encode(decoded)
    t.equal(sameValue(decode(again), expected), undefined, 're-encoded message reads back to the same value')
    t.end()
  })
}

t.test('non-canonical vectors really differ in a way the JS mapping explains', (t) => {
  // float-1.0: upstream wrote a Python float; JS has only numbers, and 1 is written as a small int.
  const one = vectors.find((v) => v.name === 'float-1.0') as Vector
  const decoded = decode(new Uint8Array(Buffer.from(one.b64, 'base64')))
  t.equal(decoded, 1)
  t.equal(bytesToHex(encode(decoded)), '42460001000031', 'the JS writer emits small int 1')
  t.end()
})

t.test('the 10,000-user chunked vector, which upstream cannot read, decodes (SPEC 4.1)', (t) => {
  const v = vectors.find((x) => x.name === 'lz4-chunked-10000-users') as Vector
  const decoded = decode(new Uint8Array(Buffer.from(v.b64, 'base64'))) as unknown[]
  t.equal(decoded.length, 10_000)
  t.equal(sameValue(decoded, fromTagged(v.value)), undefined)
  t.end()
})
