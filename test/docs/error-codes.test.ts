/**
 * The README documents every error code, and documents no code that does not exist: each
 * registry (`ERROR_CODES`, `PLUGIN_ERROR_CODES`, `CLIENT_ERROR_CODES`) has one README table,
 * found by the HTML comment `<!-- error-codes: NAME -->` right above it, whose first column lists
 * the codes in backticks.
 * As fastify's test/internals/errors.test.js does for docs/Reference/Errors.md, this fails when
 * a code is added, renamed or dropped on one side only.
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { ERROR_CODES } from '../../src/index.js'
import { PLUGIN_ERROR_CODES } from '../../plugin/index.js'
import { CLIENT_ERROR_CODES } from '../../client/index.js'
import { ROOT } from '../helpers/paths.js'

const README = readFileSync(`${ROOT}README.md`, 'utf8')

/** The codes in the first column of the table that follows `<!-- error-codes: name -->`. */
function documentedCodes(name: string): string[] {
  const marker = `<!-- error-codes: ${name} -->`
  const at = README.indexOf(marker)
  if (at < 0) return []
  const lines = README.slice(at + marker.length).split('\n')
  let i = 0
  while (i < lines.length && lines[i]!.trim() === '') i++
  const codes: string[] = []
  // Header row and separator first, then one row per code (or a few codes sharing a meaning).
  for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    const firstCell = lines[i]!.split('|')[1] ?? ''
    for (const m of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) codes.push(m[1]!)
  }
  return codes
}

for (const [name, registry] of [
  ['codec', ERROR_CODES],
  ['plugin', PLUGIN_ERROR_CODES],
  ['client', CLIENT_ERROR_CODES]
] as const) {
  t.test(`README's ${name} error table lists exactly the ${name}'s error codes`, async (t) => {
    const documented = documentedCodes(name)
    t.ok(documented.length > 0, `README has a table marked <!-- error-codes: ${name} -->`)
    t.same(new Set(documented).size, documented.length, 'no code is listed twice')
    t.same([...documented].sort(), Object.keys(registry).sort(), 'the same codes on both sides')
    for (const [key, value] of Object.entries(registry)) t.equal(value, key, `${key} is its own value`)
  })
}
