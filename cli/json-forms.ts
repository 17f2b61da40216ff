/**
 * The JSON form of decoded B-FAST values, for the `bfast` command (issue 13 item 6). JSON has no
 * dates, bigints, bytes, float64 arrays or non-finite numbers; each is written as an object with
 * exactly one `$`-key, and `bfast encode` reads the same forms back:
 *
 * | value                                    | JSON form                              |
 * |------------------------------------------|----------------------------------------|
 * | Date (B-FAST datetime or date)           | `{"$date": "2024-05-01T12:00:00.000Z"}`  |
 * | bigint (int64 beyond 2^53)               | `{"$bigint": "9007199254740993"}`        |
 * | Uint8Array (bytes)                       | `{"$bytes": "<base64>"}`                 |
 * | Float64Array (float64 array)             | `{"$float64": [1.5, 2]}`                 |
 * | NaN, Infinity, -Infinity, -0             | `{"$number": "NaN"}` (and so on)         |
 *
 * An input object whose only key is one of these names is read as that value.
 */

const DATE = '$date'
const BIGINT = '$bigint'
const BYTES = '$bytes'
const FLOAT64 = '$float64'
const NUMBER = '$number'
const NON_FINITE: Readonly<Record<string, number>> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
  '-0': -0
}

function numberForm(n: number): unknown {
  if (Number.isFinite(n) && !Object.is(n, -0)) return n
  return { [NUMBER]: Object.is(n, -0) ? '-0' : String(n) }
}

/** A decoded value as plain JSON data (see the table above). */
export function toJsonForm(value: unknown): unknown {
  if (typeof value === 'number') return numberForm(value)
  if (typeof value === 'bigint') return { [BIGINT]: value.toString() }
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Date) return { [DATE]: Number.isNaN(value.getTime()) ? null : value.toISOString() }
  if (value instanceof Uint8Array) {
    return { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  }
  if (value instanceof Float64Array) return { [FLOAT64]: Array.from(value, numberForm) }
  if (Array.isArray(value)) return value.map(toJsonForm)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    // defineProperty, not assignment: a decoded "__proto__" key stays an own property.
    Object.defineProperty(out, key, {
      value: toJsonForm((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true
    })
  }
  return out
}

/** Thrown for a `$`-form whose content is not of its type; the CLI prints the message. */
export class JsonFormError extends Error {
  override name = 'JsonFormError'
}

function numberFrom(v: unknown, where: string): number {
  if (typeof v === 'number') return v
  if (v !== null && typeof v === 'object' && Object.keys(v).length === 1 && NUMBER in v) {
    const text = (v as Record<string, unknown>)[NUMBER]
    if (typeof text === 'string' && Object.hasOwn(NON_FINITE, text)) return NON_FINITE[text]!
  }
  throw new JsonFormError(`${where}: not a number or {"${NUMBER}": "NaN" | "Infinity" | "-Infinity" | "-0"}`)
}

/** Parsed JSON with the `$`-forms turned back into the values they stand for. */
export function fromJsonForm(value: unknown, where = '$'): unknown {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v, i) => fromJsonForm(v, `${where}[${i}]`))
  const keys = Object.keys(value)
  const record = value as Record<string, unknown>
  if (keys.length === 1) {
    const [key] = keys
    const v = record[key!]
    switch (key) {
      case DATE: {
        const d = new Date(typeof v === 'string' ? v : Number.NaN)
        if (Number.isNaN(d.getTime())) throw new JsonFormError(`${where}.${DATE}: not an ISO date-time string`)
        return d
      }
      case BIGINT:
        if (typeof v !== 'string' || !/^-?\d+$/.test(v)) {
          throw new JsonFormError(`${where}.${BIGINT}: not a decimal integer string`)
        }
        return BigInt(v)
      case BYTES:
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
          throw new JsonFormError(`${where}.${BYTES}: not a base64 string`)
        }
        return new Uint8Array(Buffer.from(v, 'base64'))
      case FLOAT64:
        if (!Array.isArray(v)) throw new JsonFormError(`${where}.${FLOAT64}: not an array`)
        return Float64Array.from(v, (n, i) => numberFrom(n, `${where}.${FLOAT64}[${i}]`))
      case NUMBER:
        return numberFrom(value, where)
    }
  }
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    Object.defineProperty(out, key, {
      value: fromJsonForm(record[key], `${where}.${key}`),
      enumerable: true,
      writable: true,
      configurable: true
    })
  }
  return out
}
