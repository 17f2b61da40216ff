/**
 * The negotiation rule (issue 3, RFC 9110 section 12.5.1): B-FAST only when Accept names
 * application/x-bfast itself with q > 0 and q >= the weight of application/json.
 */
import t from 'tap'
import { parseAccept, prefersBfast } from '../../plugin/index.js'
import { BFAST, harness, JSON_CT } from './server.js'

/** [Accept header (undefined: none sent), expected representation, why]. */
const MATRIX: Array<[string | undefined, 'bfast' | 'json', string]> = [
  // The examples.
  ['application/json;q=0.9, application/x-bfast', 'bfast', 'issue example: B-FAST preferred'],
  ['text/html, application/x-bfast;q=0.8, */*;q=0.1', 'bfast', 'issue example: JSON only through */* at 0.1'],
  ['application/x-bfast;q=0.1, application/json', 'json', 'issue example: JSON preferred'],
  ['application/*', 'json', 'issue example: a wildcard never selects B-FAST'],
  // No Accept, wildcards.
  [undefined, 'json', 'no Accept header'],
  ['*/*', 'json', '*/* does not name B-FAST'],
  ['', 'json', 'empty Accept'],
  ['application/x-bfast', 'bfast', 'B-FAST alone'],
  ['application/x-bfast, */*', 'bfast', 'equal weights: B-FAST wins ties'],
  ['application/json, application/x-bfast', 'bfast', 'equal weights, JSON listed first: still B-FAST'],
  ['application/x-bfast;q=0.5, application/*;q=0.6', 'json', 'application/* gives JSON more weight'],
  ['application/x-bfast;q=0.5, application/*;q=0.6, application/json;q=0.4', 'bfast', 'the most specific range decides JSON: 0.4'],
  ['application/x-bfast;q=0.5, */*;q=0.9, application/*;q=0.2', 'bfast', 'application/* beats */* for JSON'],
  // q=0 and weights.
  ['application/x-bfast;q=0', 'json', 'q=0 means not acceptable'],
  ['application/x-bfast;q=0.000, application/json;q=0', 'json', 'q=0 even when JSON is refused too'],
  ['application/x-bfast;q=0.001', 'bfast', 'the smallest positive weight, JSON unmatched'],
  ['application/x-bfast;q=0.3, application/json;q=0.3', 'bfast', 'equal explicit weights'],
  ['application/x-bfast;q=0.299, application/json;q=0.3', 'json', 'three-decimal precision'],
  ['application/x-bfast;q=1.0, application/json;q=1', 'bfast', 'q=1.0 is 1'],
  ['application/x-bfast;q=1.5', 'json', 'an invalid weight drops the element'],
  ['application/x-bfast;q=abc, application/json', 'json', 'a malformed weight drops the element'],
  ['application/x-bfast;q=0.1234', 'json', 'more than three decimals is invalid'],
  // Case.
  ['APPLICATION/X-BFAST', 'bfast', 'media types are case-insensitive'],
  ['Application/X-Bfast;Q=0.9, application/json;q=0.8', 'bfast', 'parameter names too (Q)'],
  // Parameters.
  ['application/x-bfast;version=2', 'json', 'a range with a parameter the reply lacks does not match'],
  ['application/x-bfast;version=2, application/x-bfast;q=0.5, application/json;q=0.6', 'json', 'the plain range decides: 0.5 < 0.6'],
  ['application/x-bfast, application/json;charset=utf-8;q=0.5, application/json', 'bfast', 'the charset range is the most specific for JSON'],
  ['application/x-bfast;q=0.5, application/json;charset=UTF-8', 'json', 'charset values are case-insensitive'],
  ['application/x-bfast;q=0.5, application/json;charset=iso-8859-1, application/*;q=0.4', 'bfast', 'a charset range that does not match is skipped'],
  ['application/x-bfast ; q=0.9 , application/json ; q=0.8', 'bfast', 'optional whitespace around ; and ,'],
  ['application/json;foo="a,b;q=1", application/x-bfast;q=0.5', 'bfast', 'a quoted comma does not split elements'],
  ['application/x-bfast;q=0.8;ext=1, application/json;q=0.9', 'json', 'parameters after the weight are ignored'],
  [',,application/x-bfast,,', 'bfast', 'empty list elements are ignored (RFC 9110 section 5.6.1)'],
  ['application/x-bfastx', 'json', 'a longer subtype is another type'],
  ['text/x-bfast', 'json', 'another top-level type'],
  ['application/x-bfast;q=0.9, garbage, application/json;q=0.95', 'json', 'a malformed element does not stop parsing']
]

t.test('prefersBfast on the negotiation matrix', async (t) => {
  for (const [accept, expected, why] of MATRIX) {
    t.equal(prefersBfast(accept), expected === 'bfast', `${JSON.stringify(accept)}: ${why}`)
  }
})

t.test('parseAccept keeps weights, lowercases names, reads quoted strings', async (t) => {
  t.same(parseAccept('Text/HTML;Level=1;q=0.5, application/x-bfast'), [
    { type: 'text', subtype: 'html', params: [['level', '1']], q: 0.5 },
    { type: 'application', subtype: 'x-bfast', params: [], q: 1 }
  ])
  t.same(parseAccept('a/b;p="x\\"y,z";q=0.2'), [{ type: 'a', subtype: 'b', params: [['p', 'x"y,z']], q: 0.2 }])
  t.same(parseAccept('*/json, nope, a/b;q='), [], 'malformed elements are skipped')
  t.same(parseAccept('a/b;p="unterminated, c/d'), [], 'an unterminated quoted string ends the header')
})

t.test('the matrix holds through inject and over a real socket', async (t) => {
  const h = await harness({}, (app) => {
    app.get('/thing', async () => ({ id: 1, tags: ['a', 'b'] }))
  })
  t.teardown(() => h.close())
  for (const [accept, expected, why] of MATRIX) {
    for (const res of await h.both({ url: '/thing', headers: accept === undefined ? {} : { accept } })) {
      t.equal(res.headers['content-type'], expected === 'bfast' ? BFAST : JSON_CT, `${res.via} ${JSON.stringify(accept)}: ${why}`)
      t.equal(res.headers.vary, 'Accept', `${res.via} ${JSON.stringify(accept)}: Vary`)
    }
  }
})
