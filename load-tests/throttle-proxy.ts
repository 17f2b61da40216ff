/**
 * A bandwidth simulator: a TCP proxy on loopback that delivers each direction of every
 * connection at a set rate and adds half the round-trip time to each direction.
 *
 * Model: each direction is a link that serializes bytes at `mbps` (a byte queued behind others
 * waits for them), then propagates them for `rttMs / 2`. Data is cut into slices so that a
 * large write is delivered progressively, as a real link would. What it does not model: TCP
 * slow start and congestion windows (loopback TCP underneath has neither loss nor a
 * bottleneck), so it favours large replies slightly; every format gets the same link.
 *
 * @example
 * ```ts
 * const proxy = await startThrottleProxy({ targetPort: 3000, mbps: 100, rttMs: 20 })
 * await fetch(`http://127.0.0.1:${proxy.port}/users`)
 * await proxy.close()
 * ```
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { LOOPBACK } from './constants.js'

export interface ThrottleOptions {
  /** The server behind the proxy (on loopback). */
  targetPort: number
  /** Link rate, megabits per second (10^6 bits), each direction. */
  mbps: number
  /** Round-trip time added, milliseconds (half each way). */
  rttMs: number
}

export interface ThrottleProxy {
  readonly port: number
  close(): Promise<void>
}

/** Largest piece delivered at once: 16 KiB, 0.13 ms at 1 Gbps, 13 ms at 10 Mbps. */
const SLICE_BYTES = 16 * 1024
/** Bytes queued in one direction before the proxy stops reading (TCP flow control does the rest). */
const HIGH_WATER_BYTES = 1024 * 1024
const LOW_WATER_BYTES = 256 * 1024
const BITS_PER_BYTE = 8
const MS_PER_SECOND = 1000
const BITS_PER_MEGABIT = 1e6

interface Slice {
  due: number
  bytes: Buffer
}

/** One direction of one connection. */
class Link {
  private readonly queue: Slice[] = []
  private head = 0
  private queuedBytes = 0
  private linkFreeAt = 0
  private timer: NodeJS.Timeout | null = null
  private ended = false
  private readonly msPerByte: number
  private readonly delayMs: number

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    options: ThrottleOptions
  ) {
    this.msPerByte = (BITS_PER_BYTE * MS_PER_SECOND) / (options.mbps * BITS_PER_MEGABIT)
    this.delayMs = options.rttMs / 2
    from.on('data', (chunk: Buffer) => this.enqueue(chunk))
    from.on('end', () => {
      this.ended = true
      this.pump()
    })
  }

  private enqueue(chunk: Buffer): void {
    const now = performance.now()
    for (let offset = 0; offset < chunk.length; offset += SLICE_BYTES) {
      const bytes = chunk.subarray(offset, offset + SLICE_BYTES)
      this.linkFreeAt = Math.max(now, this.linkFreeAt) + bytes.length * this.msPerByte
      this.queue.push({ due: this.linkFreeAt + this.delayMs, bytes })
      this.queuedBytes += bytes.length
    }
    if (this.queuedBytes > HIGH_WATER_BYTES) this.from.pause()
    this.pump()
  }

  private pump(): void {
    if (this.timer !== null) return
    const now = performance.now()
    while (this.head < this.queue.length && this.queue[this.head]!.due <= now) {
      const slice = this.queue[this.head++]!
      this.queuedBytes -= slice.bytes.length
      if (!this.to.destroyed) this.to.write(slice.bytes)
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0
      this.head = 0
    }
    if (this.queuedBytes < LOW_WATER_BYTES && this.from.isPaused()) this.from.resume()
    if (this.head < this.queue.length) {
      this.timer = setTimeout(() => {
        this.timer = null
        this.pump()
      }, this.queue[this.head]!.due - now)
    } else if (this.ended && !this.to.destroyed) {
      this.to.end()
    }
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}

/** Starts the proxy on an ephemeral loopback port. */
export async function startThrottleProxy(options: ThrottleOptions): Promise<ThrottleProxy> {
  if (!(options.mbps > 0) || !(options.rttMs >= 0)) throw new RangeError('mbps must be > 0 and rttMs >= 0')
  const sockets = new Set<net.Socket>()
  // Half-open allowed: each direction ends on its own, after its queue has drained.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ host: LOOPBACK, port: options.targetPort, allowHalfOpen: true })
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    sockets.add(client).add(upstream)
    const links = [new Link(client, upstream, options), new Link(upstream, client, options)]
    const teardown = (): void => {
      for (const link of links) link.stop()
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', teardown).on('close', teardown)
    upstream.on('error', teardown).on('close', teardown)
  })
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
