// `npm run db:migrate`: applies migrations/ to the database DATABASE_URL names.
import { loadConfig } from '../config.js'
import { openDatabase } from '../db/client.js'
import { migrateDatabase } from '../db/migrate.js'

const db = openDatabase(loadConfig(process.env).databasePath)
migrateDatabase(db)
db.$client.close()
console.log('migrations applied')
