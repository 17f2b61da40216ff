/**
 * SPEC 5: a key "__proto__" read from a message is an own data property of its object, never
 * its prototype. An assignment `o['__proto__'] = v` would replace the prototype, so that one key
 * is defined instead. Shared by the reader (v1 objects), the tables' rows and the client's
 * `tables: 'transport'` walk: browser-safe.
 */
export function setOwn(o: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true })
  } else o[key] = v
}
