import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { setup, statementsRunDuring, type Harness } from './helpers/app.js'
import { serverDatabaseUrl } from './helpers/databases.js'
import { startReceiver } from './helpers/receiver.js'
import { childrenOf, startServer, timesListened } from './helpers/server.js'

const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789'
const OTEL_BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf']

interface Sample { name: string, labels: Record<string, string>, value: number }

/** The samples of a Prometheus text exposition. */
function parse (text: string): Sample[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    assert.ok(match, `a sample line: ${line}`)
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k!, v!]))
    return { name: match[1]!, labels, value: Number(match[3]) }
  })
}

/** The sum of the samples of one name whose labels include these. */
function valueOf (samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0)
}

async function scrape (h: Harness): Promise<Sample[]> {
  const res = await h.call('GET', '/metrics', { token: METRICS_TOKEN })
  assert.equal(res.status, 200, res.raw)
  assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  return parse(res.raw)
}

const durationSeries = (samples: Sample[]) => samples.filter((s) => s.name === 'http_server_request_duration_seconds_count').map((s) => JSON.stringify(s.labels)).sort()

describe('GET /metrics', () => {
  test('is off without CMS_METRICS_TOKEN: 404 like any unknown route', async (t) => {
    const h = await setup(t)
    const res = await h.call('GET', '/metrics', { token: null })
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 'NOT_FOUND')
  })

  test('answers only to the metrics token: none, a wrong one or an API admin token is 401 and not a failed login', async (t) => {
    const h = await setup(t, { metricsToken: METRICS_TOKEN, authFailureLimit: 2 })
    for (const token of [null, 'x'.repeat(40), undefined]) {
      const res = await h.call('GET', '/metrics', { token })
      assert.equal(res.status, 401, `token ${String(token)}`)
      assert.equal(res.headers['www-authenticate'], 'Bearer')
    }
    assert.equal((await h.call('GET', '/v1/tokens')).status, 200, 'the admin token still works: no throttle was fed')
    await scrape(h)
  })

  test('request durations by method, route template and status, with the OpenTelemetry buckets', async (t) => {
    const h = await setup(t, { metricsToken: METRICS_TOKEN })
    const story = (await h.call('POST', '/v1/articles', { body: { title: 'Метель в Мурманске', body: 'Снег.', status: 'published' } })).body
    await h.get(`/v1/articles/${story.id}`)
    await h.get(`/v1/articles/${story.id}`)
    await h.get('/v1/articles/01JDZQ0000000000000000000Z')
    const samples = await scrape(h)
    const read = { http_request_method: 'GET', http_route: '/v1/articles/:id' }
    assert.equal(valueOf(samples, 'http_server_request_duration_seconds_count', { ...read, http_response_status_code: '200' }), 2)
    assert.equal(valueOf(samples, 'http_server_request_duration_seconds_count', { ...read, http_response_status_code: '404' }), 1)
    assert.equal(valueOf(samples, 'http_server_request_duration_seconds_count', { http_request_method: 'POST', http_route: '/v1/articles', http_response_status_code: '201' }), 1)
    const buckets = samples.filter((s) => s.name === 'http_server_request_duration_seconds_bucket' && s.labels.http_route === '/v1/articles/:id' && s.labels.http_response_status_code === '200')
    assert.deepEqual(buckets.map((s) => s.labels.le), OTEL_BUCKETS)
    assert.equal(buckets.at(-1)!.value, 2)
    assert.ok(!samples.some((s) => s.labels.http_route?.includes(story.id)), 'never the raw path')
    assert.ok(valueOf(samples, 'http_server_request_duration_seconds_sum', read) > 0)
    assert.ok(valueOf(samples, 'process_cpu_user_seconds_total') > 0, 'the process’s own figures')
    assert.ok(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds'))
  })

  test('random unknown paths make no new series: they all count under one route value', async (t) => {
    const h = await setup(t, { metricsToken: METRICS_TOKEN })
    await h.get('/nowhere')
    await scrape(h)
    const before = await scrape(h)
    for (let i = 0; i < 50; i++) await h.get(`/${randomBytes(8).toString('hex')}/${i}?q=${i}`)
    const after = await scrape(h)
    assert.deepEqual(durationSeries(after), durationSeries(before))
    const unmatched = { http_route: '_OTHER', http_response_status_code: '404' }
    assert.equal(valueOf(after, 'http_server_request_duration_seconds_count', unmatched) - valueOf(before, 'http_server_request_duration_seconds_count', unmatched), 50)
  })

  test('requests in flight: the scrape sees itself, and nothing is left over after answered requests', async (t) => {
    const h = await setup(t, { metricsToken: METRICS_TOKEN })
    for (let i = 0; i < 5; i++) await h.get('/v1/feed')
    await h.call('GET', '/v1/tokens', { token: 'wrong-token' })
    assert.equal(valueOf(await scrape(h), 'http_server_active_requests', { http_request_method: 'GET' }), 1)
  })

  test('response-cache hits, misses and bytes', async (t) => {
    const h = await setup(t, { metricsToken: METRICS_TOKEN })
    const before = await scrape(h)
    await h.get('/v1/feed')
    await h.get('/v1/feed')
    await h.get('/v1/feed')
    const after = await scrape(h)
    const delta = (name: string) => valueOf(after, name) - valueOf(before, name)
    assert.equal(delta('cms_response_cache_misses_total'), 1)
    assert.equal(delta('cms_response_cache_hits_total'), 2)
    assert.ok(valueOf(after, 'cms_response_cache_bytes') > valueOf(before, 'cms_response_cache_bytes'))
  })

  test('articles by status, from counts every write keeps: no row is counted at scrape time but the few scheduled', async (t) => {
    const h = await setup(t, { metricsToken: METRICS_TOKEN })
    const create = async (body: Record<string, unknown>) => (await h.call('POST', '/v1/articles', { body: { body: 'Текст.', ...body } })).body
    const draft = await create({ title: 'Черновик сводки' })
    await create({ title: 'Вышло: погода на выходные', status: 'published' })
    const gone = await create({ title: 'Ошибочная заметка', status: 'published' })
    await create({ title: 'Под эмбарго', status: 'published', publishedAt: new Date(Date.now() + 3_600_000).toISOString() })
    await h.call('DELETE', `/v1/articles/${gone.id}`)
    await h.call('PATCH', `/v1/articles/${draft.id}`, { body: { status: 'published' } })
    const purged = await create({ title: 'Удалить навсегда' })
    await h.call('DELETE', `/v1/articles/${purged.id}?permanent=true`)
    let samples: Sample[] = []
    const sources = await statementsRunDuring(h, async () => { samples = await scrape(h) })
    const counts = Object.fromEntries(['draft', 'scheduled', 'published', 'deleted'].map((status) => [status, valueOf(samples, 'cms_articles', { status })]))
    assert.deepEqual(counts, { draft: 0, scheduled: 1, published: 2, deleted: 1 })
    // (Not the scheduler's look for articles that came due, which runs every second whatever is scraped.)
    const articleReads = sources.filter((sql) => /from "articles"/i.test(sql) && !/change_state/.test(sql))
    assert.equal(articleReads.length, 1, articleReads.join('\n'))
    assert.match(articleReads[0]!, /"published_at" > (\?|\$\d+)/, 'only the scheduled ones are counted')
  })
})

describe('GET /metrics: webhooks', () => {
  test('delivery attempts by outcome, and pending deliveries', async (t) => {
    const h = await setup(t, { metricsToken: METRICS_TOKEN, webhookAllowPrivate: true, webhookRetryDelaysMs: [60_000], webhookTimeoutMs: 1000 })
    const receiver = await startReceiver(t)
    receiver.answer((request, response) => { response.statusCode = request.path === '/ok' ? 204 : 500; response.end() })
    for (const path of ['/ok', '/broken']) {
      assert.equal((await h.call('POST', '/v1/webhooks', { body: { url: receiver.url(path), events: ['tag.created'] } })).status, 201)
    }
    const before = await scrape(h)
    assert.equal(valueOf(before, 'cms_webhook_pending'), 0)
    await h.call('POST', '/v1/tags', { body: { name: 'Экология' } })
    await receiver.until(2)
    // Both attempts recorded (counted, and their outcomes committed).
    let samples = await scrape(h)
    const deadline = Date.now() + 5000
    while ((valueOf(samples, 'cms_webhook_deliveries_total') < 2 || valueOf(samples, 'cms_webhook_pending') !== 1) && Date.now() < deadline) {
      await sleep(50)
      samples = await scrape(h)
    }
    assert.equal(valueOf(samples, 'cms_webhook_deliveries_total', { outcome: 'succeeded' }), 1)
    assert.equal(valueOf(samples, 'cms_webhook_deliveries_total', { outcome: 'retrying' }), 1)
    assert.equal(valueOf(samples, 'cms_webhook_deliveries_total', { outcome: 'failed' }), 0)
    // The broken receiver's delivery waits a minute for its next attempt.
    assert.equal(valueOf(samples, 'cms_webhook_pending'), 1)
  })
})

describe('X-Request-Id', () => {
  test('every response carries one: the caller’s when it is 1–64 visible ASCII characters, else a new one', async (t) => {
    const h = await setup(t)
    assert.equal((await h.get('/healthz', { 'x-request-id': 'lb-7f3a:2026-12-01/42' })).headers['x-request-id'], 'lb-7f3a:2026-12-01/42')
    for (const bad of ['', 'a'.repeat(65), 'с пробелом', 'two words']) {
      const id = (await h.get('/healthz', { 'x-request-id': bad })).headers['x-request-id']
      assert.match(String(id), /^[0-9a-f-]{36}$/, `a new id instead of ${JSON.stringify(bad)}`)
    }
    const a = (await h.get('/healthz')).headers['x-request-id']
    const b = (await h.get('/healthz')).headers['x-request-id']
    assert.notEqual(a, b)
    // Errors of every kind: unknown route, validation, authentication, the router's own, a cached read.
    for (const res of [
      await h.get('/nope'),
      await h.get('/v1/articles?limit=0'),
      await h.call('GET', '/v1/tokens', { token: 'wrong-token' }),
      await h.get(`/v1/articles/slug/${'a'.repeat(300)}`),
      await h.get('/v1/feed'),
      await h.get('/v1/feed'),
    ]) assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/, `${res.status}`)
  })

  test('a request the HTTP parser refuses gets one too, and the server’s log lines of a request carry its id', async (t) => {
    const dir = mkdtempSync(`${tmpdir()}/cms-reqid-`)
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const server = await startServer({ DATABASE_URL: await serverDatabaseUrl(t, dir), CMS_DEMO_CONTENT: 'false' }, 30_000, { keepOutput: true })
    t.after(() => server.child.kill('SIGKILL'))
    const { port } = new URL(server.base)
    const raw = await new Promise<string>((resolve, reject) => {
      import('node:net').then(({ connect }) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /v1/feed HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'))
        let text = ''
        socket.on('data', (chunk) => { text += chunk })
        socket.on('close', () => resolve(text))
        socket.on('error', reject)
      }, reject)
    })
    assert.match(raw, /^HTTP\/1\.1 400/)
    assert.match(raw, /\r\nX-Request-Id: [0-9a-f-]{36}\r\n/)

    const res = await new Promise<number>((resolve, reject) => {
      request(`${server.base}/v1/articles/01JDZQ0000000000000000000Z`, { headers: { 'x-request-id': 'ticket-4711' } }, (r) => { r.resume(); r.on('end', () => resolve(r.statusCode!)) })
        .on('error', reject).end()
    })
    assert.equal(res, 404)
    const lines = () => server.output().split('\n').filter((line) => line.includes('"reqId":"ticket-4711"'))
    for (let i = 0; i < 100 && !lines().some((line) => line.includes('request completed')); i++) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.ok(lines().length >= 2, server.output())
    for (const line of server.output().split('\n').filter((l) => l.includes('ticket-4711'))) assert.equal(JSON.parse(line).reqId, 'ticket-4711')
  })
})

describe('metrics with CMS_WORKERS', () => {
  test('one scrape covers every worker; a worker still starting is not waited for', async (t) => {
    const dir = mkdtempSync(`${tmpdir()}/cms-metrics-cluster-`)
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const admin = 'metrics-admin-token-0123456789abcdef0123'
    const server = await startServer({ DATABASE_URL: await serverDatabaseUrl(t, dir), CMS_WORKERS: '2', CMS_DEMO_CONTENT: 'false', CMS_METRICS_TOKEN: METRICS_TOKEN, CMS_ADMIN_TOKEN: admin }, 30_000, { keepOutput: true })
    t.after(() => server.child.kill('SIGKILL'))
    // Each on a new connection, so the primary deals them out to the workers in turn.
    const get = (path: string, headers: Record<string, string> = {}, payload?: string) => new Promise<{ status: number, body: string }>((resolve, reject) => {
      request(`${server.base}${path}`, { agent: false, headers, method: payload === undefined ? 'GET' : 'POST' }, (r) => {
        let body = ''
        r.setEncoding('utf8')
        r.on('data', (chunk) => { body += chunk })
        r.on('end', () => resolve({ status: r.statusCode!, body }))
      }).on('error', reject).end(payload)
    })
    // Each worker logs where it listens.
    const listened = () => timesListened(server)
    const waitListening = async (n: number) => {
      for (let i = 0; i < 400 && listened() < n; i++) await sleep(25)
      assert.equal(listened(), n, server.output())
    }
    await waitListening(2)
    const scrapeAll = async () => {
      const res = await get('/metrics', { authorization: `Bearer ${METRICS_TOKEN}` })
      assert.equal(res.status, 200, res.body)
      return parse(res.body)
    }
    const published = await get('/v1/articles', { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, JSON.stringify({ title: 'Мосты разведут в полночь', body: 'Текст.', status: 'published' }))
    assert.equal(published.status, 201, published.body)
    const before = valueOf(await scrapeAll(), 'http_server_request_duration_seconds_count', { http_route: '/healthz' })
    for (let i = 0; i < 20; i++) assert.equal((await get('/healthz')).status, 200)
    const samples = await scrapeAll()
    assert.equal(valueOf(samples, 'http_server_request_duration_seconds_count', { http_route: '/healthz' }) - before, 20)
    assert.equal(valueOf(samples, 'cms_articles', { status: 'published' }), 1, 'the database’s figure once, not once per worker')

    // A worker dies and its replacement is starting: a scrape then answers from the worker that serves,
    // not with 503 after waiting for one that cannot answer yet.
    const [victim] = childrenOf(server.child.pid!)
    process.kill(victim!, 'SIGKILL')
    for (let i = 0; i < 200 && !server.output().includes('worker died'); i++) await sleep(10)
    assert.equal(valueOf(await scrapeAll(), 'cms_articles', { status: 'published' }), 1)
    await waitListening(3)
    assert.equal(valueOf(await scrapeAll(), 'cms_articles', { status: 'published' }), 1)
  })
})
