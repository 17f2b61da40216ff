/**
 * Runs a generated ES module in a child Node process, for tests that compare a run under some
 * V8 flag (`--disallow-code-generation-from-strings`: a Content-Security-Policy without
 * 'unsafe-eval') with a run without it, or a run in a fresh process with one in this one.
 */
import { execFileSync } from 'node:child_process'
import { ROOT } from './paths.js'

/** A built module (`dist/<path>`) as a JS string literal, for an import in a generated script. */
export function distSpecifier(path: string): string {
  return JSON.stringify(new URL(`dist/${path}`, `file://${ROOT}`).href)
}

/** What `script`, run as a module under `flags` with `input` on its stdin, writes to stdout, parsed as JSON. */
export function moduleOutput<T>(script: string, flags: readonly string[], input = ''): T {
  return JSON.parse(execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', input })) as T
}
