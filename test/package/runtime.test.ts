/**
 * The packed package, installed into fresh projects, on the Node line running the tests (tap runs
 * the suite under every supported line; issue 13 items 1 and 3):
 * - `import` and `require` of every entry point work, give the same exports, and require() gives
 *   the very same objects as import (one instance of each class: no dual-package hazard), with
 *   no warning printed;
 * - a frontend project (no fastify, no lz4-napi installed) loads the client and the codec;
 * - a server without lz4-napi fails registration with FST_BFAST_LZ4_NOT_INSTALLED (plugin
 *   options or a route's) naming what to install, and with `network: 'fast'` serves B-FAST over
 *   a real socket; with lz4-napi installed it serves compressed B-FAST;
 * - what ships: LICENSE, CHANGELOG.md, README.md, the sources every source map names, no tests.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { ERROR_CODES } from '../../src/index.js'
import { PLUGIN_ERROR_CODES } from '../../plugin/index.js'
import { installProject, nodeModulesAbove, packTarball, projectsDir, type Project } from '../helpers/packed.js'
import { FIXTURES, ROOT } from '../helpers/paths.js'

const SCRIPTS = path.join(FIXTURES, 'package', 'scripts')
const ENTRIES = ['fastify-bfast', 'fastify-bfast/codec', 'fastify-bfast/compress', 'fastify-bfast/client']

const tmp = projectsDir()
t.teardown(tmp.remove)
const tarball = packTarball(tmp.dir)
const frontend = installProject(tmp.dir, 'frontend', tarball, [])
const bare = installProject(tmp.dir, 'server-without-lz4', tarball, ['fastify'])
const full = installProject(tmp.dir, 'server', tarball, ['fastify', 'lz4-napi'])

/** Runs a fixture script (test/fixtures/package/scripts/) inside a project; its stdout is JSON. */
function runIn(project: Project, script: string, args: readonly string[] = []): { result: unknown; stderr: string; status: number | null } {
  const file = path.join(project.dir, script)
  writeFileSync(file, readFileSync(path.join(SCRIPTS, script)))
  const run = spawnSync(process.execPath, [file, ...args], { cwd: project.dir, encoding: 'utf8', timeout: 60_000 })
  let result: unknown
  try {
    result = JSON.parse(run.stdout)
  } catch {
    result = run.stdout
  }
  return { result, stderr: run.stderr, status: run.status }
}

t.test('the projects see only what they installed', async (t) => {
  t.equal(nodeModulesAbove(tmp.dir), undefined, 'no node_modules above the temp projects')
  t.notOk(existsSync(path.join(frontend.dir, 'node_modules', 'fastify')), 'the frontend has no fastify')
  t.notOk(existsSync(path.join(frontend.dir, 'node_modules', 'lz4-napi')), 'the frontend has no lz4-napi')
})

/** The plugin entry needs its peer fastify (a server); the others load in a bare frontend. */
const PROJECT_ENTRIES = [
  { project: frontend, entries: ENTRIES.filter((e) => e !== 'fastify-bfast') },
  { project: full, entries: ENTRIES },
]

for (const { project, entries: specs } of PROJECT_ENTRIES) {
  t.test(`import and require of every entry point (${path.basename(project.dir)}: ${specs.join(', ')}; Node ${process.version})`, async (t) => {
    const { result, stderr, status } = runIn(project, 'entries.cjs', specs)
    t.equal(status, 0, stderr)
    t.equal(stderr, '', 'nothing printed on stderr (no require(esm) warning)')
    const entries = result as Record<string, { cjs: string[]; esm: string[]; identical: boolean; esModule: boolean; hasDefault: boolean }> & { roundTrip: unknown }
    t.same(Object.keys(entries).filter((k) => k !== 'roundTrip'), specs, 'every entry point checked')
    for (const spec of specs) {
      const e = entries[spec]!
      t.ok(e.esm.length > 0, `${spec}: import gives exports`)
      t.same(e.cjs, e.esm, `${spec}: require gives the same exports as import`)
      t.ok(e.identical, `${spec}: the same objects (one instance of every class)`)
      t.equal(e.esModule, e.hasDefault, `${spec}: __esModule marks exactly a default export`)
    }
    if (specs.includes('fastify-bfast')) t.ok(entries['fastify-bfast']!.esm.includes('default'), 'the plugin is the default export')
    t.same(entries.roundTrip, { a: [1, 2.5], d: '1970-01-01T00:00:00.000Z' }, 'the required codec round-trips (Date kept typed)')
  })
}

t.test('frontend: compress() without lz4-napi says what to install', async (t) => {
  const { result, stderr, status } = runIn(frontend, 'compress-missing.mjs')
  t.equal(status, 0, stderr)
  t.same(result, {
    name: 'BFastError',
    code: ERROR_CODES.LZ4_NOT_INSTALLED,
    message: 'LZ4 compression needs the optional peer dependency lz4-napi: npm install lz4-napi (LZ4_NOT_INSTALLED at byte 0)',
  })
})

t.test('server without lz4-napi: registration fails if it may compress, B-FAST served if not', async (t) => {
  const { result, stderr, status } = runIn(bare, 'server.mjs')
  t.equal(status, 0, stderr)
  const r = result as Record<string, { code?: string; message?: string } & Record<string, unknown>>
  t.equal(r.defaults!.code, PLUGIN_ERROR_CODES.FST_BFAST_LZ4_NOT_INSTALLED, 'default options (network auto) fail registration')
  t.match(r.defaults!.message, /needs the optional peer dependency lz4-napi: npm install lz4-napi/)
  t.equal(r.hints!.code, PLUGIN_ERROR_CODES.FST_BFAST_LZ4_NOT_INSTALLED, "'fast' with clientHints (Save-Data may ask for LZ4) fails too")
  t.equal(r.route!.code, PLUGIN_ERROR_CODES.FST_BFAST_LZ4_NOT_INSTALLED, "a route asking for 'slow' fails")
  t.match(r.route!.message, /route GET \/report may compress/)
  t.same(r.fast, { status: 200, type: 'application/x-bfast', compressed: false, value: { users: 2000 } }, "network 'fast': B-FAST over a real socket")
  t.match(r.zlibOnly, { status: 200, type: 'application/x-bfast', compressed: false, value: { users: 2000 } },
    'HTTP codings only: no lz4-napi needed, fetch decodes the Content-Encoding')
  t.match(r.zlibOnly!.coding, /^(zstd|br|gzip)$/, `a Content-Encoding (${String(r.zlibOnly!.coding)})`)
})

t.test('server with lz4-napi: compressed B-FAST over a real socket', async (t) => {
  const { result, stderr, status } = runIn(full, 'server.mjs')
  t.equal(status, 0, stderr)
  const r = result as Record<string, unknown>
  t.equal(r.defaults, 'registered')
  t.equal(r.route, 'registered')
  t.same(r.slow, { status: 200, type: 'application/x-bfast', compressed: true, value: { users: 2000 } })
  t.match(r.zlibOnly, { status: 200, type: 'application/x-bfast', compressed: false, value: { users: 2000 } })
})

t.test('what the package ships', async (t) => {
  const files = readdirSync(full.packageDir, { recursive: true, encoding: 'utf8' })
  for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json']) t.ok(files.includes(f), `${f} ships`)
  t.notOk(files.some((f) => f.startsWith('test') || f.startsWith('dist/test') || f.startsWith('bench') || f.startsWith('dist/bench')), 'no tests or benchmarks')
  const manifest = JSON.parse(readFileSync(path.join(full.packageDir, 'package.json'), 'utf8')) as Record<string, unknown>
  for (const key of ['repository', 'homepage', 'keywords', 'license', 'engines']) t.ok(manifest[key] !== undefined, `package.json has ${key}`)
  t.same(Object.keys(manifest.dependencies as object), ['fastify-plugin'], 'fastify-plugin is the only dependency')
  t.same(manifest.peerDependenciesMeta, { fastify: { optional: true }, 'lz4-napi': { optional: true } }, 'fastify and lz4-napi are optional peers')
  const maps = files.filter((f) => f.endsWith('.map'))
  t.ok(maps.length > 20, `${maps.length} source maps`)
  const unresolved: string[] = []
  for (const map of maps) {
    const { sources } = JSON.parse(readFileSync(path.join(full.packageDir, map), 'utf8')) as { sources: string[] }
    for (const s of sources) if (!existsSync(path.resolve(path.dirname(path.join(full.packageDir, map)), s))) unresolved.push(`${map} -> ${s}`)
  }
  t.same(unresolved, [], 'every source every map names ships')
})

t.test('the bfast command runs from the installed package (frontend: no lz4-napi)', async (t) => {
  const manifest = JSON.parse(readFileSync(path.join(frontend.packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  const cli = path.join(frontend.packageDir, manifest.bin.bfast!)
  t.match(readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the bin starts with a node shebang')
  const encoded = spawnSync(process.execPath, [cli, 'encode'], { cwd: frontend.dir, input: '{"a":[1,2.5]}' })
  t.equal(encoded.status, 0, encoded.stderr.toString())
  const inspected = spawnSync(process.execPath, [cli, 'inspect', '-'], { cwd: frontend.dir, input: encoded.stdout, encoding: 'utf8' })
  t.equal(inspected.stdout, '{"a":[1,2.5]}\n', 'encode | inspect - prints the same JSON')
  const lz4 = spawnSync(process.execPath, [cli, 'encode', '--lz4'], { cwd: frontend.dir, input: '{}', encoding: 'utf8' })
  t.equal(lz4.status, 1, '--lz4 without lz4-napi fails')
  t.equal(lz4.stderr, 'bfast: LZ4 compression needs the optional peer dependency lz4-napi: npm install lz4-napi (LZ4_NOT_INSTALLED at byte 0)\n')
})

t.test('every README link resolves from the published package or the repository', async (t) => {
  const manifest = JSON.parse(readFileSync(path.join(full.packageDir, 'package.json'), 'utf8')) as { homepage: string }
  const repository = `${manifest.homepage.replace(/#.*$/, '')}/`
  const readme = readFileSync(path.join(full.packageDir, 'README.md'), 'utf8')
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
  const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')))
  const broken: string[] = []
  let checked = 0
  for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    checked++
    if (target!.startsWith('#')) {
      if (!anchors.has(target!.slice(1))) broken.push(target!)
    } else if (target!.startsWith(repository)) {
      const file = target!.slice(repository.length).replace(/^(blob|tree)\/main\//, '')
      if (!existsSync(path.join(ROOT, file))) broken.push(target!)
    } else if (!/^https?:/.test(target!)) {
      if (!existsSync(path.join(full.packageDir, target!.replace(/#.*$/, '')))) broken.push(target!)
    }
  }
  t.ok(checked > 5, `${checked} links checked`)
  t.same(broken, [], 'no link to a file the package does not ship, or to a missing heading')
})
