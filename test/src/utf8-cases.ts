/**
 * UTF-8 checks shared by utf8.test.ts (Node: Buffer fast paths) and utf8-browser.test.ts (the
 * same codec loaded without a global Buffer, as browsers run it). src/utf8.ts switches
 * strategy with length (JS loops for short and medium text, a native call for long), so
 * every check runs on both sides of each cut-over. Takes the codec as a parameter and
 * imports none of it, so the browser test controls how the codec is loaded.
 */
import type { Test } from 'tap'
import fc from 'fast-check'
import type * as Codec from '../../src/index.js'

/** Lengths on both sides of every strategy cut-over in src/utf8.ts (16, 32, 256, 1024 bytes or units). */
export const CUT_LENGTHS = [0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 1023, 1024, 1025, 4096, 70_000]

const PIECES = ['a', 'é', '中', '🚀', '\ufffd', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff', '\u{10ffff}']

const INVALID: ReadonlyArray<readonly number[]> = [
  [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xf0, 0x80, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0x80],
  // The edges: the longest overlong form of each length, the last surrogate, just past U+10FFFF.
  [0xc1, 0xbf], [0xe0, 0x9f, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0xed, 0xbf, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80]
]

function stringMessage(text: Uint8Array): Uint8Array {
  const out = new Uint8Array(11 + text.length)
  out.set([0x42, 0x46, 0, 1, 0, 0, 0x50])
  new DataView(out.buffer).setUint32(7, text.length, true)
  out.set(text, 11)
  return out
}

/** Strings of every piece at every cut length round-trip; encode's bytes are TextEncoder's. */
export function roundTripsAtEveryLength(t: Test, codec: typeof Codec): void {
  const te = new TextEncoder()
  let bad = 0
  for (const piece of PIECES) {
    for (const n of CUT_LENGTHS) {
      for (const s of [piece.repeat(n), 'a'.repeat(n) + piece, piece + 'a'.repeat(n), 'é'.repeat(n) + piece + 'x']) {
        const msg = codec.encode(s)
        const expected = te.encode(s)
        const body = msg.subarray(11)
        let same = body.length === expected.length
        for (let i = 0; same && i < expected.length; i++) same = body[i] === expected[i]
        if (!same || codec.decode(msg) !== s) bad++
        // Keys: whole code points only, at most 30 of them (<= 120 bytes, under the 255 limit).
        const k = Array.from(s).slice(0, 30).join('')
        const back = codec.decode(codec.encode({ [k]: s })) as Record<string, unknown>
        if (back[k] !== s) bad++
      }
    }
  }
  t.equal(bad, 0, `${PIECES.length * CUT_LENGTHS.length * 4} strings and keys: same bytes as TextEncoder, same text back`)
}

/** Invalid UTF-8 at the start, middle and end of strings at every cut length: BAD_UTF8. */
export function refusesInvalidAtEveryLength(t: Test, codec: typeof Codec): void {
  const failures: string[] = []
  for (const seq of INVALID) {
    for (const n of CUT_LENGTHS) {
      for (const fill of [0x61, 0xc3a9]) {
        const filler = fill === 0x61 ? new Uint8Array(n).fill(0x61) : new Uint8Array(2 * n).map((_, i) => (i % 2 === 0 ? 0xc3 : 0xa9))
        for (const at of [0, filler.length >> 1, filler.length]) {
          const at2 = fill === 0x61 ? at : at & ~1 // keep "é" pairs whole
          const text = new Uint8Array(filler.length + seq.length)
          text.set(filler.subarray(0, at2))
          text.set(seq, at2)
          text.set(filler.subarray(at2), at2 + seq.length)
          try {
            codec.decode(stringMessage(text))
            failures.push(`${seq.map((b) => b.toString(16)).join(' ')} at ${at2} of ${text.length}: decoded`)
          } catch (err) {
            const e = err as { code?: string; offset?: number }
            if (e.code !== 'BAD_UTF8' || typeof e.offset !== 'number' || e.offset < 6 || e.offset > 11 + text.length) {
              failures.push(`${seq.map((b) => b.toString(16)).join(' ')} at ${at2} of ${text.length}: ${e.code ?? String(err)} at ${e.offset}`)
            }
          }
        }
      }
    }
  }
  t.same(failures.slice(0, 20), [], 'BAD_UTF8 with an offset inside the string, every time')
}

/** Lone surrogates at every cut length are refused, never replaced by U+FFFD. */
export function refusesLoneSurrogatesAtEveryLength(t: Test, codec: typeof Codec): void {
  const failures: string[] = []
  for (const lone of ['\ud800', '\udbff', '\udc00', '\udfff']) {
    for (const n of CUT_LENGTHS) {
      const shapes = (m: number): string[] => ['a'.repeat(m) + lone, lone + 'a'.repeat(m), 'é'.repeat(m) + lone + 'é', '🚀'.repeat(m >> 1) + lone]
      const keys = shapes(Math.min(n, 40)) // a key holds at most 255 bytes
      for (const [i, s] of shapes(n).entries()) {
        for (const v of [s, { [keys[i]]: 1 }, [1, { k: s }]]) {
          try {
            codec.encode(v)
            failures.push(`${JSON.stringify(lone)} in ${s.length} units: encoded`)
          } catch (err) {
            if ((err as { code?: string }).code !== 'LONE_SURROGATE') failures.push(`${s.length} units: ${String(err)}`)
          }
        }
      }
    }
  }
  t.same(failures.slice(0, 20), [], 'LONE_SURROGATE every time')
}

/** Well-formed sequences of every length class, U+FFFD among them, for mixedBytesLikeTextDecoder. */
const WELL_FORMED: ReadonlyArray<readonly number[]> = [
  [0x61], [0x00], [0x7f], [0xc2, 0x80], [0xc3, 0xa9], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xe4, 0xb8, 0xad],
  [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80], [0xef, 0xbb, 0xbf], [0xef, 0xbf, 0xbd], [0xf0, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x9a, 0x80], [0xf4, 0x8f, 0xbf, 0xbf]
]
/** Fixed seed: a failure reproduces with the seed and path fast-check prints. */
const MIXED_SEED = 110
const MIXED_RUNS = 1500

/**
 * Random mixes of well-formed sequences, ill-formed ones and arbitrary bytes, of 0 to ~1,200
 * bytes (every cut-over of src/utf8.ts): decode gives exactly what a fatal TextDecoder gives,
 * and BAD_UTF8 exactly when it throws. Guards the paths that decode first and validate after
 * (Node's utf8Slice and its U+FFFD check) as much as the validating ones.
 */
export function mixedBytesLikeTextDecoder(t: Test, codec: typeof Codec): void {
  const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...WELL_FORMED) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => [b]) }
  )
  const text = fc.array(piece, { maxLength: 400, size: 'max' }).map((ps) => Uint8Array.from(ps.flat()))
  const details = fc.check(
    fc.property(text, (bytes) => {
      const expected = decodedOrUndefined(reference, bytes)
      try {
        return codec.decode(stringMessage(bytes)) === expected
      } catch (err) {
        return expected === undefined && (err as { code?: string }).code === 'BAD_UTF8'
      }
    }),
    { seed: MIXED_SEED, numRuns: MIXED_RUNS }
  )
  t.notOk(details.failed, details.failed ? `counterexample (seed ${details.seed}, path ${details.counterexamplePath})` : `${details.numRuns} cases`)
}

/**
 * Offset of the first byte of the first ill-formed sequence of `bytes`, found with `decoder`
 * (fatal) alone: from each character boundary, the one length (1-4 bytes) that decodes on its
 * own is the next character; where none does, the sequence is ill-formed. -1 if well-formed.
 */
function firstIllFormed(decoder: TextDecoder, bytes: Uint8Array): number {
  for (let p = 0; p < bytes.length;) {
    let n = 1
    while (n <= 4 && p + n <= bytes.length && decodedOrUndefined(decoder, bytes.subarray(p, p + n)) === undefined) n++
    if (n > 4 || p + n > bytes.length) return p
    p += n
  }
  return -1
}

/** Header bytes before the text in stringMessage: BAD_UTF8 offsets are message offsets. */
const STRING_MESSAGE_TEXT_AT = 11

/**
 * Random mixes as above with at least one ill-formed sequence: BAD_UTF8 names the first byte
 * of the first ill-formed sequence, as a fatal TextDecoder finds it, whichever path the length
 * takes.
 */
export function badUtf8OffsetLikeTextDecoder(t: Test, codec: typeof Codec): void {
  const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const piece = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...WELL_FORMED) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 255 }).map((b) => [b]) }
  )
  const text = fc.array(piece, { minLength: 1, maxLength: 400, size: 'max' }).map((ps) => Uint8Array.from(ps.flat()))
  const details = fc.check(
    fc.property(text, (bytes) => {
      const at = firstIllFormed(reference, bytes)
      fc.pre(at >= 0)
      try {
        codec.decode(stringMessage(bytes))
        return false
      } catch (err) {
        const e = err as { code?: string; offset?: number }
        return e.code === 'BAD_UTF8' && e.offset === STRING_MESSAGE_TEXT_AT + at
      }
    }),
    { seed: MIXED_SEED, numRuns: MIXED_RUNS }
  )
  t.notOk(details.failed, details.failed ? `counterexample (seed ${details.seed}, path ${details.counterexamplePath})` : `${details.numRuns} cases`)
}

/** Longest string, in UTF-16 units, of everyLengthToLongest: past every JS-decoded length. */
const EVERY_LENGTH_MAX = 300
/** One character of each UTF-8 length (1-4 bytes; the last takes two UTF-16 units). */
const BY_BYTES = ['a', '\u00e9', '\u4e2d', '\u{1f680}'] as const

/**
 * Strings of every length from 0 to EVERY_LENGTH_MAX UTF-16 units, of each UTF-8 sequence
 * length alone, of all four in turn and after an ASCII prefix: each decodes from TextEncoder's
 * bytes to itself, alone and together in one list (where strings of one length follow each
 * other: src/utf8.ts reuses one array per length in browsers).
 */
export function everyLengthToLongest(t: Test, codec: typeof Codec): void {
  const te = new TextEncoder()
  const texts: string[] = []
  for (let n = 0; n <= EVERY_LENGTH_MAX; n++) {
    // n units of whole characters: c repeated, then one ASCII unit where a pair would not fit.
    const alone = (c: string): string => c.repeat(Math.floor(n / c.length)) + 'q'.repeat(n % c.length)
    // m units of the four in turn from the from-th; 'z' where a pair would not fit.
    const mixed = (from: number, m: number): string => {
      let s = ''
      for (let k = from; s.length < m; k++) s += s.length === m - 1 ? 'z' : BY_BYTES[k % BY_BYTES.length]
      return s
    }
    for (const c of BY_BYTES) texts.push(alone(c))
    texts.push(mixed(0, n), mixed(3, n), 'x'.repeat(n >> 1) + mixed(1, n - (n >> 1)))
  }
  const wrong: string[] = []
  for (const s of texts) {
    let back: unknown
    try {
      back = codec.decode(stringMessage(te.encode(s)))
    } catch (err) {
      back = err
    }
    if (back !== s && wrong.length < 10) wrong.push(`${JSON.stringify(s.slice(0, 12))}... (${s.length} units): ${String(back).slice(0, 40)}`)
  }
  t.same(wrong, [], `${texts.length} strings decoded alone`)
  t.same(codec.decode(codec.encode(texts)), texts, 'the same strings in one list')
}

function decodedOrUndefined(decoder: TextDecoder, bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes)
  } catch {
    return undefined
  }
}

/** The checks above as subtests of `t`: the suite both UTF-8 test files run. */
export function utf8Suite(t: Test, codec: typeof Codec): void {
  t.test('round trips at every length', (t) => {
    roundTripsAtEveryLength(t, codec)
    t.end()
  })
  t.test('invalid UTF-8 at every length', (t) => {
    refusesInvalidAtEveryLength(t, codec)
    t.end()
  })
  t.test('lone surrogates at every length', (t) => {
    refusesLoneSurrogatesAtEveryLength(t, codec)
    t.end()
  })
  t.test('random byte mixes decode as a fatal TextDecoder does', (t) => {
    mixedBytesLikeTextDecoder(t, codec)
    t.end()
  })
  t.test('BAD_UTF8 at the first ill-formed sequence, as a fatal TextDecoder finds it', (t) => {
    badUtf8OffsetLikeTextDecoder(t, codec)
    t.end()
  })
  t.test('every length up to 300 units, every UTF-8 sequence length', (t) => {
    everyLengthToLongest(t, codec)
    t.end()
  })
}
