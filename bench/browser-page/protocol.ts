/**
 * What bench/browser.ts (Node) and the benchmark page (page.ts, in Chromium) agree on: where
 * the page finds its data, the names of the candidates, and the calls Node makes into the
 * page. Browser-safe: types and constants only.
 */
import { FIRST_ROWS } from './table-reads.js'

/** The page sets its API on `globalThis[BENCH_API_KEY]` once its modules have loaded. */
export const BENCH_API_KEY = '__bfastBrowserBench'

/** URL paths served by bench/browser.ts. */
export const ROUTES = {
  page: '/',
  /** The compiled codec and page modules, mirroring dist/. */
  dist: '/dist/',
  /** msgpackr's browser ES modules (the index.html import map points `msgpackr` here). */
  msgpackr: '/msgpackr/',
  /** `${data}${dataset}.${kind}` with kind one of DATA_KINDS. */
  data: '/data/',
} as const

/** The forms of a dataset sent to the page, all made in Node before the page opens. */
export const DATA_KINDS = {
  /** `JSON.stringify(value)` as UTF-8 (the page reads it as text and as bytes). */
  json: 'json',
  /** `encode(value)`: a plain B-FAST message. */
  bfast: 'bfast',
  /** `compress(encode(value))` with lz4-napi: single-block LZ4 (SPEC 4). */
  lz4: 'lz4',
  /** `new Packr({ useRecords: true }).pack(value)` (only when msgpackr runs in the page). */
  msgpack: 'msgpack',
  /** `encode(rows, { tables: true })`: the rows as one B-FAST table (SPEC 8). */
  table: 'table',
} as const

/** Decode candidates (row labels). */
export const DECODE = {
  bfast: 'B-FAST decode',
  bfastLz4: 'B-FAST+LZ4 decode',
  jsonText: 'JSON.parse(text)',
  jsonBytes: 'JSON.parse(TextDecoder(bytes))',
  msgpackr: 'msgpackr unpack',
} as const

/** Encode candidates (row labels). */
export const ENCODE = {
  bfast: 'B-FAST encode',
  jsonText: 'JSON.stringify',
  jsonBytes: 'TextEncoder(JSON.stringify)',
  msgpackr: 'msgpackr pack',
} as const

/** Table candidates (row labels; issue 14 item 6, as bench/tables.ts measures them in Node). */
export const TABLE = {
  open: 'table open',
  firstRows: `table open + ${FIRST_ROWS} rows`,
  toArray: 'table toArray()',
  v1: 'B-FAST v1 decode',
  jsonBytes: DECODE.jsonBytes,
} as const

/**
 * Query of ROUTES.page that bench/browser.ts serves with a Content-Security-Policy forbidding
 * string compilation (no 'unsafe-eval'): the codec's readers then run without `new Function`.
 */
export const NO_CODEGEN_QUERY = '?no-codegen'

export type Op = 'decode' | 'encode' | 'table'

/** The method, as Node chose it (see HARNESS_DEFAULTS in bench/harness.ts). */
export interface BenchConfig {
  datasets: string[]
  msgpackr: boolean
  rounds: number
  warmupRounds: number
  minSampleMs: number
  maxIterations: number
  /** Untimed milliseconds after each full GC, for its concurrent sweeping (HARNESS_DEFAULTS.settleAfterGcMs). */
  settleAfterGcMs: number
  /** Times every codec encodes and decodes every dataset before anything is measured. */
  primeIterations: number
  /** Row lists sent as JSON, v1 and table (DATA_KINDS json, bfast, table), for the 'table' op. */
  tableDatasets: string[]
}

export interface PageInfo {
  userAgent: string
  /** COOP/COEP isolation: Chromium's performance.now() is 5 us coarse with it, 100 us without. */
  crossOriginIsolated: boolean
  /** Chromium was started with --js-flags=--expose-gc, so a full GC runs before every sample. */
  gcExposed: boolean
  /** `new Function` works in the page (false under the NO_CODEGEN_QUERY page's policy). */
  codegen: boolean
}

/** Raw samples of one comparison (index = candidate, then round); Node computes the stats. */
export interface RunResult {
  names: string[]
  samples: number[][]
  iterations: number[]
  /** Every result that did not equal what it should (empty when all were right). */
  failures: string[]
  /** How many results were checked. */
  checked: number
}

export interface BenchApi {
  /** Fetches every dataset in every form and checks each candidate once. */
  load(config: BenchConfig): Promise<PageInfo>
  prime(): void
  /** As prime(), for the table datasets (run after the codec comparisons, so they see the same state as before). */
  primeTables(): void
  run(dataset: string, op: Op): Promise<RunResult>
  /** Runs one candidate for about `ms` milliseconds (for the CPU profile); returns the count. */
  spin(dataset: string, op: Op, candidate: string, ms: number): number
}
