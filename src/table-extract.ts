/**
 * Generated row extractors for the table writer's first pass (./table-writer.ts, SPEC 8.4).
 * Browser-safe.
 *
 * Written for V8 on purpose. The writer's generic row loop is one site for every table of every
 * shape: a `for...in` per row, then for each key a keyed load by the for-in variable, a
 * classification and a store into the column, all through sites that see every column (a
 * keyed store into five different arrays, five kinds of value). For a run of rows whose keys
 * are exactly the columns, in order, this module compiles a loop that checks the row's keys
 * (the same for...in, now with feedback for that shape alone), then reads each member by name
 * (`row["id"]`: a named load whose inline cache sees that shape's hidden class) and classifies
 * and stores it through code written out once per column. Each member is still read exactly
 * once, when the row is reached, as JSON reads it.
 *
 * Where `new Function` is forbidden (a Content-Security-Policy without 'unsafe-eval') nothing is
 * compiled and every row takes the generic loop.
 */
import { SHAPE_CACHE_MAX, SHAPE_MAX_MEMBERS } from './limits.js'

/** What an extractor updates of one column's plan (./table-writer.ts `Plan`). */
export interface ColumnSink {
  values: unknown[]
  kinds: number
  present: number
  childKinds: number
  childCount: number
  /**
   * TYPED_NUMBERS: rows 0 .. until - 1 hold numbers, kept in `num` (not in values); TYPED_BOOLS:
   * booleans, kept as 1 / 0 in `bits`; 0: every value is in `values`.
   */
  typed: number
  until: number
  num: Float64Array | null
  bits: Uint8Array | null
  /**
   * A list column of a large table whose number elements are copied as pass 1 reads them
   * (./table-writer.ts captureLists): 1 while rows 0 .. luntil - 1 each held a list of numbers
   * alone, their elements in lnum[0 .. lk - 1] and each row's end in loff[row + 1]; 0 once a row
   * breaks that (the values stay in `values` regardless).
   */
  lt: number
  lnum: Float64Array | null
  loff: Uint32Array | null
  lk: number
  luntil: number
}

/** ColumnSink.typed: the column's values are numbers in `num`, or booleans in `bits`. */
export const TYPED_NUMBERS = 1
export const TYPED_BOOLS = 2
/**
 * Not a ColumnSink.typed value: what rowExtractor is told of a list column whose elements are
 * captured (ColumnSink.lt), so that only such columns get the capturing code.
 */
export const CAPTURED_LISTS = 3

/** The writer's value kinds (bit set, ./table-writer.ts) and its classifier, for generated code. */
export interface ExtractKinds {
  small: number
  i32: number
  safe: number
  float: number
  string: number
  bool: number
  null: number
  list: number
  /** The kind of any value (what the inline tests below do not decide). */
  kindOf(v: unknown): number
  /** Moves a typed column's rows 0 .. until - 1 back into its values, as the values they were. */
  spill(col: ColumnSink, until: number): void
  /**
   * A captured list column's lnum with room for `need` elements, its first `have` kept, or null
   * (capture given up).
   */
  growList(col: ColumnSink, have: number, need: number): Float64Array | null
}

/**
 * Extracts rows `r`, `r + 1`, ... while each is a plain object (prototype Object.prototype or
 * null) whose own enumerable keys are exactly the compiled names in order; returns the index of
 * the first row it did not take (`n` when it took them all). A member JSON leaves out (its kind
 * is 0) leaves the row's slot empty, as in the generic loop.
 *
 * Written for V8 on purpose: each column's kinds and counts are locals of the run, written back
 * to its plan after the row loop. Code after a long loop that has never run has no type
 * feedback when V8 compiles the loop on stack replacement, and deoptimizes at every exit (the
 * "OSR" note of ./table-writer.ts), so the caller's first call on a run is a short one
 * (TABLE_EXTRACT_FIRST_ROWS rows) that runs it.
 */
export type RowExtractor = (
  rows: readonly unknown[], r: number, n: number, cols: readonly ColumnSink[], names: readonly string[],
  k: ExtractKinds
) => number

const cache = new Map<string, RowExtractor | null>()
let canCompile = true

/**
 * The extractor for rows with exactly these keys, the columns typed as `types` (ColumnSink.typed
 * when it is compiled: code for typed scratch only where a column has one), or null: too many
 * members, a key the generic loop treats specially (`toJSON`, `__proto__`, kept out of generated
 * code as in ./shapes.ts), or no `new Function`.
 */
export function rowExtractor(
  names: readonly string[], types: readonly number[], k: ExtractKinds
): RowExtractor | null {
  const signature = JSON.stringify(names) + types.join('')
  const cached = cache.get(signature)
  if (cached !== undefined) return cached
  const run = compile(names, types, k)
  if (cache.size >= SHAPE_CACHE_MAX) cache.clear()
  cache.set(signature, run)
  return run
}

/**
 * The kind of `x` as an expression: numbers, strings, booleans and arrays decided inline, at a
 * site of each column's own (as kindOf in ./table-writer.ts decides them), the rest by `k.kindOf`.
 *
 * Written for V8 on purpose: a list cell decided by `k.kindOf` was a call in every row of a
 * table with a list column, and TurboFan reloads and checks everything after a call (the columns'
 * arrays and their maps, before each store); `Array.isArray` inline instead (users-10k flat, Node
 * 26: 4.5% fewer instructions a table encode, callgrind). Alone, with no `typeof x === 'object'`
 * and null test before it: it is true only of arrays and proxies of arrays, which pass both, and
 * TurboFan's typeof test reads the map's undetectable and callable bits (users-100k flat, Node 26:
 * 1.5% fewer instructions a table encode, 10k 1.8%, callgrind).
 */
function classify(x: string, k: ExtractKinds): string {
  return `(typeof ${x} === 'number' ? ((${x} | 0) === ${x} && (${x} !== 0 || 1 / ${x} > 0) ` +
    `? (${x} >= 0 && ${x} <= 7 ? ${k.small} : ${k.i32}) : (Number.isSafeInteger(${x}) && ${x} !== 0 ? ${k.safe} : ${k.float}))` +
    ` : typeof ${x} === 'string' ? ${k.string} : typeof ${x} === 'boolean' ? ${k.bool}` +
    ` : Array.isArray(${x}) ? ${k.list} : k.kindOf(${x}))`
}

function compile(names: readonly string[], types: readonly number[], k: ExtractKinds): RowExtractor | null {
  const m = names.length
  if (!canCompile || m === 0 || m > SHAPE_MAX_MEMBERS) return null
  if (names.includes('toJSON') || names.includes('__proto__')) return null
  let head = 'var row, key, j, v, kind, e, x, ek, ck, len, hasOwn = Object.prototype.hasOwnProperty, OP = Object.prototype, proto;\n'
  let body = ''
  let tail = ''
  // JSON string literals are valid JS string literals (ES2019), so any key is safe here.
  const literals = names.map((name) => JSON.stringify(name))
  for (let c = 0; c < m; c++) {
    const capture = types[c] === CAPTURED_LISTS
    const typed = capture ? 0 : types[c]
    // The column's counts live in locals for the run (a load and a store of the plan per cell
    // otherwise), written back once where the run ends (see RowExtractor on feedback).
    head += `var c${c} = cols[${c}], a${c} = c${c}.values, k${c} = c${c}.kinds, p${c} = c${c}.present, ` +
      `n${c} = c${c}.childCount, h${c} = c${c}.childKinds;\n`
    tail += `c${c}.kinds = k${c}; c${c}.present = p${c}; c${c}.childCount = n${c}; c${c}.childKinds = h${c};\n`
    body += `v = row[${literals[c]}];\n`
    if (typed !== 0) {
      // A column typed when this was compiled (all numbers, or all booleans, in every row so
      // far: ./table-writer.ts adopt) keeps its cells in typed scratch while they stay so; the
      // first other cell (what JSON leaves out too) moves them back to values (k.spill) for good,
      // and t is 0 from then on. The caller moves them back on a gap between runs, and `until`
      // says where the scratch ends.
      head += `var t${c} = c${c}.typed, s${c} = c${c}.${typed === TYPED_NUMBERS ? 'num' : 'bits'};\n`
      tail += `if (t${c} !== 0) c${c}.until = r;\n`
      body += typed === TYPED_NUMBERS
        ? `if (t${c} !== 0 && typeof v === 'number') {\n` +
          `  k${c} |= (v | 0) === v && (v !== 0 || 1 / v > 0) ? (v >= 0 && v <= 7 ? ${k.small} : ${k.i32}) ` +
          `: (Number.isSafeInteger(v) && v !== 0 ? ${k.safe} : ${k.float});\n` +
          `  s${c}[r] = v;\n  p${c}++;\n} else {\n`
        : `if (t${c} !== 0 && typeof v === 'boolean') {\n  s${c}[r] = v ? 1 : 0;\n  p${c}++;\n} else {\n`
      body += `if (t${c} !== 0) {\n  k.spill(c${c}, r);\n  t${c} = 0;\n}\n`
    }
    if (capture) {
      // Each element is copied where it is read, once, as JSON reads it; the row's list read
      // again in pass 2 was a cache miss a row at 100,000 rows (./table-writer.ts captureLists).
      head += `var t${c} = c${c}.lt, s${c} = c${c}.lnum, o${c} = c${c}.loff, q${c} = c${c}.lk;\n`
      tail += `c${c}.lt = t${c}; c${c}.lnum = s${c}; c${c}.lk = q${c}; if (t${c} !== 0) c${c}.luntil = r;\n`
    }
    body += `kind = ${classify('v', k)};\n` +
      `if (kind !== 0) {\n  a${c}[r] = v;\n  k${c} |= kind;\n  p${c}++;\n` +
      `  if (kind === ${k.list}) {\n    n${c} += v.length;\n    ck = h${c};\n`
    if (capture) {
      body += '    len = v.length;\n' +
        `    if (t${c} !== 0 && q${c} + len > s${c}.length) {\n      s${c} = k.growList(c${c}, q${c}, q${c} + len);\n` +
        `      if (s${c} === null) t${c} = 0;\n    }\n`
    }
    // SPEC 5: in a list, what JSON leaves out is null. Once the elements hold a float, another
    // number cannot change the child's type (float64 holds them all: ./table-writer.ts
    // typeFor), so numbers skip the classification (users-10k's scores, Node 26: 1.5% fewer
    // instructions a table encode, callgrind).
    body += '    for (e = 0; e < v.length; e++) {\n      x = v[e];\n' +
      (capture
        ? `      if (typeof x === 'number') {\n        if (t${c} !== 0) s${c}[q${c} + e] = x;\n` +
          `        if ((ck & ${k.float}) !== 0) continue;\n      } else t${c} = 0;\n`
        : `      if (typeof x === 'number' && (ck & ${k.float}) !== 0) continue;\n`) +
      `      ek = ${classify('x', k)};\n` +
      `      ck |= ek === 0 ? ${k.null} : ek;\n    }\n    h${c} = ck;\n`
    if (capture) {
      // A list whose length changed while it was read (an element getter) is not captured.
      body += `    if (t${c} !== 0) {\n      if (v.length !== len) t${c} = 0;\n` +
        `      else {\n        q${c} += len;\n        o${c}[r + 1] = q${c};\n      }\n    }\n` +
        `  } else t${c} = 0;\n} else t${c} = 0;\n`
    } else body += '  }\n}\n'
    if (typed !== 0) body += '}\n'
  }
  // The i-th key compared with the i-th name as a literal: TurboFan compares two internalized
  // strings by identity there, where `names[j]` was an element load and a string comparison
  // (users-10k, Node 26: 2% fewer instructions a table encode, callgrind).
  const keyTest = literals.map((name, i) => `j === ${i} ? key !== ${name} : `).join('') + 'true'
  const loop =
    'for (; r < n; r++) {\n' +
    '  row = rows[r];\n' +
    '  if (typeof row !== \'object\' || row === null || Array.isArray(row)) break;\n' +
    // The `in` test gives TurboFan the row's map, so getPrototypeOf folds (./table-writer.ts).
    '  void (\'constructor\' in row);\n' +
    '  proto = Object.getPrototypeOf(row);\n' +
    '  if (proto !== OP && proto !== null) break;\n' +
    '  j = 0;\n' +
    '  for (key in row) {\n' +
    '    if (!hasOwn.call(row, key)) continue;\n' +
    // A key that is not the next name (one past the last included) ends the row's test.
    `    if (${keyTest}) {\n      j = -1;\n      break;\n    }\n` +
    '    j++;\n' +
    '  }\n' +
    `  if (j !== ${m}) break;\n` +
    body +
    '}\n' +
    tail +
    'return r;\n'
  try {
    return new Function('rows', 'r', 'n', 'cols', 'names', 'k', head + loop) as RowExtractor
  } catch {
    canCompile = false
    return null
  }
}
