/**
 * A per-header-value cache of one computed number (a negotiation's decision bits), bounded in
 * memory whatever the requests send: values longer than `maxKeyLength` are never stored, and the
 * cache is cleared when it holds `maxEntries` (cheaper than LRU bookkeeping on every hit, and
 * equally bounded: at most maxEntries * maxKeyLength UTF-16 units). Clients send few distinct
 * values (one per client library or browser version), so a small cache holds every real one; a
 * client sending a new value per request costs only the parse it would have cost anyway.
 * Used by `negotiate` (Accept) and `acceptedCodings` (Accept-Encoding), both on every reply.
 */

/** The two bounds of a HeaderCache. */
export interface HeaderCacheBounds {
  readonly maxEntries: number
  readonly maxKeyLength: number
}

export class HeaderCache {
  private readonly entries = new Map<string, number>()

  constructor(private readonly bounds: HeaderCacheBounds) {}

  /** How many values it holds now (for tests of its bound). */
  get size(): number {
    return this.entries.size
  }

  get(value: string): number | undefined {
    return this.entries.get(value)
  }

  /** Stores `result` for `value`, unless `value` is too long to keep; clears a full cache first. */
  set(value: string, result: number): void {
    if (value.length > this.bounds.maxKeyLength) return
    if (this.entries.size >= this.bounds.maxEntries) this.entries.clear()
    this.entries.set(value, result)
  }
}
