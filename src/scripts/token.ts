// `npm run token -- create --role editor --name "Desk" [--expires 2027-01-01T00:00:00Z]`:
// prints a new token's secret, for setting up a newsroom before anyone holds an admin token.
import { parseArgs } from 'node:util'
import { createRepositories } from '../app.js'
import { loadConfig } from '../config.js'
import { openDatabase } from '../db/client.js'
import { migrateDatabase } from '../db/migrate.js'
import { TokenCreate } from '../modules/tokens/tokens.schemas.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { role: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' } },
})
if (positionals[0] !== 'create') {
  console.error('usage: npm run token -- create --role viewer|editor|admin --name "Desk" [--expires ISO-8601]')
  process.exit(2)
}
const input = TokenCreate.safeParse({ role: values.role, name: values.name, expiresAt: values.expires })
if (!input.success) {
  console.error(input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
  process.exit(2)
}
const config = loadConfig(process.env)
const db = openDatabase(config.databasePath)
migrateDatabase(db)
const token = createRepositories(db, config).tokens.create(input.data)
db.$client.close()
console.log(token.token)
console.error(`created ${token.role} token "${token.name}" (id ${token.id}); this is the only time the secret is shown`)
