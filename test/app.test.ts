import assert from 'node:assert/strict'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { describe, test } from 'node:test'
import { ConfigError, loadConfig } from '../src/config.js'
import { openDatabase } from '../src/store/sqlite/client.js'
import { setup } from './helpers/app.js'
import { sqliteOnly } from './helpers/databases.js'

describe('operations', () => {
  test('GET /healthz and /readyz answer when migrations are applied', async (t) => {
    const h = await setup(t)
    assert.deepEqual((await h.get('/healthz')).body, { status: 'ok' })
    const ready = await h.get('/readyz')
    assert.equal(ready.status, 200)
    assert.equal(ready.headers['cache-control'], 'no-store')
  })

  test('GET /readyz is 503 when a migration is missing', async (t) => {
    const h = await setup(t)
    const table = h.engine === 'postgres' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations'
    await h.sql(`DELETE FROM ${table} WHERE created_at = (SELECT max(created_at) FROM ${table})`)
    const res = await h.get('/readyz')
    assert.equal(res.status, 503)
    assert.equal(res.body.code, 'NOT_READY')
  })

  test('GET /docs serves the interactive reference', async (t) => {
    const h = await setup(t)
    const res = await h.app.inject({ url: '/docs/' })
    assert.equal(res.statusCode, 200)
    assert.match(res.headers['content-type'] as string, /text\/html/)
  })
})

describe('errors', () => {
  test('an unknown route is a 404 problem', async (t) => {
    const h = await setup(t)
    const res = await h.get('/v1/nothing-here')
    assert.equal(res.status, 404)
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.deepEqual(res.body, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No route GET /v1/nothing-here', code: 'ROUTE_NOT_FOUND' })
  })

  test('a body over 1 MiB is 413', async (t) => {
    const h = await setup(t)
    const res = await h.call('POST', '/v1/tags', { body: { name: 'Большой', description: 'ж'.repeat(600_000) } })
    assert.equal(res.status, 413)
    assert.equal(res.body.code, 'BODY_TOO_LARGE')
  })

  test('a write that is not JSON is 415', async (t) => {
    const h = await setup(t)
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await h.call('POST', '/v1/tags', { body: 'name=Спорт', headers: { 'content-type': type } })
      assert.equal(res.status, 415, type)
      assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE')
    }
  })

  test('a compressed body or a charset other than UTF-8 is 415, and nothing is written', async (t) => {
    const h = await setup(t)
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json; charset="windows-1251"' },
    ]
    for (const headers of cases) {
      const res = await h.call('POST', '/v1/tags', { body: JSON.stringify({ name: 'Кодировка' }), headers })
      assert.equal(res.status, 415, JSON.stringify(headers))
      assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE')
    }
    const utf8 = await h.call('POST', '/v1/tags', { body: JSON.stringify({ name: 'Кодировка' }), headers: { 'content-type': 'application/json; charset=UTF-8' } })
    assert.equal(utf8.status, 201)
    assert.equal((await h.call('GET', '/v1/tags')).body.meta.total, 1)
  })

  test('errors the HTTP parser raises before routing are problem+json too', async (t) => {
    const h = await setup(t)
    await h.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = h.app.server.address() as AddressInfo
    const raw = (request: string) => new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(request))
      let answer = ''
      socket.on('data', (chunk) => { answer += chunk })
      socket.on('close', () => resolve(answer))
      socket.on('error', reject)
    })
    const cases: Array<[string, number]> = [
      ['GET /v1/tags?q=ЭКО HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      ['NONSENSE\r\n\r\n', 400],
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ]
    for (const [request, status] of cases) {
      const answer = await raw(request)
      const [head = '', body = ''] = answer.split('\r\n\r\n')
      assert.match(head, new RegExp(`^HTTP/1.1 ${status} `), answer)
      assert.match(head, /content-type: application\/problem\+json/i)
      const problem = JSON.parse(body)
      assert.equal(problem.status, status)
      assert.equal(typeof problem.detail, 'string')
      assert.equal(typeof problem.code, 'string')
    }
  })

  test('unknown query parameters are 400 on every route, those that take none included', async (t) => {
    const h = await setup(t)
    const article = (await h.call('POST', '/v1/articles', { body: { title: 'Параметры', status: 'published' } })).body
    const urls = [`/v1/articles/${article.id}`, `/v1/articles/slug/${article.slug}`, `/v1/articles/${article.id}/revisions/1`, '/healthz', '/readyz', '/v1/feed', '/v1/tags']
    for (const url of urls) {
      assert.equal((await h.call('GET', url)).status, 200, url)
      const res = await h.call('GET', `${url}?_method=DELETE`)
      assert.equal(res.status, 400, url)
      assert.equal(res.body.errors[0].path, 'querystring._method', url)
    }
    assert.equal((await h.call('PATCH', `/v1/articles/${article.id}?debug=1`, { body: { lead: 'x' } })).status, 400)
    assert.equal((await h.call('GET', `/v1/articles/${article.id}`)).body.version, 1)
  })

  test('MAX_CONNECTIONS caps open sockets: idle clients cannot take every file descriptor', async (t) => {
    const h = await setup(t, { maxConnections: 2 })
    await h.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = h.app.server.address() as AddressInfo
    const open = () => new Promise<Socket>((resolve, reject) => { const s = connect(port, '127.0.0.1', () => resolve(s)); s.on('error', reject) })
    const idle = [await open(), await open()]
    t.after(() => idle.forEach((s) => s.destroy()))
    const third = await open()
    const closed = await new Promise<boolean>((resolve) => {
      third.once('close', () => resolve(true))
      setTimeout(() => resolve(false), 2_000).unref()
    })
    assert.ok(closed, 'the third connection is closed at once')
    idle.forEach((s) => s.destroy())
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'served again once sockets close')
  })

  test('malformed JSON and prototype keys are 400, never 500', async (t) => {
    const h = await setup(t)
    for (const body of ['{"name":', '', 'ничего', '{"__proto__":{"x":1},"name":"a"}', '{"constructor":{"prototype":{}},"name":"a"}']) {
      const res = await h.call('POST', '/v1/tags', { body, headers: { 'content-type': 'application/json' } })
      assert.equal(res.status, 400, body)
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
  })

  test('an unexpected failure is a generic 500 problem, logged, with no internals', sqliteOnly('a closed connection is an unexpected failure there; PostgreSQL going away is a 503, tested with the servers in many-servers.test.ts'), async (t) => {
    const h = await setup(t)
    const logged: string[] = []
    h.app.log.error = ((obj: unknown, msg?: string) => { logged.push(`${msg} ${JSON.stringify(obj)}`) }) as typeof h.app.log.error
    h.db.$client.close()
    const res = await h.app.inject({ url: '/v1/articles/01JZZZZZZZZZZZZZZZZZZZZZZZ/revisions', headers: { authorization: `Bearer ${'x'.repeat(40)}` } })
    const fresh = await h.app.inject({ url: '/v1/feed' })
    for (const r of [res, fresh]) {
      assert.equal(r.statusCode, 500)
      assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8')
      assert.deepEqual(r.json(), { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Something went wrong on our side; it has been logged', code: 'INTERNAL_ERROR' })
    }
    assert.ok(logged.length > 0)
  })

  test('a database constraint violation is a 409 with no SQL in it', async (t) => {
    const h = await setup(t)
    const tag = (await h.call('POST', '/v1/tags', { body: { name: 'Политика' } })).body
    // A row slipped in behind the repository's checks, as a second process could.
    await h.sql("INSERT INTO tags (id, slug, name, name_key, created_at, updated_at) VALUES ('x', 'politics', 'П', 'п', '', '')")
    const res = await h.call('PATCH', `/v1/tags/${tag.id}`, { body: { slug: 'politics' } })
    assert.equal(res.status, 409)
    assert.doesNotMatch(res.raw, /SQL|UNIQUE|constraint/i)
  })
})

describe('config', () => {
  test('parses every variable with its default', () => {
    assert.deepEqual(loadConfig({}), {
      port: 3000,
      host: '127.0.0.1',
      database: { engine: 'sqlite', path: 'data/cms.db' },
      adminToken: undefined,
      metricsToken: undefined,
      demoContent: true,
      publicUrl: 'http://localhost:3000',
      siteName: 'Newsroom',
      cacheMaxAge: 30,
      requestTimeoutMs: 15_000,
      authFailureLimit: 10,
      authFailureWindowMs: 60_000,
      rateLimitReads: 0,
      rateLimitWrites: 0,
      trustProxy: false,
      corsOrigins: [],
      logLevel: 'info',
      workers: 1,
      responseCacheMaxBytes: 32 * 1024 * 1024,
      responseCacheMaxEntries: 10_000,
      maxConnections: 10_000,
      changesRetentionMs: 90 * 86_400_000,
      webhookAllowPrivate: false,
      webhookRetryDelaysMs: [5, 300, 1800, 7200, 18000, 36000, 36000].map((seconds) => seconds * 1000),
      webhookTimeoutMs: 15_000,
      mediaStorage: { kind: 'file', folder: 'data/media' },
      mediaMaxBytes: 20 * 1024 * 1024,
      mediaMaxPixels: 50_000_000,
    })
    assert.deepEqual(loadConfig({ CMS_WEBHOOK_RETRY_SECONDS: '1, 2.5,60' }).webhookRetryDelaysMs, [1000, 2500, 60_000])
    assert.deepEqual(loadConfig({ CMS_MEDIA_STORAGE: 's3://newsroom-media/photos/2026', CMS_S3_ENDPOINT: 'http://127.0.0.1:9000' }).mediaStorage,
      { kind: 's3', bucket: 'newsroom-media', prefix: 'photos/2026/', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' })
    assert.deepEqual(loadConfig({ CMS_MEDIA_STORAGE: 's3://newsroom-media' }).mediaStorage,
      { kind: 's3', bucket: 'newsroom-media', prefix: '', endpoint: undefined, region: 'us-east-1' })
    assert.throws(() => loadConfig({ CMS_MEDIA_STORAGE: 'ftp://x' }), /CMS_MEDIA_STORAGE/)
    assert.throws(() => loadConfig({ CMS_MEDIA_MAX_BYTES: '-1' }), /CMS_MEDIA_MAX_BYTES/)
    assert.throws(() => loadConfig({ CMS_WEBHOOK_RETRY_SECONDS: '5,soon' }), /CMS_WEBHOOK_RETRY_SECONDS/)
    assert.throws(() => loadConfig({ CMS_CHANGES_RETENTION_DAYS: '0' }), /CMS_CHANGES_RETENTION_DAYS/)
    const custom = loadConfig({ PORT: '8080', DATABASE_URL: 'file::memory:', CMS_DEMO_CONTENT: 'false', CMS_PUBLIC_URL: 'https://news.example/', LOG_LEVEL: 'warn' })
    assert.equal(custom.port, 8080)
    assert.deepEqual(custom.database, { engine: 'sqlite', path: ':memory:' })
    assert.deepEqual(loadConfig({ DATABASE_URL: 'postgresql://cms@db/news?sslmode=require', DATABASE_POOL_MAX: '25' }).database,
      { engine: 'postgres', url: 'postgresql://cms@db/news?sslmode=require', poolMax: 25 })
    assert.equal(custom.demoContent, false)
    assert.equal(custom.publicUrl, 'https://news.example')
    // Without CMS_PUBLIC_URL, links point at the port the server listens on.
    assert.equal(loadConfig({ PORT: '4100' }).publicUrl, 'http://localhost:4100')
    assert.equal(loadConfig({ CMS_SITE_NAME: '  Вечерние новости ' }).siteName, 'Вечерние новости')
    const proxied = loadConfig({ TRUST_PROXY: '10.0.0.1,10.0.0.2', CORS_ORIGINS: 'https://news.example, https://app.news.example' })
    assert.deepEqual(proxied.trustProxy, ['10.0.0.1', '10.0.0.2'])
    assert.deepEqual(proxied.corsOrigins, ['https://news.example', 'https://app.news.example'])
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'not a url' }), /CORS_ORIGINS/)
    assert.equal(loadConfig({ CMS_WORKERS: '4' }).workers, 4)
    // Each worker would get its own, empty in-memory database.
    assert.throws(() => loadConfig({ CMS_WORKERS: '2', DATABASE_URL: 'file::memory:' }), /CMS_WORKERS/)
  })

  test('names every bad variable in one message', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty', CMS_ADMIN_TOKEN: 'short', DATABASE_URL: 'mysql://x', CMS_DEMO_CONTENT: 'yes' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      for (const key of ['PORT', 'CMS_ADMIN_TOKEN', 'DATABASE_URL', 'CMS_DEMO_CONTENT']) assert.match(error.message, new RegExp(key))
      assert.equal(error.message.split('\n').length, 1)
      return true
    })
  })
})

describe('database', () => {
  test('a file database gets its folder, WAL, synchronous=FULL and foreign keys, also when reopened', async (t) => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(`${tmpdir()}/cms-`)
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    for (let i = 0; i < 2; i++) {
      const db = openDatabase(`${dir}/nested/cms.db`)
      assert.equal(db.$client.pragma('journal_mode', { simple: true }), 'wal')
      assert.equal(db.$client.pragma('synchronous', { simple: true }), 2)
      assert.equal(db.$client.pragma('foreign_keys', { simple: true }), 1)
      assert.equal(db.$client.pragma('busy_timeout', { simple: true }), 5000)
      db.$client.close()
    }
  })
})
