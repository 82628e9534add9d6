import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'

/**
 * Runs `count` server processes on one port (the primary hands out connections) and one database
 * file (WAL lets them read in parallel; writes queue behind the busy timeout). A worker that dies
 * after it started listening is replaced; one that dies before stops everything, since its
 * replacement would fail the same way. SIGTERM/SIGINT stop the workers gracefully, then the primary.
 * Returns the workers listening now.
 */
export function superviseWorkers (count: number, log: Logger): () => Worker[] {
  let stopping = false
  const listening = new Set<Worker>()

  const stop = (reason: string, code: number) => {
    if (stopping) return
    stopping = true
    process.exitCode = code
    log.info({ reason }, 'stopping workers')
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
  }

  cluster.on('listening', (worker) => listening.add(worker))
  cluster.on('exit', (worker, code, signal) => {
    const listened = listening.delete(worker)
    if (!stopping) {
      if (!listened) return stop(`worker ${worker.process.pid} exited with ${code} before listening`, 1)
      log.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another')
      cluster.fork()
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit()
  })
  process.once('SIGTERM', () => stop('SIGTERM', 0))
  process.once('SIGINT', () => stop('SIGINT', 0))

  for (let i = 0; i < count; i++) cluster.fork()
  log.info({ workers: count }, 'started workers')
  return () => [...listening]
}
