/**
 * The `Accept-Encoding` the client sends (issue 16 item 4): it must never name a coding the fetch
 * in use cannot decode. Browsers set the header themselves and forbid scripts to (Fetch standard,
 * forbidden request-header), so the client never sets it there. Node's built-in fetch (undici)
 * asks only for `gzip, deflate` over http though it decodes br, and zstd from undici 7.11 where
 * zlib has it; through it the client asks for what it decodes, so that a server choosing br or
 * zstd for a slow link can. That fetch is recognised by the runtime's `process.versions.undici`
 * (the bundled undici's version), read through globalThis so that this module stays browser-safe
 * (no Node built-in, no Node types). A fetch passed in the `fetch` option is the caller's: its
 * own Accept-Encoding is left as it is.
 */
import { NODE_FETCH_CODINGS } from './constants.js'

/** The runtime's version table as far as it is read here (Node's `process.versions`). */
interface RuntimeVersions {
  readonly undici?: unknown
  readonly zstd?: unknown
}

function runtimeVersions(): RuntimeVersions | undefined {
  return (globalThis as { process?: { versions?: RuntimeVersions } }).process?.versions
}

/** Whether `version` (major.minor...) is at least `[major, minor]`. */
function atLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const [hasMajor = 0, hasMinor = 0] = version.split('.').map(Number)
  return hasMajor > major || (hasMajor === major && hasMinor >= minor)
}

/**
 * The Accept-Encoding for Node's built-in fetch on this runtime, or undefined where the global
 * fetch is not Node's (a browser, Deno, Bun, a worker): there the fetch's own header stands.
 *
 * @example
 * ```ts
 * builtinFetchAcceptEncoding({ undici: '7.30.2', zstd: '1.5.7' }) // 'zstd, br, gzip, deflate'
 * builtinFetchAcceptEncoding({ undici: '6.29.1', zstd: '1.5.7' }) // 'br, gzip, deflate'
 * builtinFetchAcceptEncoding(undefined)                            // undefined
 * ```
 */
export function builtinFetchAcceptEncoding(
  versions: RuntimeVersions | undefined = runtimeVersions()
): string | undefined {
  const undici = versions?.undici
  if (typeof undici !== 'string') return undefined
  const zstd = typeof versions?.zstd === 'string' && atLeast(undici, NODE_FETCH_CODINGS.zstdSinceUndici)
  return zstd ? NODE_FETCH_CODINGS.withZstd : NODE_FETCH_CODINGS.withoutZstd
}
