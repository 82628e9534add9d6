// `npm run db:copy -- <from DATABASE_URL> <to DATABASE_URL>`: copies a whole newsroom between databases,
// SQLite to PostgreSQL and back (store/copy-newsroom.ts). Both are migrated first; the target must be
// empty, else nothing is written. Stop the servers writing to the source first, or copy a backup.
import { ConfigError, loadConfig } from '../config.js'
import { copyNewsroom, TargetNotEmptyError } from '../store/copy-newsroom.js'
import { createStore } from '../store/create-store.js'

const [from, to] = process.argv.slice(2)
if (!from || !to) {
  console.error('usage: npm run db:copy -- <from DATABASE_URL> <to DATABASE_URL>   (file:path/to/cms.db or postgres://…)')
  process.exit(2)
}

try {
  const [source, target] = [from, to].map((url) => createStore(loadConfig({ DATABASE_URL: url })))
  try {
    await source!.migrate()
    await target!.migrate()
    const counts = await copyNewsroom(source!, target!)
    console.log(`copied ${Object.entries(counts).map(([table, n]) => `${n} ${table}`).join(', ')}`)
  } finally {
    await source!.close()
    await target!.close()
  }
} catch (error) {
  if (!(error instanceof TargetNotEmptyError) && !(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}
