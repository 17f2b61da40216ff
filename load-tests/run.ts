/**
 * `npm run load`: throughput (autocannon) and time-to-decoded-object through a throttled link,
 * for JSON (plain and with @fastify/compress's gzip, brotli and zstd), B-FAST, B-FAST + LZ4 (issue
 * 5) and B-FAST asked for as a browser asks, with the plugin's default policy and client hints
 * (issue 16 item 6). Writes results.md, results.json and time-to-object.svg.
 *
 *   npm run load                      full run (about 10 minutes on 2 cores), into load-tests/results/node-<major>/
 *   npm run load -- --node 26         the same under another Node line (scripts/node-lines.mjs)
 *   npm run load -- --quick           a short run (about 2 minutes), into a temp directory
 *   npm run load -- --out DIR         write the results elsewhere
 *   npm run load -- --only time       only the bandwidth simulator: the link profiles, the RTT and threshold sweeps
 *   npm run load -- --only links      only the link profiles (LINKS) of the bandwidth simulator
 *   npm run load -- --only throughput only autocannon
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { Agent, fetch as undiciFetch, request } from 'undici'
import { createClient } from '../client/index.js'
import { isCompressed, MEDIA_TYPE } from '../src/index.js'
import type { FetchFunction } from '../client/index.js'
import { ROOT } from '../examples/server.js'
import { dropReplyBodies } from './autocannon-bodies.js'
import { startServerProcess } from './child-server.js'
import type { ServerCpu, ServerProcess } from './child-server.js'
import { CPU_PER_REPLY, LINKS, PAYLOAD_USERS, RTT_SWEEP, THRESHOLD_SWEEP, THROUGHPUT, TIME_TO_OBJECT } from './constants.js'
import { browserHeaders } from './browser-hints.js'
import { FORMATS, requestHeaders, SERVERS, THRESHOLD_FORMATS } from './formats.js'
import { measureThresholdCosts } from './threshold.js'
import type { ThresholdRow } from './threshold.js'
import type { ClientTables, Format, FormatId, ServerName } from './formats.js'
import type { LinkSettings } from './link-model.js'
import { checkTargets, describeMachine, toMarkdown, toSvg } from './report.js'
import type { LoadResults, RttSweepRow, ThroughputRow, TimeToObjectRow } from './report.js'
import { median } from './stats.js'
import { startThrottleProxy } from './throttle-proxy.js'

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})
if (flags.help) {
  console.log('usage: npm run load -- [--quick] [--out DIR] [--only throughput|time|links]')
  process.exit(0)
}
const ONLY = ['throughput', 'time', 'links'] as const
if (flags.only !== undefined && !(ONLY as readonly string[]).includes(flags.only)) {
  console.error(`--only must be one of ${ONLY.join(', ')}, not '${flags.only}'`)
  process.exit(2)
}
const only = flags.only as (typeof ONLY)[number] | undefined
const mode = flags.quick ? 'quick' : 'full'
const outDir = flags.out ?? (flags.quick ? path.join(os.tmpdir(), 'fastify-bfast-load-quick') : path.join(ROOT, 'load-tests', 'results', `node-${process.versions.node.split('.')[0]}`))
const timing = THROUGHPUT[mode]
const ttoSettings = TIME_TO_OBJECT[mode]
/** How @fastify/compress (end-of-stream) logs a reply stream the client closed early. */
const ABORTED_STREAM_MESSAGE = 'premature close'

function log(message: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`)
}

/** The reply body as sent for one request (compressed formats stay compressed: undici.request does not decode). */
async function bodyBytes(origin: string, headers: Record<string, string>, pathname: string): Promise<Buffer> {
  const res = await request(origin + pathname, { headers })
  const body = Buffer.from(await res.body.arrayBuffer())
  if (res.statusCode !== 200) throw new Error(`${pathname} (${JSON.stringify(headers)}): HTTP ${res.statusCode}`)
  return body
}

/**
 * How a reply was sent: its Content-Encoding, or in-format LZ4 (SPEC 4) or none; and for the
 * B-FAST table layout (SPEC 8) the Content-Type's parameters.
 */
async function sentAs(origin: string, headers: Record<string, string>, pathname: string): Promise<{ bytes: number; coding: string }> {
  const res = await request(origin + pathname, { headers })
  const body = new Uint8Array(await res.body.arrayBuffer())
  if (res.statusCode !== 200) throw new Error(`${pathname} (${JSON.stringify(headers)}): HTTP ${res.statusCode}`)
  const type = String(res.headers['content-type'] ?? '')
  const encoding = res.headers['content-encoding']
  const bfast = type.startsWith(MEDIA_TYPE)
  const coding = encoding !== undefined ? String(encoding) : bfast && isCompressed(body) ? 'lz4' : IDENTITY
  const params = type.split(';').slice(1).map((p) => p.trim()).filter((p) => p.startsWith('layout') || p.startsWith('transforms'))
  return { bytes: body.length, coding: params.length > 0 ? `${coding}, ${params.join(';')}` : coding }
}

interface Measured {
  result: autocannon.Result
  /** Server CPU ms over the run, and the load generator's (this process). */
  serverCpuMs: number
  clientCpuMs: number
  /** The server's scavenges and mark-compacts over the run. */
  gcMinor: number
  gcMajor: number
  /** The server's minor page faults over the run. */
  minorFaults: number
}

const MICROS_PER_MS = 1000
/** GC counts in the throughput table are per this many replies. */
const REPLIES_PER_GC_COUNT = 1000
/** The content coding "none" (RFC 9110 section 8.4.1). */
const IDENTITY = 'identity'
const MS_PER_SECOND = 1000

async function cannon(server: ServerProcess, format: Format, pathname: string, seconds: number): Promise<Measured> {
  const serverBefore = await server.cpu()
  const clientBefore = process.cpuUsage()
  const result = await autocannon({
    url: server.origin + pathname,
    headers: format.headers,
    connections: THROUGHPUT.connections,
    duration: seconds,
    timeout: THROUGHPUT.timeoutSeconds
  })
  const client = process.cpuUsage(clientBefore)
  const serverAfter = await server.cpu()
  return {
    result,
    serverCpuMs: (serverAfter.user + serverAfter.system - serverBefore.user - serverBefore.system) / MICROS_PER_MS,
    clientCpuMs: (client.user + client.system) / MICROS_PER_MS,
    gcMinor: serverAfter.gcMinor - serverBefore.gcMinor,
    gcMajor: serverAfter.gcMajor - serverBefore.gcMajor,
    minorFaults: serverAfter.minorFaults - serverBefore.minorFaults
  }
}

async function measureThroughput(servers: Map<ServerName, ServerProcess>): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = []
  const measured = FORMATS.filter((f): f is Format & { throughput: NonNullable<Format['throughput']> } => f.throughput !== undefined)
  for (const users of PAYLOAD_USERS) {
    const target = (format: (typeof measured)[number]): { server: ServerProcess; pathname: string } => ({
      server: servers.get(format.throughput.server)!,
      pathname: `${format.throughput.path}?n=${users}`
    })
    const results = new Map<string, Measured[]>()
    for (const format of measured) {
      const { server, pathname } = target(format)
      results.set(format.id, [await cannon(server, format, pathname, timing.warmupSeconds)])
    }
    // Repeats interleaved across formats: load from elsewhere on the machine hits every format alike.
    for (let i = 0; i < timing.repeats; i++) {
      for (const format of measured) {
        const { server, pathname } = target(format)
        results.get(format.id)!.push(await cannon(server, format, pathname, timing.seconds))
      }
    }
    for (const format of measured) {
      const { server, pathname } = target(format)
      const [warm, ...runs] = results.get(format.id)!
      const rates = runs.map((m) => m.result.requests.total / m.result.duration)
      const mid = runs[rates.indexOf(median(rates))]!
      const all = [warm!, ...runs].map((m) => m.result)
      const wallMs = mid.result.duration * MS_PER_SECOND
      const row: ThroughputRow = {
        users,
        format: format.id,
        label: format.label,
        requestsPerSecond: median(rates),
        latencyP50Ms: mid.result.latency.p50,
        latencyP99Ms: mid.result.latency.p99,
        serverCpuMsPerReply: median(runs.map((m) => m.serverCpuMs / Math.max(1, m.result.requests.total))),
        gcPerThousandReplies: {
          minor: median(runs.map((m) => (m.gcMinor * REPLIES_PER_GC_COUNT) / Math.max(1, m.result.requests.total))),
          major: median(runs.map((m) => (m.gcMajor * REPLIES_PER_GC_COUNT) / Math.max(1, m.result.requests.total)))
        },
        faultsPerReply: median(runs.map((m) => m.minorFaults / Math.max(1, m.result.requests.total))),
        serverCpuShare: mid.serverCpuMs / wallMs,
        clientCpuShare: mid.clientCpuMs / wallMs,
        bytesPerReply: (await bodyBytes(server.origin, format.headers, pathname)).length,
        non2xx: all.reduce((n, r) => n + r.non2xx, 0),
        errors: all.reduce((n, r) => n + r.errors, 0),
        timeouts: all.reduce((n, r) => n + r.timeouts, 0),
        runs: rates
      }
      rows.push(row)
      log(
        `throughput ${users} users ${format.label}: ${Math.round(row.requestsPerSecond)} req/s (runs ${rates.map((r) => Math.round(r)).join(', ')}), ` +
          `p50 ${row.latencyP50Ms} ms, p99 ${row.latencyP99Ms} ms, server ${row.serverCpuMsPerReply.toFixed(3)} ms CPU/reply, ` +
          `GC/1000 replies ${Math.round(row.gcPerThousandReplies!.minor)} minor ` +
          `${Math.round(row.gcPerThousandReplies!.major)} major, ${Math.round(row.faultsPerReply!)} faults/reply, ` +
          `CPU ${Math.round(row.serverCpuShare * 100)}%/${Math.round(row.clientCpuShare * 100)}%, ${row.bytesPerReply} B, failures ${row.non2xx + row.errors + row.timeouts}`
      )
    }
  }
  return rows
}

/** One request through the proxy, timed from the call to the decoded value in hand. */
type Fetcher = (format: Format, pathname: string, link: LinkSettings) => Promise<unknown>

function fetcherFor(origin: string, dispatcher: Agent): Fetcher {
  const client = (tables?: ClientTables): ReturnType<typeof createClient> =>
    createClient({
      baseUrl: origin,
      fetch: undiciFetch as unknown as FetchFunction,
      dispatcher,
      headers: { 'accept-encoding': IDENTITY },
      ...(tables === undefined ? {} : { tables: tables === 'transport' ? 'transport' : tables === 'true' })
    })
  // The plain and LZ4 formats send their own Accept; a browser format gets the client's own.
  const fixed = client()
  const browsers = new Map(FORMATS.filter((f) => f.browser !== undefined).map((f) => [f.id, client(f.browser!.tables)]))
  return async (format, pathname, link) => {
    const headers = format.browser === undefined ? format.headers : browserHeaders(link)
    if (format.decoder === 'bfast') return (browsers.get(format.id) ?? fixed).get(pathname, { headers })
    const res = await undiciFetch(origin + pathname, { headers, dispatcher })
    if (!res.ok) throw new Error(`${format.label} ${pathname}: HTTP ${res.status}`)
    return res.json()
  }
}

/** What reading the server's CPU clock twice costs it (its admin route, twice): subtracted from each reply's. */
async function cpuReadCostMs(server: ServerProcess): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < CPU_PER_REPLY.warmups + CPU_PER_REPLY.samples; i++) {
    const before = await server.cpu()
    const after = await server.cpu()
    if (i >= CPU_PER_REPLY.warmups) samples.push(cpuMs(before, after))
  }
  return median(samples)
}

function cpuMs(before: ServerCpu, after: ServerCpu): number {
  return (after.user + after.system - before.user - before.system) / MICROS_PER_MS
}

/**
 * The server's CPU time per reply of each format as asked for on `link` (a browser format's
 * hints pick its coding), median per `${users}:${format}`: its process clock read around each
 * request, less what the reading costs, requests sent one at a time straight to the server
 * (not through the simulated link, whose idle waits would add whatever the process does
 * meanwhile, GC and timers, to the reply in flight), formats interleaved.
 */
async function serverCpuPerReply(server: ServerProcess, link: LinkSettings, userCounts: readonly number[]): Promise<Map<string, number>> {
  const readCost = await cpuReadCostMs(server)
  const medians = new Map<string, number>()
  for (const users of userCounts) {
    const samples = new Map<FormatId, number[]>()
    for (let i = 0; i < CPU_PER_REPLY.warmups + CPU_PER_REPLY.samples; i++) {
      for (const format of FORMATS) {
        const before = await server.cpu()
        await bodyBytes(server.origin, requestHeaders(format, link), `${format.timeToObject.path}?n=${users}`)
        const cpu = cpuMs(before, await server.cpu()) - readCost
        if (i >= CPU_PER_REPLY.warmups) samples.set(format.id, [...(samples.get(format.id) ?? []), cpu])
      }
    }
    for (const [format, list] of samples) medians.set(`${users}:${format}`, median(list))
  }
  return medians
}

/** Median ms per format for each payload, through one simulated link (formats interleaved). */
async function timeThroughLink(server: ServerProcess, link: LinkSettings, userCounts: readonly number[], formats: readonly Format[] = FORMATS): Promise<Map<string, number>> {
  const proxy = await startThrottleProxy({ targetPort: server.port, mbps: link.mbps, rttMs: link.rttMs })
  // One kept-alive connection: the handshake is paid once, during warm-up, as in a real page.
  const dispatcher = new Agent({ connections: 1, keepAliveTimeout: 60_000 })
  const fetcher = fetcherFor(`http://127.0.0.1:${proxy.port}`, dispatcher)
  const medians = new Map<string, number>()
  try {
    for (const users of userCounts) {
      const samples = new Map<FormatId, number[]>()
      for (let i = 0; i < ttoSettings.warmups + ttoSettings.samples; i++) {
        // Interleaved, so that a burst of load from elsewhere on the machine hits every format alike.
        for (const format of formats) {
          const pathname = `${format.timeToObject.path}?n=${users}`
          const started = performance.now()
          const value = await fetcher(format, pathname, link)
          const elapsed = performance.now() - started
          if (!Array.isArray(value) || value.length !== users) throw new Error(`${format.label}: expected ${users} users`)
          if (i >= ttoSettings.warmups) samples.set(format.id, [...(samples.get(format.id) ?? []), elapsed])
        }
      }
      for (const [format, list] of samples) {
        medians.set(`${users}:${format}`, median(list))
        log(`time-to-object ${link.mbps} Mbps/${link.rttMs} ms RTT, ${users} users, ${format}: ${median(list).toFixed(2)} ms`)
      }
    }
  } finally {
    await dispatcher.close()
    await proxy.close()
  }
  return medians
}

/** Every link profile (LINKS): each format's bytes and coding as sent there, time to object and server CPU. */
async function measureTimeToObject(server: ServerProcess): Promise<TimeToObjectRow[]> {
  const rows = new Map<string, TimeToObjectRow>()
  for (const link of LINKS) {
    for (const users of link.users) {
      for (const format of FORMATS) {
        const key = `${users}:${format.id}`
        const row = rows.get(key) ?? { users, format: format.id, label: format.label, bytes: {}, coding: {}, medianMs: {}, serverCpuMs: {} }
        const sent = await sentAs(server.origin, requestHeaders(format, link), `${format.timeToObject.path}?n=${users}`)
        row.bytes[link.mbps] = sent.bytes
        row.coding[link.mbps] = sent.coding
        rows.set(key, row)
      }
    }
    log(`link ${link.name} (${link.mbps} Mbps, ${link.rttMs} ms RTT), load average ${os.loadavg()[0]!.toFixed(2)}`)
    for (const [key, ms] of await timeThroughLink(server, link, link.users)) rows.get(key)!.medianMs[link.mbps] = ms
    for (const [key, cpu] of await serverCpuPerReply(server, link, link.users)) {
      rows.get(key)!.serverCpuMs[link.mbps] = cpu
      log(`server CPU per reply, ${link.name}, ${key}: ${cpu.toFixed(2)} ms`)
    }
  }
  return [...rows.values()]
}

/** The RTT sweep: one rate, several round-trip times, one payload (see RTT_SWEEP). */
async function measureRttSweep(server: ServerProcess): Promise<RttSweepRow[]> {
  const link = { mbps: RTT_SWEEP.mbps, rttMs: 0 }
  const sweep: RttSweepRow[] = []
  for (const format of FORMATS) {
    const sent = await sentAs(server.origin, requestHeaders(format, link), `${format.timeToObject.path}?n=${RTT_SWEEP.users}`)
    sweep.push({ format: format.id, label: format.label, bytesPerReply: sent.bytes, medianMsByRtt: {} })
  }
  for (const rttMs of RTT_SWEEP.rttsMs) {
    const medians = await timeThroughLink(server, { mbps: RTT_SWEEP.mbps, rttMs }, [RTT_SWEEP.users])
    for (const row of sweep) row.medianMsByRtt[rttMs] = medians.get(`${RTT_SWEEP.users}:${row.format}`)!
  }
  return sweep
}

/** The threshold sweep: codec costs measured here, reply sizes checked against the server, time-to-object. */
async function measureThresholdSweep(server: ServerProcess): Promise<ThresholdRow[]> {
  const rows = measureThresholdCosts()
  const [plainFormat, lz4Format] = THRESHOLD_FORMATS as [Format, Format]
  for (const row of rows) {
    const sent = (await bodyBytes(server.origin, lz4Format.headers, `${lz4Format.timeToObject.path}?n=${row.users}`)).length
    const plain = (await bodyBytes(server.origin, plainFormat.headers, `${plainFormat.timeToObject.path}?n=${row.users}`)).length
    if (sent !== row.lz4Bytes || plain !== row.plainBytes) {
      throw new Error(`threshold sweep, ${row.users} users: the server sent ${plain}/${sent} bytes, the codec here makes ${row.plainBytes}/${row.lz4Bytes}`)
    }
  }
  for (const link of THRESHOLD_SWEEP.links) {
    const medians = await timeThroughLink(server, link, THRESHOLD_SWEEP.users, THRESHOLD_FORMATS)
    for (const row of rows) {
      row.timeToObjectMs[link.mbps] = { plain: medians.get(`${row.users}:bfast`)!, lz4: medians.get(`${row.users}:lz4`)! }
    }
  }
  for (const row of rows) {
    log(`threshold ${row.users} users: ${row.plainBytes} -> ${row.lz4Bytes} B, compress ${row.compressUs.toFixed(1)} us + decompress ${row.decompressUs.toFixed(1)} us, pays below ${Math.round(row.breakEvenMbps)} Mbps`)
  }
  return rows
}

/**
 * A partial run (`--only`) replaces only what it measured: the sections it left empty are kept
 * from the results already in the output directory, and the report names the run they are from.
 * Time-to-object rows of the earlier layout (before the link profiles) are not kept.
 */
function keepPrevious(measured: LoadResults, file: string): LoadResults {
  if (!existsSync(file)) return measured
  const previous = JSON.parse(readFileSync(file, 'utf8')) as LoadResults
  const kept: string[] = []
  const merged = { ...measured }
  if (measured.throughput.length === 0 && previous.throughput.length > 0) {
    merged.throughput = previous.throughput
    kept.push('throughput')
  }
  const profiles = previous.timeToObject.every((row) => 'coding' in row)
  if (measured.timeToObject.length === 0 && previous.timeToObject.length > 0 && profiles) {
    merged.timeToObject = previous.timeToObject
    merged.settings = { ...merged.settings, links: previous.settings.links }
    kept.push('time to object')
  }
  if (measured.rttSweep.length === 0 && previous.rttSweep.length > 0) {
    merged.rttSweep = previous.rttSweep
    kept.push('RTT sweep')
  }
  if (measured.thresholdSweep.length === 0 && previous.thresholdSweep.length > 0) {
    merged.thresholdSweep = previous.thresholdSweep
    kept.push('threshold sweep')
  }
  if (kept.length === 0) return measured
  return { ...merged, kept: { from: previous.kept?.from ?? `${previous.startedAt} (Node ${previous.machine.node})`, sections: kept } }
}

async function main(): Promise<void> {
  dropReplyBodies()
  const startedAt = new Date().toISOString()
  const loadStart = os.loadavg()[0]!
  log(`load tests (${mode}) -> ${outDir}`)
  const names: ServerName[] = only === 'time' || only === 'links' ? ['defaults'] : only === 'throughput' ? ['plain', 'httpCompression'] : ['plain', 'httpCompression', 'defaults']
  const servers = new Map<ServerName, ServerProcess>()
  try {
    for (const name of names) servers.set(name, await startServerProcess(SERVERS[name]))
    const sweeps = only === undefined || only === 'time'
    const throughput = only === undefined || only === 'throughput' ? await measureThroughput(servers) : []
    const timeToObject = only === 'throughput' ? [] : await measureTimeToObject(servers.get('defaults')!)
    const rttSweep = sweeps ? await measureRttSweep(servers.get('defaults')!) : []
    const thresholdSweep = sweeps ? await measureThresholdSweep(servers.get('defaults')!) : []
    const serverErrors = [...servers.entries()].flatMap(([name, s]) => s.errorLines.map((line) => ({ server: name, line })))
    // autocannon ends each run by destroying its sockets, replies in flight included;
    // @fastify/compress logs those aborted streams as "premature close". Anything else fails the run.
    const aborted = serverErrors.filter((e) => e.line.includes(ABORTED_STREAM_MESSAGE))
    const unexpected = serverErrors.filter((e) => !e.line.includes(ABORTED_STREAM_MESSAGE))
    const measured: LoadResults = {
      mode,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...describeMachine(), loadStart, loadEnd: os.loadavg()[0]! },
      settings: {
        connections: THROUGHPUT.connections,
        warmupSeconds: timing.warmupSeconds,
        seconds: timing.seconds,
        repeats: timing.repeats,
        links: LINKS.map((l) => ({ name: l.name, mbps: l.mbps, rttMs: l.rttMs, users: [...l.users] })),
        rttSweep: { mbps: RTT_SWEEP.mbps, users: RTT_SWEEP.users, rttsMs: RTT_SWEEP.rttsMs },
        thresholdSweep: { links: THRESHOLD_SWEEP.links, mssBytes: THRESHOLD_SWEEP.mssBytes, batchMs: THRESHOLD_SWEEP.batchMs, batches: THRESHOLD_SWEEP.batches },
        timeToObjectSamples: ttoSettings.samples
      },
      throughput,
      timeToObject,
      rttSweep,
      thresholdSweep
    }
    const results = only === undefined ? measured : keepPrevious(measured, path.join(outDir, 'results.json'))
    mkdirSync(outDir, { recursive: true })
    writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    writeFileSync(path.join(outDir, 'results.md'), toMarkdown(results))
    if (timeToObject.length > 0) writeFileSync(path.join(outDir, 'time-to-object.svg'), toSvg(results))
    for (const check of checkTargets(results)) log(`${check.met === undefined ? 'INFO' : check.met ? 'MET ' : 'MISS'} ${check.target}: ${check.measured}`)
    if (aborted.length > 0) log(`server logs: ${aborted.length} "${ABORTED_STREAM_MESSAGE}" (replies cut when autocannon stops; servers: ${[...new Set(aborted.map((e) => e.server))].join(', ')})`)
    if (unexpected.length > 0) {
      console.error(`server logged ${unexpected.length} unexpected error lines, first (${unexpected[0]!.server}): ${unexpected[0]!.line}`)
      process.exitCode = 1
    }
    const failed = throughput.some((row) => row.non2xx + row.errors + row.timeouts > 0)
    if (failed) process.exitCode = 1
    log(`wrote ${path.join(outDir, 'results.md')}`)
  } finally {
    for (const server of servers.values()) await server.stop()
  }
}

await main()
