/**
 * The load tests' settings in one table: what is measured, how long, at which rates.
 * Flags of run.ts and soak.ts override some of them (see their --help).
 */

/** Environment variable carrying the server process's options (JSON). */
export const SERVER_OPTIONS_ENV = 'BFAST_LOAD_SERVER_OPTIONS'
/** The server process's memory report route (not under the plugin). */
export const ADMIN_MEMORY_PATH = '/__admin/memory'
/**
 * The server process's users route compressing at any size (route policy `network: 'slow'`,
 * `threshold: 0`): the threshold sweep's LZ4 side, below the default threshold too.
 */
export const LZ4_ANY_SIZE_PATH = '/__load/users-lz4-any-size'
/** The server process's CPU time route (process.cpuUsage, microseconds). */
export const ADMIN_CPU_PATH = '/__admin/cpu'

/** List sizes measured: one user (below the compression threshold), 100 (~6 KB JSON), 10,000 (~1 MB JSON). */
export const PAYLOAD_USERS = [1, 100, 10_000] as const

/** autocannon settings of `npm run load` (full) and `npm run load -- --quick`. */
export const THROUGHPUT = {
  full: { warmupSeconds: 3, seconds: 4, repeats: 5 },
  quick: { warmupSeconds: 1, seconds: 2, repeats: 1 },
  connections: 10,
  /** Seconds autocannon waits for a reply before counting a timeout. */
  timeoutSeconds: 10
} as const

/**
 * The bandwidth simulator's link profiles (issue 16 item 6): rate, round-trip time and the
 * payloads measured through each. The RTTs are typical of each class of link: a 3G mobile
 * link (1,000 users there: 10,000 would take JSON 5 s a request), a 10 Mbps DSL/mobile line,
 * 100 Mbps broadband, a 1 Gbps LAN/datacenter hop.
 */
export const LINKS = [
  { name: '3G', mbps: 1.6, rttMs: 300, users: [1_000] },
  { name: '10 Mbps', mbps: 10, rttMs: 40, users: [100, 10_000] },
  { name: '100 Mbps', mbps: 100, rttMs: 20, users: [100, 10_000] },
  { name: '1 Gbps', mbps: 1000, rttMs: 2, users: [100, 10_000] }
] as const

/**
 * The round-trip sweep: the same link rate at several RTTs, 10,000 users, so the report shows
 * how much of each format's time is latency rather than bandwidth. 100 Mbps is the rate issue 5
 * sets its target at; 0 ms isolates bandwidth and CPU, 2 ms is a LAN, 20 ms the broadband
 * profile of LINKS, 40 ms a distant server.
 */
export const RTT_SWEEP = {
  mbps: 100,
  rttsMs: [0, 2, 5, 10, 20, 40],
  users: 10_000
} as const

/**
 * The threshold sweep: replies around the plugin's default `threshold` (1,024 bytes), plain
 * B-FAST against B-FAST + LZ4. 1 user is 112 bytes, 10 users about 1 KB, 100 users 9.8 KB.
 * Each size: the bytes LZ4 saves, what compressing and decompressing cost (timed in batches of
 * at least `batchMs`, median of `batches`), and time-to-object through the slower links.
 */
export const THRESHOLD_SWEEP = {
  users: [1, 3, 5, 10, 20, 50, 100],
  batchMs: 5,
  batches: 15,
  links: [
    { mbps: 10, rttMs: 40 },
    { mbps: 100, rttMs: 20 }
  ],
  /** A TCP segment's payload on a 1,500-byte MTU (IPv4, TCP timestamps off). */
  mssBytes: 1460
} as const

/** Time-to-object samples per (format, link, payload): warm-up requests, then measured ones (median reported). */
export const TIME_TO_OBJECT = {
  full: { warmups: 2, samples: 9 },
  quick: { warmups: 1, samples: 3 }
} as const

/**
 * Server CPU per reply at each link profile: requests straight to the server, one at a time,
 * formats interleaved; the first `warmups` rounds are dropped, the median of the rest reported.
 */
export const CPU_PER_REPLY = { warmups: 5, samples: 25 } as const

/** Soak defaults (`npm run soak -- --seconds N`). */
export const SOAK = {
  seconds: 180,
  /** Traffic before the "before" memory reading, so that JIT code and pools are in place. */
  warmupSeconds: 10,
  goodConnections: 8,
  /** Memory readings during the run (besides before and after). */
  samples: 6,
  /** Growth (after - before, post-GC heapUsed) above which the soak reports a leak. */
  heapGrowthLimitBytes: 8 * 1024 * 1024
} as const
