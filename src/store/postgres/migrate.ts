import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import { migrationsFolder } from '../../lib/paths.js'
import type { PgDb } from './client.js'

const folder = join(migrationsFolder, 'postgres')
const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }

/** The advisory lock every server takes to migrate: servers started together migrate one after another. */
const MIGRATION_LOCK = 7_263_401

/** How many migrations this database has had applied; 0 for a new one. */
export async function appliedMigrations (db: PgDb): Promise<number> {
  const [table] = await db.$client<Array<{ exists: boolean }>>`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS exists`
  if (!table!.exists) return 0
  const [row] = await db.$client<Array<{ n: number }>>`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`
  return row!.n
}

export async function migrationsApplied (db: PgDb): Promise<boolean> {
  return await appliedMigrations(db) === journal.entries.length
}

/**
 * Applies pending migrations under a session-level advisory lock, held on one reserved connection
 * while the pool runs them: of servers starting at once, one migrates and the others find it done.
 * `created` is true only for the server that found the database without any migration.
 */
export async function migrateDatabase (db: PgDb): Promise<{ created: boolean }> {
  const lock = await db.$client.reserve()
  try {
    await lock`SELECT pg_advisory_lock(${MIGRATION_LOCK})`
    const created = await appliedMigrations(db) === 0
    await migrate(db, { migrationsFolder: folder })
    return { created }
  } finally {
    await lock`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {})
    lock.release()
  }
}
