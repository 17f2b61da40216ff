/**
 * `isRouteError`: narrows a caught error to one route's `HttpError`, whose `status` and `body`
 * are then typed together from the route's `errors` (issue 13 item 5).
 */
import { HttpError } from './errors.js'
import type { RouteHttpError } from './route-schemas.js'
import { fits, pathOf, routesOfClient, statusKey } from './routes.js'
import type { RouteKey, TypedClient } from './types.js'

/** The path of a full URL (`https://host/api/users/1?x` -> `/api/users/1`). */
function urlPath(url: string): string {
  return pathOf(url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, ''))
}

/**
 * Whether `err` is an `HttpError` of `route` (`'GET /users/:id'`) sent by `client`: its method is
 * the route's, its URL's path ends with the route's pattern, and, when the client was created with
 * `routes`, its status is one the route's schema declares (by status, class or `default`), so
 * that an undeclared reply (a 502 from a proxy) is never typed as a declared one. Then
 * `err.status` and `err.body` are typed together: `if (err.status === 404) err.body` is the 404
 * reply's type.
 *
 * @example
 * ```ts
 * try {
 *   await api.get(`/users/${id}`)
 * } catch (err) {
 *   if (isRouteError(err, api, 'GET /users/:id') && err.status === 404) return err.body.detail
 *   throw err
 * }
 * ```
 */
export function isRouteError<R, K extends keyof R & RouteKey>(
  err: unknown,
  client: TypedClient<R, boolean>,
  route: K
): err is RouteHttpError<R[K]> & HttpError {
  if (!(err instanceof HttpError)) return false
  const space = route.indexOf(' ')
  if (err.method !== route.slice(0, space).toUpperCase()) return false
  // The URL holds the client's baseUrl before the route's path: compare the trailing segments.
  const pattern = route.slice(space + 2).split('/')
  const segments = urlPath(err.url).split('/')
  if (!pattern.includes('*') && !fits(pattern, segments.slice(segments.length - pattern.length))) return false
  const routes = routesOfClient.get(client)
  if (routes === undefined) return true
  const known = routes.find(err.method, route.slice(space + 1))
  return known !== undefined && statusKey(known, err.status) !== undefined
}
