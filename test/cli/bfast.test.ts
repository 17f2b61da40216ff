/**
 * The `bfast` command (cli/bfast.ts), spawned as built (dist/cli/bfast.js) with real pipes:
 * encode then inspect prints the JSON it was given, plain and LZ4; every special value prints in
 * its documented `$`-form and reads back; bad input gets one line on stderr and a non-zero exit.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { encode } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import { ROOT } from '../helpers/paths.js'

const CLI = path.join(ROOT, 'dist', 'cli', 'bfast.js')

function bfast(args: string[], input?: Uint8Array | string): { status: number | null; stdout: Buffer; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', timeout: 30_000 })
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString('utf8') }
}

t.test('encode | inspect - prints the same JSON, plain and with --lz4', async (t) => {
  for (const json of ['{"a":[1,2.5]}', '{"users":[{"id":1,"name":"Ada","tags":["x","y"],"ok":true,"none":null}],"n":-7}']) {
    for (const flags of [[], ['--lz4']]) {
      const encoded = bfast(['encode', ...flags], json)
      t.equal(encoded.status, 0, encoded.stderr)
      t.equal(encoded.stdout.subarray(0, 2).toString('latin1') === 'BF', flags.length === 0, `${json} ${flags.join(' ')}: "BF" starts plain messages only`)
      const inspected = bfast(['inspect', '-'], encoded.stdout)
      t.equal(inspected.status, 0, inspected.stderr)
      t.equal(inspected.stdout.toString('utf8'), `${json}\n`, `${json} ${flags.join(' ')}`)
    }
  }
})

t.test('a large message compressed with --lz4 is smaller and inspects back', async (t) => {
  const json = JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `user ${i}` })) })
  const plain = bfast(['encode'], json)
  const lz4 = bfast(['encode', '--lz4'], json)
  t.ok(lz4.stdout.length < plain.stdout.length / 2, `${lz4.stdout.length} < ${plain.stdout.length} / 2`)
  t.equal(bfast(['inspect', '-'], lz4.stdout).stdout.toString('utf8'), `${json}\n`)
})

t.test('special values print in their documented $-forms, from a file, and encode back', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfast-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const value = {
    at: new Date('2024-05-01T12:00:00.000Z'),
    big: 2n ** 60n + 1n,
    bytes: new Uint8Array([0, 1, 254, 255]),
    samples: new Float64Array([1.5, -0, Number.NaN]),
    odd: [Number.POSITIVE_INFINITY, -0, 3],
  }
  const expected = {
    at: { $date: '2024-05-01T12:00:00.000Z' },
    big: { $bigint: '1152921504606846977' },
    bytes: { $bytes: 'AAH+/w==' },
    samples: { $float64: [1.5, { $number: '-0' }, { $number: 'NaN' }] },
    odd: [{ $number: 'Infinity' }, { $number: '-0' }, 3],
  }
  for (const [name, bytes] of [['plain', encode(value)], ['lz4', compress(encode(value))]] as const) {
    const file = path.join(dir, `${name}.bfast`)
    writeFileSync(file, bytes)
    const inspected = bfast(['inspect', file])
    t.equal(inspected.status, 0, inspected.stderr)
    t.same(JSON.parse(inspected.stdout.toString('utf8')), expected, `${name}: $-forms`)
    const pretty = bfast(['inspect', file, '--pretty']).stdout.toString('utf8')
    t.equal(pretty, `${JSON.stringify(expected, null, 2)}\n`, `${name}: --pretty indents`)
  }
  const again = bfast(['encode'], JSON.stringify(expected))
  t.equal(again.status, 0, again.stderr)
  t.same(Buffer.from(again.stdout), Buffer.from(encode(value)), 'encode reads the $-forms back: byte for byte the same message')
})

t.test('bad input: one line on stderr, exit 1; bad usage: exit 2', async (t) => {
  const cases: [string, string[], string | Uint8Array, RegExp, number][] = [
    ['garbage bytes', ['inspect', '-'], 'not b-fast at all', /^bfast: .*\([A-Z_]+ at byte \d+\)\n$/, 1],
    ['a truncated message', ['inspect', '-'], encode({ a: 'hello' }).subarray(0, 9), /^bfast: .*TRUNCATED at byte \d+\)\n$/, 1],
    ['empty input', ['inspect', '-'], '', /^bfast: .*\n$/, 1],
    ['a missing file', ['inspect', '/nonexistent/x.bfast'], '', /^bfast: cannot read \/nonexistent\/x\.bfast: .*\n$/, 1],
    ['JSON that does not parse', ['encode'], '{"a":', /^bfast: stdin is not JSON: .*\n$/, 1],
    ['a bad $-form', ['encode'], '{"d":{"$date":"yesterday"}}', /^bfast: bad input: \$\.d\.\$date: not an ISO date-time string\n$/, 1],
    ['a lone surrogate', ['encode'], '"\\ud800"', /^bfast: .*LONE_SURROGATE.*\n$/, 1],
    ['no command', [], '', /^bfast: usage: bfast inspect/, 2],
    ['an unknown flag', ['encode', '--gzip'], '', /^bfast: usage: /, 2],
  ]
  for (const [name, args, input, stderr, status] of cases) {
    const run = bfast(args, input)
    t.equal(run.status, status, `${name}: exit ${status}`)
    t.match(run.stderr, stderr, `${name}: ${JSON.stringify(run.stderr)}`)
    t.equal(run.stderr.split('\n').length, 2, `${name}: one line`)
    t.equal(run.stdout.length, 0, `${name}: nothing on stdout`)
  }
})
