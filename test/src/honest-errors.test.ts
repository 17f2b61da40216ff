/**
 * Issue 10 findings 9, 10 and 11 (must-have 5): encode never returns pooled memory, never
 * returns bytes its own decoder rejects, and every failure of encode and decode is a
 * BFastError with a code that says why.
 */
import t from 'tap'
import { BFastError, decode, encode } from '../../src/index.js'
import type { DecodeOptions } from '../../src/index.js'
import { MAX_STRING_UNITS } from '../../src/limits.js'
import { header } from '../helpers/messages.js'
import { codeOf } from '../helpers/thrown.js'
import { TAG_STRING } from '../../src/tags.js'

/** Detaches the buffer of `view` (transfers it away), as postMessage would. */
function detach(buffer: ArrayBuffer): void {
  structuredClone(buffer, { transfer: [buffer] })
}

t.test('finding 10: encode never returns pooled memory (byteOffset 0, .buffer holds only the message)', (t) => {
  const values: unknown[] = [1, 'a', { a: 1 }, { name: 'Ada', tags: ['x', 'y'] }, Array.from({ length: 300 }, (_, i) => i)]
  for (const v of values) {
    // Several in a row: Node's pool hands consecutive small allocations out of one 8 KiB slab.
    const outs = [encode(v), encode(v), encode(v)]
    for (const out of outs) {
      t.equal(out.byteOffset, 0, `${JSON.stringify(v).slice(0, 20)}: byteOffset 0`)
      t.equal(out.buffer.byteLength, out.byteLength, `${JSON.stringify(v).slice(0, 20)}: .buffer is exactly the message`)
    }
    t.not(outs[0].buffer, outs[1].buffer, 'each call owns its own buffer')
    t.same(new Uint8Array(outs[0].buffer), outs[0], 'sending .buffer sends the message and nothing else')
  }
  t.end()
})

t.test('finding 9: a Set that grows while it is written gives a message its decoder reads', (t) => {
  const s = new Set<unknown>()
  const grower = {
    toJSON(): string {
      s.add('added during encoding')
      return 'grower'
    }
  }
  s.add(grower)
  s.add('last')
  const bytes = encode({ s })
  const back = decode(bytes) as { s: unknown[] }
  t.same(back.s, ['grower', 'last', 'added during encoding'], 'every element written, counted as written')
  t.end()
})

t.test('finding 9: a Uint8Array longer than the u32 range is LENGTH_RANGE, not a wrapped length', (t) => {
  let big: Uint8Array
  try {
    // Node 22+ allows it (untouched pages cost no memory); Node 20's limit is 2^32 bytes.
    big = new Uint8Array(2 ** 32 + 1)
  } catch {
    t.pass(`this engine (${process.version}) cannot make a Uint8Array over 2^32 bytes: nothing to wrap`)
    t.end()
    return
  }
  t.equal(codeOf(() => encode({ big })), 'LENGTH_RANGE')
  t.end()
})

t.test('finding 11: decode(bytes, null) and other non-object options are BAD_OPTION', (t) => {
  for (const options of [null, 1, 'x', true]) {
    t.equal(codeOf(() => decode(encode(1), options as unknown as DecodeOptions)), 'BAD_OPTION', `options ${String(options)}`)
  }
  t.end()
})

t.test('finding 11: detached ArrayBuffers are DETACHED, in decode and in encode', (t) => {
  const ab = new ArrayBuffer(8)
  const view = new Uint8Array(ab)
  const f64 = new Float64Array(ab)
  const dv = new DataView(ab)
  const i32 = new Int32Array(ab)
  detach(ab)
  t.equal(codeOf(() => decode(ab)), 'DETACHED', 'decode(detached ArrayBuffer)')
  t.equal(codeOf(() => decode(view)), 'DETACHED', 'decode(view of a detached buffer)')
  for (const [name, v] of [['ArrayBuffer', ab], ['Uint8Array', view], ['Float64Array', f64], ['DataView', dv], ['Int32Array', i32]] as const) {
    t.equal(codeOf(() => encode({ v })), 'DETACHED', `encode(detached ${name})`)
  }
  // Empty buffers that are not detached are fine.
  t.same(decode(encode({ b: new Uint8Array(0), f: new Float64Array(0), a: new ArrayBuffer(0) })), { b: new Uint8Array(0), f: new Float64Array(0), a: new Uint8Array(0) })
  t.equal(codeOf(() => decode(new ArrayBuffer(0))), 'TRUNCATED', 'an empty ArrayBuffer is TRUNCATED, not DETACHED')
  t.end()
})

t.test('finding 11: a string longer than the engine can hold is STRING_TOO_LONG, never BAD_UTF8 or a plain Error', (t) => {
  const MAX = MAX_STRING_UNITS
  // One buffer reused for every case: header, string tag and length, then the text.
  const at = 6
  const text = at + 5
  const buf = Buffer.allocUnsafe(text + MAX + 2)
  const run = (n: number, twoByteAt: number | null): unknown => {
    const message = buf.subarray(0, text + n)
    message.set(header([]), 0)
    message[at] = TAG_STRING
    message.writeUInt32LE(n, at + 1)
    message.fill(0x61, text)
    if (twoByteAt !== null) {
      message[text + twoByteAt] = 0xc3 // "é", two bytes, one UTF-16 unit
      message[text + twoByteAt + 1] = 0xa9
    }
    try {
      return decode(message)
    } catch (err) {
      return err
    }
  }
  const cases: Array<[string, number, number | null]> = [
    // Pure ASCII: Node's latin1 path threw a plain Error.
    ['pure ASCII, MAX + 1 units', MAX + 1, null],
    // Valid UTF-8 through the fatal decoder, which reported BAD_UTF8 at offset 11.
    ['MAX + 2 bytes with one "é": MAX + 1 units', MAX + 2, 1]
  ]
  for (const [name, n, twoByteAt] of cases) {
    const err = run(n, twoByteAt)
    t.ok(err instanceof BFastError && err.code === 'STRING_TOO_LONG' && err.offset === at, `${name}: STRING_TOO_LONG at the string's tag (${String(err).slice(0, 120)})`)
  }
  // MAX + 1 bytes but MAX units: the string fits, and is read (Node's decoders alone refuse it).
  const fits = run(MAX + 1, MAX - 10)
  t.ok(typeof fits === 'string' && fits.length === MAX && fits.endsWith('é' + 'a'.repeat(9)), `MAX + 1 bytes, MAX units: read whole (${typeof fits === 'string' ? fits.length : String(fits).slice(0, 120)})`)
  t.end()
})
