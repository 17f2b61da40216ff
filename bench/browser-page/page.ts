/**
 * The browser benchmark's page script (loaded by index.html as a native ES module, with the
 * BUILT codec from dist/src and msgpackr's browser build): it fetches every dataset as JSON
 * text and as bytes pre-encoded in Node, checks every candidate, and measures them side by side
 * when bench/browser.ts asks (see BenchApi in protocol.ts).
 */
import { BFastTable, decode, encode } from '../../src/index.js'
import {
  BENCH_API_KEY, DATA_KINDS, DECODE, ENCODE, ROUTES, TABLE,
  type BenchApi, type BenchConfig, type Op, type PageInfo, type RunResult
} from './protocol.js'
import { runRounds, type PageCandidate } from './rounds.js'
import { canCompile, FIRST_ROWS, firstRows, ONE_RUN_ROWS } from './table-reads.js'

type Msgpackr = typeof import('msgpackr')
type Packr = InstanceType<Msgpackr['Packr']>

interface LoadedDataset {
  name: string
  /** JSON.parse of the text: what every decoder must return, and what the encoders encode. */
  value: unknown
  jsonText: string
  jsonBytes: Uint8Array
  bfast: Uint8Array
  lz4: Uint8Array
  msgpack: Uint8Array | null
  /** One Packr per dataset, as in bench/codec.ts. */
  packr: Packr | null
  /**
   * What msgpackr encodes: a JSON.parse of its own, as bench/codec.ts gives it (its pack turns
   * lists of doubles into lists of boxed numbers, which the other encoders would then read).
   */
  packValue: unknown
}

/** A row list in the three forms the 'table' op compares. */
interface LoadedRows {
  name: string
  /** JSON.parse of the text: what toArray() and v1 decode must return. */
  rows: unknown[]
  jsonBytes: Uint8Array
  bfast: Uint8Array
  table: Uint8Array
}

const textDecoder = new TextDecoder()
const textEncoder = new TextEncoder()

let config: BenchConfig | null = null
let msgpackr: Msgpackr | null = null
const loaded = new Map<string, LoadedDataset>()
const loadedRows = new Map<string, LoadedRows>()

/** The path of the first difference between `a` and `b` (strict: Object.is, same keys), or null. */
function difference(a: unknown, b: unknown, path = '$'): string | null {
  if (Object.is(a, b)) return null
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: ${String(a).slice(0, 40)} !== ${String(b).slice(0, 40)}`
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs non-array`
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    if (a.length !== bb.length) return `${path}: length ${a.length} !== ${bb.length}`
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], bb[i], `${path}[${i}]`)
      if (d !== null) return d
    }
    return null
  }
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) {
    return `${path}: not a plain object`
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return `${path}: ${ka.length} keys !== ${kb.length} keys`
  const ob = b as Record<string, unknown>
  const oa = a as Record<string, unknown>
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(ob, k)) return `${path}: key ${k} missing`
    const d = difference(oa[k], ob[k], `${path}.${k}`)
    if (d !== null) return d
  }
  return null
}

function sameBytes(a: unknown, b: Uint8Array): string | null {
  if (!(a instanceof Uint8Array)) return 'not a Uint8Array'
  if (a.length !== b.length) return `${a.length} bytes, expected ${b.length}`
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `byte ${i} differs`
  return null
}

async function fetchBytes(name: string, kind: string): Promise<Uint8Array> {
  const res = await fetch(`${ROUTES.data}${encodeURIComponent(name)}.${kind}`)
  if (!res.ok) throw new Error(`${name}.${kind}: HTTP ${res.status}`)
  return new Uint8Array(await res.arrayBuffer())
}

function dataset(name: string): LoadedDataset {
  const d = loaded.get(name)
  if (d === undefined) throw new Error(`dataset ${name} not loaded`)
  return d
}

function decodeCandidates(d: LoadedDataset): PageCandidate[] {
  const equalsValue = (result: unknown): string | null => difference(result, d.value)
  const out: PageCandidate[] = [
    { name: DECODE.bfast, fn: () => decode(d.bfast), check: equalsValue },
    { name: DECODE.bfastLz4, fn: () => decode(d.lz4), check: equalsValue },
    { name: DECODE.jsonText, fn: () => JSON.parse(d.jsonText), check: equalsValue },
    { name: DECODE.jsonBytes, fn: () => JSON.parse(textDecoder.decode(d.jsonBytes)), check: equalsValue },
  ]
  if (d.packr !== null && d.msgpack !== null) {
    const { packr, msgpack } = d
    out.push({ name: DECODE.msgpackr, fn: () => packr.unpack(msgpack), check: equalsValue })
  }
  return out
}

function encodeCandidates(d: LoadedDataset): PageCandidate[] {
  const { value } = d
  const out: PageCandidate[] = [
    // The browser's encoder must write exactly the bytes Node's wrote.
    { name: ENCODE.bfast, fn: () => encode(value), check: (r) => sameBytes(r, d.bfast) },
    { name: ENCODE.jsonText, fn: () => JSON.stringify(value), check: (r) => (r === d.jsonText ? null : 'not the JSON text Node wrote') },
    { name: ENCODE.jsonBytes, fn: () => textEncoder.encode(JSON.stringify(value)), check: (r) => sameBytes(r, d.jsonBytes) },
  ]
  if (d.packr !== null) {
    const { packr, packValue } = d
    // pack returns a view into the Packr's reusable buffer, still intact when checked.
    out.push({ name: ENCODE.msgpackr, fn: () => packr.pack(packValue), check: (r) => difference(packr.unpack(r as Uint8Array), value) })
  }
  return out
}

/** The table comparisons of issue 14 item 6 in one rotation: every pair's ratio is paired. */
function tableCandidates(d: LoadedRows): PageCandidate[] {
  const equalsRows = (result: unknown): string | null => difference(result, d.rows)
  const oneRunPerSample = d.rows.length > ONE_RUN_ROWS
  return [
    {
      name: TABLE.open,
      fn: () => decode(d.table),
      check: (r) => (r instanceof BFastTable && r.length === d.rows.length ? null : 'not a BFastTable of every row'),
    },
    { name: TABLE.firstRows, fn: () => firstRows(decode<BFastTable>(d.table)), check: (r) => difference(r, d.rows[FIRST_ROWS - 1]) },
    { name: TABLE.toArray, fn: () => decode<BFastTable>(d.table).toArray(), check: equalsRows, oneRunPerSample },
    { name: TABLE.v1, fn: () => decode(d.bfast), check: equalsRows, oneRunPerSample },
    { name: TABLE.jsonBytes, fn: () => JSON.parse(textDecoder.decode(d.jsonBytes)), check: equalsRows, oneRunPerSample },
  ]
}

function candidates(name: string, op: Op): PageCandidate[] {
  if (op === 'table') {
    const d = loadedRows.get(name)
    if (d === undefined) throw new Error(`table dataset ${name} not loaded`)
    return tableCandidates(d)
  }
  const d = dataset(name)
  return op === 'decode' ? decodeCandidates(d) : encodeCandidates(d)
}

const api: BenchApi = {
  async load(next: BenchConfig): Promise<PageInfo> {
    config = next
    if (next.msgpackr) msgpackr = await import('msgpackr')
    for (const name of next.datasets) {
      const [jsonBytes, bfast, lz4, msgpack] = await Promise.all([
        fetchBytes(name, DATA_KINDS.json),
        fetchBytes(name, DATA_KINDS.bfast),
        fetchBytes(name, DATA_KINDS.lz4),
        msgpackr !== null ? fetchBytes(name, DATA_KINDS.msgpack) : Promise.resolve(null),
      ])
      const jsonText = textDecoder.decode(jsonBytes)
      const packr = msgpackr !== null ? new msgpackr.Packr({ useRecords: true }) : null
      const packValue: unknown = packr !== null ? JSON.parse(jsonText) : null
      loaded.set(name, { name, value: JSON.parse(jsonText), jsonText, jsonBytes, bfast, lz4, msgpack, packr, packValue })
    }
    for (const name of next.tableDatasets) {
      const [jsonBytes, bfast, table] = await Promise.all([
        fetchBytes(name, DATA_KINDS.json),
        fetchBytes(name, DATA_KINDS.bfast),
        fetchBytes(name, DATA_KINDS.table),
      ])
      const rows: unknown = JSON.parse(textDecoder.decode(jsonBytes))
      if (!Array.isArray(rows)) throw new Error(`${name}.${DATA_KINDS.json} is not a list of rows`)
      loadedRows.set(name, { name, rows, jsonBytes, bfast, table })
    }
    return {
      userAgent: navigator.userAgent,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
      codegen: canCompile(),
    }
  },

  /**
   * Measured on a codec that had only seen one shape, B-FAST's encode was twice as fast as after
   * it had seen the others (bench/codec.ts primeCodecs): every codec first runs over every
   * dataset, so each measurement is of that steady state whatever is selected.
   */
  prime(): void {
    if (config === null) throw new Error('load() first')
    const packr = msgpackr !== null ? new msgpackr.Packr({ useRecords: true }) : null
    for (let i = 0; i < config.primeIterations; i++) {
      for (const d of loaded.values()) {
        decode(d.bfast)
        decode(d.lz4)
        encode(d.value)
        JSON.parse(textDecoder.decode(textEncoder.encode(JSON.stringify(d.value))))
        JSON.parse(d.jsonText)
        if (packr !== null) packr.unpack(packr.pack(d.packValue))
      }
    }
  },

  primeTables(): void {
    if (config === null) throw new Error('load() first')
    for (let i = 0; i < config.primeIterations; i++) {
      for (const d of loadedRows.values()) {
        for (const c of tableCandidates(d)) c.fn()
      }
    }
  },

  run(name: string, op: Op): Promise<RunResult> {
    if (config === null) throw new Error('load() first')
    return runRounds(candidates(name, op), config)
  },

  spin(name: string, op: Op, candidate: string, ms: number): number {
    const c = candidates(name, op).find((x) => x.name === candidate)
    if (c === undefined) throw new Error(`no candidate ${candidate}`)
    let count = 0
    const stop = performance.now() + ms
    while (performance.now() < stop) {
      c.fn()
      count++
    }
    return count
  },
}

;(globalThis as Record<string, unknown>)[BENCH_API_KEY] = api
