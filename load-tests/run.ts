/**
 * `npm run load`: throughput (autocannon) and time-to-decoded-object through a throttled link,
 * for JSON, JSON + gzip, JSON + brotli, B-FAST and B-FAST + LZ4 (issue 5). Writes
 * results.md, results.json and time-to-object.svg.
 *
 *   npm run load                      full run (about 7 minutes on 2 cores), into load-tests/results/node-<major>/
 *   npm run load -- --node 26         the same under another Node line (scripts/node-lines.mjs)
 *   npm run load -- --quick           a short run (about 1.5 minutes), into a temp directory
 *   npm run load -- --out DIR         write the results elsewhere
 *   npm run load -- --only time       only the bandwidth simulator (or: --only throughput)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { Agent, fetch as undiciFetch, request } from 'undici'
import { createClient } from '../client/index.js'
import type { FetchFunction } from '../client/index.js'
import { ROOT } from '../examples/server.js'
import { dropReplyBodies } from './autocannon-bodies.js'
import { startServerProcess } from './child-server.js'
import type { ServerProcess } from './child-server.js'
import { LINKS, PAYLOAD_USERS, RTT_SWEEP, THRESHOLD_SWEEP, THROUGHPUT, TIME_TO_OBJECT } from './constants.js'
import { FORMATS, SERVERS, THRESHOLD_FORMATS } from './formats.js'
import { measureThresholdCosts } from './threshold.js'
import type { ThresholdRow } from './threshold.js'
import type { Format, FormatId, ServerName } from './formats.js'
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
  console.log('usage: npm run load -- [--quick] [--out DIR] [--only throughput|time]')
  process.exit(0)
}
if (flags.only !== undefined && flags.only !== 'throughput' && flags.only !== 'time') {
  console.error(`--only must be 'throughput' or 'time', not '${flags.only}'`)
  process.exit(2)
}
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
async function bodyBytes(origin: string, format: Format, pathname: string): Promise<number> {
  const res = await request(origin + pathname, { headers: format.headers })
  const body = Buffer.from(await res.body.arrayBuffer())
  if (res.statusCode !== 200) throw new Error(`${format.label} ${pathname}: HTTP ${res.statusCode}`)
  return body.length
}

interface Measured {
  result: autocannon.Result
  /** Server CPU ms over the run, and the load generator's (this process). */
  serverCpuMs: number
  clientCpuMs: number
}

const MICROS_PER_MS = 1000
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
    clientCpuMs: (client.user + client.system) / MICROS_PER_MS
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
        serverCpuShare: mid.serverCpuMs / wallMs,
        clientCpuShare: mid.clientCpuMs / wallMs,
        bytesPerReply: await bodyBytes(server.origin, format, pathname),
        non2xx: all.reduce((n, r) => n + r.non2xx, 0),
        errors: all.reduce((n, r) => n + r.errors, 0),
        timeouts: all.reduce((n, r) => n + r.timeouts, 0),
        runs: rates
      }
      rows.push(row)
      log(
        `throughput ${users} users ${format.label}: ${Math.round(row.requestsPerSecond)} req/s (runs ${rates.map((r) => Math.round(r)).join(', ')}), ` +
          `p50 ${row.latencyP50Ms} ms, p99 ${row.latencyP99Ms} ms, server ${row.serverCpuMsPerReply.toFixed(3)} ms CPU/reply, ` +
          `CPU ${Math.round(row.serverCpuShare * 100)}%/${Math.round(row.clientCpuShare * 100)}%, ${row.bytesPerReply} B, failures ${row.non2xx + row.errors + row.timeouts}`
      )
    }
  }
  return rows
}

/** One request through the proxy, timed from the call to the decoded value in hand. */
type Fetcher = (format: Format, pathname: string) => Promise<unknown>

function fetcherFor(origin: string, dispatcher: Agent): Fetcher {
  const bfastClient = createClient({ baseUrl: origin, fetch: undiciFetch as unknown as FetchFunction, dispatcher, headers: { 'accept-encoding': 'identity' } })
  return async (format, pathname) => {
    if (format.decoder === 'bfast') return bfastClient.get(pathname, { headers: format.headers })
    const res = await undiciFetch(origin + pathname, { headers: format.headers, dispatcher })
    if (!res.ok) throw new Error(`${format.label} ${pathname}: HTTP ${res.status}`)
    return res.json()
  }
}

/** Median ms per format for each payload, through one simulated link (formats interleaved). */
async function timeThroughLink(server: ServerProcess, link: LinkSettings, userCounts: readonly number[], formats: readonly Format[] = FORMATS): Promise<Map<string, number>> {
  const proxy = await startThrottleProxy({ targetPort: server.port, ...link })
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
          const value = await fetcher(format, pathname)
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

async function measureTimeToObject(server: ServerProcess): Promise<TimeToObjectRow[]> {
  const rows = new Map<string, TimeToObjectRow>()
  for (const users of TIME_TO_OBJECT.users) {
    for (const format of FORMATS) {
      const pathname = `${format.timeToObject.path}?n=${users}`
      rows.set(`${users}:${format.id}`, {
        users,
        format: format.id,
        label: format.label,
        bytesPerReply: await bodyBytes(server.origin, format, pathname),
        medianMs: {}
      })
    }
  }
  for (const link of LINKS) {
    for (const [key, ms] of await timeThroughLink(server, link, TIME_TO_OBJECT.users)) rows.get(key)!.medianMs[link.mbps] = ms
  }
  return [...rows.values()]
}

/** The RTT sweep: one rate, several round-trip times, one payload (see RTT_SWEEP). */
async function measureRttSweep(server: ServerProcess, rows: readonly TimeToObjectRow[]): Promise<RttSweepRow[]> {
  const sweep = FORMATS.map((format): RttSweepRow => ({
    format: format.id,
    label: format.label,
    bytesPerReply: rows.find((row) => row.users === RTT_SWEEP.users && row.format === format.id)?.bytesPerReply ?? Number.NaN,
    medianMsByRtt: {}
  }))
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
    const sent = await bodyBytes(server.origin, lz4Format, `${lz4Format.timeToObject.path}?n=${row.users}`)
    const plain = await bodyBytes(server.origin, plainFormat, `${plainFormat.timeToObject.path}?n=${row.users}`)
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

async function main(): Promise<void> {
  dropReplyBodies()
  const startedAt = new Date().toISOString()
  const loadStart = os.loadavg()[0]!
  log(`load tests (${mode}) -> ${outDir}`)
  const names: ServerName[] = flags.only === 'time' ? ['defaults'] : flags.only === 'throughput' ? ['plain', 'httpCompression'] : ['plain', 'httpCompression', 'defaults']
  const servers = new Map<ServerName, ServerProcess>()
  try {
    for (const name of names) servers.set(name, await startServerProcess(SERVERS[name]))
    const throughput = flags.only === 'time' ? [] : await measureThroughput(servers)
    const timeToObject = flags.only === 'throughput' ? [] : await measureTimeToObject(servers.get('defaults')!)
    const rttSweep = flags.only === 'throughput' ? [] : await measureRttSweep(servers.get('defaults')!, timeToObject)
    const thresholdSweep = flags.only === 'throughput' ? [] : await measureThresholdSweep(servers.get('defaults')!)
    const serverErrors = [...servers.entries()].flatMap(([name, s]) => s.errorLines.map((line) => ({ server: name, line })))
    // autocannon ends each run by destroying its sockets, replies in flight included;
    // @fastify/compress logs those aborted streams as "premature close". Anything else fails the run.
    const aborted = serverErrors.filter((e) => e.line.includes(ABORTED_STREAM_MESSAGE))
    const unexpected = serverErrors.filter((e) => !e.line.includes(ABORTED_STREAM_MESSAGE))
    const results: LoadResults = {
      mode,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...describeMachine(), loadStart, loadEnd: os.loadavg()[0]! },
      settings: {
        connections: THROUGHPUT.connections,
        warmupSeconds: timing.warmupSeconds,
        seconds: timing.seconds,
        repeats: timing.repeats,
        links: LINKS,
        rttSweep: { mbps: RTT_SWEEP.mbps, users: RTT_SWEEP.users, rttsMs: RTT_SWEEP.rttsMs },
        thresholdSweep: { links: THRESHOLD_SWEEP.links, mssBytes: THRESHOLD_SWEEP.mssBytes, batchMs: THRESHOLD_SWEEP.batchMs, batches: THRESHOLD_SWEEP.batches },
        timeToObjectSamples: ttoSettings.samples
      },
      throughput,
      timeToObject,
      rttSweep,
      thresholdSweep
    }
    mkdirSync(outDir, { recursive: true })
    writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    writeFileSync(path.join(outDir, 'results.md'), toMarkdown(results))
    if (timeToObject.length > 0) writeFileSync(path.join(outDir, 'time-to-object.svg'), toSvg(results, Math.max(...TIME_TO_OBJECT.users)))
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
