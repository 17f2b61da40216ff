/**
 * Load-test results: their shape, the Markdown table, the target checks of issue 5, and a
 * hand-written SVG chart of time-to-object against bandwidth.
 */
import os from 'node:os'
import type { FormatId } from './formats.js'
import { msPerByte } from './link-model.js'
import type { LinkSettings } from './link-model.js'
import type { ThresholdRow } from './threshold.js'
import { DEFAULTS } from '../plugin/options.js'
import { AUTO_ASSUMED_MBPS } from '../plugin/coding-model.js'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  os: string
  /** 1-minute load average at the start and the end: other work on the machine shows here. */
  loadStart: number
  loadEnd: number
}

export interface ThroughputRow {
  users: number
  format: FormatId
  label: string
  /** Median over the repeats. */
  requestsPerSecond: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Server CPU time per reply (user + system), ms: median over the repeats. */
  serverCpuMsPerReply: number
  /**
   * The server's garbage collections per 1,000 replies (scavenges, mark-compacts): medians over
   * the repeats. Absent from results written before it was measured.
   */
  gcPerThousandReplies?: { minor: number; major: number }
  /**
   * The server's minor page faults per reply (fresh memory touched): median over the repeats.
   * Absent from results written before it was measured.
   */
  faultsPerReply?: number
  /** Share of one core the server and the load generator used (median run): near 100% is saturated. */
  serverCpuShare: number
  clientCpuShare: number
  /** Reply body bytes as sent (compressed where the format compresses). */
  bytesPerReply: number
  /** Totals over warm-up and every repeat. */
  non2xx: number
  errors: number
  timeouts: number
  /** Requests/s of each repeat. */
  runs: number[]
}

/** One format and payload through the link profiles; each record is keyed by the link's Mbps. */
export interface TimeToObjectRow {
  users: number
  format: FormatId
  label: string
  /** Reply body bytes as sent on that link (a browser format's coding depends on its hints). */
  bytes: Record<number, number>
  /** The reply's Content-Encoding, 'lz4' (in-format, SPEC 4) or 'identity', and a table layout's parameters. */
  coding: Record<number, string>
  /** Median milliseconds from request sent to decoded value in hand. */
  medianMs: Record<number, number>
  /** Median server CPU milliseconds per reply (user + system, every thread). */
  serverCpuMs: Record<number, number>
}

/** A link profile of the bandwidth simulator (load-tests/constants.ts LINKS). */
export interface LinkProfile extends LinkSettings {
  name: string
  users: number[]
}

/** One format through the RTT sweep (settings.rttSweep): one rate, one payload, several RTTs. */
export interface RttSweepRow {
  format: FormatId
  label: string
  bytesPerReply: number
  /** RTT ms -> median milliseconds from request sent to decoded value in hand. */
  medianMsByRtt: Record<number, number>
}

export interface LoadResults {
  mode: 'full' | 'quick'
  startedAt: string
  finishedAt: string
  machine: Machine
  settings: {
    connections: number
    warmupSeconds: number
    seconds: number
    repeats: number
    links: readonly LinkProfile[]
    rttSweep: { mbps: number; users: number; rttsMs: readonly number[] }
    thresholdSweep: { links: readonly LinkSettings[]; mssBytes: number; batchMs: number; batches: number }
    timeToObjectSamples: number
  }
  throughput: ThroughputRow[]
  timeToObject: TimeToObjectRow[]
  rttSweep: RttSweepRow[]
  thresholdSweep: ThresholdRow[]
  /** Sections a partial run (`--only`) kept from an earlier run, and that run. */
  kept?: { from: string; sections: string[] }
}

/** Describes this machine (load averages filled in by the caller). */
export function describeMachine(): Omit<Machine, 'loadStart' | 'loadEnd'> {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`
  }
}

/** The issue 5 targets, checked against the numbers. */
export interface TargetCheck {
  target: string
  measured: string
  met: boolean | undefined
}

function findThroughput(r: LoadResults, users: number, format: FormatId): ThroughputRow | undefined {
  return r.throughput.find((row) => row.users === users && row.format === format)
}

function findTime(r: LoadResults, users: number, format: FormatId): TimeToObjectRow | undefined {
  return r.timeToObject.find((row) => row.users === users && row.format === format)
}

const BIG = 10_000
/** Issue 5 target figures. */
const TARGETS = { bfastOverJson: 1.2, lz4OverJsonAt100: 0.35, autoSlackAt1000: 1.05 } as const

export function checkTargets(r: LoadResults): TargetCheck[] {
  const checks: TargetCheck[] = []
  const json = findThroughput(r, BIG, 'json')
  const bfast = findThroughput(r, BIG, 'bfast')
  if (json !== undefined && bfast !== undefined) {
    const ratio = bfast.requestsPerSecond / json.requestsPerSecond
    checks.push({
      target: `10,000 users, network 'fast': B-FAST requests/s >= ${TARGETS.bfastOverJson}x JSON`,
      measured: `${ratio.toFixed(2)}x (${fmt(bfast.requestsPerSecond)} vs ${fmt(json.requestsPerSecond)} req/s)`,
      met: ratio >= TARGETS.bfastOverJson
    })
    checks.push({
      target: '(same, by server CPU time per reply, less disturbed by other work on the machine)',
      measured: `B-FAST ${bfast.serverCpuMsPerReply.toFixed(2)} ms vs JSON ${json.serverCpuMsPerReply.toFixed(2)} ms: ${(json.serverCpuMsPerReply / bfast.serverCpuMsPerReply).toFixed(2)}x the replies per CPU-second`,
      met: undefined
    })
  }
  const link100 = r.settings.links.find((l) => l.mbps === 100)
  const row100 = (f: FormatId): TimeToObjectRow | undefined => findTime(r, BIG, f)
  const [lz4, j, gz] = [row100('lz4'), row100('json'), row100('gzip')]
  if (link100 !== undefined && lz4?.medianMs[100] !== undefined && j?.medianMs[100] !== undefined && gz?.medianMs[100] !== undefined) {
    checks.push(lz4Check(link100, BIG, lz4.bytes[100]!, j.bytes[100]!, lz4.medianMs[100], j.medianMs[100], gz.medianMs[100]))
  }
  checks.push(...checkRttSweep(r))
  for (const users of [...new Set(r.timeToObject.map((row) => row.users))]) {
    // Issue 5 compares the policy with the forms it chooses among and JSON; a browser's table
    // layout is issue 16's (linkTargets).
    const rows = r.timeToObject.filter((row) =>
      row.users === users && row.medianMs[1000] !== undefined && !BROWSER_FORMATS.includes(row.format))
    const auto = rows.find((row) => row.format === 'auto')
    if (auto === undefined || rows.length < 2) continue
    const best = rows.reduce((a, b) => (a.medianMs[1000]! <= b.medianMs[1000]! ? a : b))
    const ratio = auto.medianMs[1000]! / best.medianMs[1000]!
    // 'auto' sends exactly one of the other forms; when it is the best one, any gap is noise.
    const twin = rows.find((row) => row !== auto && !JSON_FORMATS.has(row.format) && row.bytes[1000] === auto.bytes[1000])
    const sameAsBest = twin !== undefined && twin === best ? ` (the same bytes as ${best.label}: the gap is noise between two routes doing the same work)` : ''
    checks.push({
      target: `1000 Mbps, ${fmt(users)} users: 'auto' within ${Math.round((TARGETS.autoSlackAt1000 - 1) * 100)}% of the best format`,
      measured: `${ratio.toFixed(2)}x ${best.label} (${auto.medianMs[1000]!.toFixed(2)} vs ${best.medianMs[1000]!.toFixed(2)} ms)${sameAsBest}`,
      met: ratio <= TARGETS.autoSlackAt1000
    })
  }
  checks.push(...linkTargets(r))
  const failed = r.throughput.reduce((n, row) => n + row.non2xx + row.errors + row.timeouts, 0)
  checks.push({ target: 'Zero failed requests in every scenario', measured: `${failed} non-2xx/errors/timeouts`, met: failed === 0 })
  return checks
}

/** The JSON formats (@fastify/compress's codings and none). */
const JSON_FORMATS: ReadonlySet<FormatId> = new Set(['json', 'gzip', 'br', 'zstd'])
/** The B-FAST formats a browser asks for (./formats.ts `browser`). */
const BROWSER_FORMATS: readonly FormatId[] = ['browser', 'transport']

/**
 * Issue 16 item 6, per link profile at its largest payload: a browser's B-FAST request (the plugin's
 * default policy with client hints) reaches the decoded object no later than JSON in its best
 * coding from @fastify/compress, and costs the server no more CPU per reply than JSON + gzip.
 */
export function linkTargets(r: LoadResults): TargetCheck[] {
  const checks: TargetCheck[] = []
  for (const link of r.settings.links) {
    // The payload the issue names for the link (its largest); the smaller ones are in the table.
    for (const users of [Math.max(...link.users)]) {
      const at = (f: FormatId): TimeToObjectRow | undefined => {
        const row = findTime(r, users, f)
        return row?.medianMs[link.mbps] === undefined ? undefined : row
      }
      const json = [...JSON_FORMATS].map(at).filter((row): row is TimeToObjectRow => row !== undefined)
      const gzip = at('gzip')
      if (json.length === 0 || gzip === undefined) continue
      const best = json.reduce((a, b) => (a.medianMs[link.mbps]! <= b.medianMs[link.mbps]! ? a : b))
      for (const id of BROWSER_FORMATS) {
        const row = at(id)
        if (row === undefined) continue
        const ms = row.medianMs[link.mbps]!
        const bestMs = best.medianMs[link.mbps]!
        const cpu = row.serverCpuMs[link.mbps]!
        const gzipCpu = gzip.serverCpuMs[link.mbps]!
        checks.push({
          target: `${link.name} (${link.mbps} Mbps, ${link.rttMs} ms RTT), ${fmt(users)} users: ${row.label} no later than the best JSON, at no more server CPU than JSON + gzip`,
          measured:
            `${row.coding[link.mbps]}, ${fmt(row.bytes[link.mbps]!)} B: ${msText(ms)} ms vs ${best.label} ${msText(bestMs)} ms (${(ms / bestMs).toFixed(2)}x); ` +
            `CPU ${cpu.toFixed(2)} vs ${gzipCpu.toFixed(2)} ms (${(cpu / gzipCpu).toFixed(2)}x)`,
          met: ms <= bestMs && cpu <= gzipCpu
        })
      }
    }
  }
  return checks
}

/**
 * The network alone, with every CPU cost at zero: one RTT plus the reply's serialization at the
 * link rate. The floor of a format's time-to-object, whatever the implementation.
 */
export function networkFloorMs(bytes: number, link: LinkSettings): number {
  return link.rttMs + bytes * msPerByte(link.mbps)
}

/** The 100 Mbps target at every RTT of the sweep, with the network floor of the ratio beside it. */
function checkRttSweep(r: LoadResults): TargetCheck[] {
  const find = (f: FormatId): RttSweepRow | undefined => r.rttSweep.find((row) => row.format === f)
  const [lz4, json, gzip] = [find('lz4'), find('json'), find('gzip')]
  if (lz4 === undefined || json === undefined || gzip === undefined) return []
  const { mbps, users } = r.settings.rttSweep
  return r.settings.rttSweep.rttsMs.map((rttMs) =>
    lz4Check({ mbps, rttMs }, users, lz4.bytesPerReply, json.bytesPerReply, lz4.medianMsByRtt[rttMs]!, json.medianMsByRtt[rttMs]!, gzip.medianMsByRtt[rttMs]!)
  )
}

/**
 * The issue-5 bandwidth target on one link. Where the network floor alone (RTT plus the bytes
 * at the link rate, every CPU cost at zero) is above the target, no implementation sending
 * these bytes can meet it: the row says so and counts as neither met nor missed.
 */
function lz4Check(link: LinkSettings, users: number, lz4Bytes: number, jsonBytes: number, l: number, j: number, g: number): TargetCheck {
  const floor = networkFloorMs(lz4Bytes, link) / networkFloorMs(jsonBytes, link)
  const reachable = floor <= TARGETS.lz4OverJsonAt100
  return {
    target: `${link.mbps} Mbps, ${link.rttMs} ms RTT, ${fmt(users)} users: B-FAST + LZ4 time-to-object <= ${TARGETS.lz4OverJsonAt100}x JSON and below JSON + gzip`,
    measured:
      `${(l / j).toFixed(2)}x JSON (${msText(l)} vs ${msText(j)} ms; network floor ${floor.toFixed(2)}x); gzip ${msText(g)} ms` +
      (reachable ? '' : `: out of reach for these bytes at this RTT (the network floor alone is above ${TARGETS.lz4OverJsonAt100}x)`),
    met: reachable ? l / j <= TARGETS.lz4OverJsonAt100 && l < g : undefined
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`
}

function msText(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–'
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)
}

/** Scavenges / mark-compacts per 1,000 replies, or a dash for results measured before they were counted. */
function gcText(gc: ThroughputRow['gcPerThousandReplies']): string {
  return gc === undefined ? '–' : `${Math.round(gc.minor)} / ${Math.round(gc.major)}`
}

/** Minor page faults per reply, or a dash for results measured before they were counted. */
function faultsText(faults: ThroughputRow['faultsPerReply']): string {
  return faults === undefined ? '–' : fmt(Math.round(faults))
}

/** The results as Markdown: method, machine, both tables and the target checks. */
export function toMarkdown(r: LoadResults): string {
  const m = r.machine
  const s = r.settings
  const lines: string[] = []
  lines.push(`# Load-test results (${r.mode}${r.mode === 'quick' ? ': indicative only' : ''})`, '')
  lines.push(`Run ${r.startedAt} to ${r.finishedAt}. Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}.`)
  lines.push(`1-minute load average ${m.loadStart.toFixed(2)} at the start, ${m.loadEnd.toFixed(2)} at the end (other work on the machine shows here).`, '')
  if (r.kept !== undefined) {
    lines.push(`Partial run: ${r.kept.sections.join(', ')} kept from the run of ${r.kept.from}; the rest measured in this run.`, '')
  }
  lines.push('## Throughput (autocannon)', '')
  lines.push(
    `Server (examples/server.ts) in a child process, autocannon in the parent, ${s.connections} connections over loopback, no pipelining. ` +
      `Each scenario: ${s.warmupSeconds} s warm-up, then ${s.repeats} x ${s.seconds} s; the table gives the median run (requests/s, and that run's latency percentiles). ` +
      "JSON, B-FAST and B-FAST + LZ4 come from one server with network 'fast' (JSON and B-FAST on the same route, only Accept differs; LZ4 on a route pinned to 'slow'); " +
      'gzip and brotli from a server that also registers @fastify/compress (default settings). Bytes/reply: the reply body as sent. Failures: totals over warm-up and repeats. ' +
      'Server CPU/reply: the server process\'s user+system CPU time over the run divided by the replies (median over the repeats). ' +
      'GC/1000: the server\'s scavenges / mark-compacts per 1,000 replies (medians over the repeats); ' +
      'at 10,000 users, mark-compacts mean the requests\' data was promoted and the reply\'s CPU time ' +
      'includes sweeping it (docs/PERFORMANCE-NOTES.md "The 10,000-user reply on a real socket"). ' +
      'Faults/reply: the server\'s minor page faults per reply (median over the repeats), fresh memory it touched; a large reply that faults ' +
      'its own size in pages had its buffer\'s memory returned to the kernel and mapped again (docs/PERFORMANCE-NOTES.md "Large replies and glibc\'s heap trimming"). ' +
      'CPU server/client: the share of one core each process used in the median run; a load generator near 100% means the client, not the server, was the limit. ' +
      'autocannon is patched not to build each reply body into a string (load-tests/autocannon-bodies.ts), which cost it several times more for binary replies than for JSON.',
    ''
  )
  lines.push(
    '| Users | Format | Requests/s | vs JSON | p50 ms | p99 ms | Server CPU/reply ms | GC/1000 | Faults/reply | CPU server/client | ' +
      'Bytes/reply | non-2xx | errors | timeouts |'
  )
  lines.push('|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const row of r.throughput) {
    const json = findThroughput(r, row.users, 'json')
    const vs = json === undefined ? '–' : `${(row.requestsPerSecond / json.requestsPerSecond).toFixed(2)}x`
    lines.push(
      `| ${fmt(row.users)} | ${row.label} | ${fmt(row.requestsPerSecond)} | ${vs} | ${msText(row.latencyP50Ms)} | ` +
        `${msText(row.latencyP99Ms)} | ${row.serverCpuMsPerReply.toFixed(3)} | ${gcText(row.gcPerThousandReplies)} | ${faultsText(row.faultsPerReply)} | ` +
        `${pct(row.serverCpuShare)} / ${pct(row.clientCpuShare)} | ${fmt(row.bytesPerReply)} | ${row.non2xx} | ` +
        `${row.errors} | ${row.timeouts} |`
    )
  }
  lines.push('', '## Time to decoded object through a throttled link', '')
  lines.push(
    'load-tests/throttle-proxy.ts sits between client and server on loopback and delivers each direction at the link rate plus half the RTT. ' +
      `Link profiles: ${s.links.map((l) => `${l.name} (${l.mbps} Mbps / ${l.rttMs} ms RTT, ${l.users.map(fmt).join(' and ')} users)`).join(', ')}. ` +
      'The client (undici fetch on a kept-alive connection; `response.json()` for JSON, which includes gzip/brotli/zstd decompression; fastify-bfast/client for B-FAST) ' +
      `measures from the request to the decoded value in hand. Formats are interleaved request by request; median of ${s.timeToObjectSamples} after warm-up. ` +
      'All from one server: the plugin with its defaults (compression policy network \'auto\', threshold 1024; tables for clients that ask) and `clientHints: true`, and @fastify/compress with its defaults ' +
      '(JSON asked for one coding per row). "B-FAST, \'auto\' policy" asks for v1 with no hints and no HTTP coding (issue 5\'s check). "B-FAST, browser" rows ask as a browser on that link asks: the client\'s own Accept, `Accept-Encoding: gzip, deflate, br, zstd`, ' +
      'and the ECT, Downlink and RTT hints Chromium would send (load-tests/browser-hints.ts: Downlink never above 10). "Sent as": the reply\'s coding on that link. ' +
      'Server CPU: the server process\'s user+system time (every thread) around each request, less the cost of reading it, with the headers of that link ' +
      'but sent straight to the server one at a time (the link\'s idle waits would add GC and timers to the reply in flight); median of 25 after 5 warm-up rounds, formats interleaved.',
    ''
  )
  lines.push('| Link | Users | Format | Sent as | Bytes | ms | vs best JSON | Server CPU ms | vs JSON + gzip |')
  lines.push('|:---|---:|:---|:---|---:|---:|---:|---:|---:|')
  for (const link of s.links) {
    for (const users of link.users) {
      const rows = r.timeToObject.filter((row) => row.users === users && row.medianMs[link.mbps] !== undefined)
      const json = rows.filter((row) => JSON_FORMATS.has(row.format))
      const bestMs = json.length === 0 ? undefined : Math.min(...json.map((row) => row.medianMs[link.mbps]!))
      const gzipCpu = rows.find((row) => row.format === 'gzip')?.serverCpuMs[link.mbps]
      for (const row of rows) {
        const v = row.medianMs[link.mbps]!
        const cpu = row.serverCpuMs[link.mbps]
        lines.push(
          `| ${link.name} | ${fmt(users)} | ${row.label} | ${row.coding[link.mbps] ?? '–'} | ${fmt(row.bytes[link.mbps] ?? Number.NaN)} | ${msText(v)} | ` +
            `${bestMs === undefined ? '–' : `${(v / bestMs).toFixed(2)}x`} | ${cpu === undefined ? '–' : cpu.toFixed(2)} | ` +
            `${cpu === undefined || gzipCpu === undefined ? '–' : `${(cpu / gzipCpu).toFixed(2)}x`} |`
        )
      }
    }
  }
  lines.push('', '![time to object vs bandwidth](time-to-object.svg)', '')
  if (r.rttSweep.length > 0) lines.push(...sweepMarkdown(r))
  if (r.thresholdSweep.length > 0) lines.push(...thresholdMarkdown(r))
  lines.push('## Targets (issues 5 and 16)', '')
  lines.push('| Target | Measured | Met |', '|:---|:---|:---:|')
  for (const c of checkTargets(r)) lines.push(`| ${c.target} | ${c.measured} | ${c.met === undefined ? '–' : c.met ? 'yes' : '**no**'} |`)
  lines.push(
    '',
    '"–": information, or a target that B-FAST + LZ4\'s bytes cannot meet on that link whatever the CPU costs: the RTT plus their transfer alone ' +
      'already exceed it (SPEC 4 fixes the compression to the LZ4 block format; lz4 -12, the strongest LZ4 level, shrinks these bytes by about 4%).'
  )
  lines.push('')
  return lines.join('\n')
}

/** The RTT sweep: each format's time and ratio to JSON per RTT, then the network floors. */
function sweepMarkdown(r: LoadResults): string[] {
  const { mbps, users, rttsMs } = r.settings.rttSweep
  const json = r.rttSweep.find((row) => row.format === 'json')
  const lines: string[] = []
  lines.push(`## ${mbps} Mbps at several round-trip times (${fmt(users)} users)`, '')
  lines.push(
    `The same measurement through a ${mbps} Mbps link whose RTT varies. The RTT is paid once by every format, so the more of the time it takes, ` +
      'the closer every ratio is pushed to 1. "Network floor": RTT plus the reply at the link rate, every CPU cost at zero; its ratio to JSON\'s floor ' +
      'is the best any implementation sending these bytes could reach.',
    ''
  )
  lines.push(`| Format | Bytes | ${rttsMs.map((rtt) => `${rtt} ms RTT (vs JSON)`).join(' | ')} |`)
  lines.push(`|:---|---:|${rttsMs.map(() => '---:').join('|')}|`)
  for (const row of r.rttSweep) {
    const cells = rttsMs.map((rtt) => {
      const v = row.medianMsByRtt[rtt]
      const base = json?.medianMsByRtt[rtt]
      return `${msText(v)} (${v !== undefined && base !== undefined ? (v / base).toFixed(2) : '–'}x)`
    })
    lines.push(`| ${row.label} | ${fmt(row.bytesPerReply)} | ${cells.join(' | ')} |`)
  }
  if (json !== undefined) {
    for (const row of r.rttSweep.filter((x) => x.format === 'lz4' || x.format === 'gzip')) {
      const cells = rttsMs.map((rttMs) => {
        const link = { mbps, rttMs }
        return `${msText(networkFloorMs(row.bytesPerReply, link))} (${(networkFloorMs(row.bytesPerReply, link) / networkFloorMs(json.bytesPerReply, link)).toFixed(2)}x)`
      })
      lines.push(`| network floor, ${row.label} | ${fmt(row.bytesPerReply)} | ${cells.join(' | ')} |`)
    }
  }
  lines.push('')
  return lines
}

/**
 * What the threshold sweep says of the plugin's default `threshold`: below it, how much LZ4
 * saves at most and whether it ever saves a TCP segment; at and above it, the lowest link rate
 * under which compressing pays (to compare with what network 'auto' assumes).
 */
export function thresholdVerdict(rows: readonly ThresholdRow[], threshold: number = DEFAULTS.threshold): string {
  const below = rows.filter((row) => row.plainBytes < threshold)
  const above = rows.filter((row) => row.plainBytes >= threshold)
  const parts: string[] = []
  if (below.length > 0) {
    const maxSaved = Math.max(...below.map((row) => row.plainBytes - row.lz4Bytes))
    const segmentSaved = below.some((row) => row.segmentsLz4 < row.segmentsPlain)
    const largest = below.reduce((a, b) => (a.plainBytes >= b.plainBytes ? a : b))
    const savedUsAt100 = ((largest.plainBytes - largest.lz4Bytes) * msPerByte(AUTO_ASSUMED_MBPS) * 1000).toFixed(0)
    parts.push(
      `below ${fmt(threshold)} bytes LZ4 saves at most ${fmt(maxSaved)} bytes per reply (${savedUsAt100} µs at ${AUTO_ASSUMED_MBPS} Mbps for the largest, ${fmt(largest.plainBytes)} bytes), ` +
        (segmentSaved ? 'and saves a TCP segment in some cases' : 'never a TCP segment')
    )
  }
  if (above.length > 0) {
    const lowest = above.reduce((a, b) => (a.breakEvenMbps <= b.breakEvenMbps ? a : b))
    parts.push(
      `at and above it compressing pays below ${fmt(lowest.breakEvenMbps)} Mbps or more (lowest at ${fmt(lowest.plainBytes)} bytes), ` +
        `${lowest.breakEvenMbps >= AUTO_ASSUMED_MBPS ? 'above' : '**below**'} the ${AUTO_ASSUMED_MBPS} Mbps network 'auto' assumes`
    )
  }
  return parts.join('; ')
}

/** The threshold sweep: bytes, segments, CPU, break-even rate and time-to-object per size. */
function thresholdMarkdown(r: LoadResults): string[] {
  const t = r.settings.thresholdSweep
  const lines: string[] = []
  lines.push(`## Small replies: where LZ4 starts to pay (the \`threshold\` default, ${fmt(DEFAULTS.threshold)} bytes)`, '')
  lines.push(
    'Plain B-FAST against B-FAST + LZ4 on a route that compresses at any size (the plugin sends the plain message when LZ4 does not shrink it). ' +
      `Compress (lz4-napi, what the server runs) and decompress (the pure-TS decoder browsers run) are timed in this process, in batches of at least ${t.batchMs} ms, median of ${t.batches}. ` +
      '"Pays below": the link rate under which the bytes saved take longer on the link than compressing and decompressing them (the cost model of plugin/policy.ts, at this size). ' +
      `Segments: TCP segments the body needs at ${fmt(t.mssBytes)} bytes each (the HTTP headers, about 150-250 bytes, come on top). ` +
      `Time to object: as above, through ${t.links.map((l) => `${l.mbps} Mbps / ${l.rttMs} ms RTT`).join(' and ')}, plain / LZ4.`,
    ''
  )
  lines.push(`| Users | Plain bytes | LZ4 bytes | Saved | Segments plain/LZ4 | Compress µs | Decompress µs | LZ4 pays below | ${t.links.map((l) => `${l.mbps} Mbps ms`).join(' | ')} |`)
  lines.push(`|---:|---:|---:|---:|:---:|---:|---:|---:|${t.links.map(() => '---:').join('|')}|`)
  for (const row of r.thresholdSweep) {
    const times = t.links.map((l) => {
      const v = row.timeToObjectMs[l.mbps]
      return v === undefined ? '–' : `${msText(v.plain)} / ${msText(v.lz4)}`
    })
    lines.push(
      `| ${fmt(row.users)} | ${fmt(row.plainBytes)} | ${fmt(row.lz4Bytes)} | ${fmt(row.plainBytes - row.lz4Bytes)} | ${row.segmentsPlain}/${row.segmentsLz4} | ` +
        `${row.compressUs.toFixed(1)} | ${row.decompressUs.toFixed(1)} | ${row.breakEvenMbps > 0 ? `${fmt(row.breakEvenMbps)} Mbps` : 'never'} | ${times.join(' | ')} |`
    )
  }
  lines.push('', `Default threshold: ${thresholdVerdict(r.thresholdSweep)}.`, '')
  return lines
}

/** Line colours per format (colour-blind-safe Okabe–Ito palette). */
const COLOURS: Record<FormatId, string> = {
  json: '#000000',
  gzip: '#E69F00',
  br: '#56B4E9',
  zstd: '#0072B2',
  bfast: '#009E73',
  lz4: '#D55E00',
  auto: '#999999',
  browser: '#CC79A7',
  transport: '#CC79A7'
}
const DASHED: ReadonlySet<FormatId> = new Set(['transport'])

const CHART = { width: 840, height: 480, left: 78, right: 280, top: 64, bottom: 58 } as const

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;')
}

/** Powers of ten and their 2x/5x steps spanning [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e
      if (v >= lo && v <= hi) ticks.push(v)
    }
  }
  return ticks
}

/**
 * Time-to-object (log ms) against link rate (log Mbps), one line per format, each link at its
 * largest payload (the one issue 16 item 6 names: 1,000 users on 3G, 10,000 on the others).
 */
export function toSvg(r: LoadResults): string {
  const links = r.settings.links
  const usersAt = (link: LinkProfile): number => Math.max(...link.users)
  const valueOf = (format: FormatId, link: LinkProfile): number | undefined =>
    findTime(r, usersAt(link), format)?.medianMs[link.mbps]
  const formats = [...new Set(r.timeToObject.map((row) => row.format))]
  const labels = new Map(r.timeToObject.map((row) => [row.format, row.label]))
  const values = formats.flatMap((f) => links.map((l) => valueOf(f, l)).filter((v): v is number => v !== undefined && v > 0))
  const rates = links.map((l) => l.mbps)
  const yLo = 10 ** Math.floor(Math.log10(Math.min(...values)))
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(...values)))
  const xLo = Math.min(...rates)
  const xHi = Math.max(...rates)
  const plotW = CHART.width - CHART.left - CHART.right
  const plotH = CHART.height - CHART.top - CHART.bottom
  const x = (mbps: number): number => CHART.left + ((Math.log10(mbps) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo))) * plotW
  const y = (msValue: number): number => CHART.top + plotH - ((Math.log10(msValue) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * plotH
  const payloads = links.map((l) => `${l.name} ${fmt(usersAt(l))}`).join(', ')
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART.width} ${CHART.height}" width="${CHART.width}" height="${CHART.height}" font-family="system-ui, sans-serif" font-size="12">`)
  out.push(`<rect width="${CHART.width}" height="${CHART.height}" fill="#fff"/>`)
  out.push(
    `<text x="${CHART.left}" y="24" font-size="15" font-weight="600">Time to decoded object per link profile (median ms, log scales)</text>`,
    `<text x="${CHART.left}" y="44" fill="#444">users: ${escapeXml(payloads)}</text>`
  )
  for (const t of logTicks(yLo, yHi)) {
    out.push(`<line x1="${CHART.left}" x2="${CHART.left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e3e3e3"/>`)
    out.push(`<text x="${CHART.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#444">${t}</text>`)
  }
  for (const link of links) {
    const b = link.mbps
    out.push(`<line x1="${x(b).toFixed(1)}" x2="${x(b).toFixed(1)}" y1="${CHART.top}" y2="${CHART.top + plotH}" stroke="#e3e3e3"/>`)
    out.push(`<text x="${x(b).toFixed(1)}" y="${CHART.top + plotH + 18}" text-anchor="middle" fill="#444">${escapeXml(link.name)}</text>`)
  }
  out.push(`<rect x="${CHART.left}" y="${CHART.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`)
  out.push(`<text x="${CHART.left + plotW / 2}" y="${CHART.height - 14}" text-anchor="middle" fill="#222">link rate (RTT ${r.settings.links.map((l) => `${l.rttMs} ms`).join(' / ')})</text>`)
  out.push(`<text transform="translate(20 ${CHART.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#222">request to decoded value, ms</text>`)
  formats.forEach((format, i) => {
    const points = links.flatMap((l) => {
      const v = valueOf(format, l)
      return v === undefined ? [] : [`${x(l.mbps).toFixed(1)},${y(v).toFixed(1)}`]
    })
    const colour = COLOURS[format]
    const dash = DASHED.has(format) ? ' stroke-dasharray="6 4"' : ''
    out.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`)
    for (const p of points) {
      const [px, py] = p.split(',')
      out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${colour}"/>`)
    }
    const ly = CHART.top + 10 + i * 22
    const lx = CHART.left + plotW + 18
    out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`)
    out.push(`<text x="${lx + 32}" y="${ly + 4}" fill="#222">${escapeXml(labels.get(format) ?? format)}</text>`)
  })
  out.push('</svg>', '')
  return out.join('\n')
}
