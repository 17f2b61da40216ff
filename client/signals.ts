/**
 * One AbortSignal for a request out of the client's signal, the request's signal and the
 * timeout: whichever fires first aborts the request with its reason.
 *
 * Written by hand rather than with `AbortSignal.any` / `AbortSignal.timeout` so that it also
 * runs in browsers without them, and so that the timer and listeners are released as soon as
 * the request settles (a long-lived client signal must not collect listeners).
 */

/** A combined signal, and the means to tell a timeout from an abort and to let go. */
export interface RequestSignal {
  /** Undefined when nothing can abort the request. */
  signal: AbortSignal | undefined
  /** Whether the timeout (rather than a caller's signal) aborted the request. */
  timedOut(): boolean
  /** Clears the timer and removes the listeners; call once the request has settled. */
  release(): void
}

/** Name of the DOMException a timeout aborts with, as `AbortSignal.timeout` uses (WHATWG DOM 3.1). */
const TIMEOUT_ERROR_NAME = 'TimeoutError'

export function requestSignal(
  signals: ReadonlyArray<AbortSignal | null | undefined>,
  timeoutMs: number | undefined
): RequestSignal {
  const sources = signals.filter((s): s is AbortSignal => s !== null && s !== undefined)
  const hasTimeout = timeoutMs !== undefined && timeoutMs > 0
  if (!hasTimeout && sources.length <= 1) {
    return { signal: sources[0], timedOut: () => false, release: () => {} }
  }

  const controller = new AbortController()
  let timedOut = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const cleanups: Array<() => void> = []
  const release = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    for (const cleanup of cleanups.splice(0)) cleanup()
  }

  for (const source of sources) {
    if (source.aborted) {
      controller.abort(source.reason)
      break
    }
    const onAbort = (): void => {
      controller.abort(source.reason)
      release()
    }
    source.addEventListener('abort', onAbort, { once: true })
    cleanups.push(() => source.removeEventListener('abort', onAbort))
  }

  if (hasTimeout && !controller.signal.aborted) {
    timer = setTimeout(() => {
      timedOut = true
      controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, TIMEOUT_ERROR_NAME))
      release()
    }, timeoutMs)
  }
  if (controller.signal.aborted) release()

  return { signal: controller.signal, timedOut: () => timedOut, release }
}
