/**
 * The bandwidth simulator's link model (load-tests/link-model.ts): exact arithmetic, no sockets.
 */
import t from 'tap'
import { LinkModel, checkLinkSettings, msPerByte } from '../../load-tests/link-model.js'

/** 100 Mbps: 12.5 bytes per microsecond, so 12,500 bytes take exactly 1 ms. */
const BYTES_PER_MS_AT_100 = 12_500

t.test('one megabit takes 1 ms at 1000 Mbps and 100 ms at 10 Mbps', async (t) => {
  t.equal(msPerByte(1000) * 125_000, 1)
  t.equal(msPerByte(10) * 125_000, 100)
})

t.test('a slice arrives after its own serialization plus half the RTT', async (t) => {
  const link = new LinkModel({ mbps: 100, rttMs: 20 })
  t.equal(link.schedule(BYTES_PER_MS_AT_100, 5), 5 + 1 + 10)
})

t.test('a slice queued behind another waits for it; an idle link does not bank time', async (t) => {
  const link = new LinkModel({ mbps: 100, rttMs: 0 })
  t.equal(link.schedule(2 * BYTES_PER_MS_AT_100, 0), 2)
  // Offered at 1 ms while the first still occupies the link until 2 ms.
  t.equal(link.schedule(BYTES_PER_MS_AT_100, 1), 3)
  // Offered long after the link went idle: it starts when offered, not when the link freed up.
  t.equal(link.schedule(BYTES_PER_MS_AT_100, 50), 51)
})

t.test('a zero RTT adds nothing; settings out of range are refused', async (t) => {
  t.equal(new LinkModel({ mbps: 1000, rttMs: 0 }).schedule(0, 7), 7)
  for (const bad of [{ mbps: 0, rttMs: 1 }, { mbps: -1, rttMs: 1 }, { mbps: Number.NaN, rttMs: 1 }, { mbps: 10, rttMs: -1 }]) {
    t.throws(() => checkLinkSettings(bad), RangeError, JSON.stringify(bad))
    t.throws(() => new LinkModel(bad), RangeError)
  }
})
