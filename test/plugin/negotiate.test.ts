/**
 * The negotiation rule (issue 3, RFC 9110 section 12.5.1): B-FAST only when Accept names
 * application/x-bfast itself with q > 0 and q >= the weight of application/json.
 */
import fc from 'fast-check'
import t from 'tap'
import { parseAccept, prefersBfast } from '../../plugin/index.js'
import {
  negotiate, NEGOTIATED, NEGOTIATION_CACHE, negotiateUncached, negotiationCacheSize, prefersBfastUncached
} from '../../plugin/negotiate.js'
import { BFAST, DEFAULT_VARY, harness, JSON_CT } from './server.js'

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

/**
 * The table layout (SPEC 8.0): [Accept, what a route with `tables` sends, what a route without
 * sends, why]. Only a range naming `layout=table` selects it; such a range matches nothing else.
 */
const TABLE_MATRIX: Array<[string | undefined, 'table' | 'bfast' | 'json', 'bfast' | 'json', string]> = [
  ['application/x-bfast;layout=table', 'table', 'json', 'the table range alone: only the table representation'],
  ['application/x-bfast', 'bfast', 'bfast', 'a plain range never selects tables (upstream readers)'],
  ['application/x-bfast;layout=table, application/x-bfast;q=0.95, application/json;q=0.9', 'table', 'bfast',
    "the client's Accept"],
  ['application/x-bfast;layout=table, application/x-bfast', 'table', 'bfast', 'equal weights: the table wins ties'],
  ['application/x-bfast;layout=table;q=0.5, application/x-bfast', 'bfast', 'bfast', 'plain B-FAST weighed higher'],
  ['application/x-bfast;layout=table;q=0.5, application/json', 'json', 'json', 'JSON weighed higher'],
  ['application/x-bfast;layout=table;q=0.9, application/json;q=0.9', 'table', 'json', 'equal to JSON: the table'],
  ['application/x-bfast;layout=table;q=0', 'json', 'json', 'q=0: not acceptable'],
  ['application/x-bfast;layout="table"', 'table', 'json', 'a quoted value is the same value (RFC 9110 5.6.6)'],
  ['application/x-bfast;LAYOUT=table', 'table', 'json', 'parameter names are case-insensitive'],
  ['APPLICATION/X-BFAST;layout=table', 'table', 'json', 'media types are case-insensitive'],
  ['application/x-bfast;layout=rows, application/x-bfast;q=0.5', 'bfast', 'bfast', 'another layout matches nothing'],
  ['application/x-bfast;layout=table;v=2', 'json', 'json', 'an extra parameter matches nothing'],
  ['application/x-bfast;q=0.9;layout=table', 'bfast', 'bfast', 'a parameter after the weight is ignored'],
  ['*/*;layout=table', 'json', 'json', 'a wildcard never selects B-FAST'],
  ['application/*;layout=table', 'json', 'json', 'a subtype wildcard neither'],
  [undefined, 'json', 'json', 'no Accept header']
]

function tableRouteSends(decision: number): 'table' | 'bfast' | 'json' {
  if ((decision & NEGOTIATED.table) !== 0) return 'table'
  return (decision & NEGOTIATED.bfast) !== 0 ? 'bfast' : 'json'
}

t.test('negotiate on the table matrix (SPEC 8.0), cached and uncached', async (t) => {
  for (let pass = 1; pass <= 2; pass++) {
    for (const [accept, withTables, without, why] of TABLE_MATRIX) {
      const label = `pass ${pass}, ${JSON.stringify(accept)}: ${why}`
      t.equal(tableRouteSends(negotiate(accept)), withTables, `${label}: route with tables`)
      t.equal(tableRouteSends(negotiateUncached(accept)), withTables, `${label}: uncached`)
      t.equal(prefersBfast(accept) ? 'bfast' : 'json', without, `${label}: route without tables`)
    }
  }
})

t.test('the table layout over a real socket: only for the client that asked, on routes that serve it', async (t) => {
  const h = await harness({ tables: true }, (app) => {
    app.get('/rows', async () => [{ id: 1 }, { id: 2 }])
    app.get('/rows-v1', { config: { bfast: { tables: false } } }, async () => [{ id: 1 }, { id: 2 }])
  })
  t.teardown(() => h.close())
  const TYPES = { table: 'application/x-bfast;layout=table', bfast: BFAST, json: JSON_CT } as const
  for (const [accept, withTables, without, why] of TABLE_MATRIX) {
    const headers: Record<string, string> = accept === undefined ? {} : { accept }
    for (const [url, expected] of [['/rows', withTables], ['/rows-v1', without]] as const) {
      for (const res of await h.both({ url, headers })) {
        t.equal(res.headers['content-type'], TYPES[expected], `${res.via} ${url} ${JSON.stringify(accept)}: ${why}`)
        t.equal(res.headers.vary, DEFAULT_VARY, `${res.via} ${url}: Vary`)
      }
    }
  }
})

/**
 * Transforms (SPEC 8.6): [Accept, what a route with `tables` sends, why]. Only a range naming
 * both `layout=table` and `transforms=1` selects them.
 */
const TRANSFORMS_MATRIX: Array<[string, 'transforms' | 'table' | 'bfast' | 'json', string]> = [
  ['application/x-bfast;layout=table;transforms=1', 'transforms', 'the transforms range alone'],
  [
    'application/x-bfast;layout=table;transforms=1, application/x-bfast;layout=table;q=0.97, application/x-bfast;q=0.95, ' +
      'application/json;q=0.9',
    'transforms',
    "what the client's `tables: true` sends"
  ],
  [
    'application/x-bfast;layout=table;transforms=1, application/x-bfast;layout=table;q=0.97, application/x-bfast, ' +
      'application/json;q=0.9',
    'transforms',
    "what the client's 'transport' sends: v1 as high as transforms, the tie to the table layout (NEGOTIATED.v1Tie)"
  ],
  ['application/x-bfast;layout=table', 'table', 'a table range alone never selects transforms'],
  ['application/x-bfast;layout=table, application/x-bfast;q=0.95', 'table', 'the v1.1 client: no transforms'],
  ['application/x-bfast', 'bfast', 'a plain range: v1'],
  ['application/x-bfast;transforms=1', 'json', 'transforms without layout=table select nothing'],
  ['application/x-bfast;layout=table;transforms=1;q=0.5, application/x-bfast;layout=table', 'table', 'the plain table weighed higher'],
  ['application/x-bfast;layout=table;transforms=1;q=0.5, application/x-bfast', 'bfast', 'v1 weighed higher'],
  ['application/x-bfast;layout=table;transforms=1;q=0.5, application/json', 'json', 'JSON weighed higher'],
  ['application/x-bfast;layout=table;transforms=1, application/x-bfast;layout=table', 'transforms', 'equal weights: transforms'],
  ['application/x-bfast;layout=table;transforms=1;q=0, application/x-bfast;layout=table', 'table', 'q=0: not acceptable'],
  ['application/x-bfast;layout=table;transforms=2', 'json', 'another value matches nothing'],
  ['application/x-bfast;Transforms="1";LAYOUT=table', 'transforms', 'names case-insensitive, quoted value, any order'],
  ['*/*;layout=table;transforms=1', 'json', 'a wildcard never selects B-FAST']
]

function transformsRouteSends(decision: number): 'transforms' | 'table' | 'bfast' | 'json' {
  return (decision & NEGOTIATED.transforms) !== 0 ? 'transforms' : tableRouteSends(decision)
}

t.test('negotiate on the transforms matrix (SPEC 8.6), cached and uncached', async (t) => {
  for (let pass = 1; pass <= 2; pass++) {
    for (const [accept, expected, why] of TRANSFORMS_MATRIX) {
      const label = `pass ${pass}, ${JSON.stringify(accept)}: ${why}`
      t.equal(transformsRouteSends(negotiate(accept)), expected, `${label}: cached`)
      t.equal(transformsRouteSends(negotiateUncached(accept)), expected, `${label}: uncached`)
    }
  }
})

t.test('NEGOTIATED.v1Tie: set where v1 weighs as much as the table layout chosen, and only then', async (t) => {
  const cases: Array<[string, boolean, string]> = [
    [TRANSFORMS_MATRIX[2]![0], true, "the client's 'transport'"],
    [TRANSFORMS_MATRIX[1]![0], false, "the client's `tables: true`: v1 at q=0.95"],
    ['application/x-bfast;layout=table, application/x-bfast', true, 'plain table and v1 at q=1'],
    ['application/x-bfast;layout=table;transforms=1, application/x-bfast;q=0.99', false, 'v1 lower'],
    ['application/x-bfast;layout=table', false, 'no v1 range'],
    ['application/x-bfast', false, 'v1 alone: no table chosen']
  ]
  for (const [accept, tie, why] of cases) {
    t.equal((negotiate(accept) & NEGOTIATED.v1Tie) !== 0, tie, `${accept}: ${why}`)
    t.equal((negotiateUncached(accept) & NEGOTIATED.v1Tie) !== 0, tie, `${accept}: ${why} (uncached)`)
  }
})

t.test('transforms over a real socket: labelled only for the client that announced them', async (t) => {
  const h = await harness({ tables: true }, (app) => {
    app.get('/rows', async () => [{ id: 1 }, { id: 2 }])
  })
  t.teardown(() => h.close())
  const TYPES = {
    transforms: 'application/x-bfast;layout=table;transforms=1',
    table: 'application/x-bfast;layout=table',
    bfast: BFAST,
    json: JSON_CT
  } as const
  for (const [accept, expected, why] of TRANSFORMS_MATRIX) {
    for (const res of await h.both({ url: '/rows', headers: { accept } })) {
      t.equal(res.headers['content-type'], TYPES[expected], `${res.via} ${JSON.stringify(accept)}: ${why}`)
      t.equal(res.headers.vary, DEFAULT_VARY, `${res.via}: Vary`)
    }
  }
})

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
      t.equal(res.headers.vary, DEFAULT_VARY, `${res.via} ${JSON.stringify(accept)}: Vary`)
    }
  }
})

t.test('prefersBfast answers from its cache exactly as the parser does (second pass over the matrix)', async (t) => {
  for (let pass = 1; pass <= 2; pass++) {
    for (const [accept, expected, why] of MATRIX) {
      t.equal(prefersBfast(accept), expected === 'bfast', `pass ${pass}, ${JSON.stringify(accept)}: ${why}`)
      t.equal(prefersBfastUncached(accept), expected === 'bfast', `uncached, ${JSON.stringify(accept)}: ${why}`)
    }
  }
})

/** Seeded, so a failure reproduces. */
const PROPERTY = { seed: 0xacce97, numRuns: 2000 }

/** Pieces that exercise every rule: names, wildcards, case, weights (valid or not), parameters, quoting, junk. */
const RANGE = fc.constantFrom(
  'application/x-bfast', 'APPLICATION/X-BFAST', 'Application/X-Bfast', 'application/json', 'application/*', '*/*',
  'text/html', 'application/x-bfastx', 'text/x-bfast', '*/json', 'garbage', '', 'application/', 'x-bfast',
  'application/x-bfast;layout=table',
  'application/x-bfast;layout=table;transforms=1'
)
const PARAM = fc.constantFrom(
  'q=0', 'q=0.5', 'q=0.500', 'q=1', 'q=1.0', 'q=0.001', 'q=0.999', 'Q=0.7', 'q=1.5', 'q=abc', 'q=0.1234', 'q=',
  'charset=utf-8', 'charset=UTF-8', 'charset=iso-8859-1', 'version=2', 'p="a,b;q=1"', 'p="unterminated', 'ext=1', '',
  'layout=table', 'layout="table"', 'LAYOUT=table', 'layout=Table', 'layout=rows', 'transforms=1', 'transforms=0'
)
const OWS = fc.constantFrom('', ' ', '\t', '  ')
const ELEMENT = fc
  .tuple(RANGE, fc.array(fc.tuple(OWS, PARAM, OWS), { maxLength: 3 }))
  .map(([range, params]) => range + params.map(([a, param, b]) => `${a};${b}${param}`).join(''))
/** Whole headers: lists of elements, and arbitrary text around the subtype. */
const ACCEPT = fc.oneof(
  fc.array(fc.tuple(ELEMENT, OWS), { minLength: 1, maxLength: 6 }).map((elements) => elements.map(([e, ows]) => `${e}${ows}`).join(',')),
  fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => `${a}application/x-bfast${b}`)
)

t.test('prefersBfast (cached) agrees with prefersBfastUncached on generated Accept headers', async (t) => {
  const outcomes = { bfast: 0, json: 0 }
  fc.assert(
    fc.property(ACCEPT, (accept) => {
      const expected = prefersBfastUncached(accept)
      // First call may parse and store; the second must come from the cache when stored.
      if (prefersBfast(accept) !== expected || prefersBfast(accept) !== expected) return false
      outcomes[expected ? 'bfast' : 'json']++
      return true
    }),
    PROPERTY
  )
  t.ok(outcomes.bfast > PROPERTY.numRuns / 10 && outcomes.json > PROPERTY.numRuns / 10, `both decisions generated often: ${JSON.stringify(outcomes)}`)
  t.ok(negotiationCacheSize() <= NEGOTIATION_CACHE.maxEntries, 'the cache stayed within its bound meanwhile')
})

t.test('negotiate (cached) agrees with negotiateUncached on generated Accept headers, tables and transforms included', async (t) => {
  const outcomes = { transforms: 0, table: 0, bfast: 0, json: 0 }
  fc.assert(
    fc.property(ACCEPT, (accept) => {
      const expected = negotiateUncached(accept)
      if (negotiate(accept) !== expected || negotiate(accept) !== expected) return false
      outcomes[transformsRouteSends(expected)]++
      return true
    }),
    PROPERTY
  )
  t.ok(Object.values(outcomes).every((n) => n > PROPERTY.numRuns / 50), `every decision generated: ${JSON.stringify(outcomes)}`)
})

t.test('regression: distinct Accept headers (a hostile client) cannot grow the negotiation cache past its bound', async (t) => {
  const distinct = NEGOTIATION_CACHE.maxEntries * 4
  let largest = 0
  for (let i = 0; i < distinct; i++) {
    // Alternate B-FAST and JSON winners so that every stored decision is checked, not only true ones.
    const accept = i % 2 === 0 ? `application/x-bfast, x/y${i}` : `application/x-bfast;q=0.1, application/json, x/y${i}`
    t.equal(prefersBfast(accept), i % 2 === 0, `header ${i}`, { diagnostic: false })
    largest = Math.max(largest, negotiationCacheSize())
  }
  t.ok(largest <= NEGOTIATION_CACHE.maxEntries, `at most ${NEGOTIATION_CACHE.maxEntries} entries (largest seen: ${largest})`)
  t.equal(largest, NEGOTIATION_CACHE.maxEntries, 'the cache fills up to its bound before it is cleared')

  // A value longer than maxKeyLength is decided every time and never stored.
  const padding = 'x/y, '.repeat(NEGOTIATION_CACHE.maxKeyLength)
  const long = `${padding}application/x-bfast`
  t.ok(long.length > NEGOTIATION_CACHE.maxKeyLength)
  const before = negotiationCacheSize()
  t.equal(prefersBfast(long), true, 'a long header is still negotiated')
  t.equal(prefersBfast(`${padding}application/x-bfast;q=0`), false, 'and its weight still read')
  t.equal(negotiationCacheSize(), before, 'long headers are not stored')
})

t.test('JSON clients never enter the negotiation cache', async (t) => {
  const before = negotiationCacheSize()
  for (const accept of ['application/json', '*/*', 'text/html, application/xhtml+xml', `application/json, x/json-only-${before}`]) {
    t.equal(prefersBfast(accept), false, accept)
  }
  t.equal(negotiationCacheSize(), before, 'headers without the subtype are answered before the cache')
})
