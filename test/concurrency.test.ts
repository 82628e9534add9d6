import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test, type TestContext } from 'node:test'
import { serverDatabaseUrl } from './helpers/databases.js'
import { startServer } from './helpers/server.js'

// Real concurrency: two server processes on one database file, so two writes truly overlap. Requests
// injected into one process run one after the other and could never show a race.
const ADMIN = 'concurrency-admin-token-0123456789abcdef'

async function twoServers (t: TestContext) {
  const dir = mkdtempSync(`${tmpdir()}/cms-race-`)
  const env = { DATABASE_URL: await serverDatabaseUrl(t, dir), CMS_ADMIN_TOKEN: ADMIN, CMS_DEMO_CONTENT: 'false' }
  const first = await startServer(env)
  const second = await startServer(env)
  t.after(() => {
    first.child.kill('SIGKILL')
    second.child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  return [first.base, second.base] as const
}

async function send (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, etag: res.headers.get('etag'), body: await res.json().catch(() => null) as any }
}

test('two editors racing with the same ETag on two servers: exactly one wins, every time', async (t) => {
  const [a, b] = await twoServers(t)
  for (let round = 0; round < 40; round++) {
    const created = await send(a, 'POST', '/v1/articles', { title: `Гонка ${round}` })
    const ifMatch = { 'if-match': created.etag! }
    const results = await Promise.all([
      send(a, 'PATCH', `/v1/articles/${created.body.id}`, { title: `Редактор А ${round}` }, ifMatch),
      send(b, 'PATCH', `/v1/articles/${created.body.id}`, { title: `Редактор Б ${round}` }, ifMatch),
    ])
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 412], `round ${round}`)
    const winner = results.find((r) => r.status === 200)!
    const stored = await send(b, 'GET', `/v1/articles/${created.body.id}`)
    assert.equal(stored.body.title, winner.body.title)
    assert.equal(stored.body.version, 2)
  }
})

test('100 concurrent creates of one title across two servers all succeed with unique slugs', async (t) => {
  const [a, b] = await twoServers(t)
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => send(i % 2 ? a : b, 'POST', '/v1/articles', { title: 'Срочная новость' })))
  assert.deepEqual(new Set(results.map((r) => r.status)), new Set([201]))
  const slugs = new Set(results.map((r) => r.body.slug))
  assert.equal(slugs.size, 100)
  assert.ok(slugs.has('srochnaya-novost') && slugs.has('srochnaya-novost-100'))
})
