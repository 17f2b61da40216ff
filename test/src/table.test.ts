/**
 * BFastTable (src/table.ts, SPEC 8): arrays of records written with `tables: true` read back
 * exactly as the v1 list would (same values, same decode options), through every accessor;
 * JSON.stringify(table) is JSON.stringify(rows); numeric columns are zero-copy views.
 */
import t from 'tap'
import fc from 'fast-check'
import { BFastError, BFastTable, decode, encode } from '../../src/index.js'
import type { DecodeOptions } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import { materialize, sameValue, users } from '../helpers/tagged.js'
import { recordsArb } from '../helpers/table-cases.js'

const SEED = 0x7ab1e
const RUNS = 500

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() }
  } catch (err) {
    return err instanceof BFastError ? { code: err.code } : { other: String(err) }
  }
}

t.test('users-10k: a table with typed columns, every accessor', (t) => {
  const rows = users(10_000)
  const bytes = encode(rows, { tables: true })
  const table = decode<BFastTable<(typeof rows)[number]>>(bytes)
  t.ok(table instanceof BFastTable)
  t.equal(table.length, 10_000)
  t.same(table.columnNames, ['id', 'name', 'email', 'active', 'scores'])
  t.equal(sameValue(table.get(1234), rows[1234]), undefined, 'get(i) is row i')
  t.equal(sameValue(table.toArray(), rows), undefined, 'toArray() is the rows')
  t.equal(sameValue([...table], rows), undefined, 'iteration gives the rows')
  t.equal(JSON.stringify(table), JSON.stringify(rows), 'JSON.stringify(table) === JSON.stringify(rows)')
  const ids = table.column('id')
  t.ok(ids instanceof Int32Array, 'an int32 column is an Int32Array')
  t.equal((ids as Int32Array).buffer, bytes.buffer, 'a zero-copy view on the message')
  t.equal((ids as Int32Array)[9999], 9999)
  t.same(table.column('active')?.slice(0, 3), [true, false, true])
  t.same(table.column('scores')?.[2], [3, 5, 99.9])
  t.equal(table.column('nope'), undefined)
  t.throws(() => table.get(10_000), RangeError)
  t.throws(() => table.get(-1), RangeError)
  t.throws(() => table.get(1.5), RangeError)
  t.ok(bytes.length < Buffer.byteLength(JSON.stringify(rows)) * 0.7, `size ${bytes.length} <= 0.7x JSON`)
  t.end()
})

t.test('a misaligned message still reads (columns are copied, not viewed)', (t) => {
  const rows = users(100)
  const bytes = encode(rows, { tables: true })
  const shifted = new Uint8Array(bytes.length + 1).subarray(1)
  shifted.set(bytes)
  const table = decode<BFastTable>(shifted)
  const ids = table.column('id') as Int32Array
  t.not(ids.buffer, shifted.buffer, 'a copy')
  t.equal(ids[99], 99)
  t.equal(sameValue(table.toArray(), rows), undefined)
  t.end()
})

t.test('compressed messages hold tables too', (t) => {
  const rows = users(3000)
  const table = decode<BFastTable>(compress(encode(rows, { tables: true })))
  t.equal(sameValue(table.toArray(), rows), undefined)
  t.end()
})

t.test('arbitrary records: the table reads back as the v1 list does, under every decode option', (t) => {
  const optionSets: DecodeOptions[] = [
    {}, { int64: 'bigint' }, { int64: 'number' }, { dates: 'string' }, { copyBinary: true }, { float64Array: 'array' }
  ]
  t.doesNotThrow(() => {
    fc.assert(fc.property(recordsArb, fc.constantFrom(...optionSets), fc.boolean(), (rows, options, nest) => {
      const value = nest ? { rows, more: [rows, 1] } : rows
      const v1 = outcome(() => decode(encode(value), options))
      const tabled = outcome(() => materialize(decode(encode(value, { tables: true }), options)))
      const diff = sameValue(tabled, v1)
      if (diff !== undefined) throw new Error(`${diff} (options ${JSON.stringify(options)})`)
    }), { seed: SEED, numRuns: RUNS })
  })
  t.end()
})

t.test('arbitrary records: get(i), iteration and column() agree with toArray()', (t) => {
  t.doesNotThrow(() => {
    fc.assert(fc.property(recordsArb, (rows) => {
      const table = decode(encode(rows, { tables: true }))
      // Rows whose kept keys come in conflicting orders are a v1 list (table-writer.test.ts).
      if (!(table instanceof BFastTable)) return
      const all = table.toArray()
      for (let i = 0; i < table.length; i++) {
        const diff = sameValue(table.get(i), all[i])
        if (diff !== undefined) throw new Error(`get(${i}): ${diff}`)
      }
      const diff = sameValue([...table], all)
      if (diff !== undefined) throw new Error(`iteration: ${diff}`)
      for (const name of table.columnNames) {
        const col = table.column(name) as ArrayLike<unknown>
        for (let i = 0; i < table.length; i++) {
          const cell = Object.prototype.hasOwnProperty.call(all[i], name) ? (all[i] as Record<string, unknown>)[name] : undefined
          const v = col[i]
          // Typed views hold the stored numbers; bigint mode is not in play here.
          const d = sameValue(typeof v === 'bigint' && typeof cell === 'number' ? Number(v) : v, cell)
          if (d !== undefined) throw new Error(`column(${name})[${i}]: ${d}`)
        }
      }
    }), { seed: SEED, numRuns: RUNS })
  })
  t.end()
})

t.test('JSON.stringify(table) equals JSON.stringify of the rows, bigint TypeError included', (t) => {
  const same = (actual: unknown, expected: unknown): boolean => {
    const e = expected as { value?: string; other?: string }
    const a = actual as { value?: string; other?: string }
    return e.value !== undefined ? a.value === e.value : a.other === e.other
  }
  t.doesNotThrow(() => {
    fc.assert(fc.property(recordsArb, fc.constantFrom<DecodeOptions>({}, { int64: 'bigint' }), (rows, options) => {
      const bytes = encode(rows, { tables: true })
      const actual = outcome(() => JSON.stringify(decode(bytes, options)))
      // The plain rows v1 decodes (a bigint there is a TypeError from JSON itself) ...
      const plain = outcome(() => JSON.stringify(decode(encode(rows), options)))
      if (!same(actual, plain)) throw new Error(`JSON differs: ${JSON.stringify(actual).slice(0, 300)} vs ${JSON.stringify(plain).slice(0, 300)}`)
      // ... and, with the default options, where JSON can write them, the rows that were sent.
      const sent = outcome(() => JSON.stringify(rows))
      if (options.int64 === undefined && (sent as { value?: string }).value !== undefined && !same(actual, sent)) throw new Error('JSON differs from the rows sent')
    }), { seed: SEED, numRuns: RUNS })
  })
  const withBigint = decode(encode([{ a: 1n << 62n }], { tables: true }))
  t.throws(() => JSON.stringify(withBigint), TypeError, 'a bigint cell: the TypeError JSON.stringify(rows) throws')
  t.end()
})

t.test('the special values of SPEC 5 survive in every column type', (t) => {
  const when = new Date('2024-01-15T10:30:45.123Z')
  const rows = [
    { i: 1, f: -0, b: 1n << 60n, s: 'é', ok: true, d: when, bytes: new Uint8Array([1, 2]), v: new Float64Array([0.5]), l: [1.5, NaN] },
    { i: null, f: NaN, b: -5n, s: null, ok: null, d: null, bytes: null, v: null, l: null },
    { f: Infinity, gone: undefined, l: [] }
  ]
  const back = decode<BFastTable>(encode(rows, { tables: true })).toArray()
  t.equal(sameValue(back, decode(encode(rows))), undefined)
  t.ok(Object.is(back[0].f, -0), '-0')
  t.ok(Number.isNaN(back[1].f), 'NaN')
  t.equal(back[0].b, 1n << 60n, 'bigint')
  t.equal(back[1].b, -5, 'a safe int64 is a number by default, as in v1')
  t.ok(back[0].d instanceof Date && (back[0].d as Date).getTime() === when.getTime(), 'Date')
  t.notOk('i' in back[2], 'a missing key stays missing')
  t.notOk('gone' in back[2], 'an undefined member is left out, as JSON does')
  t.equal(back[1].i, null, 'null stays null')
  t.end()
})

t.test('a __proto__ column is an own property and never a prototype', (t) => {
  const rows = JSON.parse('[{"__proto__": {"polluted": 1}, "a": 1}, {"__proto__": {"polluted": 2}, "a": 2}]') as object[]
  const table = decode<BFastTable>(encode(rows, { tables: true }))
  t.ok(table instanceof BFastTable)
  for (const row of [table.get(0), ...table.toArray(), ...table]) {
    t.equal(Object.getPrototypeOf(row), Object.prototype)
    t.ok(Object.prototype.hasOwnProperty.call(row, '__proto__'))
    t.equal((row as { polluted?: number }).polluted, undefined)
  }
  t.equal(({} as { polluted?: number }).polluted, undefined)
  t.end()
})

t.test('decode options reach lazily read cells and maxDepth holds as in v1', (t) => {
  const rows = [{ n: 2 ** 40, d: new Date(0), deep: [[[1]]] }]
  const bytes = encode(rows, { tables: true })
  const table = decode<BFastTable>(bytes, { int64: 'bigint', dates: 'string' })
  t.equal(table.get(0).n, 2n ** 40n)
  t.equal(table.get(0).d, '1970-01-01T00:00:00.000+00:00')
  for (let maxDepth = 1; maxDepth <= 6; maxDepth++) {
    const v1 = outcome(() => decode(encode(rows), { maxDepth }))
    const tabled = outcome(() => materialize(decode(bytes, { maxDepth })))
    t.equal(sameValue(tabled, v1), undefined, `maxDepth ${maxDepth}`)
  }
  t.end()
})

t.test('poisoning options reach objects inside cells, as in v1 (SPEC 5, 6)', (t) => {
  const rows = [{ a: JSON.parse('{"__proto__": {"x": 1}, "k": 1}') as unknown }, { a: 2 }]
  const bytes = encode(rows, { tables: true })
  for (const action of ['error', 'remove'] as const) {
    const v1 = outcome(() => decode(encode(rows), { onProtoPoisoning: action }))
    const tabled = outcome(() => materialize(decode(bytes, { onProtoPoisoning: action })))
    t.equal(sameValue(tabled, v1), undefined, action)
  }
  t.end()
})
