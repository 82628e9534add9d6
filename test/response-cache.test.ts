import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import Database from 'better-sqlite3'
import { setup, statementsRunDuring, type Harness } from './helpers/app.js'

// A real collection before each heap measurement, without a flag on the whole test run.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

// Executions, not preparations: the hottest reads run statements prepared at start. A hit runs only
// the content-state check (which the helper leaves out); any other statement means the answer was
// computed again.
const statementsDuring = async (h: Harness, fn: () => Promise<unknown>) => (await statementsRunDuring(h, fn)).length

const publish = (h: Harness, title: string, extra: Record<string, unknown> = {}) =>
  h.call('POST', '/v1/articles', { body: { title, status: 'published', ...extra } })

describe('response cache', () => {
  test('a repeated anonymous read is answered from memory, byte for byte, with its headers', async (t) => {
    const h = await setup(t)
    const article = (await publish(h, 'Новость в кэше', { tags: ['Кэш'] })).body
    const urls = ['/v1/feed', '/v1/feed.rss', '/v1/articles?limit=5', '/v1/tags', '/v1/search?q=новости',
      `/v1/articles/${article.id}`, `/v1/articles/slug/${article.slug}`, `/v1/tags/${article.tags[0].id}`]
    for (const url of urls) {
      const first = await h.get(url)
      assert.equal(await statementsDuring(h, () => h.get(url)), 0, `${url}: no SQL but the content check the second time`)
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

  test('a hit carries every header of the answer it repeats, and this request’s own id and CORS headers', async (t) => {
    const h = await setup(t, { corsOrigins: ['https://news.example'] })
    await publish(h, '«Кэш»: заголовки на месте')
    const origin = { origin: 'https://news.example' }
    const miss = await h.get('/v1/feed', origin)
    const hit = await h.get('/v1/feed', origin)
    assert.equal(await statementsDuring(h, () => h.get('/v1/feed', origin)), 0, 'the second read is a hit')
    const comparable = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'x-request-id' && name !== 'date'))
    assert.deepEqual(comparable(hit.headers), comparable(miss.headers))
    assert.equal(hit.headers.vary, 'Origin, Authorization')
    assert.equal(hit.headers['access-control-allow-origin'], 'https://news.example')
    assert.ok(hit.headers['x-request-id'] && hit.headers['x-request-id'] !== miss.headers['x-request-id'], 'an id of its own')
    assert.equal((await h.get('/v1/feed', { 'x-request-id': 'lb-7f3a' })).headers['x-request-id'], 'lb-7f3a')
    assert.equal((await h.get('/v1/feed')).headers['access-control-allow-origin'], undefined, 'no CORS header for a request without an allowed Origin')
  })

  test('a 304 carries only what a cache needs to update its copy (RFC 9110 §15.4.5), from memory or not', async (t) => {
    const h = await setup(t, { corsOrigins: ['https://news.example'] })
    await publish(h, '«Кэш»: пустой ответ')
    const viewer = (await h.call('POST', '/v1/tokens', { body: { name: 'Превью', role: 'viewer' } })).body.token
    const etag = String((await h.get('/v1/feed')).headers.etag)
    const headers = { 'if-none-match': etag, origin: 'https://news.example' }
    const fromMemory = await h.get('/v1/feed', headers)
    const computed = await h.call('GET', '/v1/feed', { token: viewer, headers: { ...headers, 'if-none-match': String((await h.call('GET', '/v1/feed', { token: viewer })).headers.etag) } })
    for (const [name, res] of [['from memory', fromMemory], ['with a token', computed]] as const) {
      assert.equal(res.status, 304, name)
      assert.equal(res.raw, '', name)
      for (const wanted of ['etag', 'cache-control', 'vary', 'x-request-id', 'access-control-allow-origin']) assert.ok(res.headers[wanted], `${name}: ${wanted}`)
      for (const unwanted of ['content-type', 'content-length', 'link', 'content-security-policy', 'x-content-type-options', 'strict-transport-security']) {
        assert.equal(res.headers[unwanted], undefined, `${name}: no ${unwanted}`)
      }
    }
    assert.equal(fromMemory.headers['cache-control'], 'public, max-age=30')
    assert.equal(computed.headers['cache-control'], 'private, no-cache')
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

  test('only content changes empty it: a token’s recorded last use does not', async (t) => {
    const h = await setup(t)
    await publish(h, 'Новость остаётся в кэше')
    const viewer = (await h.call('POST', '/v1/tokens', { body: { name: 'Превью', role: 'viewer' } })).body.token
    await h.get('/v1/feed')
    // The viewer's first request records its last use: a write, but not to content.
    assert.equal((await h.call('GET', '/v1/articles?status=all', { token: viewer })).status, 200)
    assert.equal(await statementsDuring(h, () => h.get('/v1/feed')), 0, 'the content version held: the entry is kept')
    await h.call('PATCH', `/v1/tags/${(await h.call('POST', '/v1/tags', { body: { name: 'Новый' } })).body.id}`, { body: { description: 'Описание' } })
    assert.ok(await statementsDuring(h, () => h.get('/v1/feed')) > 0, 'a tag write is a content change')
  })

  test('memory is bounded: keys and headers count, absurd URLs are not kept, the least recently used goes first', async (t) => {
    const h = await setup(t, { responseCacheMaxEntries: 3 })
    await publish(h, 'Новость для памяти', { tags: ['Память'] })
    const longUrl = `/v1/tags?q=${'я'.repeat(40)}&limit=20`
    await h.app.inject(longUrl)
    const { bytes } = h.app.responseCacheStats()
    const body = (await h.app.inject(longUrl)).rawPayload.length
    assert.ok(bytes >= body + longUrl.length * 2, `${bytes} counts the body (${body}) and the key`)
    await h.app.inject(`/v1/tags?q=${'я'.repeat(1_000)}`)
    assert.equal(h.app.responseCacheStats().entries, 1, 'a URL over 1,024 characters is not kept')
    for (const url of ['/v1/feed?limit=1', '/v1/feed?limit=2']) await h.app.inject(url)
    await h.app.inject(longUrl)
    await h.app.inject('/v1/feed?limit=3')
    assert.equal(h.app.responseCacheStats().entries, 3)
    assert.equal(await statementsDuring(h, () => h.app.inject(longUrl)), 0, 'recently used: kept')
    assert.ok(await statementsDuring(h, () => h.app.inject('/v1/feed?limit=1')) > 0, 'least recently used: gone')
  })

  test('30,000 unique valid URLs leave it within its bounds, and the heap with it', async (t) => {
    const h = await setup(t, { responseCacheMaxBytes: 4 * 1024 * 1024 })
    await publish(h, 'Новость для потока', { tags: ['Поток'] })
    const used = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers }
    await sleep(50)
    gc()
    const before = used()
    for (let i = 0; i < 30_000; i++) {
      const res = await h.app.inject(`/v1/tags?q=${encodeURIComponent('Пото')}&limit=${1 + (i % 100)}&cursor=${Buffer.from(JSON.stringify(['name', `k${i}`])).toString('base64url')}`)
      assert.equal(res.statusCode, 200)
      // Let the event loop turn now and then, as a server's does: injected responses are let go of then.
      if (i % 1_000 === 0) await sleep(1)
    }
    const { entries, bytes } = h.app.responseCacheStats()
    assert.ok(bytes <= 4 * 1024 * 1024, `${bytes} bytes`)
    assert.ok(entries > 1_000 && entries < 30_000, `${entries} entries`)
    // Responses are let go of once the event loop turns.
    for (let i = 0; i < 3; i++) {
      await sleep(50)
      gc()
    }
    const grown = (used() - before) / 1024 / 1024
    assert.ok(grown < 12, `heap and buffers grew ${grown.toFixed(1)} MB for a 4 MB cache`)
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
    const rename = "UPDATE tags SET name = 'Новое имя' WHERE id = ?"
    if (h.engine === 'postgres') {
      // Another connection, as another server's: its commit is announced, and seen within a second.
      await h.sql(rename, created.body.tags[0].id)
      const deadline = Date.now() + 1_000
      while ((await h.get('/v1/tags')).body.data[0].name !== 'Новое имя' && Date.now() < deadline) await sleep(20)
    } else {
      const other = new Database(`${dir}/cms.db`)
      other.prepare(rename).run(created.body.tags[0].id)
      other.close()
      // Another process's commit reaches a client, and its next request reaches us, through sockets:
      // in a later turn of the event loop, where the other connections' changes are read again.
      await new Promise(setImmediate)
    }
    assert.equal((await h.get('/v1/tags')).body.data[0].name, 'Новое имя')
  })
})
