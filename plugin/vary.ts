/**
 * Vary merging (RFC 9110 section 12.5.5): field names are case-insensitive, each listed once,
 * and "*" already says "varies on everything" so nothing is added to it.
 */

/** A header value as Fastify's `reply.getHeader` returns it. */
export type HeaderValue = string | number | string[] | undefined

/**
 * Returns the Vary value listing `existing`'s names plus `add`'s, keeping existing spellings
 * and order.
 *
 * @example
 * ```ts
 * mergeVary('accept-encoding, origin', ['Accept']) // 'accept-encoding, origin, Accept'
 * mergeVary('ACCEPT', ['Accept'])                   // 'ACCEPT'
 * ```
 */
export function mergeVary(existing: HeaderValue, add: readonly string[]): string {
  if (existing === undefined || existing === '') return add.join(', ')
  const text = Array.isArray(existing) ? existing.join(',') : String(existing)
  const names: string[] = []
  const seen = new Set<string>()
  for (const raw of text.split(',')) {
    const name = raw.trim()
    if (name === '') continue
    if (name === '*') return '*'
    const key = name.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    names.push(name)
  }
  for (const name of add) {
    const key = name.toLowerCase()
    if (seen.has(key)) continue
    seen.add(key)
    names.push(name)
  }
  return names.join(', ')
}
