/**
 * The README's examples run as users would run them (issue 15 item 6): each fenced ```ts block
 * right after an `<!-- example: NAME ... -->` comment is written into a fresh project that has the
 * `npm pack` tarball installed (test/helpers/packed.ts, as the package tests do), type-checked
 * against the installed declarations, compiled, and run with node:
 * - `server` listens (on port 0 instead of 3000, printing the port it got) and `client` fetches
 *   from it: its output must be the year of the Date it prints, which only a B-FAST reply carries
 *   as a Date;
 * - `codec` must run to the end.
 * An example that no longer compiles or runs, or a marker that disappears, fails this test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import type { Test } from 'tap'
import ts from 'typescript'
import { installProject, packTarball, projectsDir } from '../helpers/packed.js'
import { ROOT } from '../helpers/paths.js'
import { LOOPBACK } from '../../support/listen.js'

const README = readFileSync(`${ROOT}README.md`, 'utf8')
/** The examples this test runs, by marker name. */
const EXAMPLES = ['server', 'client', 'codec'] as const
/** The port the README's server and client examples use; the server here takes a free one. */
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

/**
 * The first line `child` writes on stdout; rejects if it exits first or time runs out (the
 * timer is cleared either way, and the caller awaits this at once).
 */
function firstLine(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      reject(new Error(`the server example printed no port: ${stderr()}`))
    }, START_TIMEOUT_MS)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const nl = out.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      resolve(out.slice(0, nl))
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the server example exited (${code}): ${stderr()}`))
    })
  })
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

const code: Record<string, string> = {}
for (const name of EXAMPLES) {
  const found = example(name)
  t.ok(found !== undefined, `README has a \`\`\`ts block marked <!-- example: ${name} -->`)
  code[name] = found ?? ''
}
// Port 0 (the system picks a free one, so parallel tests never collide), printed for the client.
code.server = replaceOnce(t, code.server!, `port: ${README_PORT}`, `port: 0, host: '${LOOPBACK}'`, 'server') +
  '\nconsole.log(JSON.stringify(app.server.address()))\n'
const README_URL = `http://localhost:${README_PORT}`
t.ok(code.client!.includes(README_URL), `the client example calls ${README_URL}`)
const files = Object.fromEntries(EXAMPLES.map((name) => [name, writeExample(project.dir, name, code[name]!)]))

t.test('the examples compile against the installed package (strict, nodenext)', async (t) => {
  t.same(typeErrors(project.dir, EXAMPLES.map((name) => `${name}.ts`)), [])
})

t.test('the server example serves what the client example prints', async (t) => {
  let serverErr = ''
  const server = spawn(process.execPath, [files.server!], { cwd: project.dir, stdio: ['ignore', 'pipe', 'pipe'] })
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
  const { port } = JSON.parse(await firstLine(server, () => serverErr)) as { port: number }
  const clientCode = code.client!.replace(README_URL, `http://${LOOPBACK}:${port}`)
  const clientRun = writeExample(project.dir, 'client-run', clientCode)
  const client = spawnSync(process.execPath, [clientRun], {
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
