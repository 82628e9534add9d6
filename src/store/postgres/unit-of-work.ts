import { sql } from 'drizzle-orm'
import { AppError, ConflictError } from '../../lib/errors.js'
import type { PgDb, Queryable } from './client.js'

/** The explicit handle of one unit of work: its transaction. Every statement of a write goes through it. */
export type Tx = Queryable

/**
 * Content writes (articles, tags, their links) take this transaction-level advisory lock first, so
 * they follow one another as in SQLite: the free slug a write picks, the tags it creates and the
 * content version it bumps are decided by one writer at a time, and commit order is lock order.
 * Reads never wait for it. A newsroom writes a few times a second; one write takes milliseconds.
 */
const CONTENT_WRITE_LOCK = 7_263_402

const RETRIES = 4
const codeOf = (error: unknown): string | undefined => {
  const { code, cause } = error as { code?: unknown, cause?: unknown }
  if (typeof code === 'string') return code
  return cause === undefined ? undefined : codeOf(cause)
}

/** The database itself is away (refused, reset, timed out, shutting down): a 503 the client may retry. */
function unreachable (error: unknown): boolean {
  const code = codeOf(error)
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'CONNECT_TIMEOUT' || code === 'CONNECTION_CLOSED' ||
    code === 'CONNECTION_ENDED' || code === 'CONNECTION_DESTROYED' || code === 'ENOTFOUND' || code === 'EPIPE' ||
    code === '57P01' || code === '57P02' || code === '57P03' || code === '08006' || code === '08001' || code === '08003'
}

/** A driver error as the rest of the app knows it. */
export function domainError (error: unknown): unknown {
  if (error instanceof AppError) return error
  const code = codeOf(error)
  // A unique or foreign key that the checks before it did not catch: a conflict.
  if (code === '23505' || code === '23503') return new ConflictError('The change conflicts with existing data')
  if (unreachable(error)) return new AppError(503, 'DATABASE_UNAVAILABLE', 'The database cannot be reached just now; try again shortly')
  return error
}

/**
 * Runs `work` as one unit of work: one transaction, retried from the start when PostgreSQL reports a
 * serialization failure or a deadlock. `content` writes take the content write lock first.
 */
export async function unitOfWork<T> (db: PgDb, work: (tx: Tx) => Promise<T>, { content = true } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        if (content) await tx.execute(sql`SELECT pg_advisory_xact_lock(${CONTENT_WRITE_LOCK})`)
        return work(tx)
      })
    } catch (error) {
      const code = codeOf(error)
      if ((code === '40001' || code === '40P01') && attempt < RETRIES) continue
      throw domainError(error)
    }
  }
}

/** Resolves to the one row a query returns, or undefined. */
export const first = async <T> (rows: Promise<T[]>): Promise<T | undefined> => (await rows)[0]
