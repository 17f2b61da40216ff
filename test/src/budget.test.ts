/**
 * Issue 10 finding 3 (decode amplification) and must-have 2: the decode work budget
 * (SPEC 6, `maxHeapPerByte`). A 4 KiB LZ4 body that expands to 1 MiB of empty containers is
 * refused after its first few KiB; real data decodes well inside the default; the check counts
 * against the bytes read so far, so a long list is never refused before its elements are read.
 */
import t from 'tap'
import { BFastError, decode, encode } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import {
  DECODE_BUDGET_SLACK, HEAP_COST_LIST, HEAP_COST_OBJECT, HEAP_COST_SLOT, HEAP_COST_TYPED_ARRAY
} from '../../src/limits.js'
import { DEFAULT_MAX_HEAP_PER_BYTE } from '../../src/options.js'
import { codeOf, thrownBy } from '../helpers/thrown.js'
import { jsonFixture } from '../helpers/paths.js'
import { users } from '../helpers/tagged.js'

const MIB = 1 << 20

/** A message of about `size` bytes whose root list holds only `make()` values of `each` bytes. */
function flood(size: number, each: number, make: () => unknown): Uint8Array {
  return encode(Array.from({ length: Math.floor((size - 11) / each) }, make))
}

const floods: Array<[string, number, () => unknown]> = [
  ['empty objects', 2, () => ({})],
  ['empty float64 arrays', 5, () => new Float64Array(0)],
  ['empty byte arrays', 5, () => new Uint8Array(0)],
  ['objects holding an empty float64 array', 11, () => ({ a: new Float64Array(0) })]
]

t.test('finding 3: a ~4 KiB LZ4 body expanding to 1 MiB of empty containers is OVER_BUDGET within its first KiB of work', (t) => {
  for (const [name, each, make] of floods) {
    const message = flood(MIB, each, make)
    const body = compress(message)
    t.ok(body.length < 8 * 1024, `${name}: ${body.length}-byte body, ${message.length}-byte message`)
    const err = thrownBy(() => decode(body, { maxDecompressedSize: 2 * MIB }))
    if (!(err instanceof BFastError)) {
      t.fail(`${name}: ${err}`)
      continue
    }
    t.equal(err.code, 'OVER_BUDGET', `${name}: OVER_BUDGET`)
    // Refused while reading, not after: the bytes read when it stopped are bounded by the
    // slack over the excess cost per byte (at least 3 heap bytes per byte over the default).
    t.ok(err.offset < DECODE_BUDGET_SLACK / 3, `${name}: stopped at byte ${err.offset} of ${message.length}`)
    t.match(err.message, /maxHeapPerByte \(16\)/, `${name}: the message names the option`)
  }
  t.end()
})

t.test('finding 3: work per message byte stays under the budget for every container flood that decodes', (t) => {
  // Each of these builds less than the default per byte; decoding them must succeed.
  const cheap: Array<[string, number, () => unknown, number]> = [
    ['empty lists', 5, () => [], HEAP_COST_LIST + HEAP_COST_SLOT],
    ['small ints', 1, () => 1, HEAP_COST_SLOT],
    ['nulls', 1, () => null, HEAP_COST_SLOT],
    ['one-member objects', 7, () => ({ a: 0 }), HEAP_COST_OBJECT + HEAP_COST_SLOT]
  ]
  for (const [name, each, make, cost] of cheap) {
    t.ok(cost / each <= DEFAULT_MAX_HEAP_PER_BYTE, `${name}: ${cost / each} charged heap bytes per byte`)
    const message = flood(MIB, each, make)
    t.equal((decode(compress(message)) as unknown[]).length, Math.floor((MIB - 11) / each), `${name}: decodes whole`)
  }
  // And the floods above cost more than the default per byte: that is why they are refused.
  t.ok(HEAP_COST_OBJECT + HEAP_COST_SLOT > 2 * DEFAULT_MAX_HEAP_PER_BYTE, 'an empty object costs more than 2 bytes of budget')
  t.ok(HEAP_COST_TYPED_ARRAY + HEAP_COST_SLOT > 5 * DEFAULT_MAX_HEAP_PER_BYTE, 'an empty typed array costs more than 5 bytes of budget')
  t.end()
})

t.test('finding 3: real data decodes well inside the default budget', (t) => {
  const data: Array<[string, unknown]> = [
    ['users(10000)', users(10_000)],
    ['twitter.json', jsonFixture('twitter.json')],
    ['citm_catalog.json', jsonFixture('citm_catalog.json')]
  ]
  for (const [name, value] of data) {
    const message = encode(value)
    // A quarter of the default still suffices: real data sits far from the limit.
    t.doesNotThrow(() => decode(message, { maxHeapPerByte: DEFAULT_MAX_HEAP_PER_BYTE / 4 }), `${name}: decodes at a quarter of the default`)
    t.doesNotThrow(() => decode(compress(message)), `${name} compressed: decodes`)
  }
  t.end()
})

t.test('finding 3: small messages always decode (the slack), and Infinity switches the budget off', (t) => {
  const small = encode(Array.from({ length: 2000 }, () => ({})))
  t.equal((decode(small) as unknown[]).length, 2000, '2,000 empty objects (4 KB) fit in the slack')
  const big = flood(MIB, 2, () => ({}))
  t.equal(codeOf(() => decode(big)), 'OVER_BUDGET', 'plain 1 MiB of empty objects: OVER_BUDGET')
  t.equal((decode(big, { maxHeapPerByte: Infinity }) as unknown[]).length, Math.floor((MIB - 11) / 2), 'Infinity: decodes')
  t.equal((decode(big, { maxHeapPerByte: 40 }) as unknown[]).length, Math.floor((MIB - 11) / 2), '40 per byte: decodes')
  t.end()
})

t.test('finding 3: the budget option is validated', (t) => {
  for (const bad of [0, -1, Number.NaN, '16', null]) {
    t.equal(codeOf(() => decode(encode(1), { maxHeapPerByte: bad as number })), 'BAD_OPTION', `maxHeapPerByte ${String(bad)}`)
  }
  t.end()
})
