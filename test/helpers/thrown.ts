/**
 * What a call throws, as the codec tests assert it: the BFastError itself, its code, or a
 * description of what happened instead (a return, another error).
 */
import { BFastError } from '../../src/index.js'

/** `name: message` of an Error, else the thrown value as text. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}

/** Whatever `fn` throws, whatever its class; undefined when it returns. */
export function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  return undefined
}

/** Runs `fn` and returns the BFastError it throws, or a description of what happened instead. */
export function thrownBy(fn: () => unknown): BFastError | string {
  try {
    const v = fn()
    return `returned ${typeof v}`
  } catch (err) {
    return err instanceof BFastError ? err : `threw ${describeError(err)}`
  }
}

/** The code a call throws ('none' when it returns, the error text when it is not a BFastError). */
export function codeOf(fn: () => unknown): string {
  const e = thrownBy(fn)
  return typeof e === 'string' ? e : e.code
}

/** The error `fn` throws, as "CODE@offset", or what it did instead. */
export function failure(fn: () => unknown): string {
  const e = caught(fn)
  if (e === undefined) return 'no error'
  return e instanceof BFastError ? `${e.code}@${e.offset}` : `not a BFastError: ${describeError(e)}`
}
