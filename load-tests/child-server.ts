/**
 * Starts the example server (./server-process.ts) in a child process, so that the load
 * generator and the server never share a CPU thread or a heap.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import type { ExampleServerOptions } from '../examples/server.js'
import { LOOPBACK } from '../support/listen.js'
import { ADMIN_CPU_PATH, ADMIN_MEMORY_PATH, SERVER_OPTIONS_ENV } from './constants.js'

/** What the child sends once it listens. */
export interface ServerReady {
  port: number
}

/** The child's memory after a full GC (bytes). */
export interface ServerMemory {
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}

/**
 * The child's CPU time so far (microseconds, as process.cpuUsage), the garbage collections it
 * has run (counted by a PerformanceObserver of 'gc' entries, ./server-process.ts), and its minor
 * page faults (process.resourceUsage).
 */
export interface ServerCpu {
  user: number
  system: number
  /** Scavenges (young generation) and mark-compacts (whole heap) so far. */
  gcMinor: number
  gcMajor: number
  /** Minor page faults so far: fresh memory touched (docs/PERFORMANCE-NOTES.md "Large replies and glibc's heap trimming"). */
  minorFaults: number
}

export interface ServerProcess {
  readonly port: number
  readonly origin: string
  readonly pid: number
  /** Log lines (pino JSON) the server wrote at level error (50) or above. */
  readonly errorLines: string[]
  memory(): Promise<ServerMemory>
  cpu(): Promise<ServerCpu>
  stop(): Promise<void>
}

const SERVER_ENTRY = fileURLToPath(new URL('./server-process.js', import.meta.url))
/** pino's numeric level for "error". */
const PINO_ERROR_LEVEL = 50
const START_TIMEOUT_MS = 20_000

/** Forks the server with `options` (JSON-serializable) and waits until it listens. */
export async function startServerProcess(options: ExampleServerOptions): Promise<ServerProcess> {
  const child: ChildProcess = fork(SERVER_ENTRY, [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, [SERVER_OPTIONS_ENV]: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  const errorLines: string[] = []
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue
      let level = PINO_ERROR_LEVEL
      try {
        level = (JSON.parse(line) as { level?: number }).level ?? PINO_ERROR_LEVEL
      } catch {
        // Not a log record (a crash trace): count it.
      }
      if (level >= PINO_ERROR_LEVEL) errorLines.push(line)
    }
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)

  const ready = await new Promise<ServerReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server process did not start')), START_TIMEOUT_MS)
    child.once('message', (message) => {
      clearTimeout(timer)
      resolve(message as ServerReady)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server process exited (${code}): ${errorLines.join('\n')}`))
    })
  })
  const origin = `http://${LOOPBACK}:${ready.port}`
  return {
    port: ready.port,
    origin,
    pid: child.pid ?? -1,
    errorLines,
    async memory() {
      const res = await request(origin + ADMIN_MEMORY_PATH)
      return (await res.body.json()) as ServerMemory
    },
    async cpu() {
      const res = await request(origin + ADMIN_CPU_PATH)
      return (await res.body.json()) as ServerCpu
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      child.disconnect()
      await exited
    }
  }
}
