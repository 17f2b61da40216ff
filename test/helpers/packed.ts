/**
 * The package as its users get it (issue 13): `npm pack` of the built repository, unpacked into
 * a fresh project's node_modules in a temporary directory, beside only the packages that project
 * chose to install. Nothing is downloaded: the chosen packages (the tarball's own `dependencies`,
 * and e.g. fastify or lz4-napi) are symlinked from this repository's node_modules, and module
 * resolution from the project reaches nothing else (asserted: no node_modules above it).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ROOT } from './paths.js'

export const PACKAGE_NAME = 'fastify-bfast'

/** Runs `npm pack` on the built repository into `dir`; returns the tarball's path. */
export function packTarball(dir: string): string {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const [info] = JSON.parse(out) as { filename: string }[]
  if (info === undefined) throw new Error('npm pack reported no tarball')
  return path.join(dir, info.filename)
}

export interface Project {
  dir: string
  /** The installed package's folder, node_modules/fastify-bfast. */
  packageDir: string
}

/** The first node_modules folder above `dir`, if any: it would leak packages into the project. */
export function nodeModulesAbove(dir: string): string | undefined {
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) return path.join(d, 'node_modules')
    if (path.dirname(d) === d) return undefined
  }
}

/**
 * A project in `parent` named `name` with the tarball installed and `extra` packages (names under
 * this repository's node_modules, e.g. 'fastify', 'lz4-napi', '@types/node') beside it.
 */
export function installProject(parent: string, name: string, tarball: string, extra: readonly string[]): Project {
  const dir = path.join(parent, name)
  const modules = path.join(dir, 'node_modules')
  const packageDir = path.join(modules, PACKAGE_NAME)
  mkdirSync(packageDir, { recursive: true })
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2))
  execFileSync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'])
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
  for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...extra]) {
    const link = path.join(modules, dep)
    mkdirSync(path.dirname(link), { recursive: true })
    symlinkSync(path.join(ROOT, 'node_modules', dep), link, 'dir')
  }
  return { dir, packageDir }
}

/** A temporary directory for projects, removed by the returned function. */
export function projectsDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fastify-bfast-packed-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
