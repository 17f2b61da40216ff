/**
 * A real nginx (Debian's package) as a caching reverse proxy in front of the example server,
 * configured by examples/nginx.conf (issue 5 "A shared cache in front"): JSON and B-FAST
 * clients of one URL each get their own representation from the cache, and so do clients
 * whose hints changed the reply (compressed vs uncompressed), and clients whose Accept-Encoding
 * changed the reply's Content-Encoding, never each other's.
 *
 * nginx is required: the test fails when it is missing unless BFAST_SKIP_NGINX=1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { brotliDecompressSync } from 'node:zlib'
import t from 'tap'
import { request } from 'undici'
import { decode, isCompressed } from '../../src/index.js'
import { buildServer, ROOT } from '../../examples/server.js'
import { listen, LOOPBACK } from '../../support/listen.js'

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx']
const JSON_ACCEPT = 'application/json'
const BFAST_ACCEPT = 'application/x-bfast'
const CACHE_STATUS = 'x-cache-status'
const START_TIMEOUT_MS = 10_000
/**
 * Why the HIT checks below need the same Vary on every representation of a URL: nginx keeps
 * variants under the Vary of the reply stored first and computes a request's variant from it,
 * so a JSON reply with `Vary: Accept` and a B-FAST reply with `Vary: Accept, Save-Data, ECT`
 * push each other out (always the right bytes, but never a HIT).
 */
const SAME_VARY = 'needs one Vary set on every representation of the URL (nginx keys variants by the stored reply\'s Vary)'
/** Debian's unprivileged account, which nginx workers run as when the master is root. */
const NOBODY = { user: 'nobody', group: 'nogroup' } as const

function findNginx(): string | undefined {
  const found = NGINX_CANDIDATES.find((p) => existsSync(p))
  if (found !== undefined) return found
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' })
  const fromPath = which.stdout.trim()
  return which.status === 0 && fromPath !== '' ? fromPath : undefined
}

const nginxBinary = findNginx()
if (nginxBinary === undefined) {
  if (process.env.BFAST_SKIP_NGINX === '1') {
    t.plan(0, 'skipped: BFAST_SKIP_NGINX=1 and nginx not found')
  } else {
    t.fail('nginx not found: install Debian\'s nginx (apt-get install -y nginx) or set BFAST_SKIP_NGINX=1')
  }
} else {
  await runCacheTest(nginxBinary)
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  const { port } = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function waitForPort(port: number, child: ChildProcess, errorLog: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`)
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, LOOPBACK, () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (connected) return
    if (Date.now() > deadline) throw new Error('nginx did not start listening')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** examples/nginx.conf with its ports and paths moved to `dir`, in the foreground. */
function configFor(dir: string, appPort: number, nginxPort: number): string {
  const example = readFileSync(path.join(ROOT, 'examples/nginx.conf'), 'utf8')
  const rewritten = example
    .replace(/^pid .*;$/m, `pid ${dir}/nginx.pid;`)
    .replace(/^error_log .*;$/m, `error_log ${dir}/error.log warn;`)
    .replaceAll('/var/cache/nginx/bfast', dir)
    .replace(/server 127\.0\.0\.1:3000;/, `server ${LOOPBACK}:${appPort};`)
    .replace(/listen 127\.0\.0\.1:8080;/, `listen ${LOOPBACK}:${nginxPort};`)
  for (const original of ['/run/nginx-bfast.pid', '/var/log/nginx', '127.0.0.1:3000;', '127.0.0.1:8080;']) {
    if (rewritten.includes(original)) throw new Error(`examples/nginx.conf: could not rewrite ${original}`)
  }
  const runAs = process.getuid?.() === 0 ? `user ${NOBODY.user} ${NOBODY.group};\n` : ''
  return `daemon off;\n${runAs}${rewritten}`
}

/** Gives the whole temp dir to nobody when running as root (workers drop to nobody and write the cache there). */
function handToWorkers(dir: string): void {
  if (process.getuid?.() !== 0) return
  const ids = spawnSync('id', ['-u', NOBODY.user], { encoding: 'utf8' })
  const gid = spawnSync('getent', ['group', NOBODY.group], { encoding: 'utf8' })
  const uid = Number(ids.stdout.trim())
  const group = Number(gid.stdout.split(':')[2])
  const walk = (p: string): void => {
    chownSync(p, uid, group)
    for (const entry of readdirSync(p, { withFileTypes: true })) {
      const full = path.join(p, entry.name)
      if (entry.isDirectory()) walk(full)
      else chownSync(full, uid, group)
    }
  }
  walk(dir)
}

interface Fetched {
  status: number
  cache: string | undefined
  contentType: string | undefined
  vary: string | undefined
  contentEncoding: string | undefined
  bytes: Buffer
}

async function runCacheTest(nginx: string): Promise<void> {
  // 'fast' so that the hints, not the policy, decide compression: Save-Data and a slow ECT
  // turn it on for that request, which the reply's Vary then names.
  const app = await buildServer({ bfast: { clientHints: true, compression: { network: 'fast' } } })
  t.teardown(() => app.close())
  const { port: appPort } = await listen(app)

  const dir = mkdtempSync(path.join(os.tmpdir(), 'bfast-nginx-'))
  const nginxPort = await freePort()
  const confPath = path.join(dir, 'nginx.conf')
  writeFileSync(confPath, configFor(dir, appPort, nginxPort))
  handToWorkers(dir)
  const errorLog = path.join(dir, 'error.log')
  const child = spawn(nginx, ['-p', dir, '-e', errorLog, '-c', confPath], { stdio: ['ignore', 'inherit', 'inherit'] })
  t.teardown(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })
  await waitForPort(nginxPort, child, errorLog)

  const base = `http://${LOOPBACK}:${nginxPort}`
  async function get(url: string, headers: Record<string, string>): Promise<Fetched> {
    const res = await request(base + url, { headers })
    const header = (name: string): string | undefined => {
      const v = res.headers[name]
      return Array.isArray(v) ? v.join(', ') : v
    }
    return {
      status: res.statusCode,
      cache: header(CACHE_STATUS),
      contentType: header('content-type'),
      vary: header('vary'),
      contentEncoding: header('content-encoding'),
      bytes: Buffer.from(await res.body.arrayBuffer())
    }
  }

  t.test('JSON and B-FAST clients of one URL each get their own representation', async (t) => {
    const url = '/users?n=50'
    const json1 = await get(url, { accept: JSON_ACCEPT })
    t.equal(json1.status, 200)
    t.equal(json1.cache, 'MISS', 'first JSON request goes to the server')
    t.match(json1.contentType, /^application\/json/)
    t.match(json1.vary, /\bAccept\b/i)
    const expected: unknown = JSON.parse(json1.bytes.toString('utf8'))

    const bfast1 = await get(url, { accept: BFAST_ACCEPT })
    t.equal(bfast1.cache, 'MISS', 'the cached JSON is not served to a B-FAST client')
    t.equal(bfast1.contentType, BFAST_ACCEPT)
    t.same(decode(bfast1.bytes), expected)

    const json2 = await get(url, { accept: JSON_ACCEPT })
    t.equal(json2.cache, 'HIT', `JSON from the cache; ${SAME_VARY}`)
    t.match(json2.contentType, /^application\/json/)
    t.same(json2.bytes, json1.bytes)

    const bfast2 = await get(url, { accept: BFAST_ACCEPT })
    t.equal(bfast2.cache, 'HIT', `B-FAST from the cache; ${SAME_VARY}`)
    t.equal(bfast2.contentType, BFAST_ACCEPT)
    t.same(bfast2.bytes, bfast1.bytes)

    // Other spellings of the same preference are other variants, never the wrong format.
    const noAccept = await get(url, {})
    t.match(noAccept.contentType, /^application\/json/)
    const preferring = await get(url, { accept: 'application/json;q=0.5, application/x-bfast' })
    t.equal(preferring.contentType, BFAST_ACCEPT)
    t.same(decode(preferring.bytes), expected)
  })

  t.test('B-FAST first, then JSON: the order does not matter', async (t) => {
    const url = '/users?n=60'
    const bfast1 = await get(url, { accept: BFAST_ACCEPT })
    t.equal(bfast1.cache, 'MISS')
    t.equal(bfast1.contentType, BFAST_ACCEPT)
    const json1 = await get(url, { accept: JSON_ACCEPT })
    t.equal(json1.cache, 'MISS', 'the cached B-FAST is not served to a JSON client')
    t.match(json1.contentType, /^application\/json/)
    t.same(decode(bfast1.bytes), JSON.parse(json1.bytes.toString('utf8')))
    t.equal((await get(url, { accept: BFAST_ACCEPT })).cache, 'HIT', `B-FAST from the cache; ${SAME_VARY}`)
    t.equal((await get(url, { accept: JSON_ACCEPT })).cache, 'HIT', `JSON from the cache; ${SAME_VARY}`)
  })

  // Each case its own URL (n), so that earlier cases leave nothing in the cache for it.
  let n = 200
  const hints: Record<string, string>[] = [{ 'save-data': 'on' }, { ect: '2g' }]
  for (const hint of hints) {
    const name = Object.keys(hint)[0]!
    for (const hintFirst of [true, false]) {
      const target = `/users?n=${n++}`
      const order = hintFirst ? 'hinted client first' : 'plain client first'
      t.test(`${name}: compressed for the hinted client, uncompressed for the other (${order})`, async (t) => {
        const hinted: Record<string, string> = { accept: BFAST_ACCEPT, ...hint }
        const plainHeaders = { accept: BFAST_ACCEPT }
        const sequence = hintFirst ? [hinted, plainHeaders] : [plainHeaders, hinted]
        const first = await get(target, sequence[0]!)
        const second = await get(target, sequence[1]!)
        t.equal(first.status, 200)
        t.equal(first.cache, 'MISS')
        t.equal(second.cache, 'MISS', "the first client's representation is not served to the second")
        const [hintedReply, plainReply] = hintFirst ? [first, second] : [second, first]
        t.ok(isCompressed(hintedReply.bytes), 'hinted client gets LZ4')
        t.notOk(isCompressed(plainReply.bytes), 'plain client gets the uncompressed message')
        t.same(decode(hintedReply.bytes), decode(plainReply.bytes))
        // And from the cache, each its own again.
        const hintedAgain = await get(target, hinted)
        const plainAgain = await get(target, plainHeaders)
        t.equal(hintedAgain.cache, 'HIT')
        t.equal(plainAgain.cache, 'HIT')
        t.same(hintedAgain.bytes, hintedReply.bytes)
        t.same(plainAgain.bytes, plainReply.bytes)
      })
    }
  }

  // Issue 16: the coding also depends on Accept-Encoding, which every reply's Vary names.
  t.test('Save-Data: a client accepting br and one accepting nothing each get their own coding', async (t) => {
    const target = `/users?n=${n++}`
    const brClient = { accept: BFAST_ACCEPT, 'save-data': 'on', 'accept-encoding': 'br' }
    const bare = { accept: BFAST_ACCEPT, 'save-data': 'on' }
    const first = await get(target, brClient)
    const second = await get(target, bare)
    t.equal(first.cache, 'MISS')
    t.equal(second.cache, 'MISS', "the br client's reply is not served to a client that did not accept br")
    t.equal(first.contentEncoding, 'br')
    t.equal(second.contentEncoding, undefined)
    t.ok(isCompressed(second.bytes), 'the client without Accept-Encoding gets LZ4')
    t.match(first.vary, /accept-encoding/i)
    t.same(decode(brotliDecompressSync(first.bytes)), decode(second.bytes))
    const brAgain = await get(target, brClient)
    const bareAgain = await get(target, bare)
    t.equal(brAgain.cache, 'HIT')
    t.equal(bareAgain.cache, 'HIT')
    t.equal(brAgain.contentEncoding, 'br')
    t.same(brAgain.bytes, first.bytes)
    t.same(bareAgain.bytes, second.bytes)
  })
}
