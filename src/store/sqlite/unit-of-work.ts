import type Database from 'better-sqlite3'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import { ConflictError } from '../../lib/errors.js'
import type { Db } from './client.js'
import type * as schema from './schema.js'

/** The explicit handle of one unit of work: every statement of a write goes through it. */
export type Tx = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>

/** A driver error as the rest of the app knows it: a constraint the checks before it did not catch is a conflict. */
export function domainError (error: unknown): unknown {
  const { name, code } = error as { name?: string, code?: string }
  if (name === 'SqliteError' && code?.startsWith('SQLITE_CONSTRAINT')) {
    return new ConflictError('The change conflicts with existing data')
  }
  return error
}

/**
 * Runs `work` as one unit of work: one synchronous better-sqlite3 transaction (taking the write lock
 * first, so a read inside it never goes stale), asynchronous only to its caller. Everything `work` does
 * through `tx` commits together or not at all — the change log will append its events here too.
 */
export function unitOfWork<T> (db: Db, work: (tx: Tx) => T): Promise<T> {
  try {
    return Promise.resolve(db.transaction(work, { behavior: 'immediate' }))
  } catch (error) {
    return Promise.reject(domainError(error))
  }
}
