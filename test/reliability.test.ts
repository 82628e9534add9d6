import assert from 'node:assert/strict'
import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { testConfig } from '../src/config.js'
import { backupDatabase } from '../src/store/sqlite/backup.js'
import { createStore } from '../src/store/create-store.js'
import { ADMIN_TOKEN, setup, startApp } from './helpers/app.js'
import { sqliteOnly } from './helpers/databases.js'
import { startServer } from './helpers/server.js'

const CRASH_ROUNDS = Number(process.env.CRASH_ROUNDS ?? 2)

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(`${tmpdir()}/cms-reliability-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const startOn = (databasePath: string) =>
  startServer({ DATABASE_URL: `file:${databasePath}`, CMS_DEMO_CONTENT: 'false', CMS_ADMIN_TOKEN: ADMIN_TOKEN })

const write = (base: string, title: string) => fetch(`${base}/v1/articles`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
  body: JSON.stringify({ title, body: `Текст заметки «${title}» — с ёлочками.`, status: 'published', tags: ['Надёжность'] }),
})

/** Checks a database file the way an operator would after a crash: structure, search index, counts. */
function inspect (path: string) {
  const db = new Database(path)
  try {
    const integrity = db.pragma('integrity_check', { simple: true })
    db.prepare("INSERT INTO article_search(article_search, rank) VALUES ('integrity-check', 0)").run()
    const counts = db.prepare('SELECT (SELECT count(*) FROM articles) AS articles, (SELECT count(*) FROM search_docs) AS docs, (SELECT count(*) FROM article_revisions) AS revisions').get() as { articles: number, docs: number, revisions: number }
    const titles = new Map((db.prepare('SELECT id, title FROM articles').all() as Array<{ id: string, title: string }>).map((r) => [r.id, r.title]))
    return { integrity, counts, titles }
  } finally {
    db.close()
  }
}

describe('reliability', () => {
  test(`kill -9 during 1,000 concurrent writes loses no acknowledged write (${CRASH_ROUNDS} rounds)`, async (t) => {
    const dir = tempDir(t)
    const path = `${dir}/cms.db`
    let acknowledged = new Map<string, string>()
    for (let round = 0; round < CRASH_ROUNDS; round++) {
      const server = await startOn(path)
      const pending = Array.from({ length: 1000 }, (_, i) => {
        const title = `Раунд ${round}, заметка ${i}`
        return write(server.base, title).then(async (res) => {
          if (res.ok) acknowledged.set(((await res.json()) as { id: string }).id, title)
        }, () => undefined)
      })
      // Mid-way: once this round has had some writes acknowledged (or after 3 s).
      const before = acknowledged.size
      for (let waited = 0; acknowledged.size < before + 50 + round * 37 && waited < 3000; waited += 10) await sleep(10)
      server.child.kill('SIGKILL')
      await once(server.child, 'exit')
      await Promise.all(pending)

      const { integrity, counts, titles } = inspect(path)
      assert.equal(integrity, 'ok', `round ${round}`)
      assert.equal(counts.docs, counts.articles, 'the search index holds exactly the live articles')
      assert.equal(counts.revisions, counts.articles, 'every article has its first revision')
      for (const [id, title] of acknowledged) assert.equal(titles.get(id), title, `acknowledged write ${id} survived intact`)
      t.diagnostic(`round ${round}: ${acknowledged.size} writes acknowledged, ${counts.articles} on disk`)
    }
    assert.ok(acknowledged.size > 0, 'some writes were acknowledged before the kill')
    // And the database still serves: restart and read one back.
    const server = await startOn(path)
    const [id, title] = [...acknowledged][0]!
    const res = await fetch(`${server.base}/v1/articles/${id}`)
    assert.equal(((await res.json()) as { title: string }).title, title)
    server.child.kill('SIGTERM')
    await once(server.child, 'exit')
    acknowledged = new Map()
  })

  test('SIGTERM with 200 requests in flight: all complete, new connections are refused, exit 0', async (t) => {
    const dir = tempDir(t)
    const server = await startOn(`${dir}/cms.db`)
    // 200 open keep-alive connections first, so the requests below reach the server at once.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 250 })
    t.after(() => agent.destroy())
    const send = (method: string, path: string, body?: string) => new Promise<number>((resolve) => {
      const req = http.request(`${server.base}${path}`, { method, agent, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', () => resolve(0))
      req.end(body)
    })
    await Promise.all(Array.from({ length: 200 }, () => send('GET', '/healthz')))
    const inFlight = Array.from({ length: 200 }, (_, i) => i % 2
      ? send('POST', '/v1/articles', JSON.stringify({ title: `Последняя ${i}`, body: 'Текст', tags: ['Выключение'] }))
      : send('GET', '/v1/articles?status=all&limit=100&include=body'))
    await sleep(100)
    const started = Date.now()
    server.child.kill('SIGTERM')
    const statuses = await Promise.all(inFlight)
    const [code] = await once(server.child, 'exit')
    assert.equal(code, 0)
    assert.ok(Date.now() - started < 10_000)
    const tally: Record<number, number> = {}
    for (const s of statuses) tally[s] = (tally[s] ?? 0) + 1
    t.diagnostic(`statuses: ${JSON.stringify(tally)}`)
    assert.deepEqual(tally, { 200: 100, 201: 100 }, 'every in-flight request completed')
    await assert.rejects(fetch(`${server.base}/healthz`), 'new connections are refused')
  })

  test('100 clients sending a byte a second are cut off while normal requests keep succeeding', async (t) => {
    const store = createStore(testConfig())
    const app = await startApp(store, testConfig({ adminToken: ADMIN_TOKEN, requestTimeoutMs: 1_000 }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.after(async () => {
      await app.close()
      await store.close()
    })
    const { port } = app.server.address() as { port: number }
    // Half with a valid token (refused by the request timeout), half without (refused at once, unread body and all).
    const slow = Array.from({ length: 100 }, (_, i) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('error', () => undefined)
      const auth = i % 2 ? `Authorization: Bearer ${ADMIN_TOKEN}\r\n` : ''
      socket.write(`POST /v1/tags HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`)
      const drip = setInterval(() => { if (socket.writable) socket.write('"') }, 1_000)
      // Not events.once: an EPIPE on the way must not reject the wait for the close.
      const closed = new Promise<number>((resolve) => socket.on('close', () => { clearInterval(drip); resolve(Date.now()) }))
      return { socket, drip, closed }
    })
    t.after(() => slow.forEach(({ drip, socket }) => { clearInterval(drip); socket.destroy() }))
    const started = Date.now()
    const normal = []
    for (let i = 0; i < 20; i++) {
      normal.push((await fetch(`http://127.0.0.1:${port}/v1/feed`)).status)
      await sleep(50)
    }
    assert.deepEqual(new Set(normal), new Set([200]), 'normal requests succeed meanwhile')
    const closedAt = await Promise.all(slow.map(({ closed }) => closed))
    assert.ok(Math.max(...closedAt) - started < 5_000, 'every slow client was cut off within a few seconds')
  })

  test('an online backup taken while writes continue is consistent and complete', sqliteOnly('SQLite\'s backup API; PostgreSQL is backed up with pg_dump'), async (t) => {
    const dir = tempDir(t)
    const h = await setup(t, {}, `${dir}/cms.db`)
    const create = (i: number) => h.call('POST', '/v1/articles', { body: { title: `Заметка ${i}`, body: 'Текст '.repeat(500) } })
    for (let i = 0; i < 100; i++) await create(i)
    const state = { writing: true, written: 100 }
    const writer = (async () => { while (state.writing) await create(state.written++) })()
    const { integrity } = await backupDatabase(h.db, `${dir}/backup.db`)
    state.writing = false
    await writer
    const written = state.written
    assert.equal(integrity, 'ok')
    const copy = inspect(`${dir}/backup.db`)
    assert.ok(copy.counts.articles >= 100 && copy.counts.articles <= written, `${copy.counts.articles} of ${written}`)
    assert.equal(copy.counts.docs, copy.counts.articles)
  })
})
