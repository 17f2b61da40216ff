/**
 * Request bodies: a JS value encoded as B-FAST (the default) or JSON.
 */
import { encode } from '../src/index.js'
import { BFAST_MEDIA_TYPE, BODY_FORMATS, JSON_MEDIA_TYPE } from './constants.js'
import type { BodyFormat } from './types.js'

/** An encoded request body and the Content-Type that labels it. */
export interface EncodedBody {
  body: Uint8Array<ArrayBuffer> | string
  contentType: string
}

/**
 * Encodes `value` for sending. B-FAST bodies carry Dates, bigints, bytes and Float64Arrays as
 * themselves (SPEC 5); JSON bodies follow `JSON.stringify` (a bigint throws a `TypeError`).
 * An encode failure (`BFastError`, e.g. `CIRCULAR`) is thrown before anything is sent.
 */
export function encodeBody(value: unknown, format: BodyFormat): EncodedBody {
  if (format === BODY_FORMATS.json) {
    return { body: JSON.stringify(value), contentType: JSON_MEDIA_TYPE }
  }
  // encode() returns a fresh copy over its own ArrayBuffer (never a SharedArrayBuffer), which
  // is what fetch's BufferSource type asks for.
  return { body: encode(value) as Uint8Array<ArrayBuffer>, contentType: BFAST_MEDIA_TYPE }
}
