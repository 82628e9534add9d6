import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import { engine } from './helpers/databases.js'
import { postgresBinaries, startCluster, type Cluster } from './helpers/pg-cluster.js'
import { startServer, type RunningServer } from './helpers/server.js'

// Several stateless app servers on one PostgreSQL database, as behind a load balancer: three real
// server processes, on a cluster of this test's own, so that it can stop and start the database under them.
const ADMIN = 'many-servers-admin-token-0123456789abcdef'
const bin = postgresBinaries()
const skip = engine !== 'postgres' ? 'the PostgreSQL half runs it' : bin === null ? 'needs local PostgreSQL binaries (initdb, pg_ctl) to stop and start its own cluster' : false

interface Answer { status: number, etag: string | null, retryAfter: string | null, body: any }

interface SendOptions { method?: string, token?: string | null, body?: unknown, headers?: Record<string, string> }

/** The servers under test by base URL: a request that fails outright says how its server is. */
const running = new Map<string, RunningServer>()

function failedRequest (base: string, path: string, error: Error): Error {
  const server = running.get(base)
  const state = server ? `; the server's exit code ${server.child.exitCode}, signal ${server.child.signalCode}, its log's last lines: ${server.output().split('\n').filter((line) => !line.includes('"req"') && !line.includes('"res"')).slice(-12).join('\n')}` : ''
  return new Error(`${base}${path}: ${error.message} (${(error.cause as Error | undefined)?.message ?? 'no cause'})${state}`)
}

async function send (base: string, path: string, { method = 'GET', token = ADMIN, body, headers = {} }: SendOptions = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: Error) => { throw failedRequest(base, path, error) })
  const text = await res.text()
  return { status: res.status, etag: res.headers.get('etag'), retryAfter: res.headers.get('retry-after'), body: text ? JSON.parse(text) : null }
}

/** Waits until `check` holds, at most `ms`; resolves to how long it took. */
async function within (ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now()
  while (!await check()) {
    assert.ok(Date.now() - started < ms, `${what}: not within ${ms} ms`)
    await sleep(20)
  }
  return Date.now() - started
}

describe('many servers on one PostgreSQL database', { skip }, () => {
  let cluster: Cluster
  let servers: RunningServer[] = []
  let bases: string[] = []
  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: cluster.url.replace(/\/postgres$/, '/newsroom'),
    CMS_ADMIN_TOKEN: ADMIN,
    AUTH_FAILURE_LIMIT: '6',
    // Tests give their requests addresses of their own (X-Forwarded-For), so one test's failures block none of another's.
    TRUST_PROXY: 'true',
    RATE_LIMIT_WRITES_PER_MINUTE: '12',
    ...extra,
  })

  before(async () => {
    cluster = await startCluster(bin!)
    const admin = postgres(cluster.url, { max: 1, onnotice: () => {} })
    await admin.unsafe('CREATE DATABASE newsroom')
    await admin.end()
  })
  after(() => {
    for (const server of servers) server.child.kill('SIGKILL')
    cluster?.destroy()
  })

  test('three servers started at once on a new database migrate once and seed the demo news once', async () => {
    // Truly at once: the migrations table exists (as drizzle makes it) and this test holds it locked
    // while the three start, so all of them reach it and wait; only the migration lock lets one go first.
    const holder = postgres(env().DATABASE_URL, { max: 1, onnotice: () => {} })
    await holder`CREATE SCHEMA drizzle`
    await holder`CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`
    let release!: () => void
    const released = new Promise<void>((resolve) => { release = resolve })
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => { locked = resolve })
    const holding = holder.begin(async (tx) => {
      await tx`LOCK TABLE drizzle.__drizzle_migrations IN ACCESS EXCLUSIVE MODE`
      locked()
      await released
    })
    await isLocked
    const starting = Promise.all([1, 2, 3].map(() => startServer(env({ CMS_DEMO_CONTENT: 'true' }), 60_000, { keepOutput: true })))
    await sleep(2_000)
    release()
    await holding
    await holder.end()
    servers = await starting
    bases = servers.map((s) => s.base)
    for (const server of servers) running.set(server.base, server)
    const totals = await Promise.all(bases.map(async (base) => (await send(base, '/v1/articles?status=all&limit=1')).body.meta.total as number))
    assert.ok(totals[0]! > 0, 'demo content is there')
    assert.deepEqual(totals, [totals[0], totals[0], totals[0]], 'every server sees the same newsroom')
    const seeded = servers.filter((s) => /seeded demo content/.test(s.output())).length
    assert.equal(seeded, 1, 'one server seeded')
    const sql = postgres(env().DATABASE_URL, { max: 1, onnotice: () => {} })
    const [{ n }] = await sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations` as unknown as [{ n: number }]
    const [{ slugs }] = await sql<Array<{ slugs: number }>>`SELECT (count(*) - count(DISTINCT title))::int AS slugs FROM articles` as unknown as [{ slugs: number }]
    await sql.end()
    const journal = JSON.parse(readFileSync(new URL('../migrations/postgres/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }
    assert.equal(n, journal.entries.length, 'each migration applied once')
    assert.equal(slugs, 0, 'no story twice')
  })

  test('a write answered by one server is seen by the others within a second, cached reads and 304s included', async () => {
    const [a, b, c] = bases as [string, string, string]
    // Warm the other servers' caches and remember their validators.
    const before = await Promise.all([b, c].map((base) => send(base, '/v1/feed?limit=5', { token: null })))
    for (const base of [b, c]) assert.equal((await send(base, '/v1/feed?limit=5', { token: null, headers: { 'if-none-match': before[0]!.etag! } })).status, 304)
    const created = await send(a, '/v1/articles', { method: 'POST', body: { title: 'Срочно: новость с первого сервера', status: 'published' } })
    assert.equal(created.status, 201)
    for (const base of [b, c]) {
      await within(1_000, `the feed on ${base}`, async () => (await send(base, '/v1/feed?limit=5', { token: null })).body.data[0].id === created.body.id)
      assert.equal((await send(base, '/v1/feed?limit=5', { token: null, headers: { 'if-none-match': before[0]!.etag! } })).status, 200, 'the old ETag no longer matches')
      assert.equal((await send(base, `/v1/articles/slug/${created.body.slug}`, { token: null })).body.title, 'Срочно: новость с первого сервера')
    }
    // An edit on another server, seen back on the first, which had cached the article.
    const edited = await send(b, `/v1/articles/${created.body.id}`, { method: 'PATCH', body: { title: 'Срочно: уточнённая новость' }, headers: { 'if-match': created.etag! } })
    assert.equal(edited.status, 200)
    await within(1_000, 'the edit on the first server', async () => (await send(a, `/v1/articles/slug/${created.body.slug}`, { token: null })).body.title === 'Срочно: уточнённая новость')
    // A stale If-Match on a third server is a 412: the check reads the row the other server wrote.
    assert.equal((await send(c, `/v1/articles/${created.body.id}`, { method: 'PATCH', body: { title: 'Поздно' }, headers: { 'if-match': created.etag! } })).status, 412)
  })

  test('a scheduled article goes live on every server at its instant', async () => {
    const at = new Date(Date.now() + 1_500).toISOString()
    const scheduled = await send(bases[0]!, '/v1/articles', { method: 'POST', body: { title: 'Выйдет по расписанию', status: 'published', publishedAt: at } })
    assert.equal(scheduled.status, 201)
    for (const base of bases) assert.notEqual((await send(base, '/v1/feed?limit=1', { token: null })).body.data[0].id, scheduled.body.id)
    await sleep(Date.parse(at) - Date.now() + 20)
    for (const base of bases) assert.equal((await send(base, '/v1/feed?limit=1', { token: null })).body.data[0].id, scheduled.body.id, base)
  })

  test('failures on some servers block the address on one that saw none of them, and on one started after them', async () => {
    const from = { 'x-forwarded-for': '203.0.113.7' }
    for (const base of bases.slice(1)) for (let i = 0; i < 3; i++) assert.equal((await send(base, '/v1/feed', { token: 'y'.repeat(40), headers: from })).status, 401)
    // Told by notice, within milliseconds of the failure's commit (the counters' recheck, once a second,
    // would be too late). Before the outage below, after which notices may have stopped.
    await within(300, 'the first server refusing the address', async () => (await send(bases[0]!, '/v1/feed', { headers: from })).status === 429)
    assert.equal((await send(bases[0]!, '/v1/feed', { headers: { 'x-forwarded-for': '203.0.113.8' } })).status, 200, 'another address is not affected')
    // A server started now reads the failures counting at its start before it answers anything.
    const late = await startServer(env(), 60_000)
    try {
      assert.equal((await send(late.base, '/v1/feed', { headers: from })).status, 429)
      assert.equal((await send(late.base, '/v1/feed', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200)
    } finally {
      late.child.kill('SIGKILL')
    }
  })

  test('/readyz is 503 while the database is stopped, and every server recovers by itself when it returns', async () => {
    cluster.stop()
    for (const base of bases) await within(6_000, `503 from ${base}`, async () => (await send(base, '/readyz', { token: null })).status === 503)
    // A request that needs the database meanwhile is a 503 problem the client may retry, never a 500.
    const away = await send(bases[1]!, '/v1/articles?status=all', { token: ADMIN })
    assert.equal(away.status, 503)
    assert.equal(away.body.code, 'DATABASE_UNAVAILABLE')
    cluster.start()
    for (const base of bases) await within(15_000, `200 from ${base}`, async () => (await send(base, '/readyz', { token: null })).status === 200)
    // Writes work again, and reach the other servers again (their listeners reconnected, or the poll caught it).
    const created = await send(bases[2]!, '/v1/articles', { method: 'POST', body: { title: 'После перезапуска базы', status: 'published' } })
    assert.equal(created.status, 201)
    await within(1_000, 'the write on the first server', async () => (await send(bases[0]!, '/v1/feed?limit=1', { token: null })).body.data[0].id === created.body.id)
  })

  test('failed authentications and rate limits count across the servers', async () => {
    // Twelve writes a minute per token: four on each server use the budget up, as the servers tell each other within 200 ms.
    const editor = (await send(bases[0]!, '/v1/tokens', { method: 'POST', body: { name: 'Редактор смены', role: 'editor' } })).body.token as string
    for (const base of bases) {
      for (let i = 0; i < 4; i++) assert.equal((await send(base, '/v1/articles', { method: 'POST', token: editor, body: { title: `Заметка ${i}` } })).status, 201)
    }
    await sleep(500)
    for (const base of bases) {
      const limited = await send(base, '/v1/articles', { method: 'POST', token: editor, body: { title: 'Сверх бюджета' } })
      assert.equal(limited.status, 429, base)
      assert.equal(limited.body.code, 'RATE_LIMITED')
    }

    // Six failures allowed per IP a minute: two on each server use them up; then a token is refused everywhere.
    for (const base of bases) for (let i = 0; i < 2; i++) assert.equal((await send(base, '/v1/articles', { token: 'x'.repeat(40) })).status, 401)
    for (const base of bases) {
      const refused = await send(base, '/v1/articles', { token: ADMIN })
      assert.equal(refused.status, 429, base)
      assert.ok(Number(refused.retryAfter) > 0)
    }
    assert.equal((await send(bases[0]!, '/v1/feed', { token: null })).status, 200, 'requests without a token are not affected')

    // After the outage above notices may have stopped (postgres.js gives up listening again when its first
    // attempt fails): the counters' recheck tells within a second.
    const from = { 'x-forwarded-for': '203.0.113.10' }
    for (const base of bases.slice(1)) for (let i = 0; i < 3; i++) assert.equal((await send(base, '/v1/feed', { token: 'z'.repeat(40), headers: from })).status, 401)
    await within(1_500, 'the first server refusing the address after the outage', async () => (await send(bases[0]!, '/v1/feed', { headers: from })).status === 429)
  })
})
