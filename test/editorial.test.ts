import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import MarkdownIt from 'markdown-it'
import { setup, statementsRunDuring, type Harness } from './helpers/app.js'
import { fullArticle } from './helpers/fixtures.js'

const create = async (h: Harness, body: Record<string, unknown>) => {
  const res = await h.call('POST', '/v1/articles', { body })
  assert.equal(res.status, 201, res.raw)
  return res
}

describe('ETags and conditional reads', () => {
  test('an article’s strong ETag is the same from POST, GET by id and by slug, and changes with each version', async (t) => {
    const h = await setup(t)
    const created = await create(h, { ...fullArticle, status: 'published' })
    const etag = String(created.headers.etag)
    assert.match(etag, /^"[\w-]+"$/)
    const byId = await h.get(`/v1/articles/${created.body.id}`)
    assert.equal(byId.headers.etag, etag)
    assert.equal(byId.headers['last-modified'], new Date(created.body.updatedAt).toUTCString())
    assert.equal((await h.get(`/v1/articles/slug/${created.body.slug}`)).headers.etag, etag)
    const patched = await h.call('PATCH', `/v1/articles/${created.body.id}`, { body: { lead: 'Новый лид' } })
    assert.notEqual(patched.headers.etag, etag)
    assert.equal((await h.get(`/v1/articles/${created.body.id}`)).headers.etag, patched.headers.etag)
  })

  test('the ETag changes when a scheduled article goes live and when one of its tags is renamed', async (t) => {
    const h = await setup(t)
    const at = new Date(Date.now() + 300).toISOString()
    const a = (await create(h, { title: 'Скоро', status: 'published', publishedAt: at, tags: ['Москва'] })).body
    const scheduledTag = (await h.call('GET', `/v1/articles/${a.id}`)).headers.etag
    await sleep(Date.parse(at) - Date.now() + 20)
    const live = await h.call('GET', `/v1/articles/${a.id}`)
    assert.notEqual(live.headers.etag, scheduledTag)
    await h.call('PATCH', `/v1/tags/${a.tags[0].id}`, { body: { name: 'Москва и область' } })
    assert.notEqual((await h.call('GET', `/v1/articles/${a.id}`)).headers.etag, live.headers.etag)
  })

  test('every cacheable route answers If-None-Match with 304 and no body', async (t) => {
    const h = await setup(t)
    const a = (await create(h, { title: 'Кэш', status: 'published', tags: ['Тест'] })).body
    const urls = ['/v1/articles', `/v1/articles/${a.id}`, `/v1/articles/slug/${a.slug}`, '/v1/tags', `/v1/tags/${a.tags[0].id}`,
      `/v1/tags/slug/${a.tags[0].slug}`, `/v1/articles/${a.id}/revisions`, `/v1/articles/${a.id}/revisions/1`]
    for (const url of urls) {
      const needsToken = url.includes('/revisions')
      const first = await h.call('GET', url, { token: needsToken ? undefined : null })
      assert.equal(first.status, 200, url)
      assert.ok(first.headers.etag, url)
      assert.match(String(first.headers['cache-control']), needsToken ? /^private, no-cache$/ : /^public, max-age=30$/, url)
      const again = await h.call('GET', url, { token: needsToken ? undefined : null, headers: { 'if-none-match': String(first.headers.etag) } })
      assert.equal(again.status, 304, url)
      assert.equal(again.raw, '', url)
    }
  })

  test('a list’s ETag changes when any item in it changes', async (t) => {
    const h = await setup(t)
    const a = (await create(h, { title: 'Первая', status: 'published' })).body
    await create(h, { title: 'Вторая', status: 'published' })
    const before = (await h.get('/v1/articles')).headers.etag
    await h.call('PATCH', `/v1/articles/${a.id}`, { body: { title: 'Первая, исправленная' } })
    const after = await h.get('/v1/articles', { 'if-none-match': String(before) })
    assert.equal(after.status, 200)
    assert.notEqual(after.headers.etag, before)
  })
})

describe('If-Match: no lost updates', () => {
  test('a stale ETag gets 412 with the current version, and nothing is written', async (t) => {
    const h = await setup(t)
    const created = await create(h, { title: 'Исходник' })
    const stale = String(created.headers.etag)
    const id = created.body.id
    const fresh = await h.call('PATCH', `/v1/articles/${id}`, { body: { title: 'Правка первого редактора' }, headers: { 'if-match': stale } })
    assert.equal(fresh.status, 200)
    assert.equal(fresh.body.version, 2)
    for (const [method, url, body] of [['PATCH', `/v1/articles/${id}`, { title: 'Правка второго' }], ['DELETE', `/v1/articles/${id}`, undefined]] as const) {
      const res = await h.call(method, url, { body, headers: { 'if-match': stale } })
      assert.equal(res.status, 412, method)
      assert.equal(res.body.code, 'PRECONDITION_FAILED')
      assert.equal(res.body.currentVersion, 2)
    }
    const now = (await h.call('GET', `/v1/articles/${id}`)).body
    assert.equal(now.title, 'Правка первого редактора')
    assert.equal(now.status, 'draft')
    assert.equal((await h.call('PATCH', `/v1/articles/${id}`, { body: { lead: 'Ок' }, headers: { 'if-match': String(fresh.headers.etag) } })).status, 200)
    assert.equal((await h.call('PATCH', `/v1/articles/${id}`, { body: { lead: 'Любая' }, headers: { 'if-match': '*' } })).status, 200)
    assert.equal((await h.call('PATCH', `/v1/articles/${id}`, { body: { lead: 'Слабый' }, headers: { 'if-match': `W/${String(fresh.headers.etag)}` } })).status, 412)
  })

  test('restore and revision restore honour If-Match too', async (t) => {
    const h = await setup(t)
    const created = await create(h, { title: 'Корзина' })
    const id = created.body.id
    await h.call('DELETE', `/v1/articles/${id}`)
    assert.equal((await h.call('POST', `/v1/articles/${id}/restore`, { headers: { 'if-match': String(created.headers.etag) } })).status, 412)
    assert.equal((await h.call('POST', `/v1/articles/${id}/revisions/1/restore`, { headers: { 'if-match': String(created.headers.etag) } })).status, 412)
    assert.equal((await h.call('GET', `/v1/articles/${id}`)).body.status, 'deleted')
  })

  test('an If-Match that is not a quoted ETag is a 400 naming the header, not a 412', async (t) => {
    const h = await setup(t)
    const created = await create(h, { title: 'Кавычки' })
    const bare = String(created.headers.etag).replaceAll('"', '')
    for (const [method, url] of [['PATCH', `/v1/articles/${created.body.id}`], ['POST', `/v1/articles/${created.body.id}/revisions/1/restore`], ['DELETE', `/v1/articles/${created.body.id}`]] as const) {
      const res = await h.call(method, url, { headers: { 'if-match': bare }, ...(method === 'PATCH' ? { body: { lead: 'x' } } : {}) })
      assert.equal(res.status, 400, `${method} ${url}`)
      assert.equal(res.body.errors[0].path, 'headers.if-match')
      assert.match(res.body.errors[0].message, /double quotes/)
    }
    assert.equal((await h.call('GET', `/v1/articles/${created.body.id}`)).body.version, 1)
  })
  // Two editors racing with one ETag: test/concurrency.test.ts, on two server processes.
})

describe('revisions', () => {
  test('every create, update, trash and restore saves a full snapshot, listed newest first', async (t) => {
    const h = await setup(t)
    const a = (await create(h, { ...fullArticle })).body
    await h.call('PATCH', `/v1/articles/${a.id}`, { body: { title: 'Энергомост: второй вариант заголовка' } })
    await h.call('PATCH', `/v1/articles/${a.id}`, { body: { status: 'published', tags: ['Турция'] } })
    await h.call('DELETE', `/v1/articles/${a.id}`)
    await h.call('POST', `/v1/articles/${a.id}/restore`)
    const list = await h.call('GET', `/v1/articles/${a.id}/revisions`)
    assert.equal(list.status, 200)
    assert.deepEqual(list.body.data.map((r: { version: number }) => r.version), [5, 4, 3, 2, 1])
    assert.equal(list.body.meta.total, 5)
    assert.equal(list.body.data[4].title, fullArticle.title)
    assert.equal(list.body.data[0].savedBy, 'admin')
    const v1 = (await h.call('GET', `/v1/articles/${a.id}/revisions/1`)).body
    assert.equal(v1.title, fullArticle.title)
    assert.equal(v1.body, fullArticle.body)
    assert.equal(v1.bodyHtml, a.bodyHtml)
    assert.equal(v1.status, 'draft')
    assert.equal(v1.version, 1)
    assert.deepEqual(v1.tags.map((x: { name: string }) => x.name), fullArticle.tags)
    assert.equal(v1.savedBy, 'admin')
    assert.equal((await h.call('GET', `/v1/articles/${a.id}/revisions/4`)).body.status, 'deleted')
    const paged = await h.call('GET', `/v1/articles/${a.id}/revisions?limit=2`)
    assert.deepEqual(paged.body.data.map((r: { version: number }) => r.version), [5, 4])
    const next = await h.call('GET', `/v1/articles/${a.id}/revisions?limit=2&cursor=${paged.body.meta.nextCursor}`)
    assert.deepEqual(next.body.data.map((r: { version: number }) => r.version), [3, 2])
  })

  test('restoring a revision makes it the next version and keeps the history', async (t) => {
    const h = await setup(t)
    const a = (await create(h, { ...fullArticle })).body
    await h.call('PATCH', `/v1/articles/${a.id}`, { body: { title: 'Неудачная правка', body: 'Испорчено', tags: [], slug: 'isporcheno' } })
    const restored = await h.call('POST', `/v1/articles/${a.id}/revisions/1/restore`)
    assert.equal(restored.status, 200)
    assert.equal(restored.body.version, 3)
    assert.equal(restored.body.title, fullArticle.title)
    assert.equal(restored.body.body, fullArticle.body)
    assert.equal(restored.body.slug, 'isporcheno', 'the slug stays as it is now')
    assert.deepEqual(restored.body.tags.map((x: { name: string }) => x.name), fullArticle.tags)
    const versions = (await h.call('GET', `/v1/articles/${a.id}/revisions`)).body.data.map((r: { version: number, title: string }) => [r.version, r.title])
    assert.deepEqual(versions, [[3, fullArticle.title], [2, 'Неудачная правка'], [1, fullArticle.title]])
    assert.equal((await h.call('POST', `/v1/articles/${a.id}/revisions/99/restore`)).status, 404)
  })

  test('restoring a revision brings back content only: a live story stays live, with its date and slug', async (t) => {
    const h = await setup(t)
    const draft = (await create(h, { ...fullArticle, author: 'Анна Петрова' })).body
    await h.call('PATCH', `/v1/articles/${draft.id}`, { body: { title: 'Новый заголовок', author: null, status: 'published', slug: 'novyi-zagolovok' } })
    const read = await h.call('GET', `/v1/articles/${draft.id}`)
    const live = read.body
    const restored = await h.call('POST', `/v1/articles/${draft.id}/revisions/1/restore`, { headers: { 'if-match': String(read.headers.etag) } })
    assert.equal(restored.status, 200)
    assert.equal(restored.body.title, fullArticle.title)
    assert.equal(restored.body.author, 'Анна Петрова')
    assert.equal(restored.body.status, 'published')
    assert.equal(restored.body.publishedAt, live.publishedAt)
    assert.equal(restored.body.slug, 'novyi-zagolovok')
    assert.equal((await h.get(`/v1/articles/${draft.id}`)).status, 200, 'still public')
  })

  test('revisions need a token, are 404 for unknown ones, and go with a purged article', async (t) => {
    const h = await setup(t)
    const a = (await create(h, { title: 'Секрет', status: 'published' })).body
    const anonymous = await h.get(`/v1/articles/${a.id}/revisions`)
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer')
    assert.equal((await h.call('GET', `/v1/articles/${a.id}/revisions/2`)).status, 404)
    assert.equal((await h.call('GET', `/v1/articles/${a.id}/revisions/zero`)).status, 400)
    assert.equal((await h.call('GET', '/v1/articles/nope/revisions')).status, 404)
    await h.call('DELETE', `/v1/articles/${a.id}?permanent=true`)
    assert.equal((await h.call('GET', `/v1/articles/${a.id}/revisions`)).status, 404)
    assert.deepEqual(await h.sql('SELECT count(*) AS n FROM article_revisions'), [{ n: h.engine === 'postgres' ? '0' : 0 }])
  })
})

describe('slug history', () => {
  test('a former slug answers 301 to the current one, and no other article may take it', async (t) => {
    const h = await setup(t)
    const a = (await create(h, { title: 'Старый заголовок', status: 'published' })).body
    await h.call('PATCH', `/v1/articles/${a.id}`, { body: { slug: 'novyi-adres' } })
    const moved = await h.get(`/v1/articles/slug/${a.slug}`)
    assert.equal(moved.status, 301)
    assert.equal(moved.headers.location, 'http://localhost:3000/v1/articles/slug/novyi-adres')
    assert.equal((await h.get('/v1/articles/slug/novyi-adres')).body.id, a.id)
    const taken = await h.call('POST', '/v1/articles', { body: { title: 'Другая', slug: a.slug } })
    assert.equal(taken.status, 409)
    assert.equal((await create(h, { title: 'Старый заголовок' })).body.slug, `${a.slug}-2`)
    const back = await h.call('PATCH', `/v1/articles/${a.id}`, { body: { slug: a.slug } })
    assert.equal(back.status, 200, 'an article may take its own former slug back')
    assert.equal((await h.get('/v1/articles/slug/novyi-adres')).status, 301)
  })

  test('a former slug of an article the caller may not see is 404; purging releases it', async (t) => {
    const h = await setup(t)
    const a = (await create(h, { title: 'Черновик со слагом' })).body
    await h.call('PATCH', `/v1/articles/${a.id}`, { body: { slug: 'drugoi' } })
    assert.equal((await h.get(`/v1/articles/slug/${a.slug}`)).status, 404)
    assert.equal((await h.call('GET', `/v1/articles/slug/${a.slug}`)).status, 301)
    await h.call('DELETE', `/v1/articles/${a.id}?permanent=true`)
    assert.equal((await create(h, { title: 'Новая', slug: a.slug })).body.slug, a.slug)
  })
})

describe('writes and reads that do not repeat work', () => {
  const tagLoads = (sources: string[]) => sources.filter((sql) => /from "article_tags" inner join "tags"/i.test(sql)).length

  test('an update reads the article’s tags once before writing and once for the answer', async (t) => {
    const h = await setup(t)
    const created = await create(h, { title: 'Теги один раз', tags: ['Москва', 'Погода'] })
    const sources = await statementsRunDuring(h, () =>
      h.call('PATCH', `/v1/articles/${created.body.id}`, { body: { title: 'Теги по-прежнему', tags: ['Москва', 'Снег'] }, headers: { 'if-match': String(created.headers.etag) } }))
    assert.equal(tagLoads(sources), 2)
  })

  test('a generated slug costs the same queries with 1 or 60 articles of that title', async (t) => {
    const h = await setup(t)
    const statements = () => statementsRunDuring(h, () => create(h, { title: 'Срочно: заголовок дня' }))
    await create(h, { title: 'Срочно: заголовок дня' })
    const second = await statements()
    for (let i = 0; i < 57; i++) await create(h, { title: 'Срочно: заголовок дня' })
    const sixtieth = await statements()
    assert.equal(sixtieth.length, second.length, `the second create ran:\n${second.join('\n')}\nthe sixtieth:\n${sixtieth.join('\n')}`)
    const last = (await h.call('GET', '/v1/articles?status=all&limit=1&sort=-updatedAt')).body.data[0]
    assert.equal(last.slug, 'srochno-zagolovok-dnya-60')
  })

  test('a revision’s Markdown is rendered once, not on every read', async (t) => {
    const h = await setup(t)
    const created = await create(h, { title: 'Длинная версия', body: '## Раздел\n\n' + 'Абзац с **выделением**.\n\n'.repeat(200) })
    const render = MarkdownIt.prototype.render
    let renders = 0
    MarkdownIt.prototype.render = function (...args) { renders++; return render.apply(this, args) }
    t.after(() => { MarkdownIt.prototype.render = render })
    const first = await h.call('GET', `/v1/articles/${created.body.id}/revisions/1`)
    const second = await h.call('GET', `/v1/articles/${created.body.id}/revisions/1`)
    assert.equal(renders, 1)
    assert.equal(second.body.bodyHtml, first.body.bodyHtml)
    assert.equal(first.body.bodyHtml, created.body.bodyHtml)
  })
})
