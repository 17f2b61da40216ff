/**
 * Removes a load-generator artifact from autocannon 8 before measuring binary replies.
 *
 * autocannon appends every chunk of every reply body to a JS string (`req.body += chunk` in
 * lib/pipelinedRequestsQueue.js), for the optional per-request body checks (`onResponse`,
 * `expectBody`, `verifyBody`), whether or not any is used. That UTF-8-decodes each reply:
 * cheap for ASCII JSON, several times dearer for binary bytes (measured here on 10,000-user
 * replies of the same size: the generator used 3-5x the CPU for B-FAST, and its event loop,
 * not the server, set the pace). The load tests use none of those checks, so the body is
 * simply not accumulated; byte counts, latencies and status codes are unaffected (they are
 * recorded elsewhere in autocannon).
 */
import { createRequire } from 'node:module'

interface PipelinedRequestsQueue {
  prototype: { addBody(data: Buffer): void }
}

const require = createRequire(import.meta.url)
/** autocannon has no "exports" map, so its internal module resolves by path. */
const QUEUE_MODULE = 'autocannon/lib/pipelinedRequestsQueue.js'

let applied = false

/** Stops autocannon from building reply bodies as strings (for runs without body checks). */
export function dropReplyBodies(): void {
  if (applied) return
  const queue = require(QUEUE_MODULE) as PipelinedRequestsQueue
  if (typeof queue.prototype.addBody !== 'function') throw new Error(`${QUEUE_MODULE}: addBody not found (autocannon changed?)`)
  queue.prototype.addBody = function addBody(): void {}
  applied = true
}
