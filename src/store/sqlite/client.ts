import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
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
  return drizzle(sqlite, { schema })
}
