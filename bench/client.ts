/**
 * The client's decoding overhead (issue 4, Speed) for the 10,000-user reply (SPEC 7 `$gen`
 * users), plain and LZ4-compressed:
 * - `decodeResponse (body read)` vs `decode`: the client's own code (Content-Type check, one
 *   await, the view over the body) on a reply whose body is already in memory. Decoding in the
 *   client IS the codec's decode, so this ratio should be within a few percent of 1.
 * - `decodeResponse (Response)` vs `fetch baseline`: on a real `new Response(bytes)`, against
 *   what any fetch caller pays for the same bytes (`arrayBuffer()` then `decode`). Node's
 *   Response body read (undici, web streams) costs several ms for 1 MB on its own, so neither
 *   of these two is compared with the bare decode.
 *
 * `benchClient()` is called by the main benchmark (bench/codec.ts); standalone:
 *   node --expose-gc dist/bench/client.js [--rounds=N]
 */
import { pathToFileURL } from 'node:url'
import { decodeResponse, type ResponseLike } from '../client/index.js'
import { decode, encode, MEDIA_TYPE } from '../src/index.js'
import { compress } from '../src/compress.js'
import { users } from '../test/helpers/tagged.js'
import { compare, describeMethod, type Options } from './harness.js'
import { ratio, renderTable } from './report.js'

/** Users in the measured reply (issue 4: "a 10,000-user reply"). */
export const CLIENT_BENCH_USERS = 10_000

export interface ClientBenchRow {
  name: string
  /** Median time of one decode, milliseconds. */
  medianMs: number
  /** Median of per-round ratios to the `baseline` row (1.00 = no overhead). */
  ratio: number
  /** The row `ratio` is relative to. */
  baseline: string
}

/** What the candidates are, for the report. */
export const CLIENT_BENCH_METHOD = [
  `Reply: ${CLIENT_BENCH_USERS.toLocaleString('en-US')} SPEC 7 users, encoded once; "lz4" rows are its single-block compressed form.`,
  'decode: the codec on the bytes. decodeResponse (body read): the client on a reply whose arrayBuffer() resolves to those',
  'bytes at once (its own overhead). fetch baseline: new Response(bytes) + arrayBuffer() + decode, what any fetch caller',
  'pays; decodeResponse (Response): the client on new Response(bytes), compared with the fetch baseline.'
]

/** A reply whose body is already in memory: what decodeResponse sees once fetch has read it. */
function bodyRead(body: ArrayBuffer): ResponseLike {
  const headers = new Headers({ 'content-type': MEDIA_TYPE })
  return { status: 200, headers, arrayBuffer: () => Promise.resolve(body) }
}

/** Measures the client's overhead over a bare decode; rows in report order. */
export async function benchClient(options: Options = {}): Promise<ClientBenchRow[]> {
  const plain = encode(users(CLIENT_BENCH_USERS))
  const rows: ClientBenchRow[] = []
  for (const [label, message] of [
    ['plain', plain],
    ['lz4', compress(plain)]
  ] as const) {
    // An exact ArrayBuffer of the message (encode may return a view into a larger one).
    const buffer = message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength) as ArrayBuffer
    const bytes = new Uint8Array(buffer)
    const init = { headers: { 'content-type': MEDIA_TYPE } }
    const name = {
      bare: `decode (${label})`,
      read: `decodeResponse, body read (${label})`,
      fetch: `fetch baseline (${label})`,
      client: `decodeResponse, Response (${label})`
    }
    const comparison = await compare(
      [
        { name: name.bare, fn: () => decode(bytes) },
        { name: name.read, fn: () => decodeResponse(bodyRead(buffer)) },
        { name: name.fetch, fn: async () => decode(new Uint8Array(await new Response(bytes, init).arrayBuffer())) },
        { name: name.client, fn: () => decodeResponse(new Response(bytes, init)) }
      ],
      options
    )
    const row = (n: string, baseline: string): ClientBenchRow => ({
      name: n,
      medianMs: comparison.get(n).medianMs,
      ratio: comparison.ratio(n, baseline),
      baseline
    })
    rows.push(row(name.bare, name.bare), row(name.read, name.bare), row(name.fetch, name.fetch), row(name.client, name.fetch))
  }
  return rows
}

async function main(): Promise<void> {
  const options: Options = {}
  for (const arg of process.argv.slice(2)) {
    const [key, value = ''] = arg.split('=', 2) as [string, string?]
    if (key === '--rounds') options.rounds = Number.parseInt(value, 10)
    else throw new Error(`unknown argument ${arg}; usage: node --expose-gc dist/bench/client.js [--rounds=N]`)
  }
  const rows = await benchClient(options)
  console.log([...describeMethod(options), ...CLIENT_BENCH_METHOD].join('\n'))
  console.log()
  console.log(
    renderTable({
      title: 'Client: decodeResponse vs bare decode',
      headers: ['candidate', 'median ms', 'ratio', 'relative to'],
      labelColumns: 1,
      rows: rows.map((r) => [r.name, r.medianMs.toFixed(3), ratio(r.ratio), r.baseline])
    })
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
