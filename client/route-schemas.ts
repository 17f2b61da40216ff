/**
 * Route maps derived from the server's own route schemas (issue 13 item 5): one `routes` object
 * of Fastify route schemas, keyed `'METHOD /path'`, is registered by the server
 * (`schema: routes['GET /users/:id']`) and typed into the client's route map by the same type
 * provider the server uses (TypeBox, json-schema-to-ts, any `FastifyTypeProvider`).
 *
 * Types only, apart from the identity `defineRoutes`: nothing here imports fastify or a schema
 * library, so the client stays browser-safe and installs without a server framework. A provider
 * is called as fastify calls it (fastify types/type-provider.d.ts `CallValidatorTypeProvider`):
 * `(Provider & { schema: S })['validator']`, its `this['schema']` then being `S`.
 *
 * The Date rule (docs/SPEC.md section 5, plugin/schema-writer.ts): a reply field whose schema is
 * `{ type: 'string', format: 'date-time' }` is a `Date` in the client, over B-FAST (tag 0xD1, or
 * text revived by client/revive.ts) and over JSON (text revived) alike. `format: 'date'` and
 * `'time'` stay strings: Fastify's serializer writes them as text, so the plugin sends text in
 * both formats too.
 */
import type { HttpError } from './errors.js'
import type { HttpMethod } from './types.js'

/**
 * What a type provider is, structurally: fastify's `FastifyTypeProvider` (TypeBox's
 * `TypeBoxTypeProvider` and json-schema-to-ts's `JsonSchemaToTsProvider` are ones), named here
 * without importing fastify.
 */
export interface SchemaTypeProvider {
  readonly schema: unknown
  readonly validator: unknown
  readonly serializer: unknown
}

/** The type a provider gives a request schema (what the server validates: params, query, body). */
export type ValidatedBy<P extends SchemaTypeProvider, S> = (P & { schema: S })['validator']
/** The type a provider gives a reply schema (what the server's handler returns). */
export type SerializedBy<P extends SchemaTypeProvider, S> = (P & { schema: S })['serializer']

/**
 * One route's schema as Fastify takes it (`RouteShorthandOptions['schema']`): the parts the
 * client types. `response` is keyed by status (`200`, `'2xx'`, `'default'`); a status's value is
 * a schema or OpenAPI's `{ content: { [mediaType]: { schema } } }`.
 */
export interface RouteSchema {
  readonly params?: unknown
  readonly querystring?: unknown
  readonly body?: unknown
  readonly response?: { readonly [status: string | number]: unknown }
}

/** The constraint on a `routes` object: `'METHOD /path'` keys, route schemas as values. */
export type RouteSchemas<T> = {
  [K in keyof T]: K extends `${HttpMethod} /${string}` ? RouteSchema : never
}

/**
 * Returns `routes` as it is: an identity that checks the keys (`'METHOD /path'`) and keeps the
 * schemas' literal types (as `as const` does), so that both the server and
 * `RoutesFromSchemas<typeof routes, Provider>` see the same object.
 *
 * @example
 * ```ts
 * export const routes = defineRoutes({
 *   'GET /users/:id': { params: UserParams, response: { 200: User, 404: Problem } }
 * })
 * ```
 */
export function defineRoutes<const T extends RouteSchemas<T>>(routes: T): T {
  return routes
}

// ---------------------------------------------------------------------------------------------
// Dates

/** Whether a schema is a date-time string (`type` absent, `'string'`, or a list holding it). */
type IsDateTime<S> = S extends { readonly format: 'date-time' }
  ? S extends { readonly type: infer T }
    ? T extends 'string'
      ? true
      : T extends readonly unknown[]
        ? 'string' extends T[number]
          ? true
          : false
        : false
    : true
  : false

/** The schemas listed under `anyOf` / `oneOf` / `allOf` (never when there are none). */
type Alternatives<S> =
  | (S extends { readonly anyOf: readonly (infer A)[] } ? A : never)
  | (S extends { readonly oneOf: readonly (infer A)[] } ? A : never)
  | (S extends { readonly allOf: readonly (infer A)[] } ? A : never)

/** The schema a local `$ref` (`#/$defs/X`, `#/definitions/X`) of `Root` points to; `S` itself otherwise. */
type Resolved<S, Root> = S extends { readonly $ref: `#/${infer Section}/${infer Name}` }
  ? Root extends { readonly [K in Section]: infer Defs }
    ? Name extends keyof Defs
      ? Defs[Name]
      : S
    : S
  : S

/**
 * `T` (a provider's type for schema `S`) with every string at a `format: 'date-time'` position
 * made a `Date`: through `properties`, `items`, `additionalProperties`, local `$ref`s of the
 * `Root` schema and the alternatives of `anyOf`/`oneOf`/`allOf` (so a nullable date-time,
 * `type: ['string', 'null']` or an `anyOf` with `{ type: 'null' }`, is `Date | null`). Schemas
 * whose type carries no format (TypeBox's `Type.String({ format })`) give the provider's type
 * unchanged: use `Type.Unsafe<Date>(Type.String({ format: 'date-time' }))` there.
 */
export type WithDates<S, T, Root = S> = DatesAt<Resolved<S, Root>, T, Root>

type DatesAt<S, T, Root> = [S] extends [never]
  ? T
  : IsDateTime<S> extends true
    ? DateFor<T>
    : true extends IsDateTime<Resolved<Alternatives<S>, Root>>
      ? DateFor<T>
      : T extends readonly unknown[]
        ? S extends { readonly items: infer I }
          ? WithDatesArray<I, T, Root>
          : T
        : T extends object
          ? T extends Date | Uint8Array | ((...args: never[]) => unknown)
            ? T
            : WithDatesObject<S, T, Root>
          : T

/** A string at a date-time position is a Date; anything else (null, undefined) stays. */
type DateFor<T> = T extends string ? Date : T

type WithDatesArray<I, T extends readonly unknown[], Root> = T extends unknown[]
  ? Array<WithDates<I, T[number], Root>>
  : ReadonlyArray<WithDates<I, T[number], Root>>

/** The object's schema for key `K`: its `properties` entry, else `additionalProperties`, else the alternatives'. */
type PropertySchema<S, K, Root> =
  | (S extends { readonly properties: infer P }
    ? K extends keyof P
      ? P[K]
      : AdditionalSchema<S>
    : AdditionalSchema<S>)
  | PropertyOfAlternatives<Resolved<Alternatives<S>, Root>, K>

type AdditionalSchema<S> = S extends { readonly additionalProperties: infer A } ? (A extends object ? A : never) : never
type PropertyOfAlternatives<A, K> = A extends { readonly properties: infer P }
  ? K extends keyof P
    ? P[K]
    : never
  : never

type WithDatesObject<S, T, Root> = { [K in keyof T]: WithDates<PropertySchema<S, K, Root>, T[K], Root> }

// ---------------------------------------------------------------------------------------------
// From a routes object to a route map

/** A reply schema: the schema itself, or the first media type's `schema` of an OpenAPI `content`. */
type ReplySchema<R> = R extends { readonly content: infer C }
  ? C[keyof C] extends { readonly schema: infer S }
    ? S
    : unknown
  : R

/** Status keys: `200` and `'200'` are the status; `'2xx'`, `'default'` any status. */
type StatusKey = string | number
type IsSuccessKey<K extends StatusKey> = `${K}` extends `2${string}` ? true : false

/** Replies without a body (204, 205, 304) decode to `undefined` in the client. */
type NoContentKey = 204 | 205 | 304 | '204' | '205' | '304'

/** The client's type of the reply sent under status key `K` of a route's `response`. */
type ReplyBody<P extends SchemaTypeProvider, Responses, K extends keyof Responses> = K extends NoContentKey
  ? undefined
  : WithDates<ReplySchema<Responses[K]>, SerializedBy<P, ReplySchema<Responses[K]>>>

type SuccessKeys<Responses> = {
  [K in keyof Responses]: K extends StatusKey ? (IsSuccessKey<K> extends true ? K : never) : never
}[keyof Responses]
type ErrorKeys<Responses> = {
  [K in keyof Responses]: K extends StatusKey ? (IsSuccessKey<K> extends true ? never : K) : never
}[keyof Responses]

/** The union of a route's 2xx replies (`unknown` when it declares none). */
type SuccessReply<P extends SchemaTypeProvider, S> = S extends { readonly response: infer Responses }
  ? [SuccessKeys<Responses>] extends [never]
      ? unknown
      : { [K in SuccessKeys<Responses>]: ReplyBody<P, Responses, K> }[SuccessKeys<Responses>]
  : unknown

/** A route's error replies by status key (`{}` when it declares none). */
type ErrorReplies<P extends SchemaTypeProvider, S> = S extends { readonly response: infer Responses }
  ? { [K in ErrorKeys<Responses>]: ReplyBody<P, Responses, K> }
  : {}

/** Drops the intersections a spec is built of, so editors show one object type. */
type Flatten<T> = { [K in keyof T]: T[K] }

/** The client's `RouteSpec` of one route schema, typed by provider `P`. */
export type RouteSpecFromSchema<P extends SchemaTypeProvider, S> = Flatten<
  (S extends { readonly params: infer X } ? { params: ValidatedBy<P, X> } : {}) &
  (S extends { readonly querystring: infer X } ? { query: ValidatedBy<P, X> } : {}) &
  (S extends { readonly body: infer X } ? { body: ValidatedBy<P, X> } : {}) & {
    response: SuccessReply<P, S>
    errors: ErrorReplies<P, S>
  }
>

/**
 * The client's route map for a `routes` object of Fastify route schemas, typed by the server's
 * type provider: params and query as the server validates them, the body it accepts, the union
 * of its 2xx replies and its error replies by status, date-time fields as `Date`.
 *
 * @example
 * ```ts
 * import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
 * const api = createClient<RoutesFromSchemas<typeof routes, TypeBoxTypeProvider>>({ baseUrl, routes })
 * ```
 */
export type RoutesFromSchemas<Routes, P extends SchemaTypeProvider> = {
  [K in keyof Routes]: RouteSpecFromSchema<P, Routes[K]>
}

// ---------------------------------------------------------------------------------------------
// Error replies

/** The statuses a key names exactly (`404`, `'404'`). */
type ExactStatus<K> = K extends number ? K : K extends `${infer N extends number}` ? N : never

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'
/** The statuses of a class key (`'4xx'`: 400 to 499), as number literals. */
type ClassStatuses<C extends string> = `${C}${Digit}${Digit}` extends infer S
  ? S extends `${infer N extends number}`
    ? N
    : never
  : never

/**
 * The statuses key `K` of `E` stands for, as Fastify picks a reply schema: `404` and `'404'` that
 * status; `'4xx'` the class minus the statuses `E` names exactly; `'default'` any number.
 */
type StatusOf<K, E> = K extends number
  ? K
  : K extends `${infer N extends number}`
    ? N
    : K extends `${infer C extends string}xx` | `${infer C extends string}XX`
      ? Exclude<ClassStatuses<C>, ExactStatus<keyof E>>
      : number

/**
 * An `HttpError` of a route whose spec lists `errors` by status: `status` and `body`
 * discriminated together (`if (err.status === 404) err.body` is the 404 body). A plain
 * `HttpError` for a route that lists none.
 */
export type RouteHttpError<S> = S extends { errors: infer E }
  ? [keyof E] extends [never]
      ? HttpError
      : { [K in keyof E]: HttpError & { readonly status: StatusOf<K, E>; readonly body: E[K] } }[keyof E]
  : HttpError
