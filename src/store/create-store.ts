import type { Config } from '../config.js'
import { openDatabase } from './sqlite/client.js'
import { createSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/**
 * The one place that picks the storage engine. DATABASE_URL accepts only `file:` so far (config.ts),
 * which is SQLite; a `postgres://` URL will add its branch here and nowhere else.
 */
export function createStore (config: Pick<Config, 'databasePath'>): Store {
  return createSqliteStore(openDatabase(config.databasePath))
}
