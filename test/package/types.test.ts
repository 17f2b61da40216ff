/**
 * Type tests against the PUBLISHED declarations (issue 13 item 2), as @fastify/compress's
 * types/index.tst.ts and undici's test/imports/ do: the `npm pack` tarball installed into fresh
 * projects, consumers importing every entry point by package name, compiled with
 * `skipLibCheck: false` under moduleResolution nodenext (ES module and CommonJS consumers: the
 * `import` and `require` conditions' declarations) and bundler, with and without the DOM lib.
 * - a server project (fastify, lz4-napi, @types/node and undici installed): the consumers in
 *   test/fixtures/package/ plus the client's (test/fixtures/client-types/);
 * - a frontend project (nothing but the package): the client's consumers, lib es2022 alone and
 *   with the DOM lib, no @types/node.
 * Each consumer's `@ts-expect-error` lines fail the compile if they compile.
 */
import { copyFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import ts from 'typescript'
import { installProject, packTarball, projectsDir, type Project } from '../helpers/packed.js'
import { FIXTURES } from '../helpers/paths.js'

// Declarations do not depend on the Node line: `npm run test:lines` type-checks once, under its
// first line, and sets BFAST_SKIP_TYPE_TESTS=1 for the others (scripts/node-lines.mjs).
const SKIP = process.env.BFAST_SKIP_TYPE_TESTS === '1'

interface Consumer {
  file: string
  from: string
  /** CommonJS consumers only compile where `require` exists (nodenext). */
  commonjs?: boolean
}

const SERVER_CONSUMERS: Consumer[] = [
  { file: 'server.mts', from: 'package' },
  { file: 'server.cts', from: 'package', commonjs: true },
  { file: 'client.cts', from: 'package', commonjs: true },
  { file: 'consumer.ts', from: 'client-types' },
  { file: 'consumer-node.ts', from: 'client-types' },
]
const FRONTEND_CONSUMERS: Consumer[] = [
  { file: 'client.cts', from: 'package', commonjs: true },
  { file: 'consumer.ts', from: 'client-types' },
]
const DOM_ONLY: Consumer = { file: 'consumer-dom.ts', from: 'client-types' }

const RESOLUTIONS = [
  { moduleResolution: 'nodenext', module: 'nodenext' },
  { moduleResolution: 'bundler', module: 'esnext' },
] as const

function diagnostics(tmpDir: string, project: Project, files: readonly Consumer[], resolution: (typeof RESOLUTIONS)[number], lib: string[], types: string[]): string[] {
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    { ...resolution, target: 'es2022', lib, types, strict: true, noEmit: true, skipLibCheck: false, verbatimModuleSyntax: true },
    project.dir
  )
  if (errors.length > 0) return errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  const program = ts.createProgram(
    files.filter((f) => resolution.moduleResolution === 'nodenext' || f.commonjs !== true).map((f) => path.join(project.dir, f.file)),
    options
  )
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file === undefined ? '' : `${path.relative(tmpDir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

function typeTests(): void {
  const tmp = projectsDir()
  t.teardown(tmp.remove)
  const tarball = packTarball(tmp.dir)
  const server = installProject(tmp.dir, 'server', tarball, ['fastify', 'lz4-napi', '@types/node', 'undici'])
  const frontend = installProject(tmp.dir, 'frontend', tarball, [])
  for (const [project, consumers] of [
    [server, [...SERVER_CONSUMERS, DOM_ONLY]],
    [frontend, [...FRONTEND_CONSUMERS, DOM_ONLY]],
  ] as const) {
    for (const c of consumers) copyFileSync(path.join(FIXTURES, c.from, c.file), path.join(project.dir, c.file))
  }

  for (const resolution of RESOLUTIONS) {
    t.test(`server project, moduleResolution ${resolution.moduleResolution}, no DOM lib (@types/node)`, async (t) => {
      t.same(diagnostics(tmp.dir, server, SERVER_CONSUMERS, resolution, ['es2022'], ['node']), [], 'compiles against the installed declarations')
    })
    t.test(`server project, moduleResolution ${resolution.moduleResolution}, DOM lib and @types/node`, async (t) => {
      t.same(diagnostics(tmp.dir, server, [...SERVER_CONSUMERS, DOM_ONLY], resolution, ['es2022', 'dom', 'dom.iterable'], ['node']), [], 'compiles against the installed declarations')
    })
    t.test(`frontend project (no fastify, no @types/node), moduleResolution ${resolution.moduleResolution}, lib es2022 only`, async (t) => {
      t.same(diagnostics(tmp.dir, frontend, FRONTEND_CONSUMERS, resolution, ['es2022'], []), [], 'compiles against the installed declarations')
    })
    t.test(`frontend project, moduleResolution ${resolution.moduleResolution}, DOM lib`, async (t) => {
      t.same(diagnostics(tmp.dir, frontend, [...FRONTEND_CONSUMERS, DOM_ONLY], resolution, ['es2022', 'dom', 'dom.iterable'], []), [], 'compiles against the installed declarations')
    })
  }
}

if (SKIP) t.pass(`skipped on ${process.version}: type-checked under the first line of this run`)
else typeTests()
