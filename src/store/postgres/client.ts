import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import postgres, { type Sql } from 'postgres'
import * as schema from './schema.js'

export type PgDb = PostgresJsDatabase<typeof schema> & { $client: Sql }

/** What a query runs on: the pool, or one unit of work's transaction (drizzle's transaction is a database too). */
export type Queryable = Pick<PgDb, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | 'execute'>

export interface PoolOptions {
  /** Connections this process keeps at most. */
  max: number
  /** Called with the SQL and parameters of every query sent (the tests count and explain them). */
  onQuery?: (sql: string, params: unknown[]) => void
}

/**
 * A pool of connections to a PostgreSQL database (postgres.js: pure JavaScript, pooled, with
 * LISTEN/NOTIFY that reconnects by itself). TLS comes from the URL's `sslmode`. A connection attempt
 * gives up after 5 s, so requests and /readyz answer while the database is away instead of hanging.
 */
export function openPostgres (url: string, { max, onQuery }: PoolOptions): PgDb {
  const client = postgres(url, {
    max,
    connect_timeout: 5,
    idle_timeout: 60,
    // No array-type lookup on each new connection: we send and read no arrays, and postgres.js 3.4.9
    // drops that lookup's promise (porsager/postgres#1192), so a database restarting under a new
    // connection made an unhandled rejection that shut the server down (and failed its next query, #1223).
    fetch_types: false,
    onnotice: () => {},
    ...(onQuery ? { debug: (_connection: number, sql: string, params: unknown[]) => onQuery(sql, params) } : {}),
    connection: { application_name: 'newsroom-cms' },
  })
  return drizzle(client, { schema })
}
