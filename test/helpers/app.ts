import assert from 'node:assert/strict'
import type { TestContext } from 'node:test'
import supertest from 'supertest'
import { buildApp } from '../../src/app.js'
import { testConfig, type Config } from '../../src/config.js'
import { openDatabase } from '../../src/db/client.js'
import { migrateDatabase } from '../../src/db/migrate.js'
import { createSpecValidator } from './spec-validator.js'

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789'

export interface CallOptions {
  token?: string | null
  body?: unknown
  headers?: Record<string, string>
}

/**
 * The real app on a fresh database (in memory unless a file path is given) with the real migrations. Every `call` goes through
 * HTTP injection and is checked against the served OpenAPI document; `t.after` closes it all.
 */
export async function setup (t: TestContext, overrides: Partial<Config> = {}, databasePath = ':memory:') {
  const config = testConfig({ adminToken: ADMIN_TOKEN, ...overrides })
  const db = openDatabase(databasePath)
  migrateDatabase(db)
  const app = await buildApp({ config, db })
  await app.ready()
  t.after(async () => {
    await app.close()
    db.$client.close()
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

  return { app, db, config, call, get, check, request: () => supertest(app.server) }
}

export type Harness = Awaited<ReturnType<typeof setup>>

/** The SQL the app prepares while `fn` runs: a read answered from memory prepares none. */
export async function preparedDuring (h: Harness, fn: () => Promise<unknown>): Promise<string[]> {
  const client = h.db.$client
  const prepare = client.prepare.bind(client)
  const sources: string[] = []
  client.prepare = ((source: string) => { sources.push(source); return prepare(source) }) as typeof client.prepare
  try {
    await fn()
  } finally {
    client.prepare = prepare
  }
  return sources
}
