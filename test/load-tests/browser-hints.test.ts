/**
 * The headers the load tests' browser sends (load-tests/browser-hints.ts): the Network
 * Information API's effective connection type, and Chromium's rounding and caps, at each link
 * profile and at the table's edges.
 */
import t from 'tap'
import { BROWSER_ACCEPT_ENCODING, browserHeaders, effectiveType } from '../../load-tests/browser-hints.js'
import { LINKS } from '../../load-tests/constants.js'

t.test('effective connection type: the slowest type the RTT or the downlink falls into', async (t) => {
  t.equal(effectiveType({ mbps: 1.6, rttMs: 300 }), '3g', 'a 300 ms RTT is 3g whatever the rate')
  t.equal(effectiveType({ mbps: 0.7, rttMs: 10 }), '3g', '700 kbps is 3g')
  t.equal(effectiveType({ mbps: 0.71, rttMs: 269 }), '4g')
  t.equal(effectiveType({ mbps: 0.07, rttMs: 10 }), '2g')
  t.equal(effectiveType({ mbps: 100, rttMs: 1400 }), '2g')
  t.equal(effectiveType({ mbps: 0.05, rttMs: 10 }), 'slow-2g')
  t.equal(effectiveType({ mbps: 100, rttMs: 2000 }), 'slow-2g')
  t.equal(effectiveType({ mbps: 1000, rttMs: 2 }), '4g')
})

t.test('the headers of each link profile: Downlink rounded to 25 kbps and at most 10, RTT to 25 ms', async (t) => {
  const expected: Record<string, Record<string, string>> = {
    '3G': { ect: '3g', downlink: '1.6', rtt: '300' },
    '10 Mbps': { ect: '4g', downlink: '10', rtt: '50' },
    '100 Mbps': { ect: '4g', downlink: '10', rtt: '25' },
    '1 Gbps': { ect: '4g', downlink: '10', rtt: '0' }
  }
  for (const link of LINKS) {
    t.same(browserHeaders(link), { 'accept-encoding': BROWSER_ACCEPT_ENCODING, ...expected[link.name] }, link.name)
  }
  t.equal(browserHeaders({ mbps: 1.61, rttMs: 5000 }).downlink, '1.6', '1.61 Mbps rounds to 1.6')
  t.equal(browserHeaders({ mbps: 2.013, rttMs: 10 }).downlink, '2.025')
  t.equal(browserHeaders({ mbps: 1.61, rttMs: 5000 }).rtt, '3000', 'RTT capped at 3 s')
})
