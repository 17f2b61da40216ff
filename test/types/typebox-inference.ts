/**
 * Type tests (issue 13 item 4): with @fastify/type-provider-typebox, a route declared after the
 * plugin is registered still infers `request.body` (and the reply) from its TypeBox schemas,
 * with or without `config.bfast`: nothing in the plugin's types (the `config.bfast` declaration
 * merging, the reply decorations) widens them. Compiled by the normal `tsc -p tsconfig.json`
 * build: each `@ts-expect-error` fails the build if the line below it compiles (so a body widened
 * to `any` fails), and each `expectType<T>()(value)` fails it unless `value` is exactly `T` (so a
 * body widened to `unknown` fails). Nothing here runs.
 */
import Fastify from 'fastify'
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import bfast from '../../plugin/index.js'
import { expectType } from './expect-type.js'

interface NewUser {
  name: string
  age: number
}

export async function typeboxChecks(): Promise<void> {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  await app.register(bfast, { compression: { network: 'fast' } })

  const NewUserSchema = Type.Object({ name: Type.String(), age: Type.Integer() })
  const UserSchema = Type.Object({ id: Type.Integer(), name: Type.String(), age: Type.Integer() })

  app.post('/users', { schema: { body: NewUserSchema, response: { 201: UserSchema } } }, async (request, reply) => {
    expectType<NewUser>()({ ...request.body })
    expectType<string>()(request.body.name)
    // @ts-expect-error: age is a number (a body widened to any would let this through)
    const age: string = request.body.age
    void age
    return reply.code(201).send({ id: 1, ...request.body })
  })

  // The reply is inferred too: a 200 reply needs an integer id (the error is on the handler).
  const checkedReply = { schema: { body: NewUserSchema, response: { 200: UserSchema } } }
  // @ts-expect-error: id is a string
  app.post('/users/checked-reply', checkedReply, async () => ({ id: 'one', name: 'Ada', age: 36 }))

  // Route config typed by the plugin's declaration merging, beside an inferred body.
  app.put('/users/:id', {
    config: { bfast: { compression: { network: 'slow' } } },
    schema: { params: Type.Object({ id: Type.Integer() }), body: NewUserSchema }
  }, async (request) => {
    expectType<number>()(request.params.id)
    expectType<NewUser>()({ ...request.body })
    return { ok: true }
  })
  app.post('/plain-json', { config: { bfast: false }, schema: { body: NewUserSchema } }, async (request) => {
    expectType<NewUser>()({ ...request.body })
    return request.body
  })

  // An encapsulated plugin typed for TypeBox, registered after fastify-bfast.
  const users: FastifyPluginAsyncTypebox = async (child) => {
    child.post('/child', { schema: { body: NewUserSchema } }, async (request) => {
      expectType<NewUser>()({ ...request.body })
      // @ts-expect-error: no such field
      void request.body.email
      return request.body
    })
  }
  await app.register(users)
}
