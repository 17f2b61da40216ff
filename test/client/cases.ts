/**
 * Data and routes shared by the client's Node test, its browser test and the test server:
 * the server sends these values, and the Node process and the browser check what the client
 * decodes against the same values. Browser-safe (no Node built-ins): the browser test loads
 * the compiled module as it is.
 */

/** One user of the client tests' lists: every field a JSON API usually has, a Date included. */
export interface Person {
  id: number
  name: string
  email: string
  createdAt: Date
  active: boolean
  score: number
  tags: string[]
}

/** Users per list reply (issue 4: "10,000 users"). */
export const USERS_COUNT = 10_000
/**
 * Users of the large table reply: more rows than TABLE_READ_BLOCK (src/limits.ts, 12,288), so
 * the client reads its columns a block at a time, and a browser makes its string columns' texts
 * with WebAssembly or fromCharCode (src/table-reader.ts appliedAscii), paths 10,000 rows never take.
 */
export const LARGE_USERS_COUNT = 30_000

/** First `createdAt` of the generated users; each next user is one minute later. */
const FIRST_CREATED_MS = Date.UTC(2024, 0, 1, 8, 30, 15, 123)
const MINUTE_MS = 60_000

/**
 * A deterministic list of users (no randomness, so a failure reproduces). Names carry some
 * non-ASCII text so that UTF-8 runs through the string paths too.
 */
export function people(n: number): Person[] {
  const out: Person[] = []
  for (let i = 0; i < n; i++) {
    out.push({
      id: i,
      name: i % 7 === 0 ? `Zoë ${i} 日本` : `User ${i}`,
      email: `user${i}@example.com`,
      createdAt: new Date(FIRST_CREATED_MS + i * MINUTE_MS),
      active: i % 3 !== 0,
      score: i * 0.25 + 0.1,
      tags: i % 2 === 0 ? ['even', 'admin'] : ['odd']
    })
  }
  return out
}

/** A value holding every type B-FAST carries beyond JSON (SPEC 5), plus awkward text. */
export function typedSample(): Record<string, unknown> {
  return {
    when: new Date('2024-02-29T23:59:59.999Z'),
    epoch: new Date(0),
    beforeEpoch: new Date('1815-12-10T00:00:00.000Z'),
    // Beyond Number.MAX_SAFE_INTEGER: decodes as a bigint (SPEC 5, int64 'auto').
    big: 9_007_199_254_740_993n,
    int64Min: -(2n ** 63n),
    int64Max: 2n ** 63n - 1n,
    safeMax: Number.MAX_SAFE_INTEGER,
    negative: -1_234_567_890_123,
    bytes: Uint8Array.from([0, 1, 2, 127, 128, 200, 254, 255]),
    emptyBytes: new Uint8Array(0),
    samples: Float64Array.from([0, -0, 1.5, -2.25, 1e308, Number.MIN_VALUE, Number.NaN, Number.POSITIVE_INFINITY]),
    unicode: {
      emoji: '👩‍🚀 launches 🚀',
      cjk: '漢字かな交じり文',
      rtl: 'مرحبا بالعالم',
      combining: 'e\u0301 vs \u00e9',
      controls: 'tab\tnewline\nnul\u0000end',
      astral: '\u{1F600}\u{10FFFF}'
    },
    'ключ с пробелом': 'значение',
    nested: [{ a: null, b: true, c: [1, 2.5, 'x', false] }, []]
  }
}

/** Routes of the test server (see server.ts), one table. */
export const ROUTE = {
  /** 10,000 users, compressed (route policy `network: 'slow'`). */
  usersCompressed: '/users/compressed',
  /** 10,000 users, never compressed (route policy `network: 'fast'`), never a table (`tables: false`). */
  usersPlain: '/users/plain',
  /**
   * A table message (SPEC 8) of UNLABELLED_ROWS labelled plain `application/x-bfast`: a server
   * that breaks SPEC 8.0 (the plugin never does). The label decides how the client reads it.
   */
  unlabelledTable: '/unlabelled/table',
  /** One user by id (path parameter). */
  user: '/users/:id',
  /** 10,000 users on a route with `tables` (SPEC 8), compressed (`network: 'slow'`). */
  usersTable: '/users/table',
  /** The same, never compressed (`network: 'fast'`). */
  usersTablePlain: '/users/table-plain',
  /** LARGE_USERS_COUNT users on a route with `tables`, never compressed. */
  usersTableLarge: '/users/table-large',
  /** NESTED_RECORDS on a route with `tables`: a table whose rows hold tables. */
  nestedTable: '/nested/table',
  /** 422 on a route with `tables`, its body a list of records (TABLE_ERROR_BODY). */
  tableError: '/fail/table',
  /** `typedSample()`. */
  typed: '/typed',
  /** 10,000 users on a route opted out of B-FAST (`config: { bfast: false }`): JSON. */
  jsonOnly: '/json-only',
  /** Replies with the request's Content-Type and decoded body. */
  echo: '/echo',
  /** 400 with a B-FAST error body holding a Date. */
  badRequest: '/fail/400',
  /** 500 from a thrown error (Fastify's error handler, through the plugin). */
  serverError: '/fail/500',
  /** `text/plain` reply. */
  text: '/text',
  /** 204 No Content. */
  noContent: '/no-content',
  /** Replies after SLOW_REPLY_MS (or when the client goes away). */
  slow: '/slow',
  /** Bytes labelled application/x-bfast that are not a B-FAST message. */
  corrupt: '/corrupt',
  /** JSON text labelled application/x-bfast (JSON_AS_BFAST): its first bytes read as an impossible LZ4 size claim. */
  jsonAsBfast: '/json-as-bfast',
  /** 10,000 users, LZ4 single block, written in TRICKLE_PIECE_BYTES pieces TRICKLE_GAP_MS apart. */
  usersTrickle: '/users/trickle',
  /** The same list, chunked LZ4 form (SPEC 4), trickled the same way. */
  usersTrickleChunked: '/users/trickle-chunked',
  /** The first half of the single-block reply, then the end of the body (no Content-Length). */
  usersCutOff: '/users/cut-off',
  /** 502 with a B-FAST error body that does not decode: `?form=` one of BAD_BODY_FORMS. */
  badErrorBody: '/fail/bad-body',
  /** A body that never ends, `?type=` one of STREAM_TYPES (`&id=` names its server-side stats, `&status=` sets the status, default 200). */
  endless: '/endless',
  /**
   * BOMB_BYTES of zeros in `Content-Encoding` `?coding=` (gzip, the default: about 1 MB; br:
   * about 190 KB; zstd: about 50 KB), whatever the request's Accept-Encoding; `?type=` one of STREAM_TYPES.
   */
  bomb: '/bomb',
  /**
   * ENCODED_REPLY as JSON, `Content-Encoding: zstd` whatever the request's Accept-Encoding
   * (test/fixtures/client/reply.json.zst, so that a server without a zstd encoder sends it too).
   */
  zstd: '/zstd',
  /** ENCODED_REPLY as JSON in the content coding `?coding=` (gzip, deflate, br, zstd). */
  encoded: '/encoded',
  /**
   * Counts requests per `:key`: the first `?fail=N` get status `?status=` (and `Retry-After:
   * ?retryAfter=` when given), or a dropped connection with `?drop=1`; later ones 200. Every
   * reply's body is `{ attempt }`, the request's number for that key. GET and POST.
   */
  flaky: '/flaky/:key'
} as const

/** The rows ROUTE.unlabelledTable sends as a table. */
export const UNLABELLED_ROWS: ReadonlyArray<{ id: number; name: string }> = [{ id: 1, name: 'Ada' }, { id: 2, name: 'Bob' }]

/** A record of ROUTE.nestedTable's reply. */
export interface Member {
  id: number
  name: string
}

/**
 * ROUTE.nestedTable's reply: an array of records whose rows hold arrays of records, and a list
 * of arrays of records (each of which the plugin sends as a table of its own).
 */
export function nestedRecords(): { page: number; groups: Array<{ name: string; members: Member[] }>; pages: Member[][] } {
  const members = (g: number): Member[] => Array.from({ length: 5 + g }, (_, m) => ({ id: g * 100 + m, name: `member ${g}.${m}` }))
  return {
    page: 1,
    groups: Array.from({ length: 20 }, (_, g) => ({ name: `group ${g}`, members: members(g) })),
    pages: [members(1), members(2), members(3)]
  }
}

/** ROUTE.tableError's body: a list of records, which an error reply never sends as a table. */
export const TABLE_ERROR_BODY = { errors: [{ field: 'name', why: 'empty' }, { field: 'email', why: 'taken' }] }

/** What ROUTE.jsonAsBfast sends: '{"na' read as a size prefix claims 1.6 GB, more than 255x 15 bytes. */
export const JSON_AS_BFAST = '{"name":"Ada"}\n'

/** The bad error bodies of ROUTE.badErrorBody: not a message, LZ4-looking garbage, and that gzip-encoded. */
export const BAD_BODY_FORMS = ['plain', 'lz4', 'lz4-gzip'] as const
/** The status of ROUTE.badErrorBody. */
export const BAD_BODY_STATUS = 502

/** The Content-Types the endless and bomb routes label their bodies with. */
export const STREAM_TYPES = {
  bfast: 'application/x-bfast',
  json: 'application/json',
  text: 'text/plain; charset=utf-8'
} as const

/** Bytes of zeros ROUTE.bomb expands to (1 GiB). */
export const BOMB_BYTES = 1024 * 1024 * 1024

/** The codings of ROUTE.bomb. */
export const BOMB_CODINGS = ['gzip', 'br', 'zstd'] as const

/** What ROUTE.encoded and ROUTE.zstd send, in every coding (test/fixtures/client/reply.json.zst holds it in zstd). */
export const ENCODED_REPLY = { encoded: true, text: 'compressible '.repeat(200), n: [1, 2, 3] }

/** What ROUTE.flaky replies with. */
export interface FlakyReply {
  attempt: number
}

/** Piece size and gap of the trickled replies: many network reads, each decoded on arrival. */
export const TRICKLE_PIECE_BYTES = 8192
export const TRICKLE_GAP_MS = 2

/** What ROUTE.echo replies with. */
export interface Echo {
  contentType: string | null
  accept: string | null
  /** The Accept-Encoding the server saw (fetch's own unless set). */
  acceptEncoding: string | null
  /** The `x-trace` request header (set by a beforeRequest hook in the tests). */
  trace: string | null
  query: Record<string, string>
  body: unknown
}

/** What ROUTE.badRequest replies with. */
export const BAD_REQUEST_BODY = { error: 'Bad Request', field: 'name', seenAt: new Date('2024-05-01T00:00:00.000Z') }

/** The message of the error ROUTE.serverError throws. */
export const SERVER_ERROR_MESSAGE = 'boom: the handler failed'

/** The text ROUTE.text replies with. */
export const TEXT_BODY = 'plain text, not JSON: {"a": 1} ✓'

/** How long ROUTE.slow waits; far beyond every abort and timeout the tests use. */
export const SLOW_REPLY_MS = 30_000

/** The timeout and abort delay the tests use against ROUTE.slow. */
export const SHORT_WAIT_MS = 150

/**
 * Why `actual` differs from `expected`, or undefined when they are the same value: deep, with
 * Dates by time, bigints by value, typed arrays by class and elements, numbers by `Object.is`
 * (so -0 and NaN count), and plain objects by their own keys.
 */
export function difference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (typeof expected !== 'object' || expected === null) {
    if (typeof actual !== typeof expected) return `${path}: ${describe(actual)} instead of ${describe(expected)}`
    return Object.is(actual, expected) ? undefined : `${path}: ${describe(actual)} instead of ${describe(expected)}`
  }
  if (typeof actual !== 'object' || actual === null) return `${path}: ${describe(actual)} instead of ${describe(expected)}`
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
    return `${path}: a ${actual.constructor?.name} instead of a ${expected.constructor?.name}`
  }
  if (expected instanceof Date) {
    const a = (actual as Date).getTime()
    return Object.is(a, expected.getTime()) ? undefined : `${path}: ${describe(actual)} instead of ${describe(expected)}`
  }
  if (ArrayBuffer.isView(expected)) {
    const a = actual as unknown as ArrayLike<number>
    const e = expected as unknown as ArrayLike<number>
    if (a.length !== e.length) return `${path}: length ${a.length} instead of ${e.length}`
    for (let i = 0; i < e.length; i++) {
      if (!Object.is(a[i], e[i])) return `${path}[${i}]: ${a[i]} instead of ${e[i]}`
    }
    return undefined
  }
  if (Array.isArray(expected)) {
    const a = actual as unknown[]
    if (a.length !== expected.length) return `${path}: length ${a.length} instead of ${expected.length}`
    for (let i = 0; i < expected.length; i++) {
      const d = difference(a[i], expected[i], `${path}[${i}]`)
      if (d !== undefined) return d
    }
    return undefined
  }
  const aKeys = Object.keys(actual).sort()
  const eKeys = Object.keys(expected).sort()
  if (aKeys.join('\u0000') !== eKeys.join('\u0000')) return `${path}: keys [${aKeys}] instead of [${eKeys}]`
  for (const key of eKeys) {
    const d = difference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`)
    if (d !== undefined) return d
  }
  return undefined
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value)
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object'
  return String(value)
}

/** `people(n)` as JSON.parse gives it back (Dates become their ISO text). */
export function peopleAsJson(n: number): unknown {
  return people(n).map((p) => ({ ...p, createdAt: p.createdAt.toISOString() }))
}
