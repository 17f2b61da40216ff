/**
 * The codec's UTF-8 paths (src/utf8.ts) with Node's Buffer fast paths, at every length
 * cut-over. utf8-browser.test.ts runs the same checks without Buffer.
 */
import t from 'tap'
import * as codec from '../../src/index.js'
import { refusesInvalidAtEveryLength, refusesLoneSurrogatesAtEveryLength, roundTripsAtEveryLength } from './utf8-cases.js'

t.test('round trips at every length', (t) => {
  roundTripsAtEveryLength(t, codec)
  t.end()
})
t.test('invalid UTF-8 at every length', (t) => {
  refusesInvalidAtEveryLength(t, codec)
  t.end()
})
t.test('lone surrogates at every length', (t) => {
  refusesLoneSurrogatesAtEveryLength(t, codec)
  t.end()
})
