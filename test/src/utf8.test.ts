/**
 * The codec's UTF-8 paths (src/utf8.ts) with Node's Buffer fast paths, at every length
 * cut-over. utf8-browser.test.ts runs the same checks without Buffer.
 */
import t from 'tap'
import * as codec from '../../src/index.js'
import { utf8Suite } from './utf8-cases.js'

utf8Suite(t, codec)
