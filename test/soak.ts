// Part of `npm run test:soak` (not `npm test`): the real server under a 50-connection mixed load —
// articles, feed, feeds, search and some writes — first for 30 s with no errors allowed, then for
// SOAK_SECONDS (default 300) with resident memory growing by less than 20 MB.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test } from 'node:test'
import autocannon from 'autocannon'
import { ADMIN_TOKEN } from './helpers/app.js'
import { startServer } from './helpers/server.js'

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 300)

test(`mixed load: 30 s without errors, then ${SOAK_SECONDS} s with RSS growth under 20 MB`, { timeout: (SOAK_SECONDS + 120) * 1000 }, async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-soak-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const { child, base } = await startServer({ DATABASE_URL: `file:${dir}/cms.db`, CMS_ADMIN_TOKEN: ADMIN_TOKEN })
  t.after(() => child.kill('SIGKILL'))
  const feed = await (await fetch(`${base}/v1/feed`)).json() as { data: Array<{ slug: string }> }
  const slugs = feed.data.map((a) => a.slug)
  let n = 0
  const get = (path: () => string): autocannon.Request => ({ method: 'GET', setupRequest: (r) => ({ ...r, path: path() }) })
  const requests: autocannon.Request[] = [
    get(() => `/v1/articles/slug/${slugs[n++ % slugs.length]}`),
    get(() => '/v1/feed'),
    get(() => `/v1/articles/slug/${slugs[n++ % slugs.length]}`),
    get(() => '/v1/feed.rss'),
    get(() => `/v1/search?q=${encodeURIComponent(['водород', 'ставка', 'метро', 'выставка'][n++ % 4]!)}`),
    get(() => '/v1/feed.json'),
    get(() => '/v1/tags'),
    {
      method: 'POST',
      setupRequest: (r) => ({
        ...r,
        path: '/v1/articles',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ title: `Нагрузочная заметка ${n++}`, body: 'Текст «под нагрузкой» — с ёлочками.', status: 'published', tags: ['Нагрузка'] }),
      }),
    },
  ]
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
  const run = (duration: number) => autocannon({ url: base, connections: 50, duration, requests })

  const burst = await run(30)
  t.diagnostic(`30 s: ${burst.requests.total} requests, ${Math.round(burst.requests.average)} req/s, p99 ${burst.latency.p99} ms, errors ${burst.errors}, non-2xx ${burst.non2xx}`)
  assert.equal(burst.errors + burst.timeouts, 0)
  assert.equal(burst.non2xx, 0)

  const before = rss()
  const soak = await run(SOAK_SECONDS)
  const after = rss()
  t.diagnostic(`${SOAK_SECONDS} s: ${soak.requests.total} requests, p99 ${soak.latency.p99} ms, errors ${soak.errors}; RSS ${before.toFixed(1)} → ${after.toFixed(1)} MB`)
  assert.equal(soak.errors + soak.timeouts + soak.non2xx, 0)
  assert.ok(after - before < 20, `RSS grew ${(after - before).toFixed(1)} MB`)
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  assert.equal(code, 0)
})
