/**
 * Request URLs: the client's `baseUrl` followed by the path, then the query.
 */
import type { QueryParams } from './types.js'

/**
 * Joins `baseUrl` and `path` as text, with exactly one `/` between them. Unlike
 * `new URL(path, base)` (RFC 3986 section 5.2 reference resolution), this keeps a path prefix
 * of the base: `https://api.example.com/v1` + `/users` gives `.../v1/users`, not `.../users`.
 */
export function joinUrl(baseUrl: string | { readonly href: string }, path: string, query?: QueryParams): string {
  const base = (typeof baseUrl === 'string' ? baseUrl : baseUrl.href).replace(/\/+$/, '')
  let url = path === '' ? base : `${base}${path.startsWith('/') ? '' : '/'}${path}`
  if (query !== undefined) {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(query)) {
      // A list repeats its key (`?tag=a&tag=b`), as Fastify's querystring parser reads it back into a list.
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) params.append(name, String(item))
      }
    }
    const search = params.toString()
    if (search !== '') url += `${url.includes('?') ? '&' : '?'}${search}`
  }
  return url
}
