import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { migrationsFolder } from '../../lib/paths.js'
import type { Db } from './client.js'

const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }

export function migrateDatabase (db: Db): void {
  migrate(db, { migrationsFolder })
}

/** How many migrations this database has had applied; 0 for a new one. */
export function appliedMigrations (db: Db): number {
  const table = db.$client
    .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get() as { n: number }
  if (table.n === 0) return 0
  return (db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
}

/** True when every migration in migrations/ has been applied to this database. */
export function migrationsApplied (db: Db): boolean {
  return appliedMigrations(db) === journal.entries.length
}
