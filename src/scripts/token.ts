// `npm run token -- <create|list|revoke> …`: manages API tokens from a shell, e.g. to make the first
// admin token before anyone holds one. `npm run token -- --help` prints the usage.
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.js'
import { createStore } from '../store/create-store.js'
import { AppError } from '../lib/errors.js'
import { TokenCreate } from '../modules/tokens/tokens.schemas.js'

const USAGE = `usage: npm run token -- <command> [options]

commands:
  create --role viewer|editor|admin --name "Desk" [--expires 2027-01-01T00:00:00Z]
         prints the new token's secret (shown this once)
  list   prints the active tokens: id, role, name, expiry, last use
  revoke <id>
         revokes a token at once

The database is DATABASE_URL's (default file:data/cms.db).`

function fail (message: string): never {
  console.error(message)
  process.exit(2)
}

let parsed
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`)
}
const { positionals: [command, ...rest], values } = parsed
if (values.help || command === 'help') {
  console.log(USAGE)
  process.exit(0)
}
if (command !== 'create' && command !== 'list' && command !== 'revoke') fail(USAGE)

const store = createStore(loadConfig(process.env))
await store.migrate()
const { tokens } = store
try {
  if (command === 'create') {
    const input = TokenCreate.safeParse({ role: values.role, name: values.name, expiresAt: values.expires })
    if (!input.success) fail(input.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ') + `\n\n${USAGE}`)
    const token = await tokens.create(input.data)
    console.log(token.token)
    console.error(`created ${token.role} token "${token.name}" (id ${token.id}); this is the only time the secret is shown`)
  } else if (command === 'list') {
    for (let cursor: string | undefined, more = true; more;) {
      const page = await tokens.list(100, cursor)
      for (const t of page.items) {
        console.log([t.id, t.role, t.name, `expires ${t.expiresAt ?? 'never'}`, `last used ${t.lastUsedAt ?? 'never'}`].join('\t'))
      }
      cursor = page.nextCursor ?? undefined
      more = cursor !== undefined
    }
  } else {
    const [id] = rest
    if (!id) fail(`revoke needs a token id (see \`npm run token -- list\`)\n\n${USAGE}`)
    await tokens.revoke(id)
    console.error(`revoked ${id}`)
  }
} catch (error) {
  if (!(error instanceof AppError)) throw error
  fail(error.message)
} finally {
  await store.close()
}
