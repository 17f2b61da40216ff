/**
 * The load report's verdicts (load-tests/report.ts): what it claims about the issue-5 targets
 * and the threshold default is computed from the measurements, so the arithmetic is tested on
 * hand-made results.
 */
import t from 'tap'
import { checkTargets, linkTargets, networkFloorMs, thresholdVerdict, toMarkdown } from '../../load-tests/report.js'
import type { LoadResults, RttSweepRow } from '../../load-tests/report.js'
import type { FormatId } from '../../load-tests/formats.js'
import type { ThresholdRow } from '../../load-tests/threshold.js'

/** 1 MB at 100 Mbps takes 80 ms on the wire. */
const MB = 1_000_000

t.test('network floor: one RTT plus the bytes at the link rate', async (t) => {
  t.equal(networkFloorMs(MB, { mbps: 100, rttMs: 0 }), 80)
  t.equal(networkFloorMs(MB, { mbps: 100, rttMs: 20 }), 100)
  t.equal(networkFloorMs(0, { mbps: 10, rttMs: 40 }), 40)
})

function results(sweep: RttSweepRow[], rttsMs: number[]): LoadResults {
  return {
    mode: 'quick',
    startedAt: '',
    finishedAt: '',
    machine: { cpu: '', cores: 1, memoryGiB: 1, node: '', os: '', loadStart: 0, loadEnd: 0 },
    settings: {
      connections: 1,
      warmupSeconds: 0,
      seconds: 0,
      repeats: 0,
      links: [],
      rttSweep: { mbps: 100, users: 10_000, rttsMs },
      thresholdSweep: { links: [], mssBytes: 1460, batchMs: 1, batches: 1 },
      timeToObjectSamples: 1
    },
    throughput: [],
    timeToObject: [],
    rttSweep: sweep,
    thresholdSweep: []
  }
}

function row(format: 'json' | 'gzip' | 'lz4', bytesPerReply: number, medianMsByRtt: Record<number, number>): RttSweepRow {
  return { format, label: format, bytesPerReply, medianMsByRtt }
}

t.test('the 100 Mbps target: met, missed, or out of reach when the floor alone exceeds it', async (t) => {
  // JSON 1 MB (80 ms on the wire), LZ4 0.2 MB (16 ms): floor (rtt + 16) / (rtt + 80).
  const sweep = [
    row('json', MB, { 0: 100, 40: 140 }),
    row('gzip', MB / 8, { 0: 40, 40: 70 }),
    row('lz4', MB / 5, { 0: 30, 40: 70 })
  ]
  const checks = checkTargets(results(sweep, [0, 40]))
  const at = (rtt: number) => checks.find((c) => c.target.startsWith(`100 Mbps, ${rtt} ms RTT`))
  t.equal(at(0)?.met, true, '0 ms: 0.30x and below gzip')
  t.match(at(0)?.measured, /0\.30x JSON .*network floor 0\.20x/)
  // 40 ms: floor (40 + 16) / (40 + 80) = 0.47x > 0.35x: neither met nor missed, and said so.
  t.equal(at(40)?.met, undefined)
  t.match(at(40)?.measured, /network floor 0\.47x.*out of reach/)

  const slower = [row('json', MB, { 0: 100 }), row('gzip', MB / 8, { 0: 25 }), row('lz4', MB / 5, { 0: 30 })]
  t.equal(checkTargets(results(slower, [0])).find((c) => c.target.includes('0 ms RTT'))?.met, false, 'under 0.35x but slower than gzip: missed')
  const over = [row('json', MB, { 0: 100 }), row('gzip', MB / 8, { 0: 60 }), row('lz4', MB / 5, { 0: 36 })]
  t.equal(checkTargets(results(over, [0])).find((c) => c.target.includes('0 ms RTT'))?.met, false, '0.36x: missed')
})

function sized(users: number, plainBytes: number, lz4Bytes: number, breakEvenMbps: number): ThresholdRow {
  const segments = (n: number): number => Math.ceil(n / 1460)
  return { users, plainBytes, lz4Bytes, compressUs: 1, decompressUs: 1, breakEvenMbps, segmentsPlain: segments(plainBytes), segmentsLz4: segments(lz4Bytes), timeToObjectMs: {} }
}

t.test('threshold verdict: what compression saves below the threshold, and where it pays above', async (t) => {
  const rows = [sized(1, 112, 112, 0), sized(10, 905, 369, 677), sized(20, 1895, 677, 1001), sized(100, 9815, 2815, 1531)]
  const verdict = thresholdVerdict(rows, 1024)
  t.match(verdict, /below 1,024 bytes LZ4 saves at most 536 bytes per reply \(43 µs at 100 Mbps for the largest, 905 bytes\), never a TCP segment/)
  t.match(verdict, /pays below 1,001 Mbps or more \(lowest at 1,895 bytes\), above the 100 Mbps network 'auto' assumes/)
  t.match(thresholdVerdict([sized(50, 3000, 1400, 60)], 1024), /\*\*below\*\* the 100 Mbps/, 'a break-even under the assumed rate is flagged')
  t.match(thresholdVerdict([sized(40, 2000, 900, 900)], 4096), /saves a TCP segment in some cases/, 'a threshold above a segment-saving size is flagged')
})

t.test('issue 16 targets per link profile: the browser B-FAST rows against the best JSON and JSON + gzip CPU', async (t) => {
  const link = { name: 'slow', mbps: 10, rttMs: 40, users: [1000] }
  const tto = (format: FormatId, ms: number, cpu: number): LoadResults['timeToObject'][number] => ({
    users: 1000, format, label: format, bytes: { 10: 1000 }, coding: { 10: 'zstd' }, medianMs: { 10: ms }, serverCpuMs: { 10: cpu }
  })
  const base = results([], [])
  const withRows = (rows: LoadResults['timeToObject']): LoadResults => ({ ...base, settings: { ...base.settings, links: [link] }, timeToObject: rows })
  const checks = linkTargets(withRows([
    tto('json', 300, 1), tto('gzip', 200, 3), tto('zstd', 150, 2.5), tto('auto', 400, 1), tto('browser', 149, 2), tto('transport', 151, 2)
  ]))
  t.equal(checks.length, 2, "one check per browser row (issue 5's unhinted 'auto' row is not one)")
  t.equal(checks[0]!.met, true, 'browser: sooner than zstd (the best JSON), less CPU than gzip')
  t.match(checks[0]!.measured, /149 ms vs zstd 150 ms \(0\.99x\); CPU 2\.00 vs 3\.00 ms \(0\.67x\)/)
  t.equal(checks[1]!.met, false, 'transport: 1 ms later than zstd')
  const cpu = linkTargets(withRows([tto('gzip', 200, 3), tto('browser', 100, 3.1)]))
  t.equal(cpu[0]!.met, false, 'sooner, but more CPU than JSON + gzip: missed')
  t.same(linkTargets(withRows([tto('browser', 100, 1)])), [], 'no JSON rows: nothing to check')
})

t.test("issue 5's 1 Gbps check weighs 'auto' against the forms it chooses among and JSON, not a browser's table layout", async (t) => {
  const at1000 = (format: FormatId, ms: number, bytes: number): LoadResults['timeToObject'][number] => ({
    users: 10_000, format, label: format, bytes: { 1000: bytes }, coding: { 1000: 'identity' }, medianMs: { 1000: ms }, serverCpuMs: { 1000: 1 }
  })
  const base = results([], [])
  const check = (rows: LoadResults['timeToObject']): { met: boolean | undefined; measured: string } | undefined =>
    checkTargets({ ...base, timeToObject: rows }).find((c) => c.target.includes("'auto' within"))
  const rows = [at1000('json', 30, 1_000_000), at1000('bfast', 20, 700_000), at1000('lz4', 25, 200_000), at1000('auto', 20.5, 700_000)]
  const met = check([...rows, at1000('browser', 12, 30_000), at1000('transport', 12, 30_000)])
  t.equal(met?.met, true, 'within 5% of B-FAST, the best of the others; the browser rows left out')
  t.match(met?.measured ?? '', /^1\.02x bfast \(20\.50 vs 20\.00 ms\)/)
  t.equal(check([...rows.slice(0, 3), at1000('auto', 25, 200_000)])?.met, false, '1.25x: missed')
})

t.test('the throughput table: scavenges / mark-compacts per 1,000 replies, a dash where not measured', async (t) => {
  const measured = { requestsPerSecond: 100, latencyP50Ms: 30, latencyP99Ms: 60, serverCpuMsPerReply: 3.5 }
  const shares = { serverCpuShare: 1, clientCpuShare: 0.2 }
  const sent = { bytesPerReply: 1000, non2xx: 0, errors: 0, timeouts: 0, runs: [100] }
  const row = (format: FormatId, gc?: { minor: number; major: number }): LoadResults['throughput'][number] => ({
    ...measured,
    ...shares,
    ...sent,
    users: 10_000,
    format,
    label: format,
    ...(gc === undefined ? {} : { gcPerThousandReplies: gc })
  })
  const throughput = [row('json', { minor: 90.4, major: 0 }), row('bfast', { minor: 128.6, major: 26.5 }), row('lz4')]
  const md = toMarkdown({ ...results([], []), throughput })
  t.match(md, /\| GC\/1000 \|/, 'a GC column')
  const cells = '\\| 100 \\| 1\\.00x \\| 30\\.0 \\| 60\\.0 \\| 3\\.500 \\|'
  t.match(md, new RegExp(`\\| 10,000 \\| json ${cells} 90 / 0 \\|`), 'JSON row: rounded counts')
  t.match(md, new RegExp(`\\| 10,000 \\| bfast ${cells} 129 / 27 \\|`), 'B-FAST row')
  t.match(md, new RegExp(`\\| 10,000 \\| lz4 ${cells} – \\|`), 'a row from results written before GC was counted')
})
