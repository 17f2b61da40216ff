/**
 * The client in a real browser (issue 4): headless Chromium (Debian's `chromium`, driven by
 * playwright-core) loads a page from the test server; the page imports the BUILT client
 * (dist/client) and the codec modules it needs (dist/src) as native ES modules, with no
 * bundler and no import map, and runs every case of scenarios.ts with the browser's fetch.
 *
 * A Node built-in, a native module or a bare specifier anywhere in that module graph fails
 * the test twice over: the browser cannot load the page (no report), and the served modules'
 * import specifiers are checked to be relative.
 *
 * Chromium missing fails the test (CI installs it); set BFAST_SKIP_BROWSER=1 to skip on purpose.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ROOT } from '../helpers/paths.js'
import { REPORT_KEY, type BrowserReport } from './browser/report.js'
import { scenarios } from './scenarios.js'
import { startServer } from './server.js'

/** Debian's chromium package installs here; .ci/run installs it with apt when missing. */
const CHROMIUM_PATH = '/usr/bin/chromium'
/** Flags for a headless run in a container: no sandbox (root), no GPU, and no network chatter of its own. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
/** The page, and a page whose module imports a bare specifier (proves such a failure is seen). */
const PAGE_PATH = '/browser/'
const BARE_PAGE_PATH = '/browser/bare'
const DIST = path.join(ROOT, 'dist')
/** The only compiled trees the page may load from: the client, the codec, the client's tests. */
const SERVED_TREES = ['client', 'src', path.join('test', 'client')]
/** How long the page may take to run every case (10,000-user replies several times over). */
const REPORT_TIMEOUT_MS = 120_000

if (!existsSync(CHROMIUM_PATH)) {
  if (process.env.BFAST_SKIP_BROWSER === '1') {
    t.plan(0, `skipped: BFAST_SKIP_BROWSER=1 and ${CHROMIUM_PATH} not found`)
  } else {
    t.fail(`${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install -y chromium) or set BFAST_SKIP_BROWSER=1`)
  }
} else {
  await runBrowserTest()
}

/** Every module specifier a compiled ES module imports or re-exports (static and dynamic). */
function importSpecifiers(source: string): string[] {
  const found: string[] = []
  const patterns = [/(?:^|[;\n}])\s*(?:import|export)\s*(?:[^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) found.push(match[1]!)
  }
  return found
}

async function runBrowserTest(): Promise<void> {
  /** Served module (path under dist/) -> its import specifiers. */
  const served = new Map<string, string[]>()
  const server = await startServer((app) => {
    app.get(PAGE_PATH, { config: { bfast: false } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(readFileSync(path.join(ROOT, 'test/client/browser/index.html')))
    )
    app.get(BARE_PAGE_PATH, { config: { bfast: false } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send('<!doctype html><script type="module">import \'fastify-bfast/client\'</script>')
    )
    app.get<{ Params: { '*': string } }>('/dist/*', { config: { bfast: false } }, async (request, reply) => {
      const relative = path.normalize(request.params['*'])
      const file = path.join(DIST, relative)
      const allowed = relative.endsWith('.js') && SERVED_TREES.some((tree) => file.startsWith(path.join(DIST, tree) + path.sep))
      if (!allowed || !existsSync(file)) return reply.code(404).type('text/plain').send(`not served: ${relative}`)
      const source = readFileSync(file, 'utf8')
      served.set(relative, importSpecifiers(source))
      return reply.type('text/javascript; charset=utf-8').send(source)
    })
  })
  t.teardown(() => server.close())

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true })
  t.teardown(() => browser.close())

  /**
   * Opens `url`, collecting uncaught errors and failed module loads. (Other failed requests
   * and their console lines are expected: the cases provoke 4xx/5xx replies and aborts.)
   */
  async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage()
    const errors: string[] = []
    const isModule = (requestUrl: string): boolean => new URL(requestUrl).pathname.startsWith('/dist/')
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
    page.on('requestfailed', (req) => {
      if (isModule(req.url())) errors.push(`module request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`)
    })
    page.on('response', (res) => {
      if (isModule(res.url()) && !res.ok()) errors.push(`module request failed: ${res.url()} ${res.status()}`)
    })
    await page.goto(url)
    return { page, errors }
  }

  await t.test('the built client runs every case in Chromium', async (t) => {
    const { page, errors } = await openPage(server.baseUrl + PAGE_PATH)
    const arrived = await page
      .waitForFunction((key) => key in globalThis, REPORT_KEY, { timeout: REPORT_TIMEOUT_MS })
      .then(() => true)
      .catch(() => false)
    t.ok(arrived, `the page reported back${arrived ? '' : ` (errors: ${errors.join(' | ') || 'none'})`}`)
    if (!arrived) return
    const report = await page.evaluate((key) => (globalThis as unknown as Record<string, BrowserReport>)[key]!, REPORT_KEY)
    t.match(report.userAgent, /Chrome\//, 'ran in Chromium')
    t.equal(report.error, undefined, 'the harness ran')
    t.same(
      report.results.map((r) => r.name),
      scenarios.map((s) => s.name),
      'every case ran in the browser'
    )
    for (const result of report.results) t.ok(result.ok, `browser: ${result.name}${result.ok ? '' : ` -- ${result.error}`}`)
    t.equal(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process), 'undefined', 'no Node globals in the page')
    t.same(errors, [], 'no uncaught errors, no failed module loads')
  })

  t.test('the page loaded the built client and codec as ES modules, all imports relative', async (t) => {
    t.ok(served.has(path.join('client', 'index.js')), 'dist/client/index.js was loaded')
    t.ok(served.has(path.join('src', 'index.js')), 'dist/src/index.js was loaded')
    t.notOk(served.has(path.join('src', 'compress.js')), 'the Node-only compression module was not loaded')
    for (const [file, specifiers] of served) {
      const nonRelative = specifiers.filter((s) => !s.startsWith('./') && !s.startsWith('../'))
      t.same(nonRelative, [], `${file}: only relative imports`)
      t.ok(specifiers.every((s) => s.endsWith('.js')), `${file}: every import names a .js file`)
    }
  })

  await t.test('a bare specifier in a page module fails to load (the check above can fail)', async (t) => {
    const { page, errors } = await openPage(server.baseUrl + BARE_PAGE_PATH)
    // The error may already have been reported by the time goto() returns.
    if (errors.length === 0) await page.waitForEvent('pageerror', { timeout: 10_000 }).catch(() => undefined)
    t.ok(
      errors.some((e) => /fastify-bfast\/client/.test(e)),
      `the browser refused the bare specifier (${errors.join(' | ') || 'no error seen'})`
    )
  })
}
