/**
 * The `routes` option at run time (issue 13 item 5): finds the route a call goes to, by method and
 * path, as the route map's types do (client/types.ts `RouteOf`), and gives the reply schema of a
 * status, compiled for reviving date-time fields (./revive.ts).
 */
import { DEFAULT_STATUS_KEY } from './constants.js'
import { compileRevivePlan, revive, type RevivePlan } from './revive.js'
import type { RouteSchema } from './route-schemas.js'

/** One route of the `routes` option. */
export interface ClientRoute {
  readonly method: string
  /** The pattern's segments (`['', 'users', ':id']`). */
  readonly segments: readonly string[]
  /** 1 for a fixed segment, 0 for a parameter: the route with fixed segments earliest wins (as find-my-way). */
  readonly rank: readonly number[]
  readonly response: Record<string, unknown> | undefined
  /** Revive plans by status key, compiled on first use; `null` for a schema without date-time fields. */
  readonly plans: Map<string, RevivePlan | null>
}

/** The compiled `routes` option of one client. */
export interface ClientRoutes {
  /** The route a call goes to, or undefined when none of the routes matches. */
  find(method: string, path: string): ClientRoute | undefined
}

/** The compiled `routes` of each client created with them (read by `isRouteError`). */
export const routesOfClient = new WeakMap<object, ClientRoutes>()

/** The path part of a call's path or URL: up to the query or fragment. */
export function pathOf(path: string): string {
  const end = path.search(/[?#]/)
  return end === -1 ? path : path.slice(0, end)
}

function isParam(segment: string): boolean {
  return segment.startsWith(':') || segment === '*'
}

/** Whether `segments` (a call's path) fit a route's pattern; `*` takes the rest. */
export function fits(pattern: readonly string[], segments: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i] as string
    if (part === '*') return true
    if (i >= segments.length) return false
    const segment = segments[i] as string
    if (part.startsWith(':') ? segment === '' : part !== segment) return false
  }
  return pattern.length === segments.length
}

function outranks(a: ClientRoute, b: ClientRoute): boolean {
  for (let i = 0; i < a.rank.length && i < b.rank.length; i++) {
    if (a.rank[i] !== b.rank[i]) return (a.rank[i] as number) > (b.rank[i] as number)
  }
  return a.rank.length > b.rank.length
}

/** Compiles the `routes` option: keys `'METHOD /path'`, values route schemas (other keys are ignored). */
export function compileRoutes(routes: object): ClientRoutes {
  const list: ClientRoute[] = []
  for (const [key, schema] of Object.entries(routes)) {
    const space = key.indexOf(' ')
    if (space === -1) continue
    const segments = key.slice(space + 1).split('/')
    const response = typeof schema === 'object' && schema !== null ? (schema as RouteSchema).response : undefined
    list.push({
      method: key.slice(0, space).toUpperCase(),
      segments,
      rank: segments.map((s) => (isParam(s) ? 0 : 1)),
      response: typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : undefined,
      plans: new Map()
    })
  }
  return {
    find(method, path) {
      const segments = pathOf(path).split('/')
      let best: ClientRoute | undefined
      for (const route of list) {
        if (route.method !== method || !fits(route.segments, segments)) continue
        if (best === undefined || outranks(route, best)) best = route
      }
      return best
    }
  }
}

/**
 * The key of `route.response` a reply with `status` is serialized with, as Fastify picks it:
 * the status itself, then its class (`'4xx'`, any case), then `'default'`.
 */
export function statusKey(route: ClientRoute, status: number): string | undefined {
  const response = route.response
  if (response === undefined) return undefined
  const exact = String(status)
  if (Object.hasOwn(response, exact)) return exact
  const range = `${exact[0] ?? ''}xx`
  if (Object.hasOwn(response, range)) return range
  if (Object.hasOwn(response, range.toUpperCase())) return range.toUpperCase()
  return Object.hasOwn(response, DEFAULT_STATUS_KEY) ? DEFAULT_STATUS_KEY : undefined
}

/** The schema under a status key: itself, or an OpenAPI `content` entry's (JSON first) `schema`. */
function replySchema(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null) return undefined
  const content = (entry as { content?: unknown }).content
  if (typeof content !== 'object' || content === null) return entry
  const media = content as Record<string, unknown>
  const chosen = Object.hasOwn(media, 'application/json') ? media['application/json'] : Object.values(media)[0]
  return typeof chosen === 'object' && chosen !== null ? (chosen as { schema?: unknown }).schema : undefined
}

/**
 * A decoded reply of `route` with status `status`, its date-time fields revived by the schema
 * Fastify serialized it with (the reply unchanged when that schema has none).
 */
export function reviveReply(route: ClientRoute, status: number, body: unknown): unknown {
  const key = statusKey(route, status)
  if (key === undefined) return body
  let plan = route.plans.get(key)
  if (plan === undefined) {
    plan = compileRevivePlan(replySchema(route.response?.[key])) ?? null
    route.plans.set(key, plan)
  }
  return plan === null ? body : revive(plan, body)
}
