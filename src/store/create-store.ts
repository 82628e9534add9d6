import type { Config } from '../config.js'
import { openPostgres } from './postgres/client.js'
import { createPostgresStore } from './postgres/postgres-store.js'
import { openDatabase } from './sqlite/client.js'
import { createSqliteStore } from './sqlite/sqlite-store.js'
import type { Store } from './store.js'

/** The one place that picks the storage engine, from DATABASE_URL: `file:` is SQLite, `postgres://` PostgreSQL. */
export function createStore ({ database }: Pick<Config, 'database'>): Store {
  return database.engine === 'sqlite'
    ? createSqliteStore(openDatabase(database.path))
    : createPostgresStore(openPostgres(database.url, { max: database.poolMax }))
}
