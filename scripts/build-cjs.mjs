#!/usr/bin/env node
/**
 * The CommonJS face of the package (issue 13 item 1), written after `tsc` by `npm run build`.
 *
 * The package is ES modules. For `require()`, each entry point of package.json `exports` gets a
 * `require` condition pointing into dist/cjs/ (a `"type": "commonjs"` folder):
 * - the JS there requires the ES module (Node >= 20.19 / 22.12 load ES modules from require(),
 *   our `engines`) and copies its exports onto `exports`, each by name, with `__esModule` when
 *   it has a default export (as TypeScript's own CommonJS output does, so that tools and
 *   arethetypeswrong see the same exports as the declarations). Requiring the ES build itself
 *   (not a second, transpiled copy) keeps one instance of every class and of the plugin
 *   whichever way an application loads it (no dual-package hazard: `instanceof BFastError`
 *   holds across both);
 * - the declarations are the ES build's, copied, so TypeScript reads them as CommonJS
 *   (`require('fastify-bfast').default`, named exports as properties).
 * Source map comments are dropped from the copies (they would point one folder off).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIST = path.join(ROOT, 'dist')
const CJS = path.join(DIST, 'cjs')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

/** The ES and CommonJS files of every entry point, from package.json `exports`. */
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.require !== undefined)
  .map(([name, target]) => ({ name, esm: path.join(ROOT, target.import.default), cjs: path.join(ROOT, target.require.default) }))

/** Every folder the entry points' declarations live in (and import from). */
const declarationDirs = [...new Set(entries.map((e) => path.relative(DIST, e.esm).split(path.sep)[0]))]

rmSync(CJS, { recursive: true, force: true })
mkdirSync(CJS, { recursive: true })
writeFileSync(path.join(CJS, 'package.json'), '{\n  "type": "commonjs"\n}\n')

let declarations = 0
for (const dir of declarationDirs) {
  for (const file of readdirSync(path.join(DIST, dir), { recursive: true })) {
    if (!file.endsWith('.d.ts')) continue
    const from = path.join(DIST, dir, file)
    const to = path.join(CJS, dir, file)
    mkdirSync(path.dirname(to), { recursive: true })
    writeFileSync(to, readFileSync(from, 'utf8').replace(/^\/\/# sourceMappingURL=.*$\n?/m, ''))
    declarations++
  }
}

for (const entry of entries) {
  const target = path.relative(path.dirname(entry.cjs), entry.esm).split(path.sep).join('/')
  const names = Object.keys(await import(pathToFileURL(entry.esm).href))
  const lines = [
    '\'use strict\'',
    `// ${pkg.name}${entry.name.slice(1)} for require(): the ES module itself (Node >= 20.19 / 22.12), see scripts/build-cjs.mjs.`,
    `const esm = require('${target.startsWith('.') ? target : `./${target}`}')`,
    ...(names.includes('default') ? ['Object.defineProperty(exports, \'__esModule\', { value: true })'] : []),
    ...names.map((name) => `exports.${name} = esm.${name}`),
  ]
  mkdirSync(path.dirname(entry.cjs), { recursive: true })
  writeFileSync(entry.cjs, `${lines.join('\n')}\n`)
}
console.log(`dist/cjs: ${entries.length} entry points, ${declarations} declaration files`)
