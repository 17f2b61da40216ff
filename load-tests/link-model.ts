/**
 * The bandwidth simulator's model of one direction of a link, without sockets (so that it can
 * be tested exactly): bytes are serialized onto the link at `mbps`, one after another (a byte
 * queued behind others waits for them), then propagate for half the round-trip time.
 *
 * @example
 * ```ts
 * const link = new LinkModel({ mbps: 100, rttMs: 20 })
 * link.schedule(16_384, 0) // 11.31: 1.31 ms on the wire, then 10 ms on the way
 * ```
 */

export interface LinkSettings {
  /** Link rate, megabits per second (10^6 bits), each direction. */
  mbps: number
  /** Round-trip time added, milliseconds (half each way). */
  rttMs: number
}

const BITS_PER_BYTE = 8
const MS_PER_SECOND = 1000
const BITS_PER_MEGABIT = 1e6

/** Milliseconds one byte occupies a link of `mbps`. */
export function msPerByte(mbps: number): number {
  return (BITS_PER_BYTE * MS_PER_SECOND) / (mbps * BITS_PER_MEGABIT)
}

/** Throws a RangeError for a rate that is not positive or a negative RTT. */
export function checkLinkSettings(settings: LinkSettings): void {
  if (!(settings.mbps > 0) || !(settings.rttMs >= 0)) throw new RangeError('mbps must be > 0 and rttMs >= 0')
}

export class LinkModel {
  /** When the link has finished serializing everything scheduled so far. */
  private freeAt = 0
  private readonly msPerByte: number
  private readonly delayMs: number

  constructor(settings: LinkSettings) {
    checkLinkSettings(settings)
    this.msPerByte = msPerByte(settings.mbps)
    this.delayMs = settings.rttMs / 2
  }

  /**
   * Schedules `bytes` offered to the link at time `now` (ms) and returns when they have
   * arrived at the other end: after everything queued before them, their own serialization,
   * and the one-way delay.
   */
  schedule(bytes: number, now: number): number {
    this.freeAt = Math.max(now, this.freeAt) + bytes * this.msPerByte
    return this.freeAt + this.delayMs
  }
}
