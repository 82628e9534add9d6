import Database from 'better-sqlite3'
import type { Db } from './client.js'

/**
 * Copies the database to `target` page by page with SQLite's online backup API (writers are not
 * blocked; pages they change are copied again), then checks the copy.
 */
export async function backupDatabase (db: Db, target: string): Promise<{ pages: number, integrity: string }> {
  const { totalPages } = await db.$client.backup(target)
  const copy = new Database(target, { readonly: true })
  try {
    const integrity = copy.pragma('integrity_check', { simple: true }) as string
    return { pages: totalPages, integrity }
  } finally {
    copy.close()
  }
}
