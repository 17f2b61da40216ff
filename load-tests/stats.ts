/** Small statistics helpers for the load tests. */

/** The median (the lower middle value of an even count, so it is always a measured value). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

/** Sum of a list. */
export function sum(values: readonly number[]): number {
  let total = 0
  for (const v of values) total += v
  return total
}
