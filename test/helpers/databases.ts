import { randomBytes } from 'node:crypto'
import postgres from 'postgres'

/**
 * The PostgreSQL server the suite's PostgreSQL half runs against (test/run.ts sets it), or undefined
 * when this run is the SQLite half.
 */
export const postgresServer = process.env.TEST_DATABASE_URL

export const engine: 'sqlite' | 'postgres' = postgresServer ? 'postgres' : 'sqlite'

/** Skips a test on PostgreSQL, with the reason it is SQLite's alone. */
export const sqliteOnly = (reason: string) => ({ skip: engine === 'postgres' ? `SQLite only: ${reason}` : false })
export const postgresOnly = (reason: string) => ({ skip: engine === 'postgres' ? false : `PostgreSQL only: ${reason}` })

async function admin<T> (work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(postgresServer!, { max: 1, onnotice: () => {} })
  try {
    return await work(sql)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** A new, empty database on the test server, and how to drop it. */
export async function freshPostgresDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `cms_test_${randomBytes(6).toString('hex')}`
  await admin((sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  const url = new URL(postgresServer!)
  url.pathname = `/${name}`
  return { url: url.toString(), drop: () => admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) }
}

/** Raw SQL on a test database, `?` placeholders on both engines: for tests that look at or damage rows themselves. */
export type RawSql = (text: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>

/**
 * A DATABASE_URL for server processes a test starts: a file in `dir` in the SQLite half, a new
 * database (dropped after the test) in the PostgreSQL half.
 */
export async function serverDatabaseUrl (t: { after: (fn: () => Promise<void>) => void }, dir: string): Promise<string> {
  if (engine === 'sqlite') return `file:${dir}/cms.db`
  const { url, drop } = await freshPostgresDatabase()
  t.after(drop)
  return url
}
