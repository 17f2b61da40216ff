/**
 * The typed client against the example server: `npm start` in one terminal, then
 * `node dist/examples/node-client.js` (BASE_URL, default http://127.0.0.1:3000).
 *
 * The route map types every path, body and result; the client asks for B-FAST, decodes
 * plain and LZ4 replies alike, and sends B-FAST bodies.
 */
import { pathToFileURL } from 'node:url'
import { createClient, HttpError } from '../client/index.js'
import type { NewUser, Profile, User } from './data.js'
import { EXAMPLE_DEFAULTS } from './server.js'

/** The example server's API, as the client sees it. */
export type ExampleRoutes = {
  'GET /users': { response: User[] }
  'GET /users/:id': { response: User }
  'GET /profile': { response: Profile }
  'GET /accounts/:id': { response: { id: number; name: string; email: string; createdAt: Date } }
  'POST /users': { body: NewUser | Pick<NewUser, 'name' | 'email'>; response: User }
}

/** Runs the tour against `baseUrl` and returns what it printed. */
export async function tour(baseUrl: string): Promise<string[]> {
  const out: string[] = []
  // GETs are retried twice on 408/429/5xx or a dropped connection (the timeout covers the retries);
  // no reply may make the client hold more than 64 MiB.
  const api = createClient<ExampleRoutes>({ baseUrl, timeout: 10_000, retry: 2, maxResponseSize: 64 * 1024 * 1024 })

  const list = await api.get('/users?n=1000') // User[]
  out.push(`GET /users?n=1000 -> ${list.length} users; the last: ${JSON.stringify(list.at(-1))}`)

  const one = await api.get('/users/7') // User, matched to 'GET /users/:id'
  out.push(`GET /users/7 -> ${one.name} <${one.email}>`)

  const me = await api.get('/profile') // Profile: Dates, bigint and bytes arrive typed
  out.push(`GET /profile -> createdAt is a Date: ${me.createdAt instanceof Date}, balanceMicros = ${me.balanceMicros}n, avatar: ${me.avatar.length} bytes`)

  const account = await api.get('/accounts/3')
  out.push(`GET /accounts/3 -> fields ${Object.keys(account).join(', ')} (the response schema dropped passwordHash)`)

  const created = await api.post('/users', { name: 'Ada', email: 'ada@example.com', active: true, scores: [1.5, 2.5] })
  out.push(`POST /users (B-FAST body) -> 201, id ${created.id}`)

  try {
    await api.post('/users', { name: '', email: 'no' })
  } catch (err) {
    if (!(err instanceof HttpError)) throw err
    out.push(`POST /users with an invalid body -> HTTP ${err.status}: ${JSON.stringify(err.body)}`)
  }
  return out
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const baseUrl = process.env.BASE_URL ?? `http://${EXAMPLE_DEFAULTS.host}:${EXAMPLE_DEFAULTS.port}`
  tour(baseUrl).then(
    (lines) => console.log(lines.join('\n')),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    }
  )
}
