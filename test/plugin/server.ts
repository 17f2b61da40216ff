/**
 * Shared test scaffolding for the plugin tests: one request function that asks the same
 * question of a Fastify app through `inject` and over a real socket with undici, so every
 * assertion holds on both paths.
 */
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { request } from 'undici'
import { Writable } from 'node:stream'
import bfast from '../../plugin/index.js'
import type { BfastPluginOptions } from '../../plugin/index.js'
import { listen } from '../../support/listen.js'

export interface Reply {
  /** 'inject' or 'socket': where the reply came from, for assertion messages. */
  via: 'inject' | 'socket'
  status: number
  headers: Record<string, string>
  body: Buffer
}

export interface Ask {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE'
  url: string
  headers?: Record<string, string>
  body?: Buffer | string
}

function flatHeaders(raw: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
  }
  return out
}

export async function viaInject(app: FastifyInstance, ask: Ask): Promise<Reply> {
  const res = await app.inject({ method: ask.method ?? 'GET', url: ask.url, headers: ask.headers ?? {}, payload: ask.body })
  return { via: 'inject', status: res.statusCode, headers: flatHeaders(res.headers), body: res.rawPayload }
}

export async function viaSocket(base: string, ask: Ask): Promise<Reply> {
  const res = await request(base + ask.url, { method: ask.method ?? 'GET', headers: ask.headers ?? {}, body: ask.body })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { via: 'socket', status: res.statusCode, headers: flatHeaders(res.headers), body }
}

/** A started app and a function asking it the same question both ways. */
export interface Harness {
  app: FastifyInstance
  base: string
  port: number
  both(ask: Ask): Promise<[Reply, Reply]>
  close(): Promise<void>
}

/**
 * Builds an app (with the plugin unless `plugin` is null), lets `routes` declare its routes,
 * starts it on a real socket.
 */
export async function harness(
  plugin: BfastPluginOptions | null,
  routes: (app: FastifyInstance) => void | Promise<void>,
  serverOptions: FastifyServerOptions = {}
): Promise<Harness> {
  const app = Fastify(serverOptions)
  if (plugin !== null) await app.register(bfast, plugin)
  await routes(app)
  const { url: base, port } = await listen(app)
  return {
    app,
    base,
    port,
    both: async (ask) => [await viaInject(app, ask), await viaSocket(base, ask)],
    close: () => app.close()
  }
}

/** A pino destination collecting parsed log lines, to assert on what was logged. */
export function logCollector(): { stream: Writable; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  let pending = ''
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      pending += chunk.toString('utf8')
      let nl: number
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      }
      cb()
    }
  })
  return { stream, lines }
}

/** pino's numeric levels. */
export const LOG_LEVEL = { warn: 40, error: 50 } as const

export const BFAST = 'application/x-bfast'

/** The Vary of every reply of a route under the default policy, whose B-FAST replies may carry a Content-Encoding. */
export const DEFAULT_VARY = 'Accept, accept-encoding'

/** A user's response schema: what JSON (and so B-FAST) may carry of a user, a date-time and nested records included. */
export const USER_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    zip: { type: 'string' },
    created: { type: 'string', format: 'date-time' },
    friends: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } } } }
  }
} as const
export const JSON_CT = 'application/json; charset=utf-8'
