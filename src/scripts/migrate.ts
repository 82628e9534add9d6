// `npm run db:migrate`: applies migrations/ to the database DATABASE_URL names.
import { loadConfig } from '../config.js'
import { createStore } from '../store/create-store.js'

const store = createStore(loadConfig(process.env))
await store.migrate()
await store.close()
console.log('migrations applied')
