/**
 * `fastify-bfast/client`: a typed fetch client that asks for B-FAST and decodes it, in browsers
 * (as native ES modules, no bundler) and in Node. Browser-safe: it imports only the codec's
 * browser-safe modules.
 */
export { createClient } from './create-client.js'
export { decodeResponse } from './decode-response.js'
export { HttpError, TimeoutError, type HttpErrorInit } from './errors.js'
export { BFAST_MEDIA_TYPE, DEFAULT_ACCEPT, JSON_MEDIA_TYPE } from './constants.js'
export { BFastError, type DecodeOptions } from '../src/index.js'
export type {
  BodyArgs,
  BodyStreamLike,
  BodyFormat,
  BodyOf,
  Client,
  ClientOptions,
  FetchFunction,
  FetchInit,
  FetchResponse,
  HeadersLike,
  HttpMethod,
  PathTemplate,
  QueryParams,
  RequestArgs,
  RequestOptions,
  ResponseLike,
  ResponseOf,
  RouteKey,
  RouteMap,
  RouteOf,
  RoutePath,
  RoutePattern,
  RouteSpec,
  TypedClient,
  UntypedClient,
  UntypedRoutes
} from './types.js'
