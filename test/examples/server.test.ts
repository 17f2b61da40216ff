/**
 * Smoke test of the example server (issue 5 "examples/"): its routes over a real socket with
 * the real client, and its page in a real headless Chromium (issue 14: its grid from a table).
 */
import { existsSync } from 'node:fs'
import t from 'tap'
import { chromium } from 'playwright-core'
import { request } from 'undici'
import { BFastTable, createClient, HttpError } from '../../client/index.js'
import { decode, encode } from '../../src/index.js'
import { compress } from '../../src/compress.js'
import { buildServer, DEMO_ROUTES } from '../../examples/server.js'
import type { Profile, User } from '../../examples/data.js'
import { tour } from '../../examples/node-client.js'
import { listen } from '../../support/listen.js'

/** Debian's chromium package installs here; .ci/run installs it with apt when missing. */
const CHROMIUM_PATH = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const PAGE_TIMEOUT_MS = 60_000
const BFAST = 'application/x-bfast'

type Routes = {
  'GET /users': { response: User[] }
  'GET /demo/users-grid': { response: User[] }
  'GET /users/:id': { response: User }
  'GET /profile': { response: Profile }
  'GET /accounts/:id': { response: { id: number; name: string; email: string; createdAt: Date } }
  'POST /users': { body: { name: string; email: string; active?: boolean; scores?: number[] }; response: User }
}

const app = await buildServer()
t.teardown(() => app.close())
const { url: base } = await listen(app)
const api = createClient<Routes>({ baseUrl: base, timeout: 30_000 })

t.test('GET /users: the B-FAST reply decodes to what the JSON reply says', async (t) => {
  for (const n of [0, 1, 100, 5000]) {
    const viaBfast = await api.get(`/users?n=${n}`)
    const json = await request(`${base}/users?n=${n}`, { headers: { accept: 'application/json' } })
    t.equal(json.headers['content-type'], 'application/json; charset=utf-8')
    t.same(viaBfast, await json.body.json(), `n=${n}`)
    t.equal(viaBfast.length, n)
  }
  const one = await api.get('/users/41')
  t.same(one, { id: 41, name: 'User 41', email: 'user41@example.com', active: false, scores: [61.5, 102.5, 99.9] })
})

t.test('the demo routes pin the compression policy: plain vs LZ4 of the same value', async (t) => {
  const plain = await request(`${base}${DEMO_ROUTES.plain}?n=2000`, { headers: { accept: BFAST } })
  const lz4 = await request(`${base}${DEMO_ROUTES.lz4}?n=2000`, { headers: { accept: BFAST } })
  const plainBytes = new Uint8Array(await plain.body.arrayBuffer())
  const lz4Bytes = new Uint8Array(await lz4.body.arrayBuffer())
  t.equal(String.fromCharCode(plainBytes[0]!, plainBytes[1]!), 'BF', 'plain message')
  t.not(String.fromCharCode(lz4Bytes[0]!, lz4Bytes[1]!), 'BF', 'compressed message')
  t.ok(lz4Bytes.length < plainBytes.length / 2, `LZ4 ${lz4Bytes.length} < half of ${plainBytes.length}`)
  t.same(decode(lz4Bytes), decode(plainBytes))
})

t.test('the grid route: a table for the client asking tables, equal to the JSON list; v1 for the others', async (t) => {
  const grid = createClient<Routes>({ baseUrl: base, timeout: 30_000, tables: true })
  for (const n of [0, 1, 10_000]) {
    const json = await request(`${base}/users?n=${n}`, { headers: { accept: 'application/json' } })
    const expected = await json.body.json()
    const table = await grid.get(`${DEMO_ROUTES.grid}?n=${n}`)
    if (n === 0) t.ok(Array.isArray(table), 'an empty list stays an array (SPEC 8.4)')
    else t.ok(table instanceof BFastTable && table.length === n, `n=${n}: a table of ${n} rows`)
    t.same(table instanceof BFastTable ? table.toArray() : table, expected, `n=${n}: the JSON list`)
    const plain = await api.get(`${DEMO_ROUTES.grid}?n=${n}`)
    t.ok(Array.isArray(plain), `n=${n}: a client without tables gets the v1 list`)
    t.same(plain, expected)
  }
  const raw = await request(`${base}${DEMO_ROUTES.grid}?n=100`, { headers: { accept: 'application/x-bfast;layout=table' } })
  t.equal(raw.headers['content-type'], 'application/x-bfast;layout=table')
  t.equal(raw.headers.vary, 'Accept, accept-encoding, Save-Data, ECT', 'Vary as on every route of the example (clientHints)')
  const bytes = new Uint8Array(await raw.body.arrayBuffer())
  t.equal(String.fromCharCode(bytes[0]!, bytes[1]!), 'BF', 'not compressed: the page opens it in place')
})

t.test('GET /profile: native types over B-FAST, text spellings over JSON', async (t) => {
  const p = await api.get('/profile')
  t.ok(p.createdAt instanceof Date)
  t.equal(p.balanceMicros, 9_007_199_254_740_993n)
  t.ok(p.avatar instanceof Uint8Array)
  t.equal(p.avatar.length, 256)
  const json = (await (await request(`${base}/profile`)).body.json()) as Record<string, unknown>
  t.equal(json.balanceMicros, '9007199254740993')
  t.same(Buffer.from(json.avatar as string, 'base64'), Buffer.from(p.avatar))
  t.equal(json.createdAt, p.createdAt.toISOString())
})

t.test('GET /accounts/:id: the response schema keeps passwordHash out of both formats', async (t) => {
  const account = await api.get('/accounts/7')
  t.same(Object.keys(account), ['id', 'name', 'email', 'createdAt'])
  t.ok(account.createdAt instanceof Date)
  const json = (await (await request(`${base}/accounts/7`)).body.json()) as Record<string, unknown>
  t.notOk('passwordHash' in json)
})

t.test('POST /users: B-FAST, LZ4 and JSON bodies; bad bodies get a 4xx and the server goes on', async (t) => {
  const created = await api.post('/users', { name: 'Ada', email: 'ada@example.com', scores: [1.5] })
  t.match(created, { name: 'Ada', email: 'ada@example.com', active: true, scores: [1.5] })
  const asJson = await api.post('/users', { name: 'Grace', email: 'grace@example.com' }, { bodyFormat: 'json' })
  t.equal(asJson.name, 'Grace')

  const big = { name: 'x'.repeat(150), email: 'y'.repeat(150) }
  const packed = compress(encode(big))
  const lz4 = await request(`${base}/users`, { method: 'POST', headers: { 'content-type': BFAST, accept: BFAST }, body: packed })
  t.equal(lz4.statusCode, 201)
  t.match(decode(new Uint8Array(await lz4.body.arrayBuffer())), big)

  const garbage = await request(`${base}/users`, { method: 'POST', headers: { 'content-type': BFAST }, body: Buffer.from('BF\x00\x01\x09junk') })
  t.equal(garbage.statusCode, 400)
  await garbage.body.dump()

  const invalid = await api.post('/users', { name: '', email: 'e@x' }).catch((err: unknown) => err)
  t.ok(invalid instanceof HttpError)
  t.equal((invalid as HttpError).status, 400, 'schema validation applies to decoded B-FAST bodies')
  t.equal((await api.get('/users?n=1')).length, 1, 'still serving')
})

t.test('examples/node-client.ts runs its tour against the server', async (t) => {
  const lines = await tour(base)
  t.match(lines.join('\n'), /GET \/users\?n=1000 -> 1000 users/)
  t.match(lines.join('\n'), /createdAt is a Date: true, balanceMicros = 9007199254740993n, avatar: 256 bytes/)
  t.match(lines.join('\n'), /invalid body -> HTTP 400/)
})

t.test('GET /modules serves the browser modules only', async (t) => {
  const ok = await request(`${base}/modules/client/index.js`)
  t.equal(ok.statusCode, 200)
  t.match(ok.headers['content-type'], /^text\/javascript/)
  await ok.body.dump()
  for (const path of ['/modules/src/compress.js', '/modules/plugin/index.js', '/modules/src/..%2Fplugin%2Findex.js', '/modules/client/nope.js']) {
    const res = await request(base + path)
    t.equal(res.statusCode, 404, path)
    await res.body.dump()
  }
})

t.test('the page renders in headless Chromium with the three formats side by side', async (t) => {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.BFAST_SKIP_BROWSER === '1') {
      t.pass(`skipped: BFAST_SKIP_BROWSER=1 and ${CHROMIUM_PATH} not found`)
      return
    }
    t.fail(`${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install -y chromium) or set BFAST_SKIP_BROWSER=1`)
    return
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(`${base}/?n=10000`)
  await page.waitForFunction(() => document.body.dataset.ready !== undefined, undefined, { timeout: PAGE_TIMEOUT_MS })
  t.equal(await page.evaluate(() => document.body.dataset.ready), 'true', await page.textContent('#status') ?? '')
  t.same(pageErrors, [])
  const rows = await page.$$eval('#compare tbody tr', (trs) =>
    trs.map((tr) => ({ format: (tr as HTMLElement).dataset.format, bytes: Number(tr.querySelector('.bytes')!.textContent!.replace(/,/g, '')) }))
  )
  t.same(rows.map((r) => r.format), ['JSON', 'B-FAST', 'B-FAST + LZ4'])
  const [json, plain, lz4] = rows.map((r) => r.bytes) as [number, number, number]
  t.ok(plain < json, `B-FAST ${plain} < JSON ${json}`)
  t.ok(lz4 < plain / 2, `LZ4 ${lz4} < half of B-FAST ${plain}`)
  t.match(await page.textContent('#users'), /10,000 users decoded/)

  // The grid: first screen from a table, beside the same grid from JSON.
  const grids = await page.$$eval('#grid-compare tbody tr', (trs) => trs.map((tr) => ({
    source: (tr as HTMLElement).dataset.source,
    table: (tr as HTMLElement).dataset.table,
    bytes: Number(tr.querySelector('.bytes')!.textContent!.replace(/,/g, '')),
    open: Number.parseFloat(tr.querySelector('.open')!.textContent!),
    first: Number.parseFloat(tr.querySelector('.first')!.textContent!)
  })))
  t.same(grids.map((g) => [g.source, g.table]), [['table', 'true'], ['json', 'false']], 'a table beside JSON')
  for (const g of grids) t.ok(g.bytes > 0 && g.open >= 0 && g.first > 0, `${g.source}: bytes and times shown (${JSON.stringify(g)})`)
  const screen = (id: string): Promise<string[]> => page.$$eval(`#${id} .row`, (rows) => rows.map((r) => r.textContent ?? ''))
  const tableRows = await screen('grid-table')
  t.ok(tableRows.length >= 10, `the table grid shows a screen of rows (${tableRows.length})`)
  t.same(tableRows, await screen('grid-json'), 'the same first screen from the table and from JSON')
  t.match(tableRows[0], /^0User 0user0@example\.com/, 'row 0 first')
  await page.$eval('#grid-table', (el) => {
    el.scrollTop = 5000 * 24
    el.dispatchEvent(new Event('scroll'))
  })
  await page.$eval('#grid-json', (el) => {
    el.scrollTop = 5000 * 24
    el.dispatchEvent(new Event('scroll'))
  })
  const scrolled = await screen('grid-table')
  t.match(scrolled[0], /^5000User 5000user5000@example\.com/, 'scrolled: row 5000 read from the table')
  t.same(scrolled, await screen('grid-json'), 'scrolled: the same rows as JSON')
  t.match(await page.textContent('#profile'), /9007199254740993n \(bigint\)/)
  t.match(await page.textContent('#profile'), /createdAt instanceof Date/)
  if (process.env.BFAST_SCREENSHOT !== undefined) await page.screenshot({ path: process.env.BFAST_SCREENSHOT, fullPage: true })
})
