// `npm run search:reindex`: rebuilds the full-text index of the database DATABASE_URL names.
import { loadConfig } from '../config.js'
import { createStore } from '../store/create-store.js'

const store = createStore(loadConfig(process.env))
await store.migrate()
const started = performance.now()
const count = await store.search.rebuild()
await store.close()
console.log(`indexed ${count} articles in ${Math.round(performance.now() - started)} ms`)
