/**
 * Round trips through encode/decode (issue 2, Tests): the real-world corpus, unicode of every
 * plane, the special numbers, int64 extremes, Dates, bytes, Float64Array at aligned and
 * unaligned offsets, nesting to the depth limit and past it, empty containers.
 */
import t, { type Test } from 'tap'
import { decode, encode } from '../../src/index.js'
import { message, w, walk } from '../helpers/messages.js'
import { codeOf } from '../helpers/thrown.js'
import { fixture } from '../helpers/paths.js'
import { afterRoundTrip, sameValue } from '../helpers/tagged.js'

function roundTrip(t: Test, value: unknown, name: string): void {
  t.equal(sameValue(decode(encode(value)), afterRoundTrip(value)), undefined, name)
}

for (const name of ['twitter.json', 'citm_catalog.json']) {
  t.test(`${name} round-trips deep-equal to JSON.parse`, (t) => {
    const text = fixture(name).toString('utf8')
    const value = JSON.parse(text) as unknown
    const msg = encode(value)
    t.equal(sameValue(decode(msg), JSON.parse(text)), undefined)
    t.same(decode(msg), JSON.parse(text), "and tap's deep equality agrees")
    t.ok(msg.length < Buffer.byteLength(text), `smaller than the JSON text (${msg.length} vs ${Buffer.byteLength(text)})`)
    t.end()
  })
}

t.test('unicode of every plane, in values and keys', (t) => {
  // One code point from every plane 0..16, plus the edges of the BMP and of UTF-8 lengths.
  const points = [0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff]
  for (let plane = 1; plane <= 16; plane++) points.push(plane * 0x10000, plane * 0x10000 + 0xfffd, plane * 0x10000 + 0xffff)
  const chars = points.map((cp) => String.fromCodePoint(cp))
  const all = chars.join('')
  roundTrip(t, all, 'all in one string')
  roundTrip(t, chars, 'one string each')
  roundTrip(t, 'a'.repeat(40) + all + 'z'.repeat(40), 'inside a long string')
  const obj: Record<string, string> = {}
  for (const c of chars) obj[`key${c}`] = c
  roundTrip(t, obj, 'as keys')
  // Every code point of the BMP outside the surrogates, and a stride through the other planes.
  let bmp = ''
  for (let cp = 0; cp < 0x10000; cp++) if (cp < 0xd800 || cp > 0xdfff) bmp += String.fromCodePoint(cp)
  roundTrip(t, bmp, 'the whole BMP')
  let astral = ''
  for (let cp = 0x10000; cp <= 0x10ffff; cp += 97) astral += String.fromCodePoint(cp)
  roundTrip(t, astral, 'the astral planes, every 97th code point')
  t.end()
})

t.test('lone surrogates are refused with LONE_SURROGATE (never altered)', (t) => {
  t.equal(codeOf(() => encode('\ud800')), 'LONE_SURROGATE')
  t.equal(codeOf(() => encode({ '\udfff': 1 })), 'LONE_SURROGATE')
  t.equal(codeOf(() => encode(['ok', 'x'.repeat(64) + '\udbff'])), 'LONE_SURROGATE')
  t.end()
})

t.test('int64 extremes as bigint, and the safe-integer edges as numbers', (t) => {
  const v = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 31) - 1]
  const got = decode(encode(v)) as unknown[]
  t.equal(sameValue(got, [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, -(2 ** 31) - 1]), undefined)
  // A safe bigint reads back as a number under 'auto', and as the same bigint under 'bigint'.
  t.equal(sameValue(decode(encode(5n)), 5), undefined)
  t.equal(sameValue(decode(encode([5n, 2n ** 63n - 1n]), { int64: 'bigint' }), [5n, 2n ** 63n - 1n]), undefined)
  t.end()
})

t.test('special numbers: -0, NaN, +-Infinity, subnormals, extremes', (t) => {
  const v = [-0, 0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, 0.1 + 0.2, 2 ** 53, -(2 ** 53) - 2]
  roundTrip(t, v, 'in a list')
  roundTrip(t, { neg0: -0, nan: NaN, inf: Infinity }, 'in an object')
  t.ok(Object.is(decode(encode(-0)), -0), 'a root -0 stays -0')
  t.end()
})

t.test('Dates', (t) => {
  const dates = [new Date(0), new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)), new Date(-1), new Date(8.64e15), new Date(-8.64e15), new Date(Date.UTC(-1, 0, 1)), new Date(Date.UTC(10000, 0, 1))]
  roundTrip(t, dates, 'including the extremes and years outside 0000..9999')
  roundTrip(t, [new Date(NaN)], 'an invalid Date writes null')
  t.end()
})

t.test('bytes', (t) => {
  const all = new Uint8Array(256).map((_, i) => i)
  roundTrip(t, { all, empty: new Uint8Array(0), big: new Uint8Array(300_000).fill(0xab) }, 'every byte value, empty and large')
  t.end()
})

t.test('Float64Array at aligned and unaligned offsets within the message', (t) => {
  const arr = Float64Array.of(1.5, -0, NaN, -Infinity, 5e-324)
  // The payload offset moves with the key length: cover all eight residues mod 8.
  const residues = new Set<number>()
  for (let n = 1; n <= 8; n++) {
    const value = { ['k'.repeat(n)]: arr }
    const msg = encode(value)
    residues.add(walk(msg).f64Offsets[0] % 8)
    roundTrip(t, value, `payload at offset ${walk(msg).f64Offsets[0]}`)
  }
  t.equal(residues.size, 8, 'all eight alignments seen')
  roundTrip(t, [new Float64Array(0), new Float64Array(10_000).map((_, i) => i / 3)], 'empty and large')
  t.end()
})

t.test('nesting exactly to the depth limit, and one past it (DEPTH)', (t) => {
  const lists = (n: number): unknown => {
    let v: unknown = []
    for (let i = 1; i < n; i++) v = [v]
    return v
  }
  const objects = (n: number): unknown => {
    let v: unknown = {}
    for (let i = 1; i < n; i++) v = { d: v }
    return v
  }
  const mixed = (n: number): unknown => {
    let v: unknown = [1]
    for (let i = 1; i < n; i++) v = i % 2 === 0 ? [v] : { m: v }
    return v
  }
  for (const [name, make] of [['lists', lists], ['objects', objects], ['mixed', mixed]] as const) {
    roundTrip(t, make(128), `${name}: 128 levels`)
    t.equal(codeOf(() => encode(make(129))), 'DEPTH', `${name}: 129 levels refused on encode`)
    const deeper = encode(make(129), { maxDepth: 129 })
    t.equal(codeOf(() => decode(deeper)), 'DEPTH', `${name}: 129 levels refused on decode`)
    t.equal(sameValue(decode(deeper, { maxDepth: 129 }), afterRoundTrip(make(129))), undefined, `${name}: 129 levels with maxDepth 129`)
  }
  // A hand-built message at the limit, independent of the writer.
  const nested = (n: number): Uint8Array => {
    let v: Uint8Array = w.list(0)
    for (let i = 1; i < n; i++) v = w.list(1, v)
    return message([], v)
  }
  t.doesNotThrow(() => decode(nested(128)))
  t.equal(codeOf(() => decode(nested(129))), 'DEPTH')
  t.end()
})

t.test('empty containers', (t) => {
  roundTrip(t, [[], {}, '', new Uint8Array(0), new Float64Array(0), new Map(), new Set(), [[[]]], { a: {} }], 'every empty container')
  roundTrip(t, {}, 'root {}')
  roundTrip(t, [], 'root []')
  t.end()
})

t.test('Map, Set, toJSON, undefined and functions', (t) => {
  const v = {
    map: new Map<unknown, unknown>([['x', 1], [2, [3]]]),
    set: new Set(['a', 1, null]),
    json: { toJSON: () => ['from', 'toJSON'] },
    skipped: undefined,
    fn: () => 1,
    list: [undefined, () => 2, 3]
  }
  roundTrip(t, v, 'mapped as SPEC 5 says')
  t.same(decode(encode(v)), { map: { x: 1, 2: [3] }, set: ['a', 1, null], json: ['from', 'toJSON'], list: [null, null, 3] })
  t.end()
})
