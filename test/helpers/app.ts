import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import supertest from 'supertest'
import { pino } from 'pino'
import { buildApp } from '../../src/app.js'
import { testConfig, type Config } from '../../src/config.js'
import { prepareStore } from '../../src/prepare.js'
import postgres from 'postgres'
import { openPostgres } from '../../src/store/postgres/client.js'
import { createPostgresStore } from '../../src/store/postgres/postgres-store.js'
import { openDatabase, type Db } from '../../src/store/sqlite/client.js'
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Store } from '../../src/store/store.js'
import type { MediaStorage } from '../../src/lib/media-storage.js'
import { engine, freshPostgresDatabase, type RawSql } from './databases.js'
import { createSpecValidator } from './spec-validator.js'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789'

export interface CallOptions {
  token?: string | null
  body?: unknown
  headers?: Record<string, string>
}

const quiet = pino({ level: 'silent' })

/** An app over the store, started as server.ts starts one: the store prepared (migrations, admin token…), then the app built. */
export async function startApp (store: Store, config: Config, mediaStorage?: MediaStorage) {
  await prepareStore(store, config, quiet)
  const app = await buildApp({ config, store, ...(mediaStorage ? { mediaStorage } : {}) })
  await app.ready()
  return app
}

/** Where the PostgreSQL half's stores report every query they send, while a test listens. */
type QueryListener = ((sql: string, params: unknown[]) => void) | undefined

/** A fresh store on this half's engine: SQLite in memory (or at a file path), or a new PostgreSQL database. */
async function freshStore (databasePath: string): Promise<{ store: Store, db: Db | undefined, url: string, sql: RawSql, dispose: () => Promise<void>, listen: (listener: QueryListener) => void }> {
  if (engine === 'sqlite') {
    const db = openDatabase(databasePath)
    const sql: RawSql = async (text, ...params) => {
      const statement = db.$client.prepare(text)
      if (statement.reader) return statement.all(...params) as Array<Record<string, unknown>>
      statement.run(...params)
      return []
    }
    return { store: createSqliteStore(db), db, url: `file:${databasePath}`, sql, dispose: async () => {}, listen: () => {} }
  }
  const { url, drop } = await freshPostgresDatabase()
  const raw = postgres(url, { max: 1, onnotice: () => {} })
  const sql: RawSql = async (text, ...params) => {
    let n = 0
    const rows = await raw.unsafe(text.replace(/\?/g, () => `$${++n}`), params as never[])
    return rows.map((row) => ({ ...row }))
  }
  const dispose = async () => {
    await raw.end({ timeout: 5 })
    await drop()
  }
  let listener: QueryListener
  const store = createPostgresStore(openPostgres(url, { max: 4, onQuery: (query, params) => listener?.(query, params) }))
  return { store, db: undefined, url, sql, dispose, listen: (next) => { listener = next } }
}

/**
 * A fresh store with the real migrations and no app over it (nothing runs in the background): for
 * tests of what a store does when asked, on this half's engine. Closed with the test.
 */
export async function setupStore (t: TestContext) {
  const { store, db, sql, dispose, listen } = await freshStore(':memory:')
  t.after(async () => {
    await store.close()
    await dispose()
  })
  await store.migrate()
  return { store, db: db!, sql, engine, listen }
}

/**
 * The real app on a fresh database (in memory unless a file path is given; a new PostgreSQL database
 * in the PostgreSQL half) with the real migrations. Every `call` goes through HTTP injection and is
 * checked against the served OpenAPI document; `t.after` closes it all. `sql` runs raw SQL on that
 * database; `db` is the SQLite connection under the store (SQLite half only), for tests of SQLite itself.
 */
export async function setup (t: TestContext, overrides: Partial<Config> = {}, databasePath = ':memory:', mediaStorage?: MediaStorage) {
  // Media files of each test in a folder of its own, gone with it.
  const mediaFolder = mkdtempSync(join(tmpdir(), 'cms-media-'))
  t.after(() => rmSync(mediaFolder, { recursive: true, force: true }))
  const config = testConfig({ adminToken: ADMIN_TOKEN, mediaStorage: { kind: 'file', folder: mediaFolder }, ...overrides })
  const { store, db, url, sql, dispose, listen } = await freshStore(databasePath)
  const app = await startApp(store, config, mediaStorage)
  t.after(async () => {
    await app.close()
    await store.close()
    await dispose()
  })
  const check = createSpecValidator(app.swagger() as Parameters<typeof createSpecValidator>[0])

  async function call (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { ...options.headers }
    const token = options.token === undefined ? ADMIN_TOKEN : options.token
    if (token !== null) headers.authorization = `Bearer ${token}`
    const res = await app.inject({
      method,
      url,
      headers,
      ...(options.body === undefined ? {} : typeof options.body === 'string' ? { payload: options.body } : { payload: options.body as object }),
    })
    assert.ok(res.statusCode < 500 || url === '/readyz', `${method} ${url} answered ${res.statusCode}: ${res.body}`)
    check(method, url, res)
    const isJson = /json/.test(String(res.headers['content-type']))
    const json = res.body && isJson ? JSON.parse(res.body) as any : undefined
    return { status: res.statusCode, headers: res.headers, body: json, raw: res.body }
  }

  /** Same as call, without a token. */
  const get = (url: string, headers: Record<string, string> = {}) => call('GET', url, { token: null, headers })

  return { app, db: db!, databaseUrl: url, sql, engine, listen, store, config, call, get, check, request: () => supertest(app.server) }
}

export type Harness = Awaited<ReturnType<typeof setup>>

/**
 * Statements of the background work (scheduled events, webhook delivery, the rate limits' flush of
 * shared counters every 200 ms: helpers see them whenever a timer fires), of transactions' framing, and
 * of SQLite's content-state check (total_changes(), data_version, and after a change the version and
 * the next scheduled instant): every request makes it, and so do the webhook loop's and long polls'
 * timers, so whether one lands inside a request is chance. Left out of what a request is seen to run.
 */
const BACKGROUND = new RegExp([
  /change_state|change_log|webhook|\bcounters\b|^\s*(begin|commit|rollback)\b|pg_advisory_xact_lock|synchronous/.source,
  /^SELECT total_changes\(\)$|^PRAGMA data_version$|FROM content_state|^select min\("published_at"\) from "articles"/.source,
].join('|'), 'i')
const ownStatements = (sources: string[]) => sources.filter((source) => !BACKGROUND.test(source))

/**
 * What a PostgreSQL server is sent that no request asks for: the content-state check (its poll and the
 * read after a change: the PostgreSQL counterpart of SQLite's pragma reads).
 */
const NOT_A_REQUEST = /FROM content_state/i

/** On PostgreSQL, the SQL of every query sent while `fn` runs, but what no request asks for. */
async function queriesSentDuring (h: Harness, fn: () => Promise<unknown>): Promise<string[]> {
  const sources: string[] = []
  h.listen((sql) => { if (!NOT_A_REQUEST.test(sql)) sources.push(sql) })
  try {
    await fn()
  } finally {
    h.listen(undefined)
  }
  return ownStatements(sources)
}

/** The SQL the app prepares while `fn` runs: a read answered from memory prepares none. On PostgreSQL, every query it sends. */
export async function preparedDuring (h: Harness, fn: () => Promise<unknown>): Promise<string[]> {
  if (h.engine === 'postgres') return queriesSentDuring(h, fn)
  const client = h.db.$client
  const prepare = client.prepare.bind(client)
  const sources: string[] = []
  client.prepare = ((source: string) => { sources.push(source); return prepare(source) }) as typeof client.prepare
  try {
    await fn()
  } finally {
    client.prepare = prepare
  }
  return ownStatements(sources)
}

/**
 * The SQL of every statement run while `fn` runs, prepared long before or not: every execution of any
 * better-sqlite3 statement counts (they share one prototype); on PostgreSQL every query sent. An N+1
 * shows as a list that grows with the page.
 */
export async function statementsRunDuring (h: Harness, fn: () => Promise<unknown>): Promise<string[]> {
  if (h.engine === 'postgres') return queriesSentDuring(h, fn)
  const proto = Object.getPrototypeOf(h.db.$client.prepare('SELECT 1')) as Record<'all' | 'get' | 'run' | 'iterate', (...args: unknown[]) => unknown>
  const originals = { all: proto.all, get: proto.get, run: proto.run, iterate: proto.iterate }
  const sources: string[] = []
  for (const name of ['all', 'get', 'run', 'iterate'] as const) {
    const original = originals[name]
    proto[name] = function (this: { source: string }, ...args: unknown[]) { sources.push(this.source); return original.apply(this, args) }
  }
  try {
    await fn()
  } finally {
    Object.assign(proto, originals)
  }
  return ownStatements(sources)
}
