#!/usr/bin/env node
/**
 * `bfast`: B-FAST from a shell (issue 13 item 6).
 *
 *   bfast inspect FILE|-        print a message (plain or LZ4-compressed) as JSON
 *   bfast encode [--lz4]        read JSON on stdin, write B-FAST (LZ4-compressed with --lz4) to stdout
 *
 * Dates, bigints, bytes, float64 arrays and non-finite numbers print in the `$`-forms of
 * ./json-forms.ts, which `encode` reads back, so `bfast encode | bfast inspect -` prints the JSON
 * it was given. `--pretty` indents the output of `inspect`. Bad input: one line on stderr, exit 1;
 * bad usage: exit 2.
 */
import { readFileSync } from 'node:fs'
import { decode, decompress, encode, isCompressed } from '../src/index.js'
import { JsonFormError, fromJsonForm, toJsonForm } from './json-forms.js'

const USAGE = 'usage: bfast inspect FILE|- [--pretty] | bfast encode [--lz4] (JSON on stdin, B-FAST on stdout)'
const EXIT_BAD_INPUT = 1
const EXIT_USAGE = 2

class UsageError extends Error {}

function readInput(source: string): Buffer {
  try {
    return readFileSync(source === '-' ? 0 : source)
  } catch (err) {
    throw new Error(`cannot read ${source === '-' ? 'stdin' : source}: ${(err as Error).message}`)
  }
}

function inspect(args: readonly string[]): void {
  const pretty = args.includes('--pretty')
  const rest = args.filter((a) => a !== '--pretty')
  const [source] = rest
  if (rest.length !== 1 || source === undefined || (source.startsWith('-') && source !== '-')) {
    throw new UsageError(USAGE)
  }
  const bytes = readInput(source)
  const message = isCompressed(bytes) ? decompress(bytes) : bytes
  process.stdout.write(`${JSON.stringify(toJsonForm(decode(message)), null, pretty ? 2 : undefined)}\n`)
}

async function encodeCommand(args: readonly string[]): Promise<void> {
  const lz4 = args.includes('--lz4')
  if (args.some((a) => a !== '--lz4')) throw new UsageError(USAGE)
  if (process.stdout.isTTY === true) {
    throw new UsageError('bfast encode writes binary: pipe it into a file or another command')
  }
  let json: unknown
  try {
    json = JSON.parse(readInput('-').toString('utf8'))
  } catch (err) {
    throw new Error(`stdin is not JSON: ${(err as Error).message}`)
  }
  let bytes = encode(fromJsonForm(json))
  if (lz4) {
    // Loaded only here: lz4-napi is an optional peer dependency (see src/compress.ts).
    const { compress } = await import('../src/compress.js')
    bytes = compress(bytes)
  }
  process.stdout.write(bytes)
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv
  try {
    if (command === 'inspect') inspect(args)
    else if (command === 'encode') await encodeCommand(args)
    else if (command === '--help' || command === '-h') process.stdout.write(`${USAGE}\n`)
    else throw new UsageError(USAGE)
    return 0
  } catch (err) {
    const message = (err as Error).message.replace(/\s*\n\s*/g, ' ')
    process.stderr.write(`bfast: ${err instanceof JsonFormError ? `bad input: ${message}` : message}\n`)
    return err instanceof UsageError ? EXIT_USAGE : EXIT_BAD_INPUT
  }
}

process.exitCode = await main(process.argv.slice(2))
