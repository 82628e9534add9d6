import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { LRUCache } from 'lru-cache'
import * as schema from './schema.js'

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database }

/** Opens the database at a file path (its folder created if missing) or ':memory:', with our pragmas. */
export function openDatabase (path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new Database(path)
  // First: another process (a worker starting beside another, one writing) may hold a lock, and without a
  // busy timeout even switching to WAL fails at once with SQLITE_BUSY.
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = FULL')
  // A reopened WAL database can quietly keep NORMAL; an acknowledged write must survive power loss.
  const synchronous = sqlite.pragma('synchronous', { simple: true })
  if (synchronous !== 2) throw new Error(`PRAGMA synchronous is ${String(synchronous)}, expected 2 (FULL)`)
  const db = drizzle(sqlite, { schema })
  // drizzle's session compiles every query it runs (`prepareQuery` → `client.prepare`): give it the compiled ones.
  ;(db as unknown as { session: { client: Pick<Database.Database, 'prepare' | 'transaction'> } }).session.client = {
    prepare: compiledOnce(sqlite) as Database.Database['prepare'],
    transaction: sqlite.transaction.bind(sqlite),
  }
  return db
}

/** Distinct statements kept compiled: the query builder's texts, one per query shape and list length. */
const COMPILED_STATEMENTS = 1_000

/**
 * `prepare` that compiles each SQL text once per connection. The query builder turns the same query
 * into the same text with placeholders, and compiling it is a good part of a small write's CPU (and of
 * an uncached read's). A statement is run synchronously to the end each time (drizzle never iterates),
 * so one compiled statement serves every caller; drizzle switches it to arrays (`raw()`) when it maps
 * the columns itself and expects objects otherwise, so that mode is reset on every hand-out.
 */
function compiledOnce (sqlite: Database.Database) {
  const compiled = new LRUCache<string, Database.Statement>({ max: COMPILED_STATEMENTS })
  return (source: string): Database.Statement => {
    let statement = compiled.get(source)
    if (statement === undefined) compiled.set(source, (statement = sqlite.prepare(source)))
    else if (statement.reader) statement.raw(false)
    return statement
  }
}
