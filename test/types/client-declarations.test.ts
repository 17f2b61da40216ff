/**
 * The client's published declarations compile in every kind of consumer project (issue 13
 * item 2): the consumers in test/fixtures/client-types/ import `fastify-bfast/client` by its
 * package name (resolved through package.json `exports` to the built dist/client/index.d.ts, as
 * an installed copy is), with `skipLibCheck: false`, under moduleResolution nodenext and
 * bundler, with `lib: ["es2022"]` alone, with @types/node (Node-only, no DOM lib) and with the
 * DOM lib. The client once failed the Node-only case (TS2430 on `dispatcher`, TS2304
 * `HeadersInit`), and with skipLibCheck its `headers` option silently became `any`;
 * consumer.ts pins `headers` to its own type.
 */
import path from 'node:path'
import t from 'tap'
import ts from 'typescript'
import { FIXTURES, ROOT } from '../helpers/paths.js'

const CONSUMERS = path.join(FIXTURES, 'client-types')

/** What a consumer project looks like: its libs, its global types, and the consumer files that fit it. */
const PROJECTS = [
  { name: 'lib es2022 only (no DOM, no @types/node)', lib: ['es2022'], types: [], files: ['consumer.ts'] },
  { name: 'Node-only: lib es2022 and @types/node, no DOM lib', lib: ['es2022'], types: ['node'], files: ['consumer.ts', 'consumer-node.ts'] },
  { name: 'browser: lib es2022 and DOM, no @types/node', lib: ['es2022', 'dom', 'dom.iterable'], types: [], files: ['consumer.ts', 'consumer-dom.ts'] }
] as const

const RESOLUTIONS = [
  { moduleResolution: 'nodenext', module: 'nodenext' },
  { moduleResolution: 'bundler', module: 'esnext' }
] as const

function diagnosticsOf(project: (typeof PROJECTS)[number], resolution: (typeof RESOLUTIONS)[number]): string[] {
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      ...resolution,
      target: 'es2022',
      lib: project.lib,
      types: project.types,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true
    },
    ROOT
  )
  if (errors.length > 0) return errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  const program = ts.createProgram(
    project.files.map((f) => path.join(CONSUMERS, f)),
    options
  )
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file === undefined ? '' : `${path.relative(ROOT, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `
    return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

for (const project of PROJECTS) {
  for (const resolution of RESOLUTIONS) {
    t.test(`${project.name}, moduleResolution ${resolution.moduleResolution}`, async (t) => {
      t.same(diagnosticsOf(project, resolution), [], 'the consumer compiles against the built declarations')
    })
  }
}
