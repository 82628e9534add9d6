import cluster from 'node:cluster'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { buildApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { openDatabase } from './db/client.js'
import { prepareDatabase } from './db/prepare.js'
import { superviseWorkers } from './cluster.js'

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

const db = openDatabase(config.databasePath)
if (cluster.isPrimary) {
  const log = pino({ level: config.logLevel })
  prepareDatabase(db, config, log)
  if (config.workers > 1) {
    // The primary only supervises; the workers open the database and serve.
    db.$client.close()
    superviseWorkers(config.workers, log)
  }
}

if (cluster.isWorker || config.workers === 1) {
  const app = await buildApp({ config, db })

  // On SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the database, exit 0.
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    db.$client.close()
  })

  await app.listen({ port: config.port, host: config.host })
}
