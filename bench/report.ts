/**
 * Formatting of benchmark results: Markdown tables (padded, so the same text reads well in a
 * terminal and renders in the README), and the number formats used in every table.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { ROOT } from '../test/helpers/paths.js'
import type { Stats } from './harness.js'

/** The Node major running this benchmark: results are kept per line (issue 11). */
export const NODE_MAJOR = Number(process.versions.node.split('.')[0])

/**
 * Where a full run on this Node line writes `name` (e.g. bench/results/node-26/codec.md):
 * speed differs from line to line, so each line keeps its own file (`npm run bench:readme`
 * puts them side by side in the README). Run on another line with `npm run bench -- --node 26`.
 */
export function resultsFile(name: string): string {
  return `${ROOT}bench/results/node-${NODE_MAJOR}/${name}`
}

export interface Table {
  title: string
  headers: string[]
  rows: string[][]
  /** How many leading columns hold labels (left-aligned); default 1. */
  labelColumns?: number
  /** Lines printed under the table (footnotes, anomalies). */
  notes?: string[]
}

/** Left-aligns the label columns, right-aligns the figures. */
export function renderTable(table: Table): string {
  const labels = table.labelColumns ?? 1
  const widths = table.headers.map((h, c) => Math.max(h.length, ...table.rows.map((r) => (r[c] ?? '').length)))
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, c) => (c < labels ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`
  const rule = `|${widths.map((w, c) => (c < labels ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  const out = [`### ${table.title}`, '', line(table.headers), rule, ...table.rows.map(line)]
  if (table.notes !== undefined && table.notes.length > 0) out.push('', ...table.notes)
  return out.join('\n')
}

/** Milliseconds with three significant figures at most, e.g. "1.45", "12.3", "0.082". */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  if (value >= 100) return value.toFixed(0)
  if (value >= 10) return value.toFixed(1)
  if (value >= 1) return value.toFixed(2)
  return value.toFixed(3)
}

/**
 * "median (p25-p75)" of a candidate, in milliseconds, and " · N pf" where it faulted one page or
 * more per operation (median over the rounds; describeMethod says what that means).
 */
export function timing(s: Stats): string {
  const faults = s.faultsPerRun !== undefined && s.faultsPerRun >= 0.5 ? ` · ${Math.round(s.faultsPerRun).toLocaleString('en-US')} pf` : ''
  return `${ms(s.medianMs)} (${ms(s.p25Ms)}-${ms(s.p75Ms)})${faults}`
}

export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a'
}

export function bytes(n: number): string {
  return n.toLocaleString('en-US')
}

/** p25, median and p75 of paired per-round ratios (see Comparison.ratioQuartiles). */
export interface RatioQuartiles {
  p25: number
  median: number
  p75: number
}

/**
 * "0.42x [0.40-0.45] PASS (<= 0.75x)": the median paired ratio, its p25-p75, and whether the
 * median meets the target. The comparison uses the ratio as printed (two decimals), so a
 * cell never reads "0.60x MISS (<= 0.60x)".
 */
export function verdict(q: RatioQuartiles, target: number): string {
  const shown = Math.round(q.median * 100) / 100
  return `${ratio(q.median)} [${q.p25.toFixed(2)}-${q.p75.toFixed(2)}] ${shown <= target ? 'PASS' : 'MISS'} (<= ${target.toFixed(2)}x)`
}

/** A ratio with enough digits for the table targets (0.002x): five decimals under 0.1. */
export function fine(x: number): string {
  return x < 0.1 ? x.toFixed(5) : x.toFixed(2)
}

/** "0.00031x [p25-p75] PASS (<= 0.002x)", for the table targets: the median decides. */
export function fineVerdict(q: RatioQuartiles, target: number): string {
  return `${fine(q.median)}x [${fine(q.p25)}-${fine(q.p75)}] ${q.median <= target ? 'PASS' : 'MISS'} (<= ${target}x)`
}

/** What a full benchmark run writes to its results file. */
export interface ResultsFile {
  file: string
  title: string
  /** The npm command that produces it. */
  command: string
  method: readonly string[]
  tables: readonly Table[]
  anomalies: readonly string[]
}

/** Writes the Markdown results of a full run (method quoted, tables, anomalies) and says where. */
export function writeResults(r: ResultsFile): void {
  const md = [
    `## ${r.title}`,
    '',
    `Measured with \`${r.command}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    ...r.method.map((l) => `> ${l}`),
    '',
    ...r.tables.flatMap((t) => [renderTable(t), '']),
    ...(r.anomalies.length > 0 ? ['Anomalies:', ...r.anomalies.map((a) => `- ${a}`), ''] : [])
  ].join('\n')
  mkdirSync(dirname(r.file), { recursive: true })
  writeFileSync(r.file, md)
  console.log(`Tables written to ${r.file}`)
}
