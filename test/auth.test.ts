import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { ADMIN_TOKEN, setup, startApp, statementsRunDuring, type Harness } from './helpers/app.js'
import { postgresOnly } from './helpers/databases.js'
import { multipartUpload, samplePng } from './helpers/fixtures.js'

async function token (h: Harness, role: 'viewer' | 'editor' | 'admin', name = `${role} desk`, expiresAt?: string) {
  const res = await h.call('POST', '/v1/tokens', { body: { name, role, ...(expiresAt ? { expiresAt } : {}) } })
  assert.equal(res.status, 201, res.raw)
  return res.body as { id: string, token: string, name: string, role: string }
}

describe('tokens', () => {
  test('an admin creates a token whose secret is shown once and stored only as a hash', async (t) => {
    const h = await setup(t)
    const created = await h.call('POST', '/v1/tokens', { body: { name: 'Выпускающий редактор', role: 'editor' } })
    assert.equal(created.status, 201)
    assert.match(created.body.token, /^cms_[\w-]{43}$/)
    assert.equal(created.body.expiresAt, null)
    assert.equal(created.headers['cache-control'], 'no-store')
    const secret = created.body.token
    const list = await h.call('GET', '/v1/tokens')
    assert.ok(list.body.data.some((x: { id: string }) => x.id === created.body.id))
    assert.ok(!list.raw.includes(secret))
    assert.ok(list.body.data.every((x: Record<string, unknown>) => !('token' in x) && !('hash' in x)))
    // Neither secret is anywhere in the database file's tables.
    const dump = JSON.stringify(await h.sql('SELECT * FROM tokens'))
    assert.ok(!dump.includes(secret) && !dump.includes(ADMIN_TOKEN))
    const used = await h.call('POST', '/v1/articles', { token: secret, body: { title: 'От редактора' } })
    assert.equal(used.status, 201)
    const revisions = await h.call('GET', `/v1/articles/${used.body.id}/revisions`)
    assert.equal(revisions.body.data[0].savedBy, 'Выпускающий редактор')
    assert.ok((await h.call('GET', '/v1/tokens')).body.data.find((x: { id: string }) => x.id === created.body.id).lastUsedAt)
  })

  test('revocation is immediate; an expired token is unknown', async (t) => {
    const h = await setup(t)
    const editor = await token(h, 'editor')
    assert.equal((await h.call('GET', '/v1/articles?status=all', { token: editor.token })).status, 200)
    assert.equal((await h.call('DELETE', `/v1/tokens/${editor.id}`)).status, 204)
    assert.equal((await h.call('GET', '/v1/articles', { token: editor.token })).status, 401)
    assert.equal((await h.call('DELETE', `/v1/tokens/${editor.id}`)).status, 404)
    const brief = await token(h, 'viewer', 'на минуту', new Date(Date.now() + 300).toISOString())
    assert.equal((await h.call('GET', '/v1/articles', { token: brief.token })).status, 200)
    await sleep(350)
    assert.equal((await h.call('GET', '/v1/articles', { token: brief.token })).status, 401)
    assert.equal((await h.call('POST', '/v1/tokens', { body: { name: 'прошлое', role: 'viewer', expiresAt: '2020-01-01T00:00:00Z' } })).status, 400)
    assert.equal((await h.call('POST', '/v1/tokens', { body: { name: 'бог', role: 'root' } })).status, 400)
  })

  test('a token is looked up once while nothing changes; revoked by another connection, it is refused', async (t) => {
    const h = await setup(t)
    const viewer = await token(h, 'viewer', 'Корректор')
    const read = () => h.call('GET', '/v1/articles?status=all', { token: viewer.token })
    assert.equal((await read()).status, 200)
    const sources = await statementsRunDuring(h, read)
    assert.deepEqual(sources.filter((source) => /\btokens\b/i.test(source)), [], 'no token lookup the second time')
    // Another server's (or `npm run token revoke`'s) revocation: the database tells every server.
    await h.sql('UPDATE tokens SET revoked_at = ? WHERE id = ?', new Date().toISOString(), viewer.id)
    const deadline = Date.now() + 1_000
    while ((await read()).status === 200 && Date.now() < deadline) await sleep(20)
    assert.equal((await read()).status, 401)
  })

  test('CMS_ADMIN_TOKEN is ensured at start; changing it retires the old value', async (t) => {
    const h = await setup(t)
    const other = await startApp(h.store, { ...h.config, adminToken: 'another-admin-token-0123456789abcdef' })
    t.after(() => other.close())
    const asAdmin = (secret: string) => other.inject({ url: '/v1/tokens', headers: { authorization: `Bearer ${secret}` } })
    assert.equal((await asAdmin('another-admin-token-0123456789abcdef')).statusCode, 200)
    assert.equal((await asAdmin(ADMIN_TOKEN)).statusCode, 401)
  })

  test('the CMS_ADMIN_TOKEN token cannot be revoked through the API: 409, and it keeps working', async (t) => {
    const h = await setup(t)
    const envToken = (await h.call('GET', '/v1/tokens')).body.data.find((x: { name: string }) => x.name === 'admin')
    const res = await h.call('DELETE', `/v1/tokens/${envToken.id}`)
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 'ENV_TOKEN')
    assert.match(res.body.detail, /CMS_ADMIN_TOKEN/)
    assert.equal((await h.call('GET', '/v1/tokens')).status, 200)
  })
})

describe('authorization matrix', () => {
  type Caller = 'none' | 'bad' | 'viewer' | 'editor' | 'admin'
  type State = 'published' | 'draft' | 'scheduled' | 'deleted'
  interface Rule {
    /** `metrics`: the metrics token's route, which knows no API token; off (404 for everyone) in this harness. */
    role: 'public' | 'viewer' | 'editor' | 'admin' | 'metrics'
    /** Routes about one article run once per article state; `visible` ones hide unpublished ones from the public. */
    article?: 'visible' | 'any'
    request: (f: Fixture) => { url: string, body?: unknown, headers?: Record<string, string> }
  }
  interface Fixture { id: string, slug: string, tagId: string, tagSlug: string, tokenId: string, webhookId: string, deliveryId: string, mediaId: string }

  // One rule per operation in the served document: a route added without a rule fails this test.
  const rules: Record<string, Rule> = {
    'GET /healthz': { role: 'public', request: () => ({ url: '/healthz' }) },
    'GET /readyz': { role: 'public', request: () => ({ url: '/readyz' }) },
    'GET /metrics': { role: 'metrics', request: () => ({ url: '/metrics' }) },
    'GET /v1/articles': { role: 'public', request: () => ({ url: '/v1/articles' }) },
    'POST /v1/articles': { role: 'editor', request: () => ({ url: '/v1/articles', body: { title: 'Матрица' } }) },
    'GET /v1/articles/{id}': { role: 'public', article: 'visible', request: (f) => ({ url: `/v1/articles/${f.id}` }) },
    'GET /v1/articles/slug/{slug}': { role: 'public', article: 'visible', request: (f) => ({ url: `/v1/articles/slug/${f.slug}` }) },
    'PATCH /v1/articles/{id}': { role: 'editor', article: 'any', request: (f) => ({ url: `/v1/articles/${f.id}`, body: { lead: 'Правка' } }) },
    'DELETE /v1/articles/{id}': { role: 'editor', article: 'any', request: (f) => ({ url: `/v1/articles/${f.id}` }) },
    'POST /v1/articles/{id}/restore': { role: 'editor', article: 'any', request: (f) => ({ url: `/v1/articles/${f.id}/restore` }) },
    'GET /v1/articles/{id}/revisions': { role: 'viewer', article: 'any', request: (f) => ({ url: `/v1/articles/${f.id}/revisions` }) },
    'GET /v1/articles/{id}/revisions/{version}': { role: 'viewer', article: 'any', request: (f) => ({ url: `/v1/articles/${f.id}/revisions/1` }) },
    'POST /v1/articles/{id}/revisions/{version}/restore': { role: 'editor', article: 'any', request: (f) => ({ url: `/v1/articles/${f.id}/revisions/1/restore` }) },
    'GET /v1/feed': { role: 'public', request: () => ({ url: '/v1/feed' }) },
    'GET /v1/feed.rss': { role: 'public', request: () => ({ url: '/v1/feed.rss' }) },
    'GET /v1/feed.atom': { role: 'public', request: () => ({ url: '/v1/feed.atom' }) },
    'GET /v1/feed.json': { role: 'public', request: () => ({ url: '/v1/feed.json' }) },
    'GET /v1/search': { role: 'public', request: () => ({ url: '/v1/search?q=статья' }) },
    'GET /v1/tags': { role: 'public', request: () => ({ url: '/v1/tags' }) },
    'POST /v1/tags': { role: 'editor', request: () => ({ url: '/v1/tags', body: { name: `Тег ${Math.random()}` } }) },
    'GET /v1/tags/{id}': { role: 'public', request: (f) => ({ url: `/v1/tags/${f.tagId}` }) },
    'GET /v1/tags/slug/{slug}': { role: 'public', request: (f) => ({ url: `/v1/tags/slug/${f.tagSlug}` }) },
    'PATCH /v1/tags/{id}': { role: 'editor', request: (f) => ({ url: `/v1/tags/${f.tagId}`, body: { description: 'Описание' } }) },
    'DELETE /v1/tags/{id}': { role: 'editor', request: (f) => ({ url: `/v1/tags/${f.tagId}` }) },
    'POST /v1/media': { role: 'editor', request: () => ({ url: '/v1/media', body: photoForm.payload, headers: photoForm.headers }) },
    'GET /v1/media': { role: 'viewer', request: () => ({ url: '/v1/media' }) },
    'GET /v1/media/{id}': { role: 'public', request: (f) => ({ url: `/v1/media/${f.mediaId}` }) },
    'GET /v1/media/{id}/file': { role: 'public', request: (f) => ({ url: `/v1/media/${f.mediaId}/file?width=160` }) },
    'PATCH /v1/media/{id}': { role: 'editor', request: (f) => ({ url: `/v1/media/${f.mediaId}`, body: { credit: 'Фото: матрица' } }) },
    'DELETE /v1/media/{id}': { role: 'editor', request: (f) => ({ url: `/v1/media/${f.mediaId}` }) },
    'POST /v1/tokens': { role: 'admin', request: () => ({ url: '/v1/tokens', body: { name: 'Новый', role: 'viewer' } }) },
    'GET /v1/tokens': { role: 'admin', request: () => ({ url: '/v1/tokens' }) },
    'DELETE /v1/tokens/{id}': { role: 'admin', request: (f) => ({ url: `/v1/tokens/${f.tokenId}` }) },
    'GET /v1/changes': { role: 'public', request: () => ({ url: '/v1/changes' }) },
    'POST /v1/webhooks': { role: 'admin', request: () => ({ url: '/v1/webhooks', body: { url: 'http://127.0.0.1:9/hook', events: ['*'] } }) },
    'GET /v1/webhooks': { role: 'admin', request: () => ({ url: '/v1/webhooks' }) },
    'GET /v1/webhooks/{id}': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}` }) },
    'PATCH /v1/webhooks/{id}': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}`, body: { description: 'Матрица' } }) },
    'POST /v1/webhooks/{id}/secret': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}/secret` }) },
    'POST /v1/webhooks/{id}/ping': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}/ping` }) },
    'GET /v1/webhooks/{id}/deliveries': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}/deliveries` }) },
    'GET /v1/webhooks/{id}/deliveries/{deliveryId}': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}/deliveries/${f.deliveryId}` }) },
    'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}/deliveries/${f.deliveryId}/redeliver` }) },
    // Last: the admin's call deletes the webhook the rules above share.
    'DELETE /v1/webhooks/{id}': { role: 'admin', request: (f) => ({ url: `/v1/webhooks/${f.webhookId}` }) },
  }
  const rank = { public: 0, viewer: 1, editor: 2, admin: 3 }
  // An upload's form, made once the test starts (sharp makes the photo).
  let photoForm: ReturnType<typeof multipartUpload>

  test('every route × caller × article state gives exactly the contract’s answer', async (t) => {
    // The bad-token caller fails often; the throttle has its own test.
    // Its webhook points at a port nothing listens on (deliveries fail at once).
    const h = await setup(t, { authFailureLimit: 10_000, webhookAllowPrivate: true })
    photoForm = multipartUpload(await samplePng())
    const spec = (await h.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { 'x-required-role': string }>> }
    const operations = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    assert.deepEqual(Object.keys(rules).sort(), operations.sort(), 'one rule per operation')
    for (const [operation, rule] of Object.entries(rules)) {
      const [method, path] = operation.split(' ') as [string, string]
      assert.equal(spec.paths[path]![method.toLowerCase()]!['x-required-role'], rule.role, `${operation}: role shown in OpenAPI`)
    }

    const secrets: Record<Caller, string | null> = {
      none: null,
      bad: 'cms_this-token-does-not-exist-0000000000000000000',
      viewer: (await token(h, 'viewer')).token,
      editor: (await token(h, 'editor')).token,
      admin: ADMIN_TOKEN,
    }
    const webhookId = (await h.call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook', events: ['tag.created'] } })).body.id as string
    await h.call('POST', `/v1/webhooks/${webhookId}/ping`)
    const deliveryId = (await h.call('GET', `/v1/webhooks/${webhookId}/deliveries`)).body.data[0].id as string
    const media = async () => (await h.call('POST', '/v1/media', { body: photoForm.payload, headers: photoForm.headers })).body.id as string
    const fixture = async (state: State): Promise<Fixture> => {
      const title = `Статья ${state} ${Math.random()}`
      const body = state === 'draft' ? { title } : { title, status: 'published', publishedAt: state === 'scheduled' ? new Date(Date.now() + 3_600_000).toISOString() : undefined }
      const a = (await h.call('POST', '/v1/articles', { body: { ...body, tags: [title] } })).body
      if (state === 'deleted') await h.call('DELETE', `/v1/articles/${a.id}`)
      const tok = await token(h, 'viewer', 'к отзыву')
      return { id: a.id, slug: a.slug, tagId: a.tags[0].id, tagSlug: a.tags[0].slug, tokenId: tok.id, webhookId, deliveryId, mediaId: await media() }
    }

    let checked = 0
    for (const [operation, rule] of Object.entries(rules)) {
      const method = operation.split(' ')[0] as 'GET' | 'POST' | 'PATCH' | 'DELETE'
      const states: State[] = rule.article ? ['published', 'draft', 'scheduled', 'deleted'] : ['published']
      for (const state of states) {
        for (const caller of Object.keys(secrets) as Caller[]) {
          const { url, body, headers } = rule.request(await fixture(state))
          const res = await h.call(method, url, { token: secrets[caller], body, ...(headers ? { headers } : {}) })
          const where = `${operation} as ${caller} on a ${state} article`
          const callerRank = caller === 'none' || caller === 'bad' ? 0 : rank[caller]
          if (rule.role === 'metrics') assert.equal(res.status, 404, where)
          else if (caller === 'bad') assert.equal(res.status, 401, where)
          else if (rule.role !== 'public' && caller === 'none') {
            assert.equal(res.status, 401, where)
            assert.equal(res.headers['www-authenticate'], 'Bearer', where)
          } else if (callerRank < rank[rule.role]) assert.equal(res.status, 403, where)
          else if (rule.article === 'visible' && caller === 'none' && state !== 'published') assert.equal(res.status, 404, where)
          else assert.ok(res.status < 400 || res.status === 409, `${where}: ${res.status} ${res.raw.slice(0, 200)}`)
          checked++
        }
      }
    }
    assert.equal(checked, Object.values(rules).reduce((n, rule) => n + (rule.article ? 4 : 1) * 5, 0))
  })

  test('purging needs an admin even though trashing needs an editor', async (t) => {
    const h = await setup(t)
    const editor = await token(h, 'editor')
    const a = (await h.call('POST', '/v1/articles', { body: { title: 'Удалить' } })).body
    const res = await h.call('DELETE', `/v1/articles/${a.id}?permanent=true`, { token: editor.token })
    assert.equal(res.status, 403)
    assert.equal((await h.call('GET', `/v1/articles/${a.id}`)).body.status, 'draft', 'nothing happened')
  })
})

describe('throttling and limits', () => {
  test('after 10 failed authentications a minute, token-carrying requests get 429; anonymous ones do not', async (t) => {
    const h = await setup(t, { authFailureWindowMs: 1_000 })
    for (let i = 0; i < 10; i++) assert.equal((await h.call('GET', '/v1/feed', { token: `cms_guess_${i}` })).status, 401)
    const blocked = await h.call('GET', '/v1/feed', { token: 'cms_guess_11' })
    assert.equal(blocked.status, 429)
    assert.equal(blocked.body.code, 'TOO_MANY_FAILED_AUTHENTICATIONS')
    assert.ok(Number(blocked.headers['retry-after']) >= 1)
    assert.equal((await h.call('GET', '/v1/feed', { token: ADMIN_TOKEN })).status, 429, 'even a valid token waits')
    assert.equal((await h.get('/v1/feed')).status, 200)
    await sleep(1_050)
    assert.equal((await h.call('GET', '/v1/feed', { token: ADMIN_TOKEN })).status, 200)
  })

  test('a token from an address without failed authentications is not checked against the failure counts; one with a failure is',
    postgresOnly('SQLite counts failures in memory, with no statement to see'), async (t) => {
      const h = await setup(t)
      const countsRead = async (token: string) => {
        const sent: string[] = []
        h.listen((query, params) => { if (JSON.stringify(params).includes('auth-failures:')) sent.push(query) })
        await h.call('GET', '/v1/feed', { token })
        h.listen(undefined)
        return sent
      }
      assert.deepEqual(await countsRead(ADMIN_TOKEN), [], 'no failure here or on any server: nothing to read')
      assert.equal((await h.call('GET', '/v1/feed', { token: 'cms_guess_1' })).status, 401)
      assert.equal((await countsRead(ADMIN_TOKEN)).length, 1, 'after a failure the shared count is read')
    })

  test('request budgets, when configured, answer 429 with Retry-After and RateLimit headers', async (t) => {
    const h = await setup(t, { rateLimitReads: 3, rateLimitWrites: 2 })
    for (let i = 0; i < 3; i++) {
      const ok = await h.get('/v1/feed')
      assert.equal(ok.status, 200)
      assert.equal(ok.headers['ratelimit-limit'], '3')
    }
    const limited = await h.get('/v1/feed')
    assert.equal(limited.status, 429)
    assert.equal(limited.body.code, 'RATE_LIMITED')
    assert.ok(limited.headers['retry-after'])
    for (const probe of ['/healthz', '/readyz']) assert.equal((await h.get(probe)).status, 200, `${probe} is never rate-limited`)
    assert.equal((await h.call('GET', '/v1/feed')).status, 200, 'a token has its own budget')
    for (let i = 0; i < 2; i++) assert.equal((await h.call('POST', '/v1/tags', { body: { name: `Лимит ${i}` } })).status, 201)
    assert.equal((await h.call('POST', '/v1/tags', { body: { name: 'Лимит 3' } })).status, 429)
  })

  test('security headers everywhere; CORS only for allowed origins', async (t) => {
    const h = await setup(t, { corsOrigins: ['https://news.example'] })
    const res = await h.get('/v1/feed', { origin: 'https://news.example' })
    assert.equal(res.headers['access-control-allow-origin'], 'https://news.example')
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/)
    assert.equal((await h.get('/v1/feed', { origin: 'https://evil.example' })).headers['access-control-allow-origin'], undefined)
    const docs = await h.app.inject({ url: '/docs/' })
    assert.equal(docs.statusCode, 200)
    assert.doesNotMatch(docs.body, /<script>(?!<\/script>)[^<]+<\/script>/, '/docs needs no inline script')
  })

  test('errors carry the same CORS headers as successes, and Vary keeps Origin beside Authorization', async (t) => {
    const h = await setup(t, { corsOrigins: ['https://news.example', 'https://app.news.example'] })
    const origin = { origin: 'https://news.example' }
    const unauthorized = await h.call('GET', '/v1/feed', { token: 'cms_wrong', headers: origin })
    assert.equal(unauthorized.status, 401)
    assert.equal(unauthorized.headers['access-control-allow-origin'], 'https://news.example')
    const missing = await h.call('POST', '/v1/tags', { token: null, headers: origin, body: { name: 'Без токена' } })
    assert.equal(missing.status, 401)
    assert.equal(missing.headers['access-control-allow-origin'], 'https://news.example')
    const notFound = await h.get('/v1/articles/nope', origin)
    assert.equal(notFound.headers['access-control-allow-origin'], 'https://news.example')
    // The second read is a response-cache hit: it must vary the same way.
    for (const round of ['miss', 'hit']) {
      const res = await h.get('/v1/feed', { origin: 'https://app.news.example' })
      assert.equal(res.headers['access-control-allow-origin'], 'https://app.news.example', round)
      assert.deepEqual(String(res.headers.vary).split(', ').sort(), ['Authorization', 'Origin'], round)
    }
  })

  test('a 404 or 301 that a token would change is private and varies by Authorization', async (t) => {
    const h = await setup(t)
    const draft = (await h.call('POST', '/v1/articles', { body: { title: 'Черновик с прошлым', slug: 'staryi' } })).body
    await h.call('PATCH', `/v1/articles/${draft.id}`, { body: { slug: 'novyi' } })
    for (const url of [`/v1/articles/${draft.id}`, '/v1/articles/slug/staryi']) {
      const anonymous = await h.get(url)
      assert.equal(anonymous.status, 404)
      assert.equal(anonymous.headers['cache-control'], 'private, no-cache', url)
      assert.match(String(anonymous.headers.vary), /Authorization/, url)
    }
    const moved = await h.call('GET', '/v1/articles/slug/staryi', { token: await token(h, 'viewer').then((v) => v.token) })
    assert.equal(moved.status, 301)
    assert.equal(moved.headers['cache-control'], 'private, no-cache')
    assert.match(String(moved.headers.vary), /Authorization/)
  })

  test('over-long query strings are 400', async (t) => {
    const h = await setup(t)
    assert.equal((await h.get(`/v1/tags?q=${'я'.repeat(5000)}`)).status, 400)
    assert.equal((await h.get(`/v1/articles?tag=${'x'.repeat(5000)}`)).status, 400)
  })
})
