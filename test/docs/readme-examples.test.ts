/**
 * The README's examples run as users would run them (issue 15 item 6): each fenced ```ts block
 * right after an `<!-- example: NAME ... -->` comment is written into a fresh project that has the
 * `npm pack` tarball installed (test/helpers/packed.ts, as the package tests do), type-checked
 * against the installed declarations, compiled, and run with node:
 * - `server` listens (on a free port instead of 3000) and `client` fetches from it: its output
 *   must be the year of the Date it prints, which only a B-FAST reply carries as a Date;
 * - `codec` must run to the end.
 * An example that no longer compiles or runs, or a marker that disappears, fails this test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Test } from 'tap'
import ts from 'typescript'
import { installProject, packTarball, projectsDir } from '../helpers/packed.js'
import { ROOT } from '../helpers/paths.js'
import { listen, LOOPBACK } from '../../support/listen.js'

const README = readFileSync(`${ROOT}README.md`, 'utf8')
/** The examples this test runs, by marker name. */
const EXAMPLES = ['server', 'client', 'codec'] as const
/** The port the README's server and client examples use, replaced by a free one here. */
const README_PORT = 3000
const RUN_TIMEOUT_MS = 30_000
const START_TIMEOUT_MS = 30_000

/** The code of the ```ts block that follows `<!-- example: name` (the rest of the comment is prose). */
function example(name: string): string | undefined {
  const match = new RegExp(`<!-- example: ${name}\\b[^>]*-->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(README)
  return match?.[1]
}

/** `code` with `from` replaced by `to`, which must occur: a README edit that drops it fails here. */
function replaceOnce(t: Test, code: string, from: string, to: string, what: string): string {
  t.ok(code.includes(from), `the ${what} example contains ${from}`)
  return code.replace(from, to)
}

/** A free loopback port: listened on, then released for the example server. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  const { port } = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Resolves once `port` accepts a connection; rejects if `child` exits first or time runs out. */
async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server example exited (${child.exitCode}): ${stderr()}`)
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, LOOPBACK, () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (connected) return
    if (Date.now() > deadline) throw new Error(`the server example did not listen on ${port}: ${stderr()}`)
    await sleep(50)
  }
}

/** Type errors of `files` (in `dir`) against the installed package, as a user's nodenext project sees them. */
function typeErrors(dir: string, files: readonly string[]): string[] {
  const { options } = ts.convertCompilerOptionsFromJson(
    {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2022'],
      types: ['node'],
      strict: true,
      noEmit: true
    },
    dir
  )
  const program = ts.createProgram(files.map((f) => path.join(dir, f)), options)
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file?.getLineAndCharacterOfPosition(d.start ?? 0).line
    const where = d.file === undefined ? '' : `${path.basename(d.file.fileName)}:${(line ?? 0) + 1}: `
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

/** Writes `code` as `name.ts` (for the type check) and `name.mjs` (what node runs). */
function writeExample(dir: string, name: string, code: string): string {
  writeFileSync(path.join(dir, `${name}.ts`), code)
  const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
  const js = ts.transpileModule(code, { compilerOptions }).outputText
  const file = path.join(dir, `${name}.mjs`)
  writeFileSync(file, js)
  return file
}

const tmp = projectsDir()
t.teardown(tmp.remove)
const project = installProject(tmp.dir, 'readme', packTarball(tmp.dir), ['fastify', 'lz4-napi', '@types/node'])
const port = await freePort()

const code: Record<string, string> = {}
for (const name of EXAMPLES) {
  const found = example(name)
  t.ok(found !== undefined, `README has a \`\`\`ts block marked <!-- example: ${name} -->`)
  code[name] = found ?? ''
}
code.server = replaceOnce(t, code.server!, `port: ${README_PORT}`, `port: ${port}, host: '${LOOPBACK}'`, 'server')
code.client = replaceOnce(t, code.client!, `http://localhost:${README_PORT}`, `http://${LOOPBACK}:${port}`, 'client')
const files = Object.fromEntries(EXAMPLES.map((name) => [name, writeExample(project.dir, name, code[name]!)]))

t.test('the examples compile against the installed package (strict, nodenext)', async (t) => {
  t.same(typeErrors(project.dir, EXAMPLES.map((name) => `${name}.ts`)), [])
})

t.test('the server example serves what the client example prints', async (t) => {
  let serverErr = ''
  const server = spawn(process.execPath, [files.server!], { cwd: project.dir, stdio: ['ignore', 'ignore', 'pipe'] })
  server.stderr!.on('data', (chunk: Buffer) => {
    serverErr += chunk.toString('utf8')
  })
  const exited = new Promise((resolve) => server.once('exit', resolve))
  t.teardown(async () => {
    if (server.exitCode === null) {
      server.kill('SIGTERM')
      await exited
    }
  })
  await waitForPort(port, server, () => serverErr)
  const client = spawnSync(process.execPath, [files.client!], {
    cwd: project.dir,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS
  })
  t.equal(client.status, 0, `the client example exits 0 ${client.stderr}`)
  // `born` is new Date('1815-12-10'): a Date only when the reply was B-FAST (JSON gives a string,
  // and the example's getFullYear() would throw).
  t.equal(client.stdout, '1815\n', 'it prints the year of the Date it received')
  t.equal(serverErr, '', 'the server printed nothing on stderr')
})

t.test('the codec example runs', async (t) => {
  const run = spawnSync(process.execPath, [files.codec!], {
    cwd: project.dir,
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS
  })
  t.equal(run.status, 0, run.stderr)
  t.equal(run.stderr, '', 'nothing on stderr')
})
