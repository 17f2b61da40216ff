/**
 * A node:cluster worker for cluster.test.ts: one Fastify app with the plugin on the port the
 * primary shares out. Not a test file itself.
 */
import Fastify from 'fastify'
import cluster from 'node:cluster'
import bfast from '../../plugin/index.js'
import { listen } from '../../support/listen.js'
import { users } from '../helpers/tagged.js'

const app = Fastify()
await app.register(bfast, { compression: { network: 'slow' } })
app.get('/users/:n', async (request) => ({ worker: cluster.worker?.id, rows: users(Number((request.params as { n: string }).n)) }))
// Port 0 in a cluster worker: the primary picks one port on the first listen and gives every
// worker the same one (node:cluster "How it works"), so no port is guessed.
const { port } = await listen(app)
process.send?.({ port })
process.on('message', (message) => {
  if (message === 'close') void app.close().then(() => process.exit(0))
})
