import cluster from 'node:cluster'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { superviseWorkers } from './cluster.js'
import { serveClusterMetrics } from './lib/cluster-metrics.js'
import { prepareStore } from './prepare.js'
import { createStore } from './store/create-store.js'

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

const store = createStore(config)
if (cluster.isPrimary) {
  const log = pino({ level: config.logLevel })
  await prepareStore(store, config, log)
  if (config.workers > 1) {
    // The primary only prepares and supervises; the workers open the database and serve.
    await store.close()
    const listening = superviseWorkers(config.workers, log)
    if (config.metricsToken) serveClusterMetrics(listening)
  }
}

if (cluster.isWorker || config.workers === 1) {
  const app = await buildApp({ config, store })

  // On SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the database, exit 0.
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    await store.close()
  })

  await app.listen({ port: config.port, host: config.host })
}
