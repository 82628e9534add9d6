import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { preparedDuring, setup, type Harness } from './helpers/app.js'

const statementsDuring = async (h: Harness, fn: () => Promise<unknown>) => (await preparedDuring(h, fn)).length

const publish = (h: Harness, title: string, extra: Record<string, unknown> = {}) =>
  h.call('POST', '/v1/articles', { body: { title, status: 'published', ...extra } })

describe('response cache', () => {
  test('a repeated anonymous read is answered from memory, byte for byte, with its headers', async (t) => {
    const h = await setup(t)
    await publish(h, 'Новость в кэше', { tags: ['Кэш'] })
    for (const url of ['/v1/feed', '/v1/feed.rss', '/v1/articles?limit=5', '/v1/tags', '/v1/search?q=новости']) {
      const first = await h.get(url)
      assert.ok(await statementsDuring(h, () => h.get(url)) === 0, `${url}: no SQL the second time`)
      const second = await h.get(url)
      assert.equal(second.raw, first.raw, url)
      assert.equal(second.headers.etag, first.headers.etag, url)
      assert.equal(second.headers['content-type'], first.headers['content-type'], url)
      assert.equal(second.headers['cache-control'], 'public, max-age=30', url)
      const notModified = await h.get(url, { 'if-none-match': String(first.headers.etag) })
      assert.equal(notModified.status, 304, url)
      assert.equal(notModified.headers['cache-control'], 'public, max-age=30', url)
    }
  })

  test('a revalidation answered 304 fills it too, so the next read is from memory', async (t) => {
    const h = await setup(t)
    await publish(h, 'Новость для проверки')
    const etag = String((await h.get('/v1/feed')).headers.etag)
    // A draft changes nothing public but empties the cache; the feed's ETag stays the same.
    await h.call('POST', '/v1/articles', { body: { title: 'Черновик' } })
    assert.equal((await h.get('/v1/feed', { 'if-none-match': etag })).status, 304)
    assert.equal(await statementsDuring(h, () => h.get('/v1/feed')), 0)
  })

  test('every write empties it, and requests with a token never use it', async (t) => {
    const h = await setup(t)
    const a = (await publish(h, 'Первый заголовок')).body
    assert.equal((await h.get('/v1/feed')).body.data[0].title, 'Первый заголовок')
    await h.call('PATCH', `/v1/articles/${a.id}`, { body: { title: 'Второй заголовок' } })
    assert.equal((await h.get('/v1/feed')).body.data[0].title, 'Второй заголовок')
    await h.call('POST', '/v1/articles', { body: { title: 'Черновик' } })
    assert.equal((await h.get('/v1/articles')).body.meta.total, 1)
    assert.equal((await h.call('GET', '/v1/articles?status=all')).body.meta.total, 2)
    await h.call('DELETE', `/v1/articles/${a.id}`)
    assert.equal((await h.get('/v1/feed')).body.data.length, 0)
  })

  test('a scheduled article appears the moment it comes due, cache or not', async (t) => {
    const h = await setup(t)
    await publish(h, 'Уже вышла')
    const at = new Date(Date.now() + 400).toISOString()
    await publish(h, 'Выйдет позже', { publishedAt: at })
    assert.equal((await h.get('/v1/feed')).body.data.length, 1)
    assert.equal((await h.get('/v1/feed')).body.data.length, 1)
    await sleep(Date.parse(at) - Date.now() + 20)
    assert.equal((await h.get('/v1/feed')).body.data[0].title, 'Выйдет позже')
  })

  test('a write by another connection (another process) empties it too', async (t) => {
    const dir = mkdtempSync(`${tmpdir()}/cms-cache-`)
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const h = await setup(t, {}, `${dir}/cms.db`)
    const created = await h.call('POST', '/v1/articles', { body: { title: 'С тегом', status: 'published', tags: ['Старое имя'] } })
    assert.equal((await h.get('/v1/tags')).body.data[0].name, 'Старое имя')
    const other = new Database(`${dir}/cms.db`)
    other.prepare("UPDATE tags SET name = 'Новое имя' WHERE id = ?").run(created.body.tags[0].id)
    other.close()
    assert.equal((await h.get('/v1/tags')).body.data[0].name, 'Новое имя')
  })
})
