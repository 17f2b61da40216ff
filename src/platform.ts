/**
 * Facts about the engine the codec runs on, probed once. Browser-safe.
 */

/**
 * The host's byte order is little-endian, the wire's (SPEC 1): a typed-array view of message
 * bytes (Float64Array, Int32Array, UTF-16 units) then reads them as they are, without a copy
 * through DataView. A big-endian host takes the DataView path.
 */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * The major version of Node.js running the codec, 0 on any other host (browsers). Read from
 * `process.versions` on the global, never imported (browser-safe); used only where Node lines
 * measured differently (./utf8.ts UTF8_SLICE_FROM_NODE).
 */
export const NODE_MAJOR: number = Number.parseInt(
  (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node ?? '0',
  10
) || 0

/**
 * Array.prototype.at as the engine had it when the codec loaded. The writers read the caller's
 * lists with `at` (V8 never transitions an array's elements kind for it: ./writer.ts
 * Writer#numbers), but only where a list's `at` is this one: an Array subclass or a later
 * polyfill may define another, and JSON never calls it (it reads the indices), so such lists are
 * read by index.
 */
export const ARRAY_AT = Array.prototype.at
