/**
 * String-table keys (SPEC 3) kept across messages, for the reader (./reader.ts readTable).
 * Browser-safe.
 *
 * Why: replies of one API repeat their keys from message to message, and a key read afresh is a
 * new string. V8 hashes such a string and looks it up in its string table at the first keyed
 * store that uses it, in every message: for a one-object reply that was about a tenth of the
 * decode (PERFORMANCE-NOTES "One DataView a message"). A key found here is the internalized
 * string of an earlier message, checked byte by byte against this message's bytes, so what a
 * message decodes to never depends on the messages before it.
 *
 * Bounded on purpose: KEY_CACHE_SLOTS slots of ASCII keys up to KEY_CACHE_MAX_BYTES, a key
 * replacing whatever its slot held, so hostile messages can hold at most that much and cost a
 * miss, never a search.
 */
import { KEY_CACHE_SLOTS } from './limits.js'
import { readUtf8 } from './utf8.js'

const MASK = KEY_CACHE_SLOTS - 1
const slots: string[] = new Array<string>(KEY_CACHE_SLOTS).fill('')

/**
 * The key of `n` bytes (1 .. KEY_CACHE_MAX_BYTES) at `p` of `src`, as readUtf8 would read it.
 * Written for V8 on purpose: the compare is charCodeAt on a sequential one-byte string.
 */
export function readKey(src: Uint8Array, p: number, n: number): string {
  const slot = slotOf(src, p, n)
  const known = slots[slot]
  if (known.length === n) {
    let j = 0
    while (j < n && known.charCodeAt(j) === src[p + j]) j++
    if (j === n) return known
  }
  return remember(slot, readUtf8(src, p, n), n)
}

/**
 * The slot of the key of `n` bytes at `p` (exported for the tests, which look for collisions).
 * Every byte counts: a hash of three bytes and the length put citm_catalog.json's 532 numeric
 * keys ("205705993", ...) in 252 slots (now 506), so they evicted each other every message
 * and its decode took 1.06-1.10x as long as with no cache (Node 26; PERFORMANCE-NOTES "Keys
 * kept across messages"). This loop over at most 32 bytes did not move a one-user decode's
 * instruction count (callgrind).
 */
export function slotOf(src: Uint8Array, p: number, n: number): number {
  let h = n
  for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + src[p + i]) | 0
  return (h ^ (h >>> 12)) & MASK
}

/** A key read afresh: kept when ASCII (one byte a unit, so the compare above holds). */
function remember(slot: number, key: string, n: number): string {
  if (key.length !== n) return key
  // The property name V8 made of it is the internalized string: later messages that use it as
  // a key skip the string-table lookup.
  const internal = Object.keys({ [key]: 0 })[0]
  slots[slot] = internal
  return internal
}
