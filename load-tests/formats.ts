/**
 * The formats the load tests compare, and how each is requested and decoded.
 */
import { DEMO_ROUTES } from '../examples/server.js'
import { LZ4_ANY_SIZE_PATH } from './constants.js'
import type { ExampleServerOptions } from '../examples/server.js'

/** The server configurations the load tests start (each in its own process). */
export const SERVERS = {
  /** JSON and B-FAST on the same route (only Accept differs), B-FAST+LZ4 on a route pinned to 'slow'. */
  plain: { bfast: { compression: { network: 'fast' } }, logger: { level: 'warn' } },
  /** The same, plus @fastify/compress for JSON (gzip, brotli by Accept-Encoding). */
  httpCompression: { bfast: { compression: { network: 'fast' } }, httpCompression: true, logger: { level: 'warn' } },
  /** The plugin's defaults (network 'auto', threshold 1024) plus @fastify/compress: every format on one server. */
  defaults: { bfast: {}, httpCompression: true, logger: { level: 'warn' } }
} as const satisfies Record<string, ExampleServerOptions>

export type ServerName = keyof typeof SERVERS
export type FormatId = 'json' | 'gzip' | 'br' | 'bfast' | 'lz4' | 'auto'

export interface Format {
  id: FormatId
  label: string
  /** Request headers (Accept, Accept-Encoding). */
  headers: Record<string, string>
  /** How the reply body is decoded on arrival. */
  decoder: 'json' | 'bfast'
  /** Where autocannon measures it (undefined: not in the throughput table). */
  throughput?: { server: ServerName; path: string }
  /** Where the bandwidth simulator measures it, on the `defaults` server. */
  timeToObject: { path: string }
}

const ACCEPT_JSON = 'application/json'
const ACCEPT_BFAST = 'application/x-bfast'
/** Explicit, so that fetch does not add its own gzip/deflate offer. */
const IDENTITY = 'identity'

export const FORMATS: readonly Format[] = [
  {
    id: 'json',
    label: 'JSON',
    headers: { accept: ACCEPT_JSON, 'accept-encoding': IDENTITY },
    decoder: 'json',
    throughput: { server: 'plain', path: '/users' },
    timeToObject: { path: '/users' }
  },
  {
    id: 'gzip',
    label: 'JSON + gzip',
    headers: { accept: ACCEPT_JSON, 'accept-encoding': 'gzip' },
    decoder: 'json',
    throughput: { server: 'httpCompression', path: '/users' },
    timeToObject: { path: '/users' }
  },
  {
    id: 'br',
    label: 'JSON + brotli',
    headers: { accept: ACCEPT_JSON, 'accept-encoding': 'br' },
    decoder: 'json',
    throughput: { server: 'httpCompression', path: '/users' },
    timeToObject: { path: '/users' }
  },
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
  {
    id: 'auto',
    label: "B-FAST, 'auto' policy",
    headers: { accept: ACCEPT_BFAST, 'accept-encoding': IDENTITY },
    decoder: 'bfast',
    timeToObject: { path: '/users' }
  }
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
