/**
 * What a browser sends the server about its link (issue 16 item 6: the load tests ask as a
 * browser asks): the `Accept-Encoding` of current browsers and the network client hints
 * Chromium sends to an origin that asked for them with `Accept-CH` (Network Information API):
 * `Downlink` rounded to 25 kbps and never above 10 Mbps (Chromium's anti-fingerprinting cap,
 * DOWNLINK_CAP_MBPS), `RTT` rounded to 25 ms and never above 3 s, and the `ECT` the round-trip
 * time and downlink give by the API's table (ECT_TABLE). The simulator knows its link exactly;
 * a browser estimates it from the traffic it has seen, which this takes to have converged.
 */
import { DOWNLINK_CAP_MBPS, ECT_TABLE } from '../plugin/coding-model.js'
import type { LinkSettings } from './link-model.js'

/** What Chromium, Firefox and Safari send today (zstd since Chrome 123 and Firefox 126). */
export const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br, zstd'

/** Chromium's granularity and bounds for the hints (anti-fingerprinting). */
const DOWNLINK_STEP_MBPS = 0.025
const RTT_STEP_MS = 25
const RTT_CAP_MS = 3000
const FASTEST_ECT = '4g'

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step
}

/** The effective connection type of a link (ECT_TABLE: the slowest type the link falls into). */
export function effectiveType(link: LinkSettings): string {
  for (const row of ECT_TABLE) {
    if (link.rttMs >= row.minRttMs || link.mbps <= row.maxDownlinkMbps) return row.type
  }
  return FASTEST_ECT
}

/**
 * The request headers a browser on `link` sends with a fetch to an origin that sent
 * `Accept-CH: ECT, Downlink, RTT` (header names lowercase, as Node delivers them).
 *
 * @example
 * ```ts
 * browserHeaders({ mbps: 1.6, rttMs: 300 })
 * // { 'accept-encoding': 'gzip, deflate, br, zstd', ect: '3g', downlink: '1.6', rtt: '300' }
 * browserHeaders({ mbps: 1000, rttMs: 2 }) // ... ect: '4g', downlink: '10', rtt: '0'
 * ```
 */
export function browserHeaders(link: LinkSettings): Record<string, string> {
  const downlink = Math.min(roundTo(link.mbps, DOWNLINK_STEP_MBPS), DOWNLINK_CAP_MBPS)
  const rtt = Math.min(roundTo(link.rttMs, RTT_STEP_MS), RTT_CAP_MS)
  return {
    'accept-encoding': BROWSER_ACCEPT_ENCODING,
    ect: effectiveType(link),
    // At most three decimals, as Chromium prints it (25 kbps steps).
    downlink: String(Number(downlink.toFixed(3))),
    rtt: String(rtt)
  }
}
