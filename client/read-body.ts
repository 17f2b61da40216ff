/**
 * Reading a reply body into bytes, never more than `maxResponseSize` of them (issue 10): the
 * body is read from its stream piece by piece whatever its form (B-FAST plain or LZ4, JSON,
 * text, any HTTP Content-Encoding fetch decoded), and the download is cancelled as soon as the
 * bytes fetch hands over pass the limit, so an endless body or a gzip bomb costs at most the
 * limit. A B-FAST reply goes through the codec's `Decompressor`, so that LZ4 decompression
 * (SPEC 4) runs while the rest is still downloading, bounded by the same limit (SPEC 6); the
 * bytes handed on are then the plain message, exactly what `decompress()` would have made of
 * the whole body.
 */
import { BFastError, Decompressor } from '../src/index.js'
import { HEADER, ZSTD_CODING, ZSTD_MAGIC } from './constants.js'
import type { ReplyFormat } from './decode-response.js'
import type { BodyStreamLike, ResponseLike } from './types.js'

const NO_BYTES = new Uint8Array(0)

/** Where the pieces of a body go: the Decompressor for B-FAST, a list of pieces otherwise. */
interface Sink {
  push(piece: Uint8Array): void
  finish(): Uint8Array
}

/** Collects pieces and joins them once at the end (one copy, none for a one-piece body). */
class Pieces implements Sink {
  private readonly pieces: Uint8Array[] = []
  private length = 0

  push(piece: Uint8Array): void {
    this.pieces.push(piece)
    this.length += piece.length
  }

  finish(): Uint8Array {
    if (this.pieces.length === 1) return this.pieces[0]!
    const out = new Uint8Array(this.length)
    let at = 0
    for (const piece of this.pieces) {
      out.set(piece, at)
      at += piece.length
    }
    return out
  }
}

/** The error for a body past the limit: `TOO_LARGE` at the first byte beyond it (SPEC 6). */
function tooLarge(limit: number): BFastError {
  return new BFastError('TOO_LARGE', limit, `The reply body exceeds maxResponseSize (${limit} bytes)`)
}

/** The error for a zstd body fetch handed over undecoded (see ZSTD_MAGIC). */
function undecodedZstd(): BFastError {
  return new BFastError(
    'BAD_COMPRESSION',
    0,
    "The reply is Content-Encoding: zstd and this fetch did not decode it (Node 20's and 22's built-in fetch do not): do not send Accept-Encoding: zstd from it"
  )
}

/** Whether the reply's Content-Encoding lists zstd (RFC 9110 section 8.4: a comma-separated, case-insensitive list). */
function hasZstd(contentEncoding: string | null): boolean {
  if (contentEncoding === null) return false
  return contentEncoding.split(',').some((coding) => coding.trim().toLowerCase() === ZSTD_CODING)
}

/** True when `bytes` starts with the zstd frame magic. */
function startsWithZstd(bytes: Uint8Array): boolean {
  return bytes.length >= ZSTD_MAGIC.length && ZSTD_MAGIC.every((b, i) => bytes[i] === b)
}

/** Cancels a body nobody will read (a retry, an empty reply), ignoring a stream that is already done. */
export function discardBody(body: BodyStreamLike | null | undefined): void {
  if (body === null || body === undefined) return
  try {
    const cancelled = body.getReader().cancel?.()
    if (cancelled !== undefined) cancelled.catch(() => {})
  } catch {
    // Locked or already consumed: nothing left to free.
  }
}

/**
 * The body's bytes, ready for `decodeBody(format, ...)`: for B-FAST the plain message.
 * Rejects as reading the body would (abort, network error); with the codec's `BFastError`
 * `TOO_LARGE` past `maxBytes` (the download cancelled), `BAD_COMPRESSION` for an undecoded zstd
 * body, and whatever `decompress()` throws for a compressed B-FAST body it cannot read.
 */
export async function readBody(response: ResponseLike, format: ReplyFormat, maxBytes: number): Promise<Uint8Array> {
  const body = response.body
  if (format === 'empty') {
    discardBody(body)
    return NO_BYTES
  }
  const zstd = hasZstd(response.headers.get(HEADER.contentEncoding))
  // Content-Length counts the bytes on the wire: it bounds the body only when fetch decodes no coding.
  const announced = Number(response.headers.get(HEADER.contentLength))
  if (response.headers.get(HEADER.contentEncoding) === null && announced > maxBytes) {
    discardBody(body)
    throw tooLarge(maxBytes)
  }

  if (body === undefined || body === null) {
    // No stream to cut short (a ResponseLike of another HTTP client): checked once it is read.
    const bytes = new Uint8Array(await response.arrayBuffer())
    if (bytes.length > maxBytes) throw tooLarge(maxBytes)
    if (zstd && startsWithZstd(bytes)) throw undecodedZstd()
    return bytes
  }

  // Content-Length only sizes the first buffer (the decompressor caps it): a wrong one costs a copy, nothing more.
  const sink: Sink =
    format === 'bfast' ? new Decompressor({ expectedLength: announced, maxDecompressedSize: maxBytes }) : new Pieces()
  const reader = body.getReader()
  // The first bytes, kept until there are enough to tell an undecoded zstd frame.
  let head: Uint8Array | undefined = zstd ? new Uint8Array(0) : undefined
  let received = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (value === undefined || value.length === 0) continue
      received += value.length
      if (received > maxBytes) throw tooLarge(maxBytes)
      if (head !== undefined) {
        const joined = new Uint8Array(head.length + value.length)
        joined.set(head)
        joined.set(value, head.length)
        if (joined.length >= ZSTD_MAGIC.length) {
          if (startsWithZstd(joined)) throw undecodedZstd()
          head = undefined
        } else {
          head = joined
        }
      }
      sink.push(value)
    }
  } catch (err) {
    // Stop the download: past the limit, an undecoded body, or a read that failed.
    reader.cancel?.(err)?.catch(() => {})
    throw err
  }
  return sink.finish()
}
