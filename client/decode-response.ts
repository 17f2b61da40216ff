/**
 * Reply decoding by Content-Type: B-FAST, JSON, otherwise text. The client never sniffs the
 * bytes: what the server labels is what is decoded (a mislabelled reply is an error, not a guess).
 */
import { decode, type DecodeOptions } from '../src/index.js'
import { TABLE_LAYOUT_PARAMETER, TABLE_LAYOUT_VALUE } from '../src/tags.js'
import {
  BFAST_MEDIA_TYPE,
  DEFAULT_MAX_RESPONSE_SIZE,
  HEADER,
  JSON_MEDIA_TYPE,
  JSON_SUFFIX,
  NO_CONTENT_STATUSES
} from './constants.js'
import { checkClientDecodeOptions, ClientOptionError } from './errors.js'
import { readBody } from './read-body.js'
import type { DecodeResponseOptions, ResponseLike } from './types.js'

/** The reply body formats the client tells apart. */
export type ReplyFormat = 'bfast' | 'json' | 'text' | 'empty'

/**
 * The media type of a Content-Type value, without parameters, lowercased
 * (RFC 9110 section 8.3.1: type and subtype are case-insensitive).
 */
export function mediaTypeOf(contentType: string | null): string {
  if (contentType === null) return ''
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}

/**
 * Whether a Content-Type labels a message that may hold tables (SPEC 8.0: `layout=table`; a
 * reply without the label is B-FAST v1). Parameter names are case-insensitive and a value may
 * be a quoted string (RFC 9110 sections 5.6.6 and 8.3.1); the media type is checked by the caller.
 */
export function labelsTables(contentType: string | null): boolean {
  if (contentType === null) return false
  const parts = contentType.split(';')
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim().toLowerCase() !== TABLE_LAYOUT_PARAMETER) continue
    const value = part.slice(eq + 1).trim()
    return (value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value) === TABLE_LAYOUT_VALUE
  }
  return false
}

/** Which decoder a reply with this status and Content-Type gets. */
export function replyFormatOf(status: number, contentType: string | null): ReplyFormat {
  if (NO_CONTENT_STATUSES.has(status)) return 'empty'
  const type = mediaTypeOf(contentType)
  if (type === BFAST_MEDIA_TYPE) return 'bfast'
  if (type === JSON_MEDIA_TYPE || type.endsWith(JSON_SUFFIX)) return 'json'
  return 'text'
}

// One decoder for every reply: TextDecoder is stateless between whole-buffer decode() calls.
const utf8 = new TextDecoder()

/** Decodes a whole reply body already read into memory. */
export function decodeBody(format: ReplyFormat, bytes: Uint8Array, options?: DecodeOptions): unknown {
  switch (format) {
    case 'empty':
      return undefined
    case 'bfast':
      // Plain and LZ4-compressed messages alike: decode tells them apart (SPEC 4).
      return decode(bytes, options)
    case 'json':
      return JSON.parse(utf8.decode(bytes))
    case 'text':
      return utf8.decode(bytes)
  }
}

/**
 * Decodes any fetch `Response` the way the client does, by its Content-Type:
 * `application/x-bfast` with the codec's `decode` (plain or compressed), JSON
 * (`application/json` and `+json` types) with `JSON.parse`, anything else as text;
 * 204, 205 and 304 replies give `undefined`. The status is not checked: use it for
 * error bodies too. At most `maxResponseSize` bytes (default 64 MiB) are read, as the client does.
 *
 * Throws the codec's `BFastError` for a bad B-FAST body or one over the limit (`TOO_LARGE`),
 * and a `SyntaxError` for bad JSON.
 *
 * @example
 * ```ts
 * import { decodeResponse } from 'fastify-bfast/client'
 *
 * const res = await fetch('/users', { headers: { accept: 'application/x-bfast' } })
 * const users = await decodeResponse<User[]>(res)
 * ```
 */
export async function decodeResponse<T = unknown>(response: ResponseLike, options?: DecodeResponseOptions): Promise<T> {
  const { maxResponseSize, ...decodeOptions } = options ?? {}
  if (maxResponseSize !== undefined && !(Number.isInteger(maxResponseSize) && maxResponseSize >= 0)) {
    const got = String(maxResponseSize)
    throw new ClientOptionError(`decodeResponse options.maxResponseSize must be a whole number >= 0, got ${got}`)
  }
  checkClientDecodeOptions(decodeOptions, 'decodeResponse options')
  const format = replyFormatOf(response.status, response.headers.get(HEADER.contentType))
  if (format === 'empty') return undefined as T
  const limit = responseLimit(maxResponseSize, decodeOptions)
  return decodeBody(format, await readBody(response, format, limit), {
    ...decodeOptions,
    maxDecompressedSize: limit
  }) as T
}

/**
 * The one size bound of a reply: `maxResponseSize` (default 64 MiB), lowered by the codec's
 * `maxDecompressedSize` when that is given too (it bounds the same decompressed bytes).
 */
export function responseLimit(maxResponseSize: number | undefined, decodeOptions: DecodeOptions | undefined): number {
  const limit = maxResponseSize ?? DEFAULT_MAX_RESPONSE_SIZE
  const codec = decodeOptions?.maxDecompressedSize
  return codec === undefined ? limit : Math.min(limit, codec)
}
