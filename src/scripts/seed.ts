// `npm run seed`: puts the demo newsroom into the database DATABASE_URL names, if it holds no content.
import { createRepositories } from '../app.js'
import { loadConfig } from '../config.js'
import { openDatabase } from '../db/client.js'
import { migrateDatabase } from '../db/migrate.js'
import { isEmpty, seedDemo } from '../demo/seed.js'

const config = loadConfig(process.env)
const db = openDatabase(config.databasePath)
migrateDatabase(db)
const { articles, tags } = createRepositories(db, config)
if (isEmpty(articles, tags)) {
  console.log(`seeded ${seedDemo(articles, tags)} demo articles`)
} else {
  console.log('the database already has content; demo content goes only into an empty one')
}
db.$client.close()
