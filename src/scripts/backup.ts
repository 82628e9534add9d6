// `npm run backup -- <file>`: an online, consistent copy of the database DATABASE_URL names, taken
// with SQLite's backup API while the server keeps serving and writing.
import { loadConfig } from '../config.js'
import { backupDatabase } from '../store/sqlite/backup.js'
import { openDatabase } from '../store/sqlite/client.js'

const target = process.argv[2]
if (!target) {
  console.error('usage: npm run backup -- <file>')
  process.exit(2)
}
const { database } = loadConfig(process.env)
if (database.engine !== 'sqlite') {
  console.error('npm run backup copies a SQLite file; back a PostgreSQL database up with pg_dump (see the README)')
  process.exit(2)
}
const db = openDatabase(database.path)
const { pages, integrity } = await backupDatabase(db, target)
db.$client.close()
console.log(`backed up ${pages} pages to ${target}; integrity_check: ${integrity}`)
if (integrity !== 'ok') process.exit(1)
