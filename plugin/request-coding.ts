/**
 * Content codings of request bodies (RFC 9110 section 8.4): a B-FAST or JSON body sent with
 * `Content-Encoding: zstd`, `br`, `gzip` or `deflate` (or several, stacked) is decoded as it
 * arrives, in a preParsing hook (Fastify's place for a body transform), before any parser reads
 * it. Fastify itself does nothing with Content-Encoding (it hands the coded bytes to the parser,
 * so a gzip JSON body is a 400 and an unknown coding goes unnoticed), hence JSON bodies too on
 * the plugin's routes. Other media types pass untouched: their parsers are the app's business.
 *
 * The bomb limits are those of plain bodies. Fastify counts the bytes received against
 * `bodyLimit` (the stream handed on carries `receivedEncodedLength`, as Fastify asks of a
 * decoding preParsing stream); the decoded bytes are counted as each decoder hands them on, and
 * past the limit (`maxBodySize` for B-FAST, never above `bodyLimit`; `bodyLimit` for JSON) the
 * decoding stops and the request gets 413 FST_BFAST_BODY_TOO_LARGE: a 1 MB body inflating to
 * 1 GiB costs the limit, never the gigabyte. Each layer of a stacked coding meets the same limit.
 * A truncated or corrupt coding, or bytes after its end, is 400 FST_BFAST_BAD_CONTENT_CODING; a
 * coding this server does not decode is 415 FST_BFAST_UNSUPPORTED_CONTENT_CODING with the
 * codings it does decode in `Accept-Encoding` (RFC 9110 section 15.5.16).
 *
 * Composes with @fastify/compress: its request decompression (a preParsing hook placed first)
 * hands on a stream with `receivedEncodedLength`; a body so decoded is not decoded again.
 */
import { Transform } from 'node:stream'
import type { Readable, TransformCallback } from 'node:stream'
import { finished, pipeline } from 'node:stream'
import zlib from 'node:zlib'
import type { FastifyReply, FastifyRequest, preParsingHookHandler } from 'fastify'
import { BFAST_MEDIA_TYPE, HEADER, JSON_MEDIA_TYPE } from './constants.js'
import { FastifyBfastError, HTTP_STATUS, PLUGIN_ERROR_CODES } from './errors.js'
import { mediaTypeEssence } from './negotiate.js'
import { CODING_ALIASES, zstdZlib, type ZstdZlib } from './zlib-zstd.js'

/**
 * The most codings one body may stack: curl's and undici's bound on a reply (curl CVE-2022-32206,
 * undici's maxContentEncodings). Real clients send one; each layer costs a decoder.
 */
export const MAX_STACKED_CODINGS = 5

/**
 * The largest zstd window a request body may use: 8 MiB, the bound RFC 9659 section 3 sets on
 * `Content-Encoding: zstd` (2^23 bytes). zstd's own default allows 128 MiB, which a 20-byte frame
 * header could make the decoder allocate.
 */
const ZSTD_WINDOW_LOG_MAX = 23

/**
 * node:zlib's zstd, if it tells a truncated frame from a whole one. Node 22's does not: it ends a
 * cut-off frame without an error (measured on 22.23.5; 24 and 26 report "unexpected end of file"),
 * which would hand the parser a silently shortened body. So zstd is decoded only where this probe
 * (one frame of 1 KiB, its last byte cut) throws; elsewhere it is answered 415 like any coding
 * this server does not know.
 */
function zstdThatDetectsTruncation(): ZstdZlib | undefined {
  if (zstdZlib === undefined) return undefined
  const frame = zstdZlib.zstdCompressSync(Buffer.alloc(1024, 'zstd'))
  try {
    zstdZlib.zstdDecompressSync(frame.subarray(0, frame.length - 1))
  } catch {
    return zstdZlib
  }
  return undefined
}

const zstd = zstdThatDetectsTruncation()

/**
 * The decoder of each content coding this server accepts on request bodies, strongest first (the
 * order of the 415's Accept-Encoding). `deflate` is the zlib format (RFC 9110 section 8.4.1.2),
 * as @fastify/compress and browsers' CompressionStream('deflate') make it; `x-gzip` is gzip
 * (section 8.4.1.3). `identity` (no coding) is skipped wherever it appears in the list.
 */
const DECODERS: ReadonlyMap<string, () => Transform> = new Map<string, () => Transform>([
  ...(zstd === undefined
    ? []
    : [['zstd', () => zstd.createZstdDecompress({ params: { [zstd.constants.ZSTD_d_windowLogMax]: ZSTD_WINDOW_LOG_MAX } })] as const]),
  ['br', () => zlib.createBrotliDecompress()],
  ['gzip', () => zlib.createGunzip()],
  ['deflate', () => zlib.createInflate()]
])

/** The no-coding token (RFC 9110 section 12.5.3). */
const IDENTITY = 'identity'

/** The Accept-Encoding of a 415: the codings request bodies may use on this Node line. */
export const ACCEPTED_REQUEST_CODINGS = [...DECODERS.keys()].join(', ')

function unsupported(message: string): FastifyBfastError {
  return new FastifyBfastError(
    PLUGIN_ERROR_CODES.FST_BFAST_UNSUPPORTED_CONTENT_CODING,
    HTTP_STATUS.unsupportedMediaType,
    `${message}; request bodies may be sent in ${ACCEPTED_REQUEST_CODINGS} (the reply's Accept-Encoding)`
  )
}

/**
 * The codings of a Content-Encoding value in the order they were applied, identity left out.
 * The field is a comma-separated list of case-insensitive tokens (RFC 9110 sections 5.6.1 and
 * 8.4); empty elements are ignored. Throws the 415 for an unknown coding or too many.
 */
export function requestCodings(header: string): string[] {
  const codings: string[] = []
  for (const element of header.split(',')) {
    const token = element.trim().toLowerCase()
    if (token === '' || token === IDENTITY) continue
    const coding = CODING_ALIASES[token] ?? token
    if (!DECODERS.has(coding)) throw unsupported(`Unsupported request Content-Encoding "${token}"`)
    codings.push(coding)
  }
  if (codings.length > MAX_STACKED_CODINGS) {
    throw unsupported(`Request Content-Encoding stacks ${codings.length} codings, more than ${MAX_STACKED_CODINGS}`)
  }
  return codings
}

/** The bound on what each decoder hands on, and the option that sets it (for the 413's message). */
interface Limit {
  bytes: number
  name: 'maxBodySize' | 'bodyLimit'
}

/**
 * Follows one decoder: counts what it hands on against the limit, and at its end checks that it
 * read every byte it was given (deflate, br and zstd decoders stop at their stream's end and drop
 * what follows; gzip reads it as the next member and fails). The last one of a chain is the
 * stream handed to Fastify: it carries `receivedEncodedLength` and turns a decoder's error into
 * the plugin's 400.
 */
class DecodedBytes extends Transform {
  count = 0
  receivedEncodedLength = 0

  constructor(
    private readonly decoder: Transform & { bytesWritten: number },
    private readonly coding: string,
    private readonly given: () => number,
    private readonly limit: Limit,
    /** Errors raised by the chain's decoders, with the coding whose bytes were bad. */
    private readonly decoderErrors: WeakMap<Error, string>
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length
    if (this.count > this.limit.bytes) {
      callback(
        new FastifyBfastError(
          PLUGIN_ERROR_CODES.FST_BFAST_BODY_TOO_LARGE,
          HTTP_STATUS.contentTooLarge,
          `Request body too large: its ${this.coding} content coding decodes to more than ${this.limit.name} (${this.limit.bytes} bytes)`
        )
      )
      return
    }
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    const after = this.given() - this.decoder.bytesWritten
    callback(after > 0 ? badCoding(this.coding, `${after} bytes after the end of the ${this.coding} data`) : null)
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const coding = err === null ? undefined : this.decoderErrors.get(err)
    callback(coding === undefined ? err : badCoding(coding, err!.message, err!))
  }
}

function badCoding(coding: string, why: string, cause?: Error): FastifyBfastError {
  return new FastifyBfastError(
    PLUGIN_ERROR_CODES.FST_BFAST_BAD_CONTENT_CODING,
    HTTP_STATUS.badRequest,
    `Invalid request body for Content-Encoding ${coding}: ${why}`,
    { cause }
  )
}

/**
 * `payload` decoded through `codings` (in the order applied, so decoded last to first). The
 * payload is piped, not put in the pipeline: a pipeline would destroy the request on error, and
 * with it the socket the 413 or 400 must go out on.
 */
function decodedBody(payload: Readable, codings: readonly string[], limit: Limit): DecodedBytes {
  const stages: Transform[] = []
  const decoderErrors = new WeakMap<Error, string>()
  let received = 0
  let given = (): number => received
  let last!: DecodedBytes
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!
    const decoder = DECODERS.get(coding)!() as Transform & { bytesWritten: number }
    decoder.once('error', (err) => decoderErrors.set(err, coding))
    const counted = new DecodedBytes(decoder, coding, given, limit, decoderErrors)
    given = () => counted.count
    stages.push(decoder, counted)
    last = counted
  }
  const count = (chunk: Buffer): void => {
    received += chunk.length
    last.receivedEncodedLength = received
  }
  payload.on('data', count)
  // Every stage torn down on any stage's error, which then reaches `last` (its _destroy says why).
  pipeline(stages, () => payload.removeListener('data', count))
  // The request ending early (client gone) ends the decoding too.
  finished(payload, { writable: false }, (err) => {
    if (err !== undefined && err !== null) stages[0]!.destroy(err)
  })
  payload.pipe(stages[0]!)
  return last
}

/**
 * The preParsing hook of a route that may receive a body: decodes the body's content coding for
 * a B-FAST body (bounded by `maxBodySize`) or a JSON one (bounded by the route's `bodyLimit`).
 */
export function requestDecoding(maxBodySize: number): preParsingHookHandler {
  return function decodeContentCoding(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: Readable & { receivedEncodedLength?: number },
    done: (err?: Error | null, res?: Readable) => void
  ): void {
    const header = request.headers[HEADER.contentEncoding]
    // No coding, or already decoded by an earlier hook (@fastify/compress): nothing to do.
    if (header === undefined || payload.receivedEncodedLength !== undefined) {
      done(null, payload)
      return
    }
    const type = mediaTypeEssence(request.headers[HEADER.contentType] ?? '')
    const bfast = type === BFAST_MEDIA_TYPE
    if (!bfast && type !== JSON_MEDIA_TYPE) {
      done(null, payload)
      return
    }
    let codings: string[]
    try {
      codings = requestCodings(header)
    } catch (err) {
      reply.header(HEADER.acceptEncoding, ACCEPTED_REQUEST_CODINGS)
      done(err as Error)
      return
    }
    if (codings.length === 0) {
      done(null, payload)
      return
    }
    const bodyLimit = request.routeOptions.bodyLimit
    const limit: Limit =
      bfast && maxBodySize <= bodyLimit ? { bytes: maxBodySize, name: 'maxBodySize' } : { bytes: bodyLimit, name: 'bodyLimit' }
    done(null, decodedBody(payload, codings, limit))
  }
}
