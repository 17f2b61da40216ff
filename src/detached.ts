/**
 * Telling a detached ArrayBuffer (transferred or `structuredClone`d away: its bytes are gone)
 * from an empty one, so that encode and decode report DETACHED (SPEC 6: every failure is a
 * BFastError) instead of the engine's TypeError. Browser-safe.
 */

/** `ArrayBuffer.prototype.detached` (ES2024); absent before V8 11.4 (Node 20). */
const hasDetachedGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'detached') !== undefined

/**
 * True when `buffer` is a detached ArrayBuffer. Only a buffer of byteLength 0 can be one, so
 * callers test the length first and the probe runs only for empty input.
 */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength !== 0 || !(buffer instanceof ArrayBuffer)) return false
  if (hasDetachedGetter) return (buffer as ArrayBuffer & { detached: boolean }).detached
  try {
    // Constructing a view on a detached buffer throws (ECMA-262 InitializeTypedArrayFromArrayBuffer).
    // eslint-disable-next-line no-new -- the constructor's throw is the answer
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}
