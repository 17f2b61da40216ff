/**
 * Route schemas shared by a server and its client, as the README's "Route types from the server"
 * has a user write them: once with TypeBox, once as `as const` JSON Schema for json-schema-to-ts.
 * The type tests (test/types/route-schemas.ts) type clients from them; the runtime tests
 * (test/client/route-schemas.test.ts) register them on a real Fastify server.
 */
import { Type } from 'typebox'
import { defineRoutes } from '../../client/index.js'

// ---------------------------------------------------------------------------------------------
// TypeBox

/** `Type.String({ format })` keeps no format in its type: a date-time reply field is declared a Date so. */
const DateTime = Type.Unsafe<Date>(Type.String({ format: 'date-time' }))

const User = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  born: DateTime,
  seen: Type.Union([DateTime, Type.Null()]),
  day: Type.String({ format: 'date' }),
  visits: Type.Array(DateTime),
  note: Type.Optional(Type.String())
})

const Problem = Type.Object({ title: Type.String(), status: Type.Integer(), at: DateTime })

const UserParams = Type.Object({ id: Type.Integer() })

export const typeboxRoutes = defineRoutes({
  'GET /tb/users': {
    querystring: Type.Object({ limit: Type.Integer(), tag: Type.Optional(Type.Array(Type.String())) }),
    response: { 200: Type.Array(User) }
  },
  'GET /tb/users/:id': {
    params: UserParams,
    querystring: Type.Object({ fields: Type.Optional(Type.String()) }),
    response: { 200: User, 404: Problem }
  },
  'GET /tb/users/me': { response: { 200: User } },
  'POST /tb/users': {
    body: Type.Object({ name: Type.String(), born: Type.String({ format: 'date-time' }) }),
    response: { 201: User, 400: Problem }
  },
  'DELETE /tb/users/:id': { params: UserParams, response: { 204: Type.Null(), '4xx': Problem } }
})

// ---------------------------------------------------------------------------------------------
// json-schema-to-ts (plain JSON Schema, `as const`)

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    born: { type: 'string', format: 'date-time' },
    seen: { type: ['string', 'null'], format: 'date-time' },
    day: { type: 'string', format: 'date' },
    visits: { type: 'array', items: { type: 'string', format: 'date-time' } },
    note: { type: 'string' }
  },
  required: ['id', 'name', 'born', 'seen', 'day', 'visits'],
  additionalProperties: false
} as const

/** A reply whose date-time field sits behind a local `$ref` (resolved against the reply's own schema). */
const historySchema = {
  type: 'array',
  items: { $ref: '#/$defs/event' },
  $defs: {
    event: {
      type: 'object',
      properties: { kind: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
      required: ['kind', 'at'],
      additionalProperties: false
    }
  }
} as const

const problemSchema = {
  type: 'object',
  properties: { title: { type: 'string' }, status: { type: 'integer' }, at: { type: 'string', format: 'date-time' } },
  required: ['title', 'status', 'at'],
  additionalProperties: false
} as const

const userParamsSchema = {
  type: 'object',
  properties: { id: { type: 'integer' } },
  required: ['id'],
  additionalProperties: false
} as const

export const jsonSchemaRoutes = defineRoutes({
  'GET /js/users': {
    querystring: {
      type: 'object',
      properties: { limit: { type: 'integer' }, tag: { type: 'array', items: { type: 'string' } } },
      required: ['limit'],
      additionalProperties: false
    },
    response: { 200: { type: 'array', items: userSchema } }
  },
  'GET /js/users/:id': {
    params: userParamsSchema,
    querystring: { type: 'object', properties: { fields: { type: 'string' } }, additionalProperties: false },
    response: { 200: userSchema, 404: problemSchema }
  },
  'GET /js/users/:id/history': { params: userParamsSchema, response: { 200: historySchema } },
  'POST /js/users': {
    body: {
      type: 'object',
      properties: { name: { type: 'string' }, born: { type: 'string', format: 'date-time' } },
      required: ['name', 'born'],
      additionalProperties: false
    },
    response: { 201: userSchema, 400: problemSchema }
  },
  'GET /js/kinds/:kind': {
    params: {
      type: 'object',
      properties: { kind: { enum: ['a', 'b'] } },
      required: ['kind'],
      additionalProperties: false
    },
    response: {
      200: {
        content: {
          'application/json': {
            schema: { type: 'object', properties: { since: { type: 'string', format: 'date-time' } } }
          }
        }
      }
    }
  }
})
