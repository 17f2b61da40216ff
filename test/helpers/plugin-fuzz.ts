/**
 * The plugin fuzz target (issue 10 must-have 6): random requests to the example server
 * (plugin defaults plus @fastify/compress, examples/server.ts) in a child process, over a real
 * socket: random and mutated B-FAST bodies (plain, LZ4, chunked, the amplification and
 * prototype-poisoning bodies of issue 10), JSON text and random bytes, under random
 * Content-Type, Content-Encoding, Accept and Accept-Encoding headers, the body sent raw, in the
 * codings its Content-Encoding names (issue 16 item 3), or so coded and cut short. With
 * `httpCompression: false` the plugin's own request decoding meets them (@fastify/compress's
 * request decompression otherwise runs first). Every request must get
 * a 2xx or 4xx (never a 5xx or a dropped connection), every 2xx B-FAST reply must decode, the
 * server must log no error, and its heap after a full GC must stay within a bound.
 *
 * Shared by test/plugin/fuzz.test.ts (bounded and seeded, in `npm test`) and
 * test/fuzz-long.ts (`npm run fuzz -- --plugin`).
 */
import zlib from 'node:zlib'
import fc from 'fast-check'
import { request } from 'undici'
import { decode, encode } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import { startServerProcess } from '../../load-tests/child-server.js'
import type { ServerProcess } from '../../load-tests/child-server.js'
import { mutate, mutationArb, plainSeeds, valueArb } from './fuzz-cases.js'
import { chunkedFrame, literalChunks } from './messages.js'

/** Heap growth (after a full GC) the server may show over a fuzz run. */
export const HEAP_GROWTH_LIMIT_BYTES = 64 * 1024 * 1024
/** Requests in flight at once. */
const CONCURRENCY = 8
const REQUEST_TIMEOUT_MS = 30_000

export interface FuzzRequest {
  method: 'GET' | 'POST' | 'HEAD'
  path: string
  headers: Record<string, string>
  body?: Uint8Array
}

export interface PluginFinding {
  request: { method: string; path: string; headers: Record<string, string>; bodyHex?: string }
  problem: string
}

const BFAST = 'application/x-bfast'

function amplifier(kind: 'objects' | 'float64 arrays'): Uint8Array {
  const n = kind === 'objects' ? (1_048_576 - 11) >> 1 : Math.floor((1_048_576 - 11) / 5)
  return compress(encode(Array.from({ length: n }, () => (kind === 'objects' ? {} : new Float64Array(0)))))
}

/** Fixed bodies worth sending often: issue 10's amplification and poisoning bodies. */
function fixedBodies(): Uint8Array[] {
  const user = { name: 'Fuzz', email: 'f@example.com', active: true, scores: [1.5] }
  return [
    amplifier('objects'),
    amplifier('float64 arrays'),
    encode(JSON.parse('{"name":"x","email":"y@z","__proto__":{"isAdmin":true}}')),
    encode(JSON.parse('{"name":"x","email":"y@z","constructor":{"prototype":{"isAdmin":true}}}')),
    encode(user),
    compress(encode(user)),
    chunkedFrame(encode(user).length, literalChunks(encode(user), 8)),
    new TextEncoder().encode(JSON.stringify(user)),
    new Uint8Array(0)
  ]
}

/** Each coding's encoder; zstd only where zlib has one (Node >= 22.15). */
const ENCODERS: Record<string, ((b: Buffer) => Buffer) | undefined> = {
  gzip: (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
  zstd: (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync
}

/** How a body meets its Content-Encoding: sent raw, coded as labelled, or coded and cut short. */
type Coding = 'raw' | 'coded' | 'cut'

/** `body` in the codings `header` lists (applied in order; unknown ones skipped), maybe cut in half. */
function coded(body: Uint8Array, header: string, how: Coding): Uint8Array {
  if (how === 'raw') return body
  let out: Buffer = Buffer.from(body)
  for (const token of header.split(',').map((c) => c.trim())) out = ENCODERS[token]?.(out) ?? out
  return how === 'cut' ? out.subarray(0, out.length >> 1) : out
}

/** The request arbitrary (seeded by the caller through fast-check). */
export function requestArb(): fc.Arbitrary<FuzzRequest> {
  const seeds = plainSeeds()
  const fixed = fixedBodies()
  const pick = <T>(list: readonly T[]): fc.Arbitrary<T> => fc.integer({ min: 0, max: list.length - 1 }).map((i) => list[i]!)
  const body: fc.Arbitrary<Uint8Array> = fc.oneof(
    pick(fixed),
    valueArb.map((v) => encode(v)),
    valueArb.map((v) => compress(encode(v))),
    fc.tuple(pick(seeds), fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([m, muts]) => mutate(m, muts, seeds)),
    fc.tuple(pick(fixed), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([m, muts]) => mutate(m, muts, seeds)),
    fc.uint8Array({ maxLength: 256 })
  )
  const contentType = fc.constantFrom(
    BFAST, 'Application/X-BFAST', `${BFAST}; v=1`, `${BFAST}x`, 'application/json', 'application/json; charset=utf-8',
    'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', '', ';;;', 'application/x-bfast, application/json'
  )
  const contentEncoding = fc.constantFrom(
    undefined, 'identity', 'gzip', 'br', 'deflate', 'zstd', 'lz4', 'x-unknown', 'gzip, gzip', 'gzip, br', 'x-gzip',
    'deflate, identity', 'gzip, gzip, gzip, gzip, gzip, gzip'
  )
  const coding = fc.constantFrom<Coding>('raw', 'coded', 'coded', 'cut')
  const accept = fc.oneof(
    fc.constantFrom(
      undefined, BFAST, 'application/json', '*/*', `${BFAST}, application/json;q=0.9`, `${BFAST};q=0`, 'application/*',
      `${BFAST};q=0.5, application/json;q=0.5`, 'text/html', `${BFAST};q=abc`, ',,,', `${BFAST}; layout=table`,
      `${BFAST};layout=table, ${BFAST};q=0.95, application/json;q=0.9`, `${BFAST};layout="table";q=0.5, ${BFAST}`
    ),
    fc.string({ maxLength: 60 })
  )
  const acceptEncoding = fc.constantFrom(undefined, 'gzip', 'br', 'deflate', 'identity', '*', 'gzip;q=0, br')
  const get = fc.record({
    method: fc.constantFrom('GET' as const, 'HEAD' as const),
    path: fc.constantFrom('/users?n=3', '/users?n=300', '/users?n=-1', '/users?n=abc', '/profile', '/accounts/12', '/accounts/x', '/', '/nope',
      '/demo/users-grid?n=40', '/demo/users-grid?n=0')
  })
  return fc
    .record({
      target: fc.oneof(get, fc.record({ method: fc.constant('POST' as const), path: fc.constantFrom('/users', '/profile', '/nope', '/') })),
      body,
      contentType,
      contentEncoding,
      accept,
      acceptEncoding,
      coding
    })
    .map(({ target, body: b, contentType: ct, contentEncoding: ce, accept: a, acceptEncoding: ae, coding: how }) => {
      const headers: Record<string, string> = {}
      // Header values must be valid field values (RFC 9110 5.5): undici refuses others itself.
      if (a !== undefined && /^[\t\x20-\x7e]*$/.test(a)) headers.accept = a
      if (ae !== undefined) headers['accept-encoding'] = ae
      if (target.method !== 'POST') return { method: target.method, path: target.path, headers }
      if (ct !== '') headers['content-type'] = ct
      if (ce === undefined) return { method: target.method, path: target.path, headers, body: b }
      headers['content-encoding'] = ce
      return { method: target.method, path: target.path, headers, body: coded(b, ce, how) }
    })
}

function describe(r: FuzzRequest): PluginFinding['request'] {
  return { method: r.method, path: r.path, headers: r.headers, bodyHex: r.body === undefined ? undefined : Buffer.from(r.body).subarray(0, 256).toString('hex') }
}

/** Sends one request; returns a problem description, or undefined when the reply is acceptable. */
async function check(origin: string, r: FuzzRequest, statuses: Map<number, number>): Promise<string | undefined> {
  let res
  try {
    res = await request(origin + r.path, {
      method: r.method,
      headers: r.headers,
      body: r.body === undefined ? undefined : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS
    })
  } catch (err) {
    return `no reply: ${(err as Error).message}`
  }
  let payload: Buffer
  try {
    payload = Buffer.from(await res.body.arrayBuffer())
  } catch (err) {
    return `reply cut off (status ${res.statusCode}): ${(err as Error).message}`
  }
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
  if (res.statusCode >= 500 || res.statusCode < 200 || (res.statusCode >= 300 && res.statusCode < 400)) return `status ${res.statusCode}: ${payload.subarray(0, 200).toString('utf8')}`
  const type = String(res.headers['content-type'] ?? '')
  const coding = String(res.headers['content-encoding'] ?? '')
  if (res.statusCode < 300 && r.method !== 'HEAD' && type.startsWith(BFAST) && coding === '') {
    // SPEC 8.0: only a client that asked for layout=table may receive a table.
    const asked = /layout/i.test(r.headers.accept ?? '')
    try {
      decode(payload, { tables: asked })
    } catch (err) {
      return `a ${res.statusCode} B-FAST reply that does not decode${asked ? '' : ' as v1 (a table unasked?)'}: ${(err as Error).message}`
    }
  }
  return undefined
}

export interface PluginFuzzResult {
  requests: number
  findings: PluginFinding[]
  heapBefore: number
  heapAfter: number
  errorLines: string[]
  statuses: Map<number, number>
}

/**
 * Sends the requests fast-check draws from `seed`, `CONCURRENCY` at a time, until `runs`
 * requests or `seconds` have passed, to a fresh server process; then checks its memory.
 */
export async function runPluginFuzz(
  seed: number,
  runs: number,
  seconds: number,
  onProgress?: (done: number) => void,
  httpCompression = true
): Promise<PluginFuzzResult> {
  const server: ServerProcess = await startServerProcess({ httpCompression, logger: { level: 'warn' } })
  const statuses = new Map<number, number>()
  try {
    const arb = requestArb()
    // Warm-up: JIT, pools and caches settle before the memory baseline.
    for (const r of fc.sample(arb, { seed: seed ^ 0x5a5a, numRuns: 50 })) await check(server.origin, r, new Map())
    const heapBefore = (await server.memory()).heapUsed
    const findings: PluginFinding[] = []
    const deadline = Date.now() + seconds * 1000
    let sent = 0
    for (let round = 0; sent < runs && Date.now() < deadline; round++) {
      const batch = fc.sample(arb, { seed: (seed + round) | 0, numRuns: Math.min(200, runs - sent) })
      for (let i = 0; i < batch.length && Date.now() < deadline; i += CONCURRENCY) {
        const slice = batch.slice(i, i + CONCURRENCY)
        const problems = await Promise.all(slice.map((r) => check(server.origin, r, statuses)))
        problems.forEach((p, k) => {
          if (p !== undefined) findings.push({ request: describe(slice[k]!), problem: p })
        })
        sent += slice.length
      }
      onProgress?.(sent)
    }
    const heapAfter = (await server.memory()).heapUsed
    return { requests: sent, findings, heapBefore, heapAfter, errorLines: [...server.errorLines], statuses }
  } finally {
    await server.stop()
  }
}
