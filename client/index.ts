/**
 * `fastify-bfast/client`: a typed fetch client that asks for B-FAST and decodes it, in browsers
 * (as native ES modules, no bundler) and in Node. Browser-safe: it imports only the codec's
 * browser-safe modules.
 */
export { createClient } from './create-client.js'
export { decodeResponse } from './decode-response.js'
export {
  BFastRequestError, CLIENT_ERROR_CODES, ClientOptionError, HttpError, TimeoutError, type BFastRequestErrorInit,
  type ClientErrorCode, type HttpErrorInit
} from './errors.js'
export {
  BFAST_MEDIA_TYPE,
  DEFAULT_ACCEPT,
  DEFAULT_MAX_RESPONSE_SIZE,
  JSON_MEDIA_TYPE,
  RETRY_DEFAULTS,
  TABLE_ACCEPT,
  TRANSPORT_ACCEPT
} from './constants.js'
export { BFastError, BFastTable, type DecodeOptions } from '../src/index.js'
export { defineRoutes } from './route-schemas.js'
export type {
  RouteHttpError,
  RouteSchema,
  RouteSchemas,
  RoutesFromSchemas,
  RouteSpecFromSchema,
  SchemaTypeProvider,
  SerializedBy,
  ValidatedBy,
  WithDates
} from './route-schemas.js'
export { isRouteError } from './route-errors.js'
export type {
  AbortSignalLike,
  AfterResponseHook,
  BeforeRequestHook,
  BeforeRetryHook,
  BodyArgs,
  BodyStreamLike,
  BodyFormat,
  BodyOf,
  Client,
  ClientOptions,
  DecodeResponseOptions,
  FetchFunction,
  FetchInit,
  FetchOptions,
  FetchResponse,
  HeadersLike,
  HeaderValues,
  Hooks,
  HttpMethod,
  OptionsArgs,
  PathTemplate,
  QueryParams,
  QueryValue,
  RequestArgs,
  RequestContext,
  RequestOptions,
  ResponseLike,
  ResponseOf,
  RetryContext,
  RetryOptions,
  RouteKey,
  RouteMap,
  RouteOf,
  RoutePath,
  RoutePattern,
  RouteOptions,
  RouteSpec,
  Tabled,
  TablesArgs,
  TablesOption,
  PlainTables,
  TypedClient,
  UntypedClient,
  UntypedRoutes,
  WithTables
} from './types.js'
