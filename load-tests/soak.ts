/**
 * `npm run soak`: the example server under mixed traffic for a bounded time (issue 6 "Server
 * under fault and load"): JSON, B-FAST, B-FAST + LZ4 (block and chunked), gzip, B-FAST and
 * JSON request bodies, and alongside them a stream of bad bodies (garbage, truncated,
 * decompression bomb, oversized, too deep, wrong Content-Type, invalid JSON, and issue 10's
 * amplification bodies (4 KiB of LZ4 expanding to 1 MiB of empty containers) and prototype-
 * poisoning bodies, B-FAST and JSON).
 *
 * Reports requests, failures (good traffic must see only 2xx; bad traffic only 4xx, never a
 * 5xx or a dropped connection) and the server's memory after a full GC, before and after.
 *
 *   npm run soak                       3 minutes
 *   npm run soak -- --seconds 30       any other duration
 *   npm run soak -- --out FILE.md      also write the summary as Markdown
 */
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { encode } from '../src/index.js'
import { compress } from '../src/compress.js'
import { EXAMPLE_DEFAULTS } from '../examples/server.js'
import type { ExampleServerOptions } from '../examples/server.js'
import { startServerProcess } from './child-server.js'
import type { ServerMemory } from './child-server.js'
import { SOAK, THROUGHPUT } from './constants.js'
import { describeMachine } from './report.js'

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})
if (flags.help) {
  console.log('usage: npm run soak -- [--seconds N] [--out FILE.md]')
  process.exit(0)
}
const seconds = flags.seconds === undefined ? SOAK.seconds : Number(flags.seconds)
if (!Number.isInteger(seconds) || seconds < 1) {
  console.error(`--seconds must be a positive integer, not ${flags.seconds}`)
  process.exit(2)
}

/** The server as users run it (example defaults: network 'auto', client hints) plus @fastify/compress. */
const SERVER: ExampleServerOptions = { bfast: { clientHints: true }, httpCompression: true, logger: { level: 'warn' } }
const BFAST = 'application/x-bfast'
const JSON_TYPE = 'application/json'
/** Large enough that the 'auto' policy uses the chunked, thread-pool form (>= parallelThreshold). */
const CHUNKED_USERS = 20_000
/** How @fastify/compress logs a reply stream the client closed early (autocannon does at the end of a run). */
const ABORTED_STREAM_MESSAGE = 'premature close'
/** A decoded body this large (50 MB of zeros) compresses to ~200 KB: a decompression bomb under bodyLimit. */
const BOMB_PLAIN_BYTES = 50_000_000
/** Nesting past the server's default maxDepth (128). */
const TOO_DEEP = 1_000
/** Issue 10 finding 3: a message of bodyLimit bytes of empty containers, LZ4-packed to ~4 KiB. */
const AMPLIFIED_BYTES = EXAMPLE_DEFAULTS.bodyLimit

function amplification(kind: 'objects' | 'float64 arrays'): Uint8Array {
  const each = kind === 'objects' ? 2 : 5
  const n = Math.floor((AMPLIFIED_BYTES - 11) / each)
  return compress(encode(Array.from({ length: n }, () => (kind === 'objects' ? {} : new Float64Array(0)))))
}

type Req = autocannon.Request

function bodyRequest(body: Buffer | Uint8Array | string, contentType: string, accept = BFAST): Req {
  return { method: 'POST', path: '/users', headers: { 'content-type': contentType, accept }, body: typeof body === 'string' ? body : Buffer.from(body) }
}

function goodTraffic(): Req[] {
  const newUser = { name: 'Soak Tester', email: 'soak@example.com', active: true, scores: [1.5, 2.5, 99.9] }
  const longName = { name: 'n'.repeat(EXAMPLE_DEFAULTS.nameMaxLength), email: 'e'.repeat(EXAMPLE_DEFAULTS.nameMaxLength) }
  return [
    { method: 'GET', path: '/users?n=100', headers: { accept: JSON_TYPE } },
    { method: 'GET', path: '/users?n=100', headers: { accept: BFAST } },
    { method: 'GET', path: '/users?n=2000', headers: { accept: BFAST } },
    { method: 'GET', path: '/users?n=2000', headers: { accept: JSON_TYPE, 'accept-encoding': 'gzip' } },
    { method: 'GET', path: '/users?n=500', headers: { accept: BFAST, 'save-data': 'on' } },
    { method: 'GET', path: `/users?n=${CHUNKED_USERS}`, headers: { accept: BFAST } },
    { method: 'GET', path: '/profile', headers: { accept: BFAST } },
    { method: 'GET', path: '/profile', headers: { accept: JSON_TYPE } },
    { method: 'GET', path: '/accounts/12', headers: { accept: BFAST } },
    bodyRequest(encode(newUser), BFAST),
    bodyRequest(compress(encode(longName)), BFAST),
    bodyRequest(JSON.stringify(newUser), JSON_TYPE, JSON_TYPE)
  ]
}

/**
 * Bad bodies by kind. Fastify answers a body it could not parse with `Connection: close`, and
 * autocannon then starts its request sequence over on the new connection: each kind therefore
 * gets its own autocannon instance (one connection), so that every kind is exercised.
 */
function badTraffic(): Record<string, Req> {
  const valid = encode({ name: 'Truncated', email: 'cut@example.com' })
  let deep: unknown = 1
  for (let i = 0; i < TOO_DEEP; i++) deep = [deep]
  return {
    'garbage bytes': bodyRequest(Buffer.from('not a B-FAST message at all'), BFAST),
    'truncated message': bodyRequest(valid.subarray(0, valid.length - 3), BFAST),
    'LZ4 bomb (50 MB declared, 200 KB sent)': bodyRequest(compress(encode({ blob: new Uint8Array(BOMB_PLAIN_BYTES) })), BFAST),
    [`nesting ${TOO_DEEP} deep`]: bodyRequest(encode({ name: 'x', email: 'y@z', scores: deep }, { maxDepth: TOO_DEEP + 10 }), BFAST),
    'schema-invalid B-FAST': bodyRequest(encode({ name: 42, email: ['not', 'a', 'string'] }), BFAST),
    'malformed JSON': bodyRequest('{"name": "unterminated', JSON_TYPE, JSON_TYPE),
    'amplification: 4 KiB LZ4 -> 1 MiB of empty objects': bodyRequest(amplification('objects'), BFAST),
    'amplification: 4 KiB LZ4 -> 1 MiB of empty float64 arrays': bodyRequest(amplification('float64 arrays'), BFAST),
    '__proto__ key (B-FAST)': bodyRequest(encode(JSON.parse('{"name":"x","email":"y@z","__proto__":{"isAdmin":true}}')), BFAST),
    'constructor.prototype key (B-FAST)': bodyRequest(encode(JSON.parse('{"name":"x","email":"y@z","constructor":{"prototype":{"isAdmin":true}}}')), BFAST),
    '__proto__ key (JSON)': bodyRequest('{"name":"x","email":"y@z","__proto__":{"isAdmin":true}}', JSON_TYPE, JSON_TYPE),
    'unsupported Content-Type': bodyRequest('name=Ada', 'application/x-www-form-urlencoded', JSON_TYPE)
  }
}

/**
 * A body over bodyLimit: Fastify answers 413 without reading it and closes the connection,
 * so autocannon sees sockets closed under its unsent bytes and counts errors: for this kind
 * only the status codes are judged.
 */
const OVERSIZED_KIND = 'over bodyLimit (1 MiB + 1)'
function oversizedRequest(): Req {
  return bodyRequest(Buffer.alloc(EXAMPLE_DEFAULTS.bodyLimit + 1, 0x42), BFAST)
}

function run(origin: string, requests: Req[], connections: number, duration: number): Promise<autocannon.Result> {
  return autocannon({ url: origin, requests, connections, duration, timeout: THROUGHPUT.timeoutSeconds })
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`
}

function statusCounts(r: autocannon.Result): string {
  const stats = (r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {}
  return Object.entries(stats)
    .map(([code, { count }]) => `${code}: ${count.toLocaleString('en-US')}`)
    .join(', ')
}

async function main(): Promise<void> {
  const machine = describeMachine()
  const loadStart = os.loadavg()[0]!
  const started = new Date().toISOString()
  console.log(`soak: ${seconds} s of mixed traffic (${SOAK.goodConnections} good connections, one per bad-body kind)`)
  const server = await startServerProcess(SERVER)
  try {
    const good = goodTraffic()
    const bad: Record<string, Req> = { ...badTraffic(), [OVERSIZED_KIND]: oversizedRequest() }
    const badKinds = Object.keys(bad)
    const soak = (duration: number): Promise<autocannon.Result[]> =>
      Promise.all([run(server.origin, good, SOAK.goodConnections, duration), ...badKinds.map((kind) => run(server.origin, [bad[kind]!], 1, duration))])
    await soak(SOAK.warmupSeconds)
    const before = await server.memory()
    const samples: { at: number; memory: ServerMemory }[] = []
    const interval = (seconds * 1000) / (SOAK.samples + 1)
    const t0 = Date.now()
    const sampler = setInterval(() => {
      void server.memory().then((memory) => samples.push({ at: Math.round((Date.now() - t0) / 1000), memory }))
    }, interval)
    const [goodResult, ...badResults] = (await soak(seconds)) as [autocannon.Result, ...autocannon.Result[]]
    clearInterval(sampler)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const after = await server.memory()

    const goodFailures = goodResult.non2xx + goodResult.errors + goodResult.timeouts
    const badRows = badKinds.map((kind, i) => {
      const r = badResults[i]!
      // Anything but a 4xx is a failure; so is a closed socket, except where the server closes on purpose (413 unread body).
      const unexpected = r.requests.total - r['4xx'] + r.timeouts + (kind === OVERSIZED_KIND ? 0 : r.errors)
      return { kind, r, unexpected }
    })
    const badUnexpected = badRows.reduce((n, row) => n + row.unexpected, 0)
    const aborted = server.errorLines.filter((l) => l.includes(ABORTED_STREAM_MESSAGE)).length
    const unexpectedLogs = server.errorLines.filter((l) => !l.includes(ABORTED_STREAM_MESSAGE))
    const heapGrowth = after.heapUsed - before.heapUsed
    const lines = [
      `Soak, ${started}: ${seconds} s after a ${SOAK.warmupSeconds} s warm-up, server (examples/server.ts, plugin defaults + clientHints + @fastify/compress) in a child process.`,
      `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; 1-minute load ${loadStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}.`,
      '',
      '| Traffic | Connections | Requests | Requests/s | Status codes | Failures |',
      '|:---|---:|---:|---:|:---|---:|',
      `| good (${good.length} kinds: JSON, B-FAST, LZ4 block + chunked, gzip, hints, bodies) | ${SOAK.goodConnections} | ${goodResult.requests.total.toLocaleString('en-US')} | ${Math.round(goodResult.requests.total / goodResult.duration)} | ${statusCounts(goodResult)} | ${goodFailures} (non-2xx ${goodResult.non2xx}, errors ${goodResult.errors}, timeouts ${goodResult.timeouts}) |`,
      ...badRows.map(
        ({ kind, r, unexpected }) =>
          `| bad body: ${kind} | 1 | ${r.requests.total.toLocaleString('en-US')} | ${Math.round(r.requests.total / r.duration)} | ${statusCounts(r)} | ${unexpected}${kind === OVERSIZED_KIND ? ` (sockets closed by the server, counted by autocannon: ${r.errors})` : ''} |`
      ),
      '',
      '| Server memory after full GC | RSS | heapUsed | external | arrayBuffers |',
      '|:---|---:|---:|---:|---:|',
      `| before | ${mib(before.rss)} | ${mib(before.heapUsed)} | ${mib(before.external)} | ${mib(before.arrayBuffers)} |`,
      ...samples.map((s) => `| at ${s.at} s (under load) | ${mib(s.memory.rss)} | ${mib(s.memory.heapUsed)} | ${mib(s.memory.external)} | ${mib(s.memory.arrayBuffers)} |`),
      `| after | ${mib(after.rss)} | ${mib(after.heapUsed)} | ${mib(after.external)} | ${mib(after.arrayBuffers)} |`,
      '',
      `heapUsed growth ${mib(heapGrowth)} (limit ${mib(SOAK.heapGrowthLimitBytes)}); server error-level log lines: ${unexpectedLogs.length} unexpected, ${aborted} "${ABORTED_STREAM_MESSAGE}" (replies cut by autocannon stopping).`,
      ''
    ]
    const summary = lines.join('\n')
    console.log(summary)
    if (flags.out !== undefined) writeFileSync(flags.out, summary)
    if (unexpectedLogs.length > 0) console.error(`first unexpected server log line: ${unexpectedLogs[0]}`)
    const ok = goodFailures === 0 && badUnexpected === 0 && unexpectedLogs.length === 0 && heapGrowth < SOAK.heapGrowthLimitBytes
    console.log(ok ? 'soak: PASS' : 'soak: FAIL')
    if (!ok) process.exitCode = 1
  } finally {
    await server.stop()
  }
}

await main()
