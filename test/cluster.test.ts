import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { serverDatabaseUrl } from './helpers/databases.js'
import { childrenOf, startServer, timesListened } from './helpers/server.js'

const ADMIN = 'cluster-admin-token-0123456789abcdef0123'

/** One request on a new connection, so the primary hands it to the next worker. */
function fresh (url: string, init: { method?: string, body?: unknown } = {}): Promise<{ status: number, body: any }> {
  return new Promise((resolve, reject) => {
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body)
    const req = request(url, {
      method: init.method ?? 'GET',
      agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }))
    })
    req.on('error', reject)
    req.end(payload)
  })
}

async function waitFor (condition: () => boolean, what: string) {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(50)
  assert.ok(condition(), what)
}

test('CMS_WORKERS=2: two processes serve one database, their caches never stale; a dead worker is replaced; SIGTERM stops all', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-cluster-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ DATABASE_URL: await serverDatabaseUrl(t, dir), CMS_WORKERS: '2', CMS_ADMIN_TOKEN: ADMIN }, 30_000, { keepOutput: true })
  t.after(() => server.child.kill('SIGKILL'))
  const primary = server.child.pid!
  // Each worker logs where it listens; a worker killed before that line would stop the whole server by design.
  const listened = () => timesListened(server)
  await waitFor(() => childrenOf(primary).length === 2 && listened() === 2, `two workers listening: ${server.output()}`)
  for (const status of await Promise.all(Array.from({ length: 10 }, async () => (await fresh(`${server.base}/readyz`)).status))) {
    assert.equal(status, 200)
  }

  // Every worker caches the feed, then one of them takes a write.
  const feedTitles = async () => (await fresh(`${server.base}/v1/feed`)).body.data.map((a: { title: string }) => a.title)
  const before = await Promise.all(Array.from({ length: 20 }, feedTitles))
  assert.ok(before.every((titles) => titles.length === 11), 'demo content, seeded once by the primary')
  const created = await fresh(`${server.base}/v1/articles`, { method: 'POST', body: { title: '«Срочно»: новость из одного процесса', status: 'published' } })
  assert.equal(created.status, 201)
  for (const titles of await Promise.all(Array.from({ length: 20 }, feedTitles))) {
    assert.equal(titles[0], '«Срочно»: новость из одного процесса')
  }

  const [victim] = childrenOf(primary)
  process.kill(victim!, 'SIGKILL')
  await waitFor(() => { const now = childrenOf(primary); return now.length === 2 && !now.includes(victim!) && listened() === 3 }, 'a replacement worker')
  const after = await Promise.all(Array.from({ length: 10 }, () => fresh(`${server.base}/readyz`)))
  assert.deepEqual(after.map((r) => r.status), Array(10).fill(200))

  const workers = childrenOf(primary)
  server.child.kill('SIGTERM')
  const [code] = await once(server.child, 'exit')
  assert.equal(code, 0, server.output())
  assert.deepEqual(workers.filter((pid) => { try { process.kill(pid, 0); return true } catch { return false } }), [])
})
