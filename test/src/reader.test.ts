/**
 * The reader (SPEC 1, 2, 5): decode options, what every tag becomes, duplicate keys,
 * `__proto__`-like keys, the 0x7F terminator as upstream reads it, Float64Array alignment,
 * binary views and copies.
 */
import t from 'tap'
import { decode, encode } from '../../src/index.js'
import { FLAG_COMPRESSED, TAG_DATE, TAG_DATETIME, TAG_DECIMAL, TAG_TIME, TAG_UUID } from '../../src/tags.js'
import { concat, header, message, u32, w } from '../helpers/messages.js'
import { codeOf, thrownBy } from '../helpers/thrown.js'
import { sameValue } from '../helpers/tagged.js'

t.test('small ints 0x39..0x3F read as 9..15 (readers accept, SPEC 2)', (t) => {
  for (let n = 9; n <= 15; n++) t.equal(decode(message([], 0x30 | n)), n)
  t.end()
})

t.test('flag bit 0 ("was compressed") is informational and ignored (SPEC 1)', (t) => {
  t.same(decode(concat(header([], { flags: FLAG_COMPRESSED }), w.small(3))), 3)
  t.end()
})

t.test('int64 option: auto, number, bigint (SPEC 5)', (t) => {
  const msg = encode([5, 8, -1, 2 ** 40, 2n ** 53n + 1n, -(2n ** 63n)])
  t.equal(sameValue(decode(msg), [5, 8, -1, 2 ** 40, 2n ** 53n + 1n, -(2n ** 63n)]), undefined, 'auto')
  t.equal(sameValue(decode(msg, { int64: 'auto' }), [5, 8, -1, 2 ** 40, 2n ** 53n + 1n, -(2n ** 63n)]), undefined, 'auto explicit')
  t.equal(sameValue(decode(msg, { int64: 'number' }), [5, 8, -1, 2 ** 40, 2 ** 53, -(2 ** 63)]), undefined, 'number')
  // Small ints are not int64: they stay numbers under 'bigint'.
  t.equal(sameValue(decode(msg, { int64: 'bigint' }), [5, 8n, -1n, 2n ** 40n, 2n ** 53n + 1n, -(2n ** 63n)]), undefined, 'bigint')
  t.end()
})

t.test('int64 reads the same in a list of numbers, a list of other values and an object (SPEC 5)', (t) => {
  // A list starting with a number has its own loop (readNumbers), one starting otherwise goes
  // value by value (readValue), an object's members through its shape reader once learnt.
  const ints = [8, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 40, 2n ** 53n + 1n, -(2n ** 63n)]
  const asNumber = ints.map(Number)
  const asBigint = ints.map(BigInt)
  const rows = Array.from({ length: 12 }, () => ({ a: ints[4], b: ints[5] }))
  const value = { numbers: [0, ...ints], others: [null, ...ints], rows }
  const msg = encode(value)
  t.equal(sameValue(decode(msg), value), undefined, 'auto')
  t.equal(sameValue(decode(msg, { int64: 'number' }), {
    numbers: [0, ...asNumber], others: [null, ...asNumber], rows: rows.map(() => ({ a: 2 ** 40, b: 2 ** 53 }))
  }), undefined, 'number')
  t.equal(sameValue(decode(msg, { int64: 'bigint' }), {
    numbers: [0, ...asBigint], others: [null, ...asBigint], rows: rows.map(() => ({ a: 2n ** 40n, b: 2n ** 53n + 1n }))
  }), undefined, 'bigint')
  t.end()
})

t.test('empty lists, in lists and as members, are fresh arrays each (SPEC 2)', (t) => {
  const value = { a: [[], [[]], []], rows: Array.from({ length: 12 }, (_, i) => ({ id: 1000 + i, blockIds: [] })) }
  const out = decode<typeof value>(encode(value))
  t.same(out, value)
  t.not(out.a[0], out.a[2], 'two empty lists are two arrays')
  out.a[0]!.push(1 as never)
  t.same(out.a[2], [], 'filling one leaves the other empty')
  t.end()
})

t.test('dates option and the text tags (SPEC 5)', (t) => {
  const msg = message(['dt', 'd', 't', 'u', 'x'], w.obj([
    [0, w.sized(TAG_DATETIME, '2024-01-15T10:30:45.123456+00:00')],
    [1, w.sized(TAG_DATE, '2024-02-29')],
    [2, w.sized(TAG_TIME, '10:30:05.250000')],
    [3, w.sized(TAG_UUID, '550e8400e29b41d4a716446655440000')],
    [4, w.sized(TAG_DECIMAL, '-1E+3')]
  ]))
  const dflt = decode(msg)
  t.equal(sameValue(dflt, {
    dt: new Date('2024-01-15T10:30:45.123Z'),
    d: new Date('2024-02-29'),
    t: '10:30:05.250000',
    u: '550e8400-e29b-41d4-a716-446655440000',
    x: -1000
  }), undefined, 'defaults')
  t.equal(sameValue(decode(msg, { dates: 'string', decimal: 'string' }), {
    dt: '2024-01-15T10:30:45.123456+00:00',
    d: '2024-02-29',
    t: '10:30:05.250000',
    u: '550e8400-e29b-41d4-a716-446655440000',
    x: '-1E+3'
  }), undefined, "dates: 'string', decimal: 'string'")
  t.ok(Number.isNaN(decode(message([], w.sized(TAG_DECIMAL, 'NaN')))), 'decimal NaN')
  // A naive datetime is UTC whatever the local zone.
  t.equal((decode(message([], w.sized(TAG_DATETIME, '2024-01-15T10:30:45'))) as Date).toISOString(), '2024-01-15T10:30:45.000Z')
  t.equal(sameValue(decode(message([], w.sized(TAG_UUID, '550E8400E29B41D4A716446655440000'))), '550e8400-e29b-41d4-a716-446655440000'), undefined, 'upper-case UUID hex')
  // Typed text that does not parse as its type is an error, never an invalid Date.
  for (const [tag, text] of [[TAG_DATETIME, 'not a date'], [TAG_DATE, '2024-13-45'], [TAG_UUID, 'xyz'], [TAG_UUID, '550e8400-e29b-41d4-a716-446655440000']] as const) {
    const e = thrownBy(() => decode(message([], w.sized(tag, text))))
    t.equal(typeof e === 'string' ? e : `${e.code}@${e.offset}`, 'BAD_VALUE@6', `0x${tag.toString(16)} ${JSON.stringify(text)}`)
    if (tag !== TAG_UUID) t.equal(decode(message([], w.sized(tag, text)), { dates: 'string' }), text, "dates: 'string' returns the text as sent")
  }
  t.end()
})

t.test('float64Array option and alignment: aligned views and unaligned copies read the same', (t) => {
  const values = [1.5, -0, NaN, Infinity, -2.25, 1e-310]
  const expected = Float64Array.from(values)
  const msg = encode({ k: expected })
  for (let shift = 0; shift < 8; shift++) {
    const buf = new Uint8Array(msg.length + 8)
    buf.set(msg, shift)
    const view = buf.subarray(shift, shift + msg.length)
    const got = decode(view) as { k: Float64Array }
    t.equal(sameValue(got, { k: expected }), undefined, `message at byte ${shift} of its buffer`)
    t.equal(sameValue(decode(view, { float64Array: 'array' }), { k: values }), undefined, "float64Array: 'array'")
  }
  t.end()
})

t.test('bytes: a view by default, a copy with copyBinary (SPEC 5)', (t) => {
  const msg = encode({ b: Uint8Array.of(1, 2, 3) })
  const view = (decode(msg) as { b: Uint8Array }).b
  const copy = (decode(msg, { copyBinary: true }) as { b: Uint8Array }).b
  t.same([...view], [1, 2, 3])
  t.same([...copy], [1, 2, 3])
  msg.fill(0)
  t.same([...copy], [1, 2, 3], 'the copy does not share the input')
  t.end()
})

t.test('duplicate keys: the last wins, as JSON.parse (SPEC 6)', (t) => {
  const msg = message(['a', 'b'], w.obj([[0, w.small(1)], [1, w.small(2)], [0, w.small(3)]]))
  const got = decode(msg) as Record<string, number>
  t.same(got, JSON.parse('{"a":1,"b":2,"a":3}'))
  t.same(Object.keys(got), ['a', 'b'], 'first position kept, as JSON.parse')
  // The same key twice in the table (two slots, one name).
  t.same(decode(message(['a', 'a'], w.obj([[0, w.small(1)], [1, w.small(2)]]))), { a: 2 })
  t.end()
})

t.test('__proto__, constructor and prototype keys are own properties and change no prototype', (t) => {
  const keys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']
  const members = keys.map((_, i) => [i, w.obj([[5, w.sized(0x50, 'polluted')]])] as const)
  const msg = message([...keys, 'polluted'], w.list(40, ...Array.from({ length: 40 }, () => w.obj(members))))
  // Decode several times: a shape cache or generated reader must not turn the key into a prototype.
  for (let round = 0; round < 3; round++) {
    const list = decode(msg) as Array<Record<string, unknown>>
    for (const o of list) {
      const proto = Object.getPrototypeOf(o) as unknown
      if (proto !== Object.prototype && proto !== null) t.fail('the prototype changed')
      for (const k of keys) {
        const d = Object.getOwnPropertyDescriptor(o, k)
        if (d === undefined || !d.enumerable) t.fail(`${k} is not an own enumerable property`)
        else if (sameValue(d.value, { polluted: 'polluted' }) !== undefined) t.fail(`${k} has the wrong value`)
      }
      if ((o as { polluted?: unknown }).polluted !== undefined) t.fail('a key leaked through the prototype')
    }
    t.same(Object.keys(list[0]), keys, `round ${round}: all five are own keys`)
  }
  t.equal(({} as { polluted?: unknown }).polluted, undefined, 'Object.prototype untouched')
  t.equal(Object.getOwnPropertyNames(Object.prototype).includes('polluted'), false)

  // JSON.parse makes __proto__ an own property too; such a value round-trips.
  const parsed = JSON.parse('{"__proto__":{"x":1},"a":2}') as Record<string, unknown>
  const back = decode(encode(parsed)) as Record<string, unknown>
  t.same(Object.keys(back), ['__proto__', 'a'])
  t.equal(sameValue(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, { x: 1 }), undefined)
  t.equal((back as { x?: unknown }).x, undefined)
  t.end()
})

t.test('a key index whose low byte is 0x7F ends the object, as upstream reads it (SPEC 2)', (t) => {
  // Index 383 = 7F 01 00 00: the 0x7F ends the object, the rest is trailing bytes.
  const table = Array.from({ length: 384 }, (_, i) => `k${i}`)
  const msg = message(table, w.obj([[383, w.small(1)]]))
  const e = thrownBy(() => decode(msg))
  t.ok(typeof e !== 'string' && e.code === 'TRAILING', `TRAILING (${typeof e === 'string' ? e : e.code})`)
  t.end()
})

t.test('TRAILING: bytes after the root value (SPEC 1)', (t) => {
  const msg = concat(message([], w.small(1)), 0x10)
  const e = thrownBy(() => decode(msg))
  t.ok(typeof e !== 'string' && e.code === 'TRAILING' && e.offset === 7, 'TRAILING at byte 7')
  t.end()
})

t.test('decode options are checked: BAD_OPTION', (t) => {
  const msg = encode(1)
  const bad: Array<Record<string, unknown>> = [
    { int64: 'nope' },
    { dates: 'iso' },
    { decimal: 'bigdecimal' },
    { float64Array: 'list' },
    { maxDepth: -1 },
    { maxDecompressedSize: -5 }
  ]
  for (const o of bad) t.equal(codeOf(() => decode(msg, o)), 'BAD_OPTION', JSON.stringify(o))
  t.end()
})

t.test('an empty table with a u32 key index 0 is BAD_KEY_INDEX, not a crash', (t) => {
  const e = thrownBy(() => decode(message([], w.obj([[0, w.small(1)]]))))
  t.ok(typeof e !== 'string' && e.code === 'BAD_KEY_INDEX' && e.offset >= 7 && e.offset <= 11, typeof e === 'string' ? e : `${e.code}@${e.offset}`)
  t.end()
})

t.test('a root value of each kind, with nothing after it, reads back', (t) => {
  for (const v of [null, true, false, 0, 7, 8, -1.5, '', 'x', [], {}, new Uint8Array(0), new Float64Array(0)]) {
    t.equal(sameValue(decode(encode(v)), v), undefined, Object.prototype.toString.call(v))
  }
  t.equal(codeOf(() => decode(concat(header([]), u32(0)))), 'UNKNOWN_TAG', 'a root starting with a zero byte')
  t.end()
})

t.test('lists that start with a number (read unboxed) hold any value after it, and fail as any list', (t) => {
  const values = [1.5, 2, -0, NaN, 2 ** 40, 'text', { a: [3, 'x'] }, [0.5, null], true, 15]
  t.equal(sameValue(decode(encode(values)), values), undefined, 'mixed after a float64')
  t.equal(sameValue(decode(encode([7, ...values])), [7, ...values]), undefined, 'mixed after a small int')
  t.equal(sameValue(decode(encode([2 ** 40, 1.5])), [2 ** 40, 1.5]), undefined, 'an int64 first')
  t.equal(sameValue(decode(encode([2n ** 60n, 1.5, 3])), [2n ** 60n, 1.5, 3]), undefined, 'a bigint first')
  t.equal(sameValue(decode(encode([5, 2 ** 40]), { int64: 'bigint' }), [5, 2n ** 40n]), undefined, 'int64 option inside')
  // Small ints 0x39..0x3F (read, never written) and the int64 tag 0x38 between them.
  t.equal(sameValue(decode(message([], w.list(4, w.small(15), w.int64(8n), w.small(9), w.f64(0.25)))), [15, 8, 9, 0.25]), undefined)
  // The same errors and offsets as the generic path: a float64 cut short (at its payload), a
  // count beyond the bytes left, an unknown tag.
  const cut = message([], w.list(2, w.f64(1.5), w.f64(2.5)))
  const short = message([], w.list(3, w.small(1), w.small(2)))
  const bad = message([], w.list(2, w.small(1), 0xee))
  for (const [msg, code, offset] of [
    [cut.subarray(0, cut.length - 1), 'TRUNCATED', cut.length - 8],
    // A count beyond the bytes left is refused at the count (4 bytes, then the two small ints).
    [short, 'TRUNCATED', short.length - 6],
    [bad, 'UNKNOWN_TAG', bad.length - 1],
  ] as const) {
    const e = thrownBy(() => decode(msg))
    t.equal(typeof e === 'string' ? e : `${e.code} at ${e.offset}`, `${code} at ${offset}`)
  }
  t.end()
})

t.test('short ASCII strings cut from a region of the message (src/utf8.ts readUtf8Region)', (t) => {
  // Strings of every length up to past REGION_STRING_MAX, far more bytes than one region holds,
  // with non-ASCII text and other values between them.
  const values: unknown[] = []
  for (let i = 0; i < 600; i++) {
    const n = i % 70
    values.push('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2).slice(0, n) + String(i))
    if (i % 7 === 0) values.push('é' + String(i), i, { k: 'v' + String(i) })
  }
  t.same(decode(encode(values)), values, 'every string back at every offset')
  t.end()
})

t.test('regression: a buffer decoded, changed in place and decoded again gives its new strings', (t) => {
  // The region is cut from the caller's bytes; a stale one would return the old text.
  const before = ['abcdefghijklmnopqrst', 'User 1', 'short']
  const after = ['ABCDEFGHIJKLMNOPQRST', 'USER 2', 'SHORT']
  const buf = Buffer.from(encode(before))
  t.same(decode(buf), before)
  buf.set(encode(after))
  t.same(decode(buf), after, 'after a decode that succeeded')
  // And after one that failed part way (an invalid byte in the last string).
  const bad = Buffer.from(encode(before))
  bad[bad.length - 1] = 0xff
  t.equal(codeOf(() => decode(bad)), 'BAD_UTF8')
  bad.set(encode(after))
  t.same(decode(bad), after, 'after a decode that failed')
  t.end()
})
