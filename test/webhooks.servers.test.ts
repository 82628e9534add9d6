import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Webhook as Verifier } from 'standardwebhooks'
import { engine, serverDatabaseUrl } from './helpers/databases.js'
import { latestHeadlines } from './helpers/fixtures.js'
import { startReceiver, type Received } from './helpers/receiver.js'
import { startServer, type RunningServer } from './helpers/server.js'

// Webhooks across real server processes: a crash loses nothing, and several servers deliver each
// event once.
const ADMIN = 'webhook-servers-admin-token-0123456789abcdef'

async function send (base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cms-webhooks-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const env = (databaseUrl: string, extra: Record<string, string> = {}) => ({
  DATABASE_URL: databaseUrl,
  CMS_ADMIN_TOKEN: ADMIN,
  CMS_DEMO_CONTENT: 'false',
  CMS_WEBHOOK_ALLOW_PRIVATE: 'true',
  CMS_WEBHOOK_TIMEOUT_MS: '1000',
  CMS_WEBHOOK_RETRY_SECONDS: '0.2,0.2,0.2,0.2,0.2',
  ...extra,
})

/** Deliveries as a receiver deduplicates them: by webhook-id, each verified. */
function byEventId (received: Received[], secret: string): Map<string, { type: string, data: { id: string } }> {
  const events = new Map<string, { type: string, data: { id: string } }>()
  for (const entry of received) {
    events.set(String(entry.headers['webhook-id']), new Verifier(secret).verify(entry.body, entry.headers as Record<string, string>) as { type: string, data: { id: string } })
  }
  return events
}

describe('webhooks across server processes', () => {
  test('kill -9 right after acknowledged writes: after a restart every event is delivered', async (t) => {
    const dir = tempDir(t)
    const databaseUrl = await serverDatabaseUrl(t, dir)
    const receiver = await startReceiver(t)
    // Until the crash, the receiver holds every delivery open and answers nothing.
    let up = false
    receiver.answer((_request, response) => { if (up) response.end() })
    let server: RunningServer = await startServer(env(databaseUrl))
    t.after(() => { server.child.kill('SIGKILL') })
    const hook = (await send(server.base, 'POST', '/v1/webhooks', { url: receiver.url(), events: ['article.created'] })).body
    const ids: string[] = []
    for (const title of latestHeadlines) {
      const res = await send(server.base, 'POST', '/v1/articles', { title, status: 'published' })
      assert.equal(res.status, 201)
      ids.push(res.body.id)
    }
    server.child.kill('SIGKILL')
    await new Promise((resolve) => server.child.once('exit', resolve))
    const beforeRestart = byEventId(receiver.received, hook.secret).size

    up = true
    const restarted = Date.now()
    server = await startServer(env(databaseUrl))
    const deadline = Date.now() + 30_000
    const delivered = () => new Set([...byEventId(receiver.received.filter((r) => r.at >= restarted), hook.secret).values()].map((event) => event.data.id))
    while (delivered().size < ids.length && Date.now() < deadline) await sleep(200)
    assert.deepEqual([...delivered()].sort(), [...ids].sort(), `every acknowledged article's event arrived (${beforeRestart} had reached the receiver before the crash, none answered)`)
    const log = (await send(server.base, 'GET', `/v1/webhooks/${hook.id as string}/deliveries?limit=100`)).body
    assert.equal(log.meta.total, ids.length, 'one delivery per event')
    const pending = async () => (await send(server.base, 'GET', `/v1/webhooks/${hook.id as string}/deliveries?status=succeeded&limit=100`)).body.meta.total
    while (await pending() < ids.length && Date.now() < deadline) await sleep(200)
    assert.equal(await pending(), ids.length)
  })

  test('three servers on one database: each event reaches each webhook once, a scheduled article’s publication too', async (t) => {
    const dir = tempDir(t)
    const databaseUrl = await serverDatabaseUrl(t, dir)
    const first = startServer(env(databaseUrl, engine === 'sqlite' ? { CMS_WORKERS: '3' } : {}))
    // On PostgreSQL three servers; on SQLite one server with three worker processes on its file.
    const servers = engine === 'postgres' ? await Promise.all([first, startServer(env(databaseUrl)), startServer(env(databaseUrl))]) : [await first]
    t.after(() => { for (const server of servers) server.child.kill('SIGKILL') })
    const receiver = await startReceiver(t)
    // A slow receiver, so that every server's delivery rounds overlap.
    receiver.answer((_request, response) => { setTimeout(() => response.end(), 150) })
    const hooks = [
      (await send(servers[0]!.base, 'POST', '/v1/webhooks', { url: receiver.url('/a'), events: ['*'] })).body,
      (await send(servers[0]!.base, 'POST', '/v1/webhooks', { url: receiver.url('/b'), events: ['article.*'] })).body,
    ]
    const writes = latestHeadlines.map((title, i) => send(servers[i % servers.length]!.base, 'POST', '/v1/articles', { title, status: 'published' }))
    for (const res of await Promise.all(writes)) assert.equal(res.status, 201)
    // Due in two seconds: every server looks for it; one logs its publication.
    const scheduled = await send(servers[0]!.base, 'POST', '/v1/articles', { title: 'Под эмбарго: итоги года', status: 'published', publishedAt: new Date(Date.now() + 2000).toISOString() })
    assert.equal(scheduled.status, 201)
    // Two events (created, published) per article for each webhook.
    const expected = (latestHeadlines.length + 1) * 2
    const deadline = Date.now() + 30_000
    while (receiver.received.length < expected * 2 && Date.now() < deadline) await sleep(200)
    await sleep(1500)
    for (const [path, hook] of [['/a', hooks[0]], ['/b', hooks[1]]] as const) {
      const entries = receiver.received.filter((r) => r.path === path)
      const ids = entries.map((r) => String(r.headers['webhook-id']))
      assert.equal(ids.length, expected, `${path}: ${ids.length} deliveries for ${expected} events`)
      assert.equal(new Set(ids).size, ids.length, `${path}: no event twice`)
      const events = [...byEventId(entries, hook.secret).values()]
      assert.equal(events.length, expected)
      assert.equal(events.filter((event) => event.type === 'article.published' && event.data.id === scheduled.body.id).length, 1)
    }
  })
})
