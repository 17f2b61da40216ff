/**
 * The option registry (src/options.ts, issue 15 item 3): every encode and decode option, a
 * value of each its rule accepts and values it refuses, through the registry's checks and
 * through encode / decode / decompress / Decompressor, which must use them; unknown keys are
 * ignored, as before; the registry's defaults are what the codec does without options; and the
 * checks compiled with `new Function` answer as the generic ones used where it is forbidden.
 */
import t from 'tap'
import { BFastError, decode, Decompressor, decompress, encode } from '../../src/index.js'
import type { DecodeOptions, EncodeOptions } from '../../src/index.js'
import {
  checkDecodeOptions, checkEncodeOptions, DECODE_OPTIONS, DEFAULT_MAX_DECOMPRESSED_SIZE, DEFAULT_MAX_DEPTH,
  describeRule, ENCODE_OPTIONS
} from '../../src/options.js'
import type { BooleanRule, EnumRule, IntegerRule, PositiveRule } from '../../src/options.js'
import { thrownBy } from '../helpers/thrown.js'
import { distSpecifier, moduleOutput } from '../helpers/child-module.js'

type Rule = EnumRule | BooleanRule | IntegerRule | PositiveRule

/** Values the rule accepts: every name, both booleans, the ends of a range, Infinity above a bound. */
function goodValues(rule: Rule): unknown[] {
  switch (rule.kind) {
    case 'enum':
      return [...rule.values]
    case 'boolean':
      return [true, false]
    case 'integer':
      return [rule.min, rule.min + 1, rule.max]
    case 'above':
      return [rule.above + 1e-9, rule.default, Infinity]
  }
}

/** Values the rule refuses: of the wrong type, just outside the range, or not a listed name. */
function badValues(rule: Rule): unknown[] {
  const wrongType = [null, {}, [], 1n]
  switch (rule.kind) {
    case 'enum':
      return [...wrongType, 'nope', rule.values[0]!.toUpperCase(), ` ${rule.values[0]!}`, 0, true]
    case 'boolean':
      return [...wrongType, 'true', 1, 0]
    case 'integer':
      return [...wrongType, rule.min - 1, rule.min + 0.5, rule.max + 2, Number.NaN, Infinity, String(rule.min)]
    case 'above':
      return [...wrongType, rule.above, rule.above - 1, Number.NaN, -Infinity, String(rule.default)]
  }
}

function codeAndMessage(fn: () => unknown): string {
  const e = thrownBy(fn)
  return typeof e === 'string' ? e : `${e.code}: ${e.message}`
}

const sample = {
  id: 2n ** 60n,
  when: new Date('2024-01-15T10:30:45.123Z'),
  bytes: Uint8Array.of(1, 2),
  v: Float64Array.of(0.5),
  list: [{ a: 1 }, { a: 2 }, { a: 3 }]
}

t.test('every encode option: accepted values pass, refused ones are BAD_OPTION naming the option and rule', (t) => {
  for (const [key, rule] of Object.entries(ENCODE_OPTIONS) as Array<[keyof EncodeOptions, Rule]>) {
    for (const good of goodValues(rule)) {
      t.doesNotThrow(() => checkEncodeOptions({ [key]: good }), `checkEncodeOptions ${key}: ${String(good)}`)
      t.doesNotThrow(() => encode(1, { [key]: good }), `encode ${key}: ${String(good)}`)
    }
    for (const bad of badValues(rule)) {
      const expected = `BAD_OPTION: option encode.${key} ${describeRule(rule)} (got `
      const what = `${key}: ${String(bad)}`
      t.ok(codeAndMessage(() => checkEncodeOptions({ [key]: bad })).startsWith(expected), `checkEncodeOptions ${what}`)
      t.ok(codeAndMessage(() => encode(sample, { [key]: bad } as EncodeOptions)).startsWith(expected), `encode ${what}`)
    }
  }
  t.end()
})

t.test('every decode option: accepted values pass, refused ones are BAD_OPTION naming the option and rule', (t) => {
  const message = encode(1)
  for (const [key, rule] of Object.entries(DECODE_OPTIONS) as Array<[keyof DecodeOptions, Rule]>) {
    for (const good of goodValues(rule)) {
      t.doesNotThrow(() => checkDecodeOptions({ [key]: good }), `checkDecodeOptions ${key}: ${String(good)}`)
      // A plain message is not bounded by maxDecompressedSize, so even 0 decodes it.
      t.doesNotThrow(() => decode(message, { [key]: good }), `decode ${key}: ${String(good)}`)
    }
    for (const bad of badValues(rule)) {
      const expected = `BAD_OPTION: option decode.${key} ${describeRule(rule)} (got `
      const what = `${key}: ${String(bad)}`
      t.ok(codeAndMessage(() => checkDecodeOptions({ [key]: bad })).startsWith(expected), `checkDecodeOptions ${what}`)
      const decoded = codeAndMessage(() => decode(message, { [key]: bad } as DecodeOptions))
      t.ok(decoded.startsWith(expected), `decode ${what}`)
    }
  }
  t.end()
})

t.test('the error names the option, what it accepts, and the value given', (t) => {
  t.equal(
    codeAndMessage(() => decode(encode(1), { int64: 'string' as 'auto' })),
    'BAD_OPTION: option decode.int64 must be one of \'auto\', \'number\', \'bigint\' (got "string") ' +
      '(BAD_OPTION at byte 0)'
  )
  t.equal(
    codeAndMessage(() => encode(1, { maxDepth: 0 })),
    'BAD_OPTION: option encode.maxDepth must be an integer from 1 to 9007199254740991 (got 0) (BAD_OPTION at byte 0)'
  )
  t.equal(
    codeAndMessage(() => decode(encode(1), { maxHeapPerByte: 0 })),
    'BAD_OPTION: option decode.maxHeapPerByte must be a number above 0 (Infinity switches the bound off) (got 0) ' +
      '(BAD_OPTION at byte 0)'
  )
  const e = thrownBy(() => checkDecodeOptions({ copyBinary: 'yes' }, 'request options.decode'))
  const named = 'option request options.decode.copyBinary must be a boolean (got "yes")'
  t.ok(e instanceof BFastError && e.offset === 0 && e.message.startsWith(named), 'the caller names the options')
  t.end()
})

t.test('options that are not an object are BAD_OPTION; undefined takes every default', (t) => {
  for (const bad of [null, 1, 'int64', true, 1n]) {
    const decoded = codeAndMessage(() => decode(encode(1), bad as DecodeOptions))
    t.match(decoded, /^BAD_OPTION: option decode must be an object or undefined/, `decode ${String(bad)}`)
    const encoded = codeAndMessage(() => encode(1, bad as EncodeOptions))
    t.match(encoded, /^BAD_OPTION: option encode must be an object or undefined/, `encode ${String(bad)}`)
  }
  t.doesNotThrow(() => checkDecodeOptions(undefined))
  t.doesNotThrow(() => checkEncodeOptions(undefined))
  t.end()
})

t.test('unknown keys are ignored, as before the registry (a typo is not an error in the codec)', (t) => {
  const message = encode(sample)
  const unknown = { int46: 'bigint', maxdepth: 0, tables: undefined, toString: 5 }
  t.doesNotThrow(() => checkDecodeOptions(unknown))
  t.doesNotThrow(() => checkEncodeOptions(unknown))
  t.same(decode(message, unknown as DecodeOptions), decode(message), 'decode: as without options')
  t.same(encode(sample, unknown as EncodeOptions), encode(sample), 'encode: the same bytes')
  t.end()
})

t.test("the registry's defaults are what the codec does without options", (t) => {
  const defaults = <R extends Record<string, Rule>>(registry: R): Record<string, unknown> =>
    Object.fromEntries(Object.entries(registry).map(([key, rule]) => [key, rule.default]))
  const plain = encode(sample)
  t.same(encode(sample, defaults(ENCODE_OPTIONS)), plain, 'encode: the same bytes')
  t.not(encode(sample, { tables: true }).length, plain.length, 'tables: true changes the bytes (the check can fail)')
  t.same(decode(plain, defaults(DECODE_OPTIONS)), decode(plain), 'decode: the same values')
  const when = (options?: DecodeOptions): string => typeof decode<{ when: unknown }>(plain, options).when
  t.not(when({ dates: 'string' }), when(), 'dates: string differs (the check can fail)')
  // The bounds' defaults, where each is the boundary.
  const deep = (n: number): unknown => (n === 0 ? null : [deep(n - 1)])
  t.doesNotThrow(() => decode(encode(deep(DEFAULT_MAX_DEPTH))), `${DEFAULT_MAX_DEPTH} levels decode`)
  const over = codeAndMessage(() => encode(deep(DEFAULT_MAX_DEPTH + 1)))
  t.equal(over.slice(0, 5), 'DEPTH', `${DEFAULT_MAX_DEPTH + 1} levels do not encode`)
  const claim = new Uint8Array(1 << 20)
  new DataView(claim.buffer).setUint32(0, DEFAULT_MAX_DECOMPRESSED_SIZE + 1, true)
  t.match(codeAndMessage(() => decompress(claim)), /^TOO_LARGE: .*limit of 67108864 bytes/, 'over 64 MiB: TOO_LARGE')
  t.end()
})

t.test('decompress and Decompressor check maxDecompressedSize with the same rule', (t) => {
  const rule = DECODE_OPTIONS.maxDecompressedSize
  for (const bad of badValues(rule)) {
    const options = { maxDecompressedSize: bad as number }
    const direct = codeAndMessage(() => decompress(encode(1), options))
    t.match(direct, /^BAD_OPTION: option decompress\.maxDecompressedSize/, `decompress ${String(bad)}`)
    const streaming = codeAndMessage(() => new Decompressor(options))
    t.match(streaming, /^BAD_OPTION: option Decompressor\.maxDecompressedSize/, `Decompressor ${String(bad)}`)
  }
  const withLength = { maxDecompressedSize: 0, expectedLength: 10 }
  t.doesNotThrow(() => new Decompressor(withLength), 'expectedLength: not a decode option')
  t.end()
})

t.test('where new Function is forbidden (CSP without unsafe-eval) the checks give the same answers', (t) => {
  // A real Node run with --disallow-code-generation-from-strings: the generic check instead of the compiled one.
  const options = distSpecifier('src/options.js')
  const script = `
import { checkDecodeOptions, checkEncodeOptions } from ${options}
let compiles = true
try { new Function('return 1') } catch { compiles = false }
const answer = (check, options) => {
  try { check(options); return 'ok' } catch (e) { return e.code + ': ' + e.message }
}
const cases = [{}, { int64: 'bigint', maxDepth: 3 }, { int64: 'string' }, { dates: 1 }, { copyBinary: 'yes' },
  { maxDepth: 0 }, { maxDecompressedSize: -1 }, { maxHeapPerByte: 0 }, { maxHeapPerByte: Infinity }, { tables: null },
  { onProtoPoisoning: 'remove', onConstructorPoisoning: 'drop' }, { unknown: 1 }, null]
const answers = cases.map((c) => [answer(checkDecodeOptions, c), answer(checkEncodeOptions, c)])
console.log(JSON.stringify({ compiles, answers }))
`
  const run = (flags: string[]): { compiles: boolean; answers: string[][] } => moduleOutput(script, flags)
  const csp = run(['--disallow-code-generation-from-strings'])
  const normal = run([])
  t.equal(csp.compiles, false, 'the flag forbids new Function')
  t.equal(normal.compiles, true)
  t.same(csp.answers, normal.answers, 'the same answers, refusals and messages')
  const refused = normal.answers.filter(([decoded]) => decoded!.startsWith('BAD_OPTION'))
  t.equal(refused.length, 9, 'nine refusals (the check can fail)')
  t.end()
})
