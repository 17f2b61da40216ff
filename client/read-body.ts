/**
 * Reading a reply body into bytes. A B-FAST reply is read from its stream through the codec's
 * `Decompressor`, so that LZ4 decompression (SPEC 4) runs while the rest is still downloading
 * instead of after it; the bytes handed on are then the plain message, exactly what
 * `decompress()` would have made of the whole body. Everything else is read whole.
 */
import { Decompressor, type DecodeOptions } from '../src/index.js'
import { HEADER } from './constants.js'
import type { ReplyFormat } from './decode-response.js'
import type { ResponseLike } from './types.js'

const NO_BYTES = new Uint8Array(0)

/**
 * The body's bytes, ready for `decodeBody(format, ...)`: for B-FAST the plain message.
 * Rejects as reading the body would (abort, network error), and with the codec's
 * BFastError for a compressed body it cannot read.
 */
export async function readBody(response: ResponseLike, format: ReplyFormat, options?: DecodeOptions): Promise<Uint8Array> {
  if (format === 'empty') return NO_BYTES
  const body = response.body
  if (format !== 'bfast' || body === undefined || body === null) return new Uint8Array(await response.arrayBuffer())
  // Content-Length only sizes the first buffer (the decompressor caps it): a wrong one costs a copy, nothing more.
  const announced = Number(response.headers.get(HEADER.contentLength))
  const inflater = new Decompressor({ expectedLength: announced, maxDecompressedSize: options?.maxDecompressedSize })
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (value !== undefined) inflater.push(value)
  }
  return inflater.finish()
}
