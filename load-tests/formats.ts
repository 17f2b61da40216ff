/**
 * The formats the load tests compare, and how each is requested and decoded.
 */
import { DEMO_ROUTES } from '../examples/server.js'
import { LZ4_ANY_SIZE_PATH } from './constants.js'
import type { ExampleServerOptions } from '../examples/server.js'
import { DEFAULT_TABLES, TABLE_MODES } from '../client/constants.js'
import { browserHeaders } from './browser-hints.js'
import type { LinkSettings } from './link-model.js'

/** The server configurations the load tests start (each in its own process). */
export const SERVERS = {
  /** JSON and B-FAST on the same route (only Accept differs), B-FAST+LZ4 on a route pinned to 'slow'. */
  plain: { bfast: { compression: { network: 'fast' } }, logger: { level: 'warn' } },
  /** The same, plus @fastify/compress for JSON (zstd, br, gzip by Accept-Encoding). */
  httpCompression: { bfast: { compression: { network: 'fast' } }, httpCompression: true, logger: { level: 'warn' } },
  /**
   * The plugin's defaults (compression policy network 'auto', threshold 1024; tables for a
   * client that asks, as the client does by default) with client hints, plus @fastify/compress
   * with its defaults: every format of the link simulator on one server.
   */
  defaults: { bfast: { clientHints: true }, httpCompression: true, logger: { level: 'warn' } }
} as const satisfies Record<string, ExampleServerOptions>

export type ServerName = keyof typeof SERVERS
export type FormatId = 'json' | 'gzip' | 'br' | 'zstd' | 'bfast' | 'lz4' | 'auto' | 'browser' | 'transport'

/** The `tables` modes of the B-FAST client (client/constants.ts TABLE_MODES). */
export type ClientTables = keyof typeof TABLE_MODES

export interface Format {
  id: FormatId
  label: string
  /** Request headers (Accept, Accept-Encoding); a browser format adds its link's (./browser-hints.ts). */
  headers: Record<string, string>
  /** How the reply body is decoded on arrival. */
  decoder: 'json' | 'bfast'
  /**
   * A browser's request through fastify-bfast/client with this `tables` mode: the client's own
   * Accept, and a browser's Accept-Encoding and network client hints for the link measured.
   */
  browser?: { tables: ClientTables }
  /** Where autocannon measures it (undefined: not in the throughput table). */
  throughput?: { server: ServerName; path: string }
  /** Where the bandwidth simulator measures it, on the `defaults` server. */
  timeToObject: { path: string }
}

const ACCEPT_JSON = 'application/json'
const ACCEPT_BFAST = 'application/x-bfast'
/** Explicit, so that fetch does not add its own gzip/deflate offer. */
const IDENTITY = 'identity'
/** The client's default `tables` mode, as a key of TABLE_MODES. */
const CLIENT_DEFAULT_TABLES = String(DEFAULT_TABLES) as ClientTables
const TRANSPORT: ClientTables = 'transport'

/** JSON from @fastify/compress (defaults: gzip level 6, brotli quality 4, zstd level 3), asked for one coding each. */
function jsonFormat(id: FormatId, label: string, acceptEncoding: string): Format {
  const server: ServerName = acceptEncoding === IDENTITY ? 'plain' : 'httpCompression'
  return {
    id,
    label,
    headers: { accept: ACCEPT_JSON, 'accept-encoding': acceptEncoding },
    decoder: 'json',
    throughput: { server, path: '/users' },
    timeToObject: { path: '/users' }
  }
}

export const FORMATS: readonly Format[] = [
  jsonFormat('json', 'JSON', IDENTITY),
  jsonFormat('gzip', 'JSON + gzip', 'gzip'),
  jsonFormat('br', 'JSON + brotli', 'br'),
  jsonFormat('zstd', 'JSON + zstd', 'zstd'),
  {
    id: 'bfast',
    label: 'B-FAST',
    headers: { accept: ACCEPT_BFAST, 'accept-encoding': IDENTITY },
    decoder: 'bfast',
    throughput: { server: 'plain', path: '/users' },
    timeToObject: { path: DEMO_ROUTES.plain }
  },
  {
    id: 'lz4',
    label: 'B-FAST + LZ4',
    headers: { accept: ACCEPT_BFAST, 'accept-encoding': IDENTITY },
    decoder: 'bfast',
    throughput: { server: 'plain', path: DEMO_ROUTES.lz4 },
    timeToObject: { path: DEMO_ROUTES.lz4 }
  },
  // Issue 5's row: the default policy alone (no hints, no HTTP coding offered), v1 asked for.
  {
    id: 'auto',
    label: "B-FAST, 'auto' policy (no hints)",
    headers: { accept: ACCEPT_BFAST, 'accept-encoding': IDENTITY },
    decoder: 'bfast',
    timeToObject: { path: '/users' }
  },
  {
    id: 'browser',
    label: 'B-FAST, browser (client default)',
    headers: {},
    decoder: 'bfast',
    browser: { tables: CLIENT_DEFAULT_TABLES },
    timeToObject: { path: '/users' }
  },
  // The table layout as a transport form, while the client's default is another mode.
  ...(CLIENT_DEFAULT_TABLES === TRANSPORT
    ? []
    : [
        {
          id: 'transport',
          label: "B-FAST, browser, tables: 'transport'",
          headers: {},
          decoder: 'bfast',
          browser: { tables: TRANSPORT },
          timeToObject: { path: '/users' }
        } satisfies Format
      ])
]

function formatById(id: FormatId): Format {
  const format = FORMATS.find((f) => f.id === id)
  if (format === undefined) throw new Error(`no format ${id}`)
  return format
}

/**
 * The threshold sweep's two sides: plain B-FAST as above, and the B-FAST + LZ4 request sent
 * to the load server's route that compresses at any size.
 */
export const THRESHOLD_FORMATS: readonly Format[] = [
  formatById('bfast'),
  { ...formatById('lz4'), label: 'B-FAST + LZ4 (any size)', throughput: undefined, timeToObject: { path: LZ4_ANY_SIZE_PATH } }
]

/**
 * The headers `format` reaches the server with on `link`: its own, or for a browser format the
 * client's Accept for its `tables` mode and the browser's Accept-Encoding and hints.
 */
export function requestHeaders(format: Format, link: LinkSettings): Record<string, string> {
  if (format.browser === undefined) return format.headers
  return { accept: TABLE_MODES[format.browser.tables].accept, ...browserHeaders(link) }
}
