/**
 * Accept-Encoding as the policy reads it (RFC 9110 section 12.5.3): weights, `*`, identity
 * refused, aliases, malformed elements, and the bounded cache.
 */
import t from 'tap'
import {
  ACCEPT_ENCODING_CACHE, acceptedCodings, acceptEncodingCacheSize, acceptedCodingsUncached, CODING_BIT, IDENTITY_BIT
} from '../../plugin/accept-encoding.js'

const { zstd, br, gzip } = CODING_BIT
const I = IDENTITY_BIT

t.test('RFC 9110 section 12.5.3', async (t) => {
  const cases: Array<[string | undefined, number, string]> = [
    [undefined, I, 'no header: identity only (the safe reading)'],
    ['', I, 'empty: identity only'],
    ['   ', I, 'blank: identity only'],
    ['gzip, deflate, br, zstd', zstd | br | gzip | I, "a browser's"],
    ['gzip, deflate', gzip | I, "Node 20's fetch"],
    ['GZIP, Br', br | gzip | I, 'case-insensitive'],
    ['x-gzip', gzip | I, 'x-gzip is gzip (section 8.4.1.3)'],
    ['br;q=0, gzip', gzip | I, 'q=0 refuses'],
    ['br;q=0.001', br | I, 'any weight above 0 admits'],
    ['br; q=0.5 , zstd ;q=1', zstd | br | I, 'whitespace around parameters'],
    ['*', zstd | br | gzip | I, '* admits every coding'],
    ['br;q=0, *', zstd | gzip | I, '* admits the codings not named'],
    ['*;q=0', 0, '*;q=0 refuses identity too'],
    ['*;q=0, identity', I, 'unless identity is named'],
    ['gzip, identity;q=0', gzip, 'identity;q=0'],
    ['identity', I, 'identity alone'],
    ['br;q=2, gzip', gzip | I, 'a weight above 1 is malformed: skipped'],
    ['br;q=0.5000, gzip', gzip | I, 'four decimals are malformed'],
    ['br;level=5, gzip', gzip | I, 'a parameter other than q is malformed'],
    ['b r, gzip', gzip | I, 'not a token'],
    [',, gzip ,', gzip | I, 'empty elements ignored'],
    ['gzip;q=0, gzip', I, 'the first of a repeated name counts'],
    ['zstd;q=0.1, br;q=0.9', zstd | br | I, 'weights admit; the cost model chooses among the admitted']
  ]
  for (const [header, bits, why] of cases) {
    t.equal(acceptedCodingsUncached(header), bits, `${JSON.stringify(header)}: ${why}`)
    t.equal(acceptedCodings(header), bits, `${JSON.stringify(header)} (cached): ${why}`)
    t.equal(acceptedCodings(header), bits, `${JSON.stringify(header)} (cache hit): ${why}`)
  }
})

t.test('the cache stays bounded whatever the headers', async (t) => {
  for (let i = 0; i < 10 * ACCEPT_ENCODING_CACHE.maxEntries; i++) {
    t.equal(acceptedCodings(`gzip;q=0.5, x${i}`), gzip | I)
    t.ok(acceptEncodingCacheSize() <= ACCEPT_ENCODING_CACHE.maxEntries)
  }
  const long = `${'a'.repeat(ACCEPT_ENCODING_CACHE.maxKeyLength)}, br`
  const size = acceptEncodingCacheSize()
  t.equal(acceptedCodings(long), br | I, 'a long value is parsed...')
  t.equal(acceptEncodingCacheSize(), size, '...and never cached')
})
