import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'

/** Project root, whether this runs from test/ (source) or dist/test/ (compiled). */
const here = fileURLToPath(new URL('.', import.meta.url))
export const ROOT = here.includes('/dist/test/') ? fileURLToPath(new URL('../../../', import.meta.url)) : fileURLToPath(new URL('../../', import.meta.url))

export const FIXTURES = `${ROOT}test/fixtures/`

/** Reads a file from test/fixtures/. */
export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name)
}

/** Parses a JSON file from test/fixtures/. */
export function jsonFixture<T = unknown>(name: string): T {
  return JSON.parse(fixture(name).toString('utf8')) as T
}
