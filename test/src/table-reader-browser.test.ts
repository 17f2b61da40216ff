/**
 * The table reader as a browser runs it: the codec loaded while no global `Buffer` exists, so
 * src/table-reader.ts asciiStrings makes the texts of a column of more than TABLE_READ_BLOCK items
 * with its WebAssembly module where the JS String Builtins run (WASM_TEXT; Node 22 and later here),
 * else with String.fromCharCode.apply (appliedAscii, ASCII_CHUNK_APPLY bytes a text), smaller ones
 * with TextDecoder (readAscii), instead of Node's latin1Slice; both large-column paths are tested
 * (allowWasmTexts). Rows equal the v1 decode of the
 * same rows (above the 32,768 rows of a u16 index, and across TABLE_READ_BLOCK blocks), cells
 * across texts and blocks read as sent, hostile offsets and non-ASCII bytes behind an ASCII flag
 * are refused or decoded as in Node, also where `new Function` is forbidden.
 * Nothing in this file imports the codec statically (test/helpers/browser-codec.ts).
 */
import t, { type Test } from 'tap'
import { codecWithoutBuffer } from '../helpers/browser-codec.js'

const codec = await codecWithoutBuffer()
const { decode, encode } = codec
type Table = import('../../src/index.js').BFastTable
const { TABLE_READ_BLOCK } = await import('../../src/limits.js')
const { allowWasmTexts } = await import('../../src/table-reader.js')
/** Whether this Node's V8 runs WASM_TEXT (the JS String Builtins: Node 22 and later). */
const WASM = allowWasmTexts(true)
const { users } = await import('../../examples/data.js')
const { failure } = await import('../helpers/thrown.js')
const { distSpecifier, moduleOutput } = await import('../helpers/child-module.js')
const { COL_STRING, stringParts, tableMessage, u32s } = await import('../helpers/table-cases.js')

const ASCII = 0x04
/** asciiStrings' text size in browsers (src/table-reader.ts ASCII_CHUNK_APPLY). */
const TEXT = 8192

t.test('the codec really loaded without Buffer', (t) => {
  t.equal(Object.getPrototypeOf(encode(1)), Uint8Array.prototype)
  t.end()
})

t.test('regression: in browsers toArray makes its ASCII texts in the V8 heap, not with TextDecoder', (t) => {
  // Chromium returns TextDecoder's strings as external strings whose bytes Blink allocates outside
  // the V8 heap: users-100k toArray faulted ~800 pages a call after a full GC (PERFORMANCE-NOTES
  // "Table toArray at 100,000 rows in Chromium"). Cells no longer than a text never reach it now.
  const rows = users(40_000)
  const bytes = encode(rows, { tables: true })
  const decodeText = TextDecoder.prototype.decode
  let calls = 0
  TextDecoder.prototype.decode = function (this: TextDecoder, ...args: Parameters<TextDecoder['decode']>): string {
    calls++
    return decodeText.apply(this, args)
  }
  let out: unknown[]
  try {
    out = decode<Table>(bytes).toArray()
  } finally {
    TextDecoder.prototype.decode = decodeText
  }
  t.equal(calls, 0, 'no TextDecoder call')
  t.equal(JSON.stringify(out), JSON.stringify(rows), 'the rows sent')
  t.same(out, decode(encode(rows)), 'the rows v1 decode returns')
  t.end()
})

/** A table of one ascii-flagged string column `name` (hand-built: the flag is not trusted). */
function nameTable(values: readonly string[]): Uint8Array {
  return tableMessage({
    keys: ['name'], rows: values.length, columns: [{ key: 0, type: COL_STRING, flags: ASCII, parts: stringParts(values) }]
  }).bytes
}

/**
 * Runs `fn` on each text path of a large column this Node has (WASM_TEXT where the JS String
 * Builtins run, then the apply texts), labelled, and leaves WASM_TEXT allowed again.
 */
function eachTextPath(fn: (mode: string) => void): void {
  try {
    for (const wasm of WASM ? [true, false] : [false]) {
      allowWasmTexts(wasm)
      fn(wasm ? 'WebAssembly texts' : 'apply texts')
    }
  } finally {
    allowWasmTexts(true)
  }
}

/** Every read of nameTable(values) against the values: toArray, column, and get(i) at each index of `at` it has. */
function readsAsSent(t: Test, label: string, values: readonly string[], at: readonly number[]): void {
  const bytes = nameTable(values)
  const rows = values.map((value) => ({ name: value }))
  t.same(decode<Table>(bytes).toArray(), rows, `${label}: toArray`)
  t.same(decode<Table>(bytes).column('name'), values, `${label}: column`)
  const table = decode<Table>(bytes)
  for (const i of at.filter((i) => i < values.length)) t.same(table.get(i), rows[i], `${label}: get(${i})`)
}

t.test('ascii columns of many texts: cells across texts and blocks, long and empty cells, non-ASCII late', (t) => {
  eachTextPath((mode) => {
    const many = Array.from({ length: TABLE_READ_BLOCK + 4000 }, (_, i) => `cell ${i} ${'x'.repeat(i % 37)}`)
    // Cells of 8 bytes: texts end exactly on a cell, TEXT / 8 cells a text.
    const even = Array.from({ length: TABLE_READ_BLOCK + 3 * TEXT / 8 + 3 }, (_, i) => String(i % 10_000_000).padStart(8, '0'))
    const columns: Record<string, string[]> = {
      'ascii, texts and blocks': many,
      'cells ending exactly at a text boundary': even,
      'a cell of exactly one text, one longer, one a byte longer': [...many.slice(0, 900), 'a'.repeat(TEXT), 'b'.repeat(3 * TEXT + 5), 'c'.repeat(TEXT + 1), ...many.slice(900)],
      'a long cell first, empty cells between': ['z'.repeat(70_000), '', ...many, '', ''],
      'a small table (TextDecoder texts)': many.slice(0, 3000),
      'non-ASCII in the last cell': [...many.slice(0, -1), 'caf\u00e9'],
      'non-ASCII in a middle cell of a later block': [...many.slice(0, TABLE_READ_BLOCK + 5), '\u00ff', ...many.slice(TABLE_READ_BLOCK + 5)],
      'non-ASCII in a long cell': [...many.slice(0, 300), 'd'.repeat(TEXT) + '\u00e9', ...many.slice(300)]
    }
    for (const [name, values] of Object.entries(columns)) {
      readsAsSent(t, `${mode}, ${name}`, values, [0, 1, 900, 901, 902, 1023, 1024, TABLE_READ_BLOCK, values.length - 1])
    }
  })
  t.end()
})

/** Calls of String.fromCharCode.apply with more than `min` arguments (a text, not one cell) while `fn` runs. */
function textApplies<R>(fn: () => R, min = 256): { calls: number; result: R } {
  const apply = Function.prototype.apply
  let calls = 0
  const counting = function (this: (...a: unknown[]) => unknown, self: unknown, args?: unknown): unknown {
    if (this === String.fromCharCode && Array.isArray(args) && args.length > min) calls++
    return Reflect.apply(this, self, (args ?? []) as unknown[])
  }
  Reflect.defineProperty(Function.prototype, 'apply', { value: counting, writable: true, configurable: true })
  try {
    return { result: fn(), calls }
  } finally {
    Reflect.defineProperty(Function.prototype, 'apply', { value: apply, writable: true, configurable: true })
  }
}

t.test('regression: where WebAssembly has the JS String Builtins, its texts replace the applies', { skip: WASM ? false : 'no JS String Builtins in this Node' }, (t) => {
  // String.fromCharCode.apply cost ~2 ns a byte in Chromium, WASM_TEXT ~0.7 (PERFORMANCE-NOTES "Table
  // toArray at 100,000 rows in Chromium, second pass"): users-100k toArray 0.60x -> 0.40x v1 decode.
  const rows = users(40_000)
  const made = textApplies(() => decode<Table>(encode(rows, { tables: true })).toArray(), 0)
  t.equal(made.calls, 0, 'no apply of fromCharCode at all')
  t.equal(JSON.stringify(made.result), JSON.stringify(rows), 'the rows sent')
  t.same(made.result, decode(encode(rows)), 'the rows v1 decode returns')
  t.end()
})

t.test('no WebAssembly (or no JS String Builtins, or a CSP that forbids compiling it): the apply texts, the same rows', (t) => {
  const wasm = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly') as PropertyDescriptor
  Reflect.deleteProperty(globalThis, 'WebAssembly')
  let available: boolean
  try {
    available = allowWasmTexts(true)
  } finally {
    Object.defineProperty(globalThis, 'WebAssembly', wasm)
  }
  t.teardown(() => allowWasmTexts(true))
  t.equal(available, false, 'not used')
  const rows = users(20_000)
  const made = textApplies(() => decode<Table>(encode(rows, { tables: true })).toArray())
  t.ok(made.calls > 0, 'texts made by apply')
  t.same(made.result, decode(encode(rows)), 'the rows v1 decode returns')
  // A compile that throws (what a Content-Security-Policy without 'wasm-unsafe-eval' does).
  const Module = WebAssembly.Module
  Reflect.defineProperty(WebAssembly, 'Module', {
    value: function refused(): never { throw new WebAssembly.CompileError('refused by CSP') }, writable: true, configurable: true
  })
  try {
    available = allowWasmTexts(true)
  } finally {
    Reflect.defineProperty(WebAssembly, 'Module', { value: Module, writable: true, configurable: true })
  }
  t.equal(available, false, 'not used where compiling throws')
  t.same(decode<Table>(encode(rows, { tables: true })).toArray(), decode(encode(rows)), 'the same rows')
  t.end()
})

t.test('regression: in browsers a large column of short cells makes each cell from its bytes, not a text', (t) => {
  // Cells under 13 bytes (V8's SlicedString::kMinLength) are copied out of a text by substring:
  // the text was made for nothing (PERFORMANCE-NOTES "Table toArray at 100,000 rows in Chromium,
  // second pass"). users' names ("User 12345") are; their e-mails (17-21 bytes) still get texts.
  // Where WebAssembly makes the texts (WASM_TEXT), the names get texts again: that path is the next test's.
  allowWasmTexts(false)
  t.teardown(() => allowWasmTexts(true))
  const rows = users(40_000)
  const names = rows.map((r) => ({ name: r.name }))
  const short = textApplies(() => decode<Table>(encode(names, { tables: true })).toArray())
  t.equal(short.calls, 0, 'no text made for the names')
  t.same(short.result, names, 'the names sent')
  const emails = rows.map((r) => ({ email: r.email }))
  const long = textApplies(() => decode<Table>(encode(emails, { tables: true })).toArray())
  t.ok(long.calls > 0, 'texts made for the e-mails')
  t.same(long.result, emails, 'the e-mails sent')
  const all = decode<Table>(encode(rows, { tables: true })).toArray()
  t.same(all, decode(encode(rows)), 'the rows v1 decode returns')
  t.end()
})

t.test('short cells one by one: empty, one and 12-byte cells, a long cell among them, non-ASCII behind the flag', (t) => {
  eachTextPath((mode) => {
    const short = Array.from({ length: TABLE_READ_BLOCK + 5000 }, (_, i) => String(i).slice(0, 1 + (i % 12)))
    const columns: Record<string, string[]> = {
      'short cells across blocks': short,
      'empty cells': short.map((v, i) => (i % 7 === 0 ? '' : v)),
      'long cells among short ones': short.map((v, i) => (i % 5000 === 17 ? 'L'.repeat(300 + i % 9000) : v)),
      'non-ASCII in a short cell of a later block': [...short.slice(0, TABLE_READ_BLOCK + 9), 'Zo\u00eb', '\u00ff', ...short.slice(TABLE_READ_BLOCK + 9)],
      // 16-byte cells (not short): texts of TEXT bytes end exactly on a cell.
      'cells of 16 bytes ending exactly at a text boundary': Array.from({ length: TABLE_READ_BLOCK + 3 * TEXT / 16 + 3 }, (_, i) => String(i).padStart(16, '0'))
    }
    for (const [name, values] of Object.entries(columns)) {
      readsAsSent(t, `${mode}, ${name}`, values, [0, 1, 900, TABLE_READ_BLOCK - 1, TABLE_READ_BLOCK, TABLE_READ_BLOCK + 9, values.length - 1])
    }
  })
  t.end()
})

t.test('short cells: invalid UTF-8 behind the ascii flag, and hostile offsets, refused at the offset get() names', (t) => {
  eachTextPath((mode) => {
    const values = Array.from({ length: TABLE_READ_BLOCK + 3000 }, (_, i) => `u${i % 1000}`)
    const [[offsetPart], [heapPart]] = stringParts(values) as [[Uint8Array], [Uint8Array]]
    const offsets = [0]
    for (const v of values) offsets.push(offsets[offsets.length - 1] + v.length)
    for (const row of [5, TABLE_READ_BLOCK + 7]) {
      const heap = heapPart.slice()
      heap[offsets[row] + 1] = 0xc0 // an overlong lead byte: never valid UTF-8
      const { bytes } = tableMessage({
        keys: ['name'], rows: values.length, columns: [{ key: 0, type: COL_STRING, flags: ASCII, parts: [[offsetPart], [heap]] }]
      })
      const expected = failure(() => decode<Table>(bytes).get(row))
      t.match(expected, /^BAD_UTF8@/, `${mode}, row ${row}: get() refuses it`)
      t.equal(failure(() => decode<Table>(bytes).toArray()), expected, `${mode}, row ${row}: toArray`)
      t.equal(failure(() => decode<Table>(bytes).column('name')), expected, `${mode}, row ${row}: column`)
    }
    const heapLength = offsets[offsets.length - 1]
    const OFFSETS = 32
    for (const [name, row, value] of [
      ['out of order', 6000, 1], ['past the heap', 7000, heapLength + 1], ['out of order, first row of a block', TABLE_READ_BLOCK + 1, 2]
    ] as const) {
      const bad = offsets.slice()
      bad[row] = value
      const { bytes, root } = tableMessage({
        keys: ['name'], rows: values.length, columns: [{ key: 0, type: COL_STRING, flags: ASCII, parts: [[u32s(bad)], [heapPart]] }]
      })
      const expected = `BAD_TABLE@${root + OFFSETS + 4 * row}`
      t.equal(failure(() => decode<Table>(bytes).toArray()), expected, `${mode}, ${name}: toArray`)
      t.equal(failure(() => decode<Table>(bytes).column('name')), expected, `${mode}, ${name}: column`)
    }
  })
  t.end()
})

t.test('an apply that throws (no stack left) falls back to TextDecoder: the same rows', (t) => {
  allowWasmTexts(false)
  t.teardown(() => allowWasmTexts(true))
  const values = Array.from({ length: TABLE_READ_BLOCK + 100 }, (_, i) => `user${i}@example.com`)
  const bytes = nameTable(values)
  const apply = Function.prototype.apply
  let thrown = 0
  const refusing = function (this: (...a: unknown[]) => unknown, self: unknown, args?: unknown): unknown {
    if (this === String.fromCharCode && Array.isArray(args) && args.length > 256) {
      thrown++
      throw new RangeError('Maximum call stack size exceeded')
    }
    return Reflect.apply(this, self, (args ?? []) as unknown[])
  }
  Reflect.defineProperty(Function.prototype, 'apply', { value: refusing, writable: true, configurable: true })
  let out: unknown[]
  try {
    out = decode<Table>(bytes).toArray()
  } finally {
    Reflect.defineProperty(Function.prototype, 'apply', { value: apply, writable: true, configurable: true })
  }
  t.ok(thrown > 0, 'the apply was refused')
  t.same(out, values.map((name) => ({ name })))
  t.end()
})

t.test('offsets out of order or past the heap in a later text and block of an ascii column', (t) => {
  eachTextPath((mode) => {
    const values = Array.from({ length: TABLE_READ_BLOCK + 3000 }, (_, i) => `cell ${i} ${'x'.repeat(i % 37)}`)
    const heapLength = values.reduce((sum, v) => sum + v.length, 0)
    // One column: directory 12..28, so its region (the offsets) starts 32 bytes into the table.
    const OFFSETS = 32
    for (const [name, row, value] of [
      ['out of order', 6000, 1], ['past the heap', 7000, heapLength + 1],
      ['out of order, first row of a block', TABLE_READ_BLOCK + 1, 2], ['past the heap, last row', values.length, heapLength + 1]
    ] as const) {
      const offsets = [0]
      for (const v of values) offsets.push(offsets[offsets.length - 1] + v.length)
      offsets[row] = value
      const { bytes, root } = tableMessage({
        keys: ['name'], rows: values.length, columns: [{ key: 0, type: COL_STRING, flags: ASCII, parts: [[u32s(offsets)], stringParts(values)[1]] }]
      })
      const expected = `BAD_TABLE@${root + OFFSETS + 4 * row}`
      t.equal(failure(() => decode<Table>(bytes).toArray()), expected, `${mode}, ${name}: toArray`)
      t.equal(failure(() => decode<Table>(bytes).column('name')), expected, `${mode}, ${name}: column`)
    }
  })
  t.end()
})

t.test('without Buffer and without new Function (a browser page whose CSP forbids it): the same rows', (t) => {
  const script = `
Reflect.deleteProperty(globalThis, 'Buffer')
const { decode, encode } = await import(${distSpecifier('src/index.js')})
const { users } = await import(${distSpecifier('examples/data.js')})
let compiles = true
try { new Function('return 1') } catch { compiles = false }
const rows = users(40000)
rows[33000].name = 'Zo\\u00eb'
const out = decode(encode(rows, { tables: true })).toArray()
console.log(JSON.stringify({ compiles, buffer: typeof globalThis.Buffer, same: JSON.stringify(out) === JSON.stringify(rows), plain: out.every((r) => Object.getPrototypeOf(r) === Object.prototype) }))
`
  const run = moduleOutput<{ compiles: boolean; buffer: string; same: boolean; plain: boolean }>(script, ['--disallow-code-generation-from-strings'])
  t.same(run, { compiles: false, buffer: 'undefined', same: true, plain: true })
  t.end()
})
