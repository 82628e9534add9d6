// `npm run search:reindex`: rebuilds the full-text index of the database DATABASE_URL names.
import { createRepositories } from '../app.js'
import { loadConfig } from '../config.js'
import { openDatabase } from '../db/client.js'
import { migrateDatabase } from '../db/migrate.js'

const config = loadConfig(process.env)
const db = openDatabase(config.databasePath)
migrateDatabase(db)
const started = performance.now()
const count = createRepositories(db, config).searchIndex.rebuild()
db.$client.close()
console.log(`indexed ${count} articles in ${Math.round(performance.now() - started)} ms`)
