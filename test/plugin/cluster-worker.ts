/**
 * A node:cluster worker for cluster.test.ts: one Fastify app with the plugin on the port the
 * primary shares out. Not a test file itself.
 */
import Fastify from 'fastify'
import cluster from 'node:cluster'
import bfast from '../../plugin/index.js'
import { users } from '../helpers/tagged.js'

const app = Fastify()
await app.register(bfast, { compression: { network: 'slow' } })
app.get('/users/:n', async (request) => ({ worker: cluster.worker?.id, rows: users(Number((request.params as { n: string }).n)) }))
// Port 0 in a cluster worker: the primary picks one port on the first listen and gives every
// worker the same one (node:cluster "How it works"), so no port is guessed.
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 })
process.on('message', (message) => {
  if (message === 'close') void app.close().then(() => process.exit(0))
})
