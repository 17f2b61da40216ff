/**
 * `tables: 'transport'` (issue 16 item 5): the table layout (SPEC 8) is asked for as a transport
 * form only, where it makes a reply smaller on the wire, and the caller gets the plain values it
 * gets without the option: every `BFastTable` in a decoded reply becomes its rows (`toArray()`,
 * the v1 list the table stands for, SPEC 8), nested ones too. Browser-safe.
 *
 * The value is changed in place: it is the client's own fresh decode. Only plain objects and
 * arrays are walked (a Date, typed array or Uint8Array never holds a table), and the walk is no
 * deeper than the decoded message (the codec's maxDepth, SPEC 6).
 */
import { BFastTable } from '../src/index.js'
import { setOwn } from '../src/own-property.js'
import { cellsMayHoldTables } from '../src/table.js'

/** Whether a decoded value is a container that may hold a table: an array or a plain object. */
function isContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return true
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** `table`'s rows, any tables in their cells turned to rows as well (walked only where a cell can hold one). */
function rowsOf(table: BFastTable<object>): object[] {
  const rows = table.toArray()
  if (cellsMayHoldTables(table)) for (const row of rows) untableIn(row as Record<string, unknown>)
  return rows
}

/** Replaces every table inside `container` by its rows. */
function untableIn(container: unknown[] | Record<string, unknown>): void {
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const v = container[i]
      if (v instanceof BFastTable) container[i] = rowsOf(v)
      else if (isContainer(v)) untableIn(v)
    }
    return
  }
  for (const key of Object.keys(container)) {
    const v = container[key]
    if (v instanceof BFastTable) setOwn(container, key, rowsOf(v))
    else if (isContainer(v)) untableIn(v)
  }
}

/**
 * `value` with every `BFastTable` in it replaced by its rows: what the same reply decodes to
 * when sent as B-FAST v1.
 *
 * @example
 * ```ts
 * withoutTables(decode(tableMessage)) // [{ id: 1, name: 'Ada' }, ...], never a BFastTable
 * ```
 */
export function withoutTables(value: unknown): unknown {
  if (value instanceof BFastTable) return rowsOf(value)
  if (isContainer(value)) untableIn(value)
  return value
}
