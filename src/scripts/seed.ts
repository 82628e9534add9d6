// `npm run seed`: puts the demo newsroom into the database DATABASE_URL names, if it holds no content.
import { loadConfig } from '../config.js'
import { isEmpty, seedDemo } from '../demo/seed.js'
import { createStore } from '../store/create-store.js'

const store = createStore(loadConfig(process.env))
await store.migrate()
if (await isEmpty(store)) {
  console.log(`seeded ${await seedDemo(store)} demo articles`)
} else {
  console.log('the database already has content; demo content goes only into an empty one')
}
await store.close()
