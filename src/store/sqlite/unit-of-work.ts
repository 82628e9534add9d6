import { getTableName, sql } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { ConflictError } from '../../lib/errors.js'
import type { Db } from './client.js'

/**
 * The explicit handle of one unit of work: every statement of a write goes through it. In SQLite it is
 * the connection, whose transaction the unit of work holds open.
 */
export type Tx = Db

/** A driver error as the rest of the app knows it: a constraint the checks before it did not catch is a conflict. */
function domainError (error: unknown): unknown {
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
export function unitOfWork<T> (db: Db, work: (tx: Tx) => T, { durable = true } = {}): Promise<T> {
  // Bookkeeping that can be redone (`durable: false`) commits without waiting for the disk: after a power
  // loss its last commits may be gone and are made again. Set and reset within this one synchronous
  // call, so no other unit of work runs in between.
  if (!durable) synchronous(db, 'NORMAL')
  try {
    // The handle is the connection itself: in SQLite a transaction belongs to the connection, and so the
    // statements below, prepared once per connection, run inside whichever unit of work is open.
    return Promise.resolve(db.transaction(() => work(db), { behavior: 'immediate' }))
  } catch (error) {
    return Promise.reject(domainError(error))
  } finally {
    if (!durable) synchronous(db, 'FULL')
  }
}

// Prepared once: `pragma()` compiles its statement on every call, and the delivery loop sets it twice a step.
const synchronous = (db: Db, mode: 'NORMAL' | 'FULL') =>
  prepared(db, `synchronous ${mode}`, (d) => d.$client.prepare(`PRAGMA synchronous = ${mode}`)).run()

const statements = new WeakMap<Tx, Map<string, unknown>>()

/**
 * A statement of the write path, prepared once per connection (`key` names it) instead of built and
 * compiled in every unit of work: compiling is most of what a small write costs besides its fsync.
 */
export function prepared<T> (tx: Tx, key: string, build: (tx: Tx) => T): T {
  let byKey = statements.get(tx)
  if (!byKey) statements.set(tx, (byKey = new Map()))
  let statement = byKey.get(key) as T | undefined
  if (statement === undefined) {
    statement = build(tx)
    byKey.set(key, statement)
  }
  return statement
}

/**
 * Inserts one row with a statement prepared once per table and set of columns: the query builder
 * maps the values (JSON, booleans) as it would in `insert().values()`, and as there a column left
 * undefined gets its default, without building and mapping the whole statement again for every row.
 */
export function insertRow<T extends SQLiteTable> (tx: Tx, table: T, row: T['$inferInsert']): void {
  const columns = Object.keys(row).filter((column) => (row as Record<string, unknown>)[column] !== undefined)
  prepared(tx, `insert into ${getTableName(table)} (${columns.join()})`, (db) => db.insert(table)
    .values(Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)])) as T['$inferInsert']).prepare())
    .run(row as Record<string, unknown>)
}
