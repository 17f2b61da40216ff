/**
 * Where LZ4 starts to pay for small replies: the numbers behind the plugin's default
 * `threshold` (1,024 bytes). For each size of THRESHOLD_SWEEP: the reply bytes plain and
 * compressed (as the example server sends them), the CPU compressing costs the server
 * (lz4-napi, fastify-bfast/compress) and decompressing costs the client (the pure-TS decoder
 * browsers run), both timed here in batches, and from them the link rate below which the bytes
 * saved arrive sooner than the CPU spent (the policy's cost model, plugin/policy.ts, at this size).
 */
import { performance } from 'node:perf_hooks'
import { decompress, encode } from '../src/index.js'
import { compress } from '../src/compress.js'
import { users } from '../examples/data.js'
import { THRESHOLD_SWEEP } from './constants.js'
import { msPerByte } from './link-model.js'
import { median } from './stats.js'

export interface ThresholdRow {
  users: number
  /** Reply body bytes: plain B-FAST, and what the LZ4 route sends (plain again when LZ4 does not shrink it). */
  plainBytes: number
  lz4Bytes: number
  /** Median µs per call. */
  compressUs: number
  decompressUs: number
  /** Link rate (Mbps) below which compressing this reply pays; 0 when LZ4 saves nothing. */
  breakEvenMbps: number
  /** TCP segments the body needs (payload of THRESHOLD_SWEEP.mssBytes), plain and compressed. */
  segmentsPlain: number
  segmentsLz4: number
  /** Link Mbps -> median time-to-object ms, plain and LZ4 (filled in by the caller). */
  timeToObjectMs: Record<number, { plain: number; lz4: number }>
}

const US_PER_MS = 1000

/** Median µs per call of `fn`, timed in batches long enough for the clock (THRESHOLD_SWEEP.batchMs). */
function microsPerCall(fn: () => unknown): number {
  let perBatch = 1
  for (;;) {
    const start = performance.now()
    for (let i = 0; i < perBatch; i++) fn()
    if (performance.now() - start >= THRESHOLD_SWEEP.batchMs) break
    perBatch *= 2
  }
  const samples: number[] = []
  for (let b = 0; b < THRESHOLD_SWEEP.batches; b++) {
    const start = performance.now()
    for (let i = 0; i < perBatch; i++) fn()
    samples.push(((performance.now() - start) * US_PER_MS) / perBatch)
  }
  return median(samples)
}

/**
 * The codec side of the sweep (bytes, CPU, break-even), measured in this process.
 * `lz4Bytes` is checked by the caller against what the server actually sends.
 */
export function measureThresholdCosts(): ThresholdRow[] {
  return THRESHOLD_SWEEP.users.map((n) => {
    const plain = encode(users(n))
    const packed = compress(plain)
    const compressUs = microsPerCall(() => compress(plain))
    const decompressUs = microsPerCall(() => decompress(packed))
    // The plugin sends the smaller of the two (plugin/hooks.ts).
    const lz4Bytes = Math.min(packed.length, plain.length)
    const saved = plain.length - lz4Bytes
    // Compressing pays when the saved bytes take longer on the link than the CPU it costs:
    // saved * msPerByte(rate) > cost, so rate < saved * 8 / cost.
    const costMs = (compressUs + decompressUs) / US_PER_MS
    const breakEvenMbps = saved > 0 ? (saved * msPerByte(1)) / costMs : 0
    return {
      users: n,
      plainBytes: plain.length,
      lz4Bytes,
      compressUs,
      decompressUs,
      breakEvenMbps,
      segmentsPlain: Math.ceil(plain.length / THRESHOLD_SWEEP.mssBytes),
      segmentsLz4: Math.ceil(lz4Bytes / THRESHOLD_SWEEP.mssBytes),
      timeToObjectMs: {}
    }
  })
}
