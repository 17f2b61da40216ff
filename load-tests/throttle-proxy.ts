/**
 * A bandwidth simulator: a TCP proxy on loopback that delivers each direction of every
 * connection at a set rate and adds half the round-trip time to each direction.
 *
 * Model: each direction is a link that serializes bytes at `mbps` (a byte queued behind others
 * waits for them), then propagates them for `rttMs / 2` (./link-model.ts). Data is cut into slices so that a
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
import { listen, LOOPBACK } from '../support/listen.js'
import { LinkModel, checkLinkSettings } from './link-model.js'
import type { LinkSettings } from './link-model.js'

export interface ThrottleOptions extends LinkSettings {
  /** The server behind the proxy (on loopback). */
  targetPort: number
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
/**
 * libuv timers have millisecond resolution and fire up to about a millisecond late, which
 * would add that much to every reply of every format (and more to a short one, in ratio). So a
 * timer only brings the proxy to within this margin of a slice's due time; from there it polls
 * with setImmediate (I/O still runs between polls) and delivers the slice on time.
 */
const TIMER_MARGIN_MS = 2

interface Slice {
  due: number
  bytes: Buffer
}

/** One direction of one connection. */
class Link {
  private readonly queue: Slice[] = []
  private head = 0
  private queuedBytes = 0
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  private ended = false
  private delivered = false
  private readonly model: LinkModel

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    settings: LinkSettings
  ) {
    this.model = new LinkModel(settings)
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
      this.queue.push({ due: this.model.schedule(bytes.length, now), bytes })
      this.queuedBytes += bytes.length
    }
    if (this.queuedBytes > HIGH_WATER_BYTES) this.from.pause()
    this.pump()
  }

  private readonly wake = (): void => {
    this.timer = null
    this.immediate = null
    this.pump()
  }

  private pump(): void {
    if (this.timer !== null || this.immediate !== null) return
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
      const wait = this.queue[this.head]!.due - now
      if (wait > TIMER_MARGIN_MS) this.timer = setTimeout(this.wake, wait - TIMER_MARGIN_MS)
      else this.immediate = setImmediate(this.wake)
    } else if (this.ended && !this.to.destroyed) {
      this.delivered = true
      this.to.end()
    }
  }

  /** Everything `from` sent has been handed to `to`, and `to` has been ended. */
  get done(): boolean {
    return this.delivered
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    if (this.immediate !== null) clearImmediate(this.immediate)
    this.timer = null
    this.immediate = null
  }
}

/** Starts the proxy on an ephemeral loopback port. */
export async function startThrottleProxy(options: ThrottleOptions): Promise<ThrottleProxy> {
  checkLinkSettings(options)
  const sockets = new Set<net.Socket>()
  // Half-open allowed: each direction ends on its own, after its queue has drained.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ host: LOOPBACK, port: options.targetPort, allowHalfOpen: true })
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    sockets.add(client).add(upstream)
    const toUpstream = new Link(client, upstream, options)
    const toClient = new Link(upstream, client, options)
    const teardown = (): void => {
      toUpstream.stop()
      toClient.stop()
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    // One side closing is not the end of the connection: after a graceful close (both of its
    // directions ended), the other direction may still hold bytes on the simulated link, and
    // they must be delivered (a half-closing client still reads its whole reply). Only when
    // the closed side's incoming link could not finish (its peer vanished mid-transfer) is the
    // other side torn down too, as a real peer would get a reset.
    const closed = (socket: net.Socket, incoming: Link): void => {
      incoming.stop()
      sockets.delete(socket)
      if (!incoming.done) teardown()
    }
    client.on('error', teardown).on('close', () => closed(client, toClient))
    upstream.on('error', teardown).on('close', () => closed(upstream, toUpstream))
  })
  const { port } = await listen(server)
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
