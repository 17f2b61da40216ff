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
await app.listen({ port: Number(process.env.BFAST_CLUSTER_PORT), host: '127.0.0.1' })
process.send?.('listening')
process.on('message', (message) => {
  if (message === 'close') void app.close().then(() => process.exit(0))
})
