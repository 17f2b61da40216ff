/**
 * Errors the client throws: `HttpError` (a non-2xx reply), `TimeoutError`,
 * `BFastRequestError` (a codec error, or a reply over `maxResponseSize`, tied to its request),
 * and `ClientOptionError` (an invalid option, before anything is sent); fetch's own errors
 * (network failures) are rethrown unchanged so their `cause` is kept.
 */
import { BFastError } from '../src/index.js'
import { checkDecodeOptions } from '../src/options.js'
import { ERROR_MESSAGE_MAX_CHARS } from './constants.js'
import type { FetchResponse, HeadersLike } from './types.js'

/** Stable codes of the client's own errors; never reused with another meaning. */
export const CLIENT_ERROR_CODES = {
  /** An invalid option of `createClient`, of a request or of `decodeResponse`; the message names it. */
  ERR_BFAST_CLIENT_BAD_OPTION: 'ERR_BFAST_CLIENT_BAD_OPTION',
  /** A reply with a status outside 200-299 (`HttpError`). */
  ERR_BFAST_CLIENT_HTTP_STATUS: 'ERR_BFAST_CLIENT_HTTP_STATUS',
  /** The request outlived its `timeout` (`TimeoutError`). */
  ERR_BFAST_CLIENT_TIMEOUT: 'ERR_BFAST_CLIENT_TIMEOUT'
} as const

export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES

/** What an `HttpError` is built from. */
export interface HttpErrorInit {
  method: string
  url: string
  response: FetchResponse
  body: unknown
  /** Why `body` is `undefined` although the reply had one (it could not be read or decoded). */
  cause?: unknown
}

/**
 * A reply with a status outside 200-299, whatever its body (issue 10). `body` holds the decoded
 * error body (B-FAST, JSON or text, by the reply's Content-Type) or `undefined` when it had none
 * or could not be read or decoded (then `cause` holds why: a `BFastError` for a bad or oversized
 * body, a `SyntaxError` for bad JSON, the read's own error).
 *
 * @example
 * ```ts
 * try {
 *   await client.get('/users/42')
 * } catch (err) {
 *   if (err instanceof HttpError && err.status === 404) console.log(err.body)
 *   else throw err
 * }
 * ```
 */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  /** Always `'ERR_BFAST_CLIENT_HTTP_STATUS'`: the kind of failure; `status` says which. */
  readonly code: ClientErrorCode = CLIENT_ERROR_CODES.ERR_BFAST_CLIENT_HTTP_STATUS
  /** The reply's status code. */
  readonly status: number
  /** The reply's status text (empty over HTTP/2). */
  readonly statusText: string
  /** The reply's headers. */
  readonly headers: HeadersLike
  /** The reply itself, as fetch returned it (a `Response`; its body has been read). */
  readonly response: FetchResponse
  /**
   * The decoded reply body (`unknown`: narrow it before use; an error body's shape is the
   * server's, whatever the route's success type).
   */
  readonly body: unknown
  /** The request's method. */
  readonly method: string
  /** The request's full URL. */
  readonly url: string

  constructor(init: HttpErrorInit) {
    const { response, body, method, url } = init
    const detail = messageOf(body)
    super(
      `${method} ${url} failed: ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}${detail === undefined ? '' : `: ${detail}`}`,
      init.cause === undefined ? undefined : { cause: init.cause }
    )
    this.status = response.status
    this.statusText = response.statusText
    this.headers = response.headers
    this.response = response
    this.body = body
    this.method = method
    this.url = url
  }
}

/**
 * The request took longer than its `timeout`. `cause` is the error fetch (or the body read)
 * failed with when it was aborted.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('/report', { timeout: 5_000 })
 * } catch (err) {
 *   if (err instanceof TimeoutError) console.log(`gave up after ${err.timeout} ms`)
 * }
 * ```
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError'
  /** Always `'ERR_BFAST_CLIENT_TIMEOUT'`. */
  readonly code: ClientErrorCode = CLIENT_ERROR_CODES.ERR_BFAST_CLIENT_TIMEOUT
  /** The timeout that expired, in milliseconds. */
  readonly timeout: number
  /** The request's method. */
  readonly method: string
  /** The request's full URL. */
  readonly url: string

  constructor(method: string, url: string, timeout: number, cause: unknown) {
    super(`${method} ${url} timed out after ${timeout} ms`, { cause })
    this.timeout = timeout
    this.method = method
    this.url = url
  }
}

/** What a `BFastRequestError` is built from. */
export interface BFastRequestErrorInit {
  method: string
  url: string
  /** The reply, when one arrived (undefined for a request body that did not encode). */
  response?: FetchResponse | undefined
  /** The codec's error, whose code, offset and message are kept. */
  error: BFastError
}

/**
 * A `BFastError` that says which request it belongs to: a request body that did not encode, a
 * reply that did not decode, or a reply over `maxResponseSize` (`TOO_LARGE`). It is a
 * `BFastError` (same `code`, `offset` and text, `cause` the codec's own error) that also has
 * the request's `method` and `url`, and the reply's `status` and `response` when one arrived.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('/report')
 * } catch (err) {
 *   if (err instanceof BFastError && err.code === 'TOO_LARGE') console.log('too big:', err.message)
 * }
 * ```
 */
export class BFastRequestError extends BFastError {
  /** The request's method. */
  readonly method: string
  /** The request's full URL. */
  readonly url: string
  /** The reply's status, or undefined when no reply was involved. */
  readonly status: number | undefined
  /** The reply, or undefined when no reply was involved (its body has been read or cancelled). */
  readonly response: FetchResponse | undefined

  constructor(init: BFastRequestErrorInit) {
    const { method, url, response, error } = init
    super(error.code, error.offset, '')
    // The codec's text already ends with "(CODE at byte N)": kept whole, after the request.
    this.message = `${method} ${url}: ${error.message}`
    this.cause = error
    this.method = method
    this.url = url
    this.status = response?.status
    this.response = response
  }
}

/**
 * `err` tied to its request when it is a codec error (see `BFastRequestError`); anything else
 * (fetch's errors, aborts, a SyntaxError from JSON) unchanged.
 */
export function withRequest(err: unknown, method: string, url: string, response?: FetchResponse): unknown {
  if (!(err instanceof BFastError) || err instanceof BFastRequestError) return err
  return new BFastRequestError({ method, url, response, error: err })
}

/** A short, single-line hint from an error body: its `message` (Fastify's error shape) or its text. */
function messageOf(body: unknown): string | undefined {
  let text: string | undefined
  if (typeof body === 'string') text = body
  else if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    text = (body as { message: string }).message
  }
  if (text === undefined) return undefined
  const line = text.replace(/\s+/g, ' ').trim()
  if (line === '') return undefined
  return line.length > ERROR_MESSAGE_MAX_CHARS ? `${line.slice(0, ERROR_MESSAGE_MAX_CHARS)}...` : line
}

/**
 * An invalid option of `createClient`, of a request or of `decodeResponse`, thrown before
 * anything is sent or read. A `TypeError` (its `name` too, as these errors were plain
 * TypeErrors before they had a code) with a stable `code`; for a bad `decode` option, found by
 * the codec's option registry, `cause` is the codec's `BAD_OPTION` error.
 *
 * @example
 * ```ts
 * try {
 *   createClient({ baseUrl: '/api', decode: { int64: 'string' as never } })
 * } catch (err) {
 *   if (err instanceof ClientOptionError) console.log(err.code) // 'ERR_BFAST_CLIENT_BAD_OPTION'
 * }
 * ```
 */
export class ClientOptionError extends TypeError {
  /** Always `'ERR_BFAST_CLIENT_BAD_OPTION'`. */
  readonly code: ClientErrorCode = CLIENT_ERROR_CODES.ERR_BFAST_CLIENT_BAD_OPTION
}

/** Checks codec decode options (src/options.ts registry), the codec's BAD_OPTION as a ClientOptionError. */
export function checkClientDecodeOptions(options: unknown, name: string): void {
  try {
    checkDecodeOptions(options, name)
  } catch (err) {
    if (err instanceof BFastError && err.code === 'BAD_OPTION') throw new ClientOptionError(err.message, { cause: err })
    throw err
  }
}
