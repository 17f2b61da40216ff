/**
 * The retry policy (issue 13, in the style of ky): which failed attempts are tried again, and
 * how long the client waits first: the reply's `Retry-After` (RFC 9110 section 10.2.3) where
 * the status says to honour it, else an exponential backoff.
 */
import { HEADER, RETRY_DEFAULTS } from './constants.js'
import type { AbortSignalLike, FetchResponse, RetryOptions } from './types.js'

/** A `RetryOptions` with every default filled in. */
export interface RetryPolicy {
  limit: number
  methods: ReadonlySet<string>
  statusCodes: ReadonlySet<number>
  afterStatusCodes: ReadonlySet<number>
  maxRetryAfter: number
  backoffLimit: number
  delay: (attempt: number) => number
  jitter: boolean
}

/** ky's backoff: 0.3 s, 0.6 s, 1.2 s, ... */
function exponential(attempt: number): number {
  return RETRY_DEFAULTS.backoffBaseMs * 2 ** (attempt - 1)
}

/** The policy for a request: its `retry` over the client's (a number is `{ limit }`). */
export function retryPolicy(
  client: number | RetryOptions | undefined,
  request: number | RetryOptions | undefined
): RetryPolicy {
  const asOptions = (r: number | RetryOptions | undefined): RetryOptions =>
    typeof r === 'number' ? { limit: r } : (r ?? {})
  const o: RetryOptions = { ...asOptions(client), ...asOptions(request) }
  return {
    limit: o.limit ?? RETRY_DEFAULTS.limit,
    methods: new Set((o.methods ?? RETRY_DEFAULTS.methods).map((m) => m.toUpperCase())),
    statusCodes: new Set(o.statusCodes ?? RETRY_DEFAULTS.statusCodes),
    afterStatusCodes: new Set(o.afterStatusCodes ?? RETRY_DEFAULTS.afterStatusCodes),
    maxRetryAfter: o.maxRetryAfter ?? RETRY_DEFAULTS.maxRetryAfter,
    backoffLimit: o.backoffLimit ?? RETRY_DEFAULTS.backoffLimit,
    delay: o.delay ?? exponential,
    jitter: o.jitter ?? false
  }
}

/** Whether attempt number `attempt` (1-based) of `method` may be followed by another. */
export function mayRetry(policy: RetryPolicy, method: string, attempt: number): boolean {
  return attempt <= policy.limit && policy.methods.has(method)
}

/** Backoff before the retry that follows attempt `attempt`, in milliseconds. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const computed = Math.min(policy.backoffLimit, Math.max(0, policy.delay(attempt)))
  return policy.jitter ? Math.random() * computed : computed
}

/**
 * Milliseconds to wait before retrying after `response`, or undefined when it must not be
 * retried (a status not in `statusCodes`, or a `Retry-After` beyond `maxRetryAfter`).
 */
export function replyRetryDelay(
  policy: RetryPolicy,
  response: FetchResponse,
  attempt: number,
  now: number
): number | undefined {
  if (!policy.statusCodes.has(response.status)) return undefined
  if (policy.afterStatusCodes.has(response.status)) {
    const after = retryAfterMs(response.headers.get(HEADER.retryAfter), now)
    if (after !== undefined) return after > policy.maxRetryAfter ? undefined : after
  }
  return backoff(policy, attempt)
}

/**
 * A `Retry-After` value in milliseconds from `now`: delay-seconds or an HTTP-date (RFC 9110
 * section 10.2.3); undefined when absent or unreadable (then the backoff applies).
 */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignalLike | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
