import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { setup, type Harness } from './helpers/app.js'

const createTag = async (h: Harness, body: Record<string, unknown>) => {
  const res = await h.call('POST', '/v1/tags', { body })
  assert.equal(res.status, 201, res.raw)
  return res.body
}

describe('POST /v1/tags', () => {
  test('creates a tag, keeps Cyrillic byte-exact and transliterates the slug', async (t) => {
    const h = await setup(t)
    const name = 'Ёлки — «Новый год»'
    const res = await h.call('POST', '/v1/tags', { body: { name, description: 'Праздник: ёлочные базары и «зимние» цены' } })
    assert.equal(res.status, 201)
    assert.equal(res.body.name, name)
    assert.equal(res.body.description, 'Праздник: ёлочные базары и «зимние» цены')
    assert.equal(res.body.slug, 'elki-novyi-god')
    assert.equal(res.body.articleCount, 0)
    assert.equal(res.headers.location, `http://localhost:3000/v1/tags/${res.body.id}`)
    assert.match(res.body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const again = await h.call('GET', `/v1/tags/${res.body.id}`)
    assert.equal(Buffer.compare(Buffer.from(again.raw), Buffer.from(JSON.stringify(res.body))), 0)
  })

  test('trims the name and rejects a duplicate in any case, Cyrillic included', async (t) => {
    const h = await setup(t)
    const tag = await createTag(h, { name: '  Турция  ' })
    assert.equal(tag.name, 'Турция')
    for (const name of ['ТУРЦИЯ', 'турция', ' Турция ']) {
      const res = await h.call('POST', '/v1/tags', { body: { name } })
      assert.equal(res.status, 409)
      assert.equal(res.body.code, 'TAG_NAME_TAKEN')
    }
    const yo = await createTag(h, { name: 'Ёлка' })
    assert.ok(yo.id)
    assert.equal((await h.call('POST', '/v1/tags', { body: { name: 'елка' } })).status, 409)
  })

  test('suffixes a generated slug that is taken with -2, -3', async (t) => {
    const h = await setup(t)
    assert.equal((await createTag(h, { name: 'Россия' })).slug, 'rossiya')
    assert.equal((await createTag(h, { name: 'Россия!' })).slug, 'rossiya-2')
    assert.equal((await createTag(h, { name: 'Россия?' })).slug, 'rossiya-3')
  })

  test('falls back to "tag" when nothing transliterates', async (t) => {
    const h = await setup(t)
    assert.equal((await createTag(h, { name: '🔥🔥' })).slug, 'tag')
  })

  test('validates an explicit slug (400) and refuses a taken one (409)', async (t) => {
    const h = await setup(t)
    await createTag(h, { name: 'Экономика', slug: 'economy' })
    for (const slug of ['Economy', 'eco nomy', '-economy', 'economy-', 'эко', 'a'.repeat(101)]) {
      const res = await h.call('POST', '/v1/tags', { body: { name: 'Другое', slug } })
      assert.equal(res.status, 400, slug)
      assert.equal(res.body.errors[0].path, 'slug')
    }
    const taken = await h.call('POST', '/v1/tags', { body: { name: 'Финансы', slug: 'economy' } })
    assert.equal(taken.status, 409)
    assert.equal(taken.body.code, 'SLUG_TAKEN')
  })

  test('rejects unknown and read-only fields, empty and over-long names, listing each error', async (t) => {
    const h = await setup(t)
    const res = await h.call('POST', '/v1/tags', { body: { name: '', id: 'x', articleCount: 5 } })
    assert.equal(res.status, 400)
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(res.body.code, 'VALIDATION_ERROR')
    assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path).sort(), ['articleCount', 'id', 'name'])
    for (const body of [{ name: 'x'.repeat(101) }, { name: '   ' }, { name: 'a\u0001b' }, { name: 5 }, {}, [], 'строка', null]) {
      assert.equal((await h.call('POST', '/v1/tags', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).status, 400, JSON.stringify(body))
    }
    assert.equal((await h.call('GET', '/v1/tags')).body.meta.total, 0, 'nothing was written')
  })

  test('needs a token: 401 with WWW-Authenticate, and an unknown token is 401 too', async (t) => {
    const h = await setup(t)
    const anonymous = await h.call('POST', '/v1/tags', { token: null, body: { name: 'Политика' } })
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer')
    const wrong = await h.call('POST', '/v1/tags', { token: 'not-the-admin-token-but-long-enough-000', body: { name: 'Политика' } })
    assert.equal(wrong.status, 401)
    assert.equal((await h.call('GET', '/v1/tags', { token: 'wrong' })).status, 401)
    assert.equal((await h.call('GET', '/v1/tags', { token: null, headers: { authorization: 'Basic abc' } })).status, 401)
  })
})

describe('GET /v1/tags/{id} and /v1/tags/slug/{slug}', () => {
  test('finds a tag by id and by slug; 404 problem otherwise', async (t) => {
    const h = await setup(t)
    const tag = await createTag(h, { name: 'Азербайджан' })
    assert.equal(tag.slug, 'azerbaidzhan')
    assert.deepEqual((await h.call('GET', `/v1/tags/${tag.id}`)).body, tag)
    assert.deepEqual((await h.call('GET', '/v1/tags/slug/azerbaidzhan')).body, tag)
    const missing = await h.call('GET', '/v1/tags/01JZZZZZZZZZZZZZZZZZZZZZZZ')
    assert.equal(missing.status, 404)
    assert.equal(missing.body.code, 'NOT_FOUND')
    assert.equal((await h.call('GET', '/v1/tags/slug/netu-takogo')).status, 404)
  })

  test('carries an ETag and answers If-None-Match with 304 and no body', async (t) => {
    const h = await setup(t)
    const tag = await createTag(h, { name: 'Спорт' })
    await h.call('POST', '/v1/articles', { body: { title: '«Зенит» выиграл', status: 'published', tags: ['Спорт'] } })
    const first = await h.get(`/v1/tags/${tag.id}`)
    assert.equal(first.headers['cache-control'], 'public, max-age=30')
    assert.equal(first.headers.vary, 'Authorization')
    const etag = String(first.headers.etag)
    assert.match(etag, /^"[\w-]+"$/)
    const revalidated = await h.get(`/v1/tags/${tag.id}`, { 'if-none-match': etag })
    assert.equal(revalidated.status, 304)
    assert.equal(revalidated.raw, '')
    assert.equal((await h.get(`/v1/tags/${tag.id}`, { 'if-none-match': `"other", W/${etag}` })).status, 304)
    await h.call('PATCH', `/v1/tags/${tag.id}`, { body: { description: 'Футбол и хоккей' } })
    assert.equal((await h.get(`/v1/tags/${tag.id}`, { 'if-none-match': etag })).status, 200)
    const privately = await h.call('GET', `/v1/tags/${tag.id}`)
    assert.equal(privately.headers['cache-control'], 'private, no-cache')
  })
})

describe('look-alike names', () => {
  test('names that look the same are one tag: Latin and Cyrillic letters, invisible characters', async (t) => {
    const h = await setup(t)
    const cyrillic = await createTag(h, { name: 'Тест' })
    for (const name of ['Tест', 'Те\u00adст', 'Тес\u200bт']) {
      const res = await h.call('POST', '/v1/tags', { body: { name } })
      assert.equal(res.status, 409, JSON.stringify(name))
      assert.equal(res.body.code, 'TAG_NAME_TAKEN')
    }
    const other = await createTag(h, { name: 'Спорт' })
    assert.equal((await h.call('PATCH', `/v1/tags/${other.id}`, { body: { name: 'Tест' } })).status, 409)
    // Given inside an article, a look-alike name links the existing tag instead of making a twin.
    const article = (await h.call('POST', '/v1/articles', { body: { title: 'Проверка', tags: ['Tест', 'Cпopт'] } })).body
    assert.deepEqual(article.tags.map((x: { id: string }) => x.id), [cyrillic.id, other.id])
    assert.equal((await h.call('GET', '/v1/tags')).body.meta.total, 2)
    assert.equal((await createTag(h, { name: 'Тесты' })).name, 'Тесты', 'a different name is still free')
  })
})

test('tags from before look-alike keys get theirs at start', async (t) => {
  const h = await setup(t)
  await createTag(h, { name: 'Тест' })
  await createTag(h, { name: 'Другой' })
  await h.sql('UPDATE tags SET name_skeleton = NULL')
  assert.equal((await h.call('POST', '/v1/tags', { body: { name: 'Tест' } })).status, 201, 'not yet keyed: a twin slips in')
  // prepareStore runs this at every start. The two older tags are filled; the first "Тест" looks
  // like the twin, which already holds the key, so it keeps its name without one.
  assert.equal(await h.store.tags.backfillSkeletons(), 2)
  assert.equal((await h.call('POST', '/v1/tags', { body: { name: 'Те\u00adст' } })).status, 409)
  assert.equal((await h.call('POST', '/v1/tags', { body: { name: 'Дpугой' } })).status, 409)
})

describe('what the public sees of tags', () => {
  test('a tag only drafts or scheduled stories use does not exist for the public: 404, absent from lists and autocomplete', async (t) => {
    const h = await setup(t)
    const draft = (await h.call('POST', '/v1/articles', { body: { title: 'Министр уходит', tags: ['Отставка министра Петрова'] } })).body
    const tag = draft.tags[0]
    const soon = new Date(Date.now() + 400).toISOString()
    await h.call('POST', '/v1/articles', { body: { title: 'Скоро', status: 'published', publishedAt: soon, tags: ['Эмбарго'] } })
    await h.call('POST', '/v1/articles', { body: { title: 'Открыто', status: 'published', tags: ['Открытая тема'] } })
    const publicNames = async (query = '') => (await h.get(`/v1/tags${query}`)).body.data.map((x: { name: string }) => x.name)
    assert.deepEqual(await publicNames(), ['Открытая тема'])
    assert.equal((await h.get('/v1/tags')).body.meta.total, 1)
    assert.deepEqual(await publicNames(`?q=${encodeURIComponent('Отст')}`), [])
    assert.deepEqual(await publicNames('?sort=-articleCount'), ['Открытая тема'])
    assert.equal((await h.get(`/v1/tags/${tag.id}`)).status, 404)
    assert.equal((await h.get(`/v1/tags/slug/${tag.slug}`)).status, 404)
    const staff = await h.call('GET', `/v1/tags/${tag.id}`)
    assert.equal(staff.body.articleCount, 1)
    assert.equal((await h.call('GET', '/v1/tags')).body.meta.total, 3)
    // The scheduled story goes live, and its tag with it; publishing the draft reveals the other.
    await sleep(Date.parse(soon) - Date.now() + 20)
    assert.deepEqual(await publicNames(), ['Открытая тема', 'Эмбарго'])
    await h.call('PATCH', `/v1/articles/${draft.id}`, { body: { status: 'published' } })
    const shown = await h.get(`/v1/tags/${tag.id}`)
    assert.equal(shown.status, 200)
    assert.equal(shown.body.articleCount, 1)
    await h.call('DELETE', `/v1/articles/${draft.id}`)
    assert.equal((await h.get(`/v1/tags/${tag.id}`)).status, 404, 'trashed: hidden again')
  })
})

describe('PATCH /v1/tags/{id}', () => {
  test('renames, reslugs and describes; conflicts are 409; unknown id 404', async (t) => {
    const h = await setup(t)
    const tag = await createTag(h, { name: 'Культура' })
    await createTag(h, { name: 'Наука' })
    const renamed = await h.call('PATCH', `/v1/tags/${tag.id}`, { body: { name: 'Культура и искусство', slug: 'kultura', description: null } })
    assert.equal(renamed.status, 200)
    assert.equal(renamed.body.name, 'Культура и искусство')
    assert.equal(renamed.body.slug, 'kultura')
    assert.equal(renamed.body.createdAt, tag.createdAt)
    assert.ok(renamed.body.updatedAt >= tag.updatedAt)
    assert.equal((await h.call('PATCH', `/v1/tags/${tag.id}`, { body: { name: 'НАУКА' } })).status, 409)
    assert.equal((await h.call('PATCH', `/v1/tags/${tag.id}`, { body: { slug: 'nauka' } })).status, 409)
    assert.equal((await h.call('PATCH', `/v1/tags/${tag.id}`, { body: { slug: 'Bad Slug' } })).status, 400)
    assert.equal((await h.call('PATCH', `/v1/tags/${tag.id}`, { body: { createdAt: '2020-01-01T00:00:00.000Z' } })).status, 400)
    assert.equal((await h.call('PATCH', '/v1/tags/nope', { body: { name: 'Х' } })).status, 404)
    assert.equal((await h.call('GET', `/v1/tags/${tag.id}`)).body.name, 'Культура и искусство')
  })
})

describe('DELETE /v1/tags/{id}', () => {
  test('deletes (204), then the tag is gone (404)', async (t) => {
    const h = await setup(t)
    const tag = await createTag(h, { name: 'Происшествия' })
    assert.equal((await h.call('DELETE', `/v1/tags/${tag.id}`, { token: null })).status, 401)
    const res = await h.call('DELETE', `/v1/tags/${tag.id}`)
    assert.equal(res.status, 204)
    assert.equal(res.raw, '')
    assert.equal((await h.call('GET', `/v1/tags/${tag.id}`)).status, 404)
    assert.equal((await h.call('DELETE', `/v1/tags/${tag.id}`)).status, 404)
  })
})

describe('GET /v1/tags', () => {
  const names = ['Россия', 'Ростов-на-Дону', 'роскосмос', 'Турция', 'Экономика', 'economy', 'Ёлки', 'Европа']

  test('autocompletes a prefix in any case, Cyrillic and ё included', async (t) => {
    const h = await setup(t)
    for (const name of names) await createTag(h, { name })
    const found = async (q: string) => (await h.call('GET', `/v1/tags?q=${encodeURIComponent(q)}`)).body.data.map((x: { name: string }) => x.name)
    assert.deepEqual(await found('рос'), ['роскосмос', 'Россия', 'Ростов-на-Дону'])
    assert.deepEqual(await found('РОС'), ['роскосмос', 'Россия', 'Ростов-на-Дону'])
    assert.deepEqual(await found('Россия'), ['Россия'])
    assert.deepEqual(await found('ёлк'), ['Ёлки'])
    assert.deepEqual(await found('Е'), ['Европа', 'Ёлки'])
    assert.deepEqual(await found('ECO'), ['economy'])
    assert.deepEqual(await found('ж'), [])
  })

  test('pages with keyset cursors and a Link header, covering every tag once', async (t) => {
    const h = await setup(t)
    for (const name of names) await createTag(h, { name })
    const seen: string[] = []
    let url: string | null = '/v1/tags?limit=3'
    let pages = 0
    while (url) {
      const res = await h.call('GET', url)
      assert.equal(res.status, 200)
      assert.equal(res.body.meta.total, names.length)
      assert.equal(res.body.meta.limit, 3)
      seen.push(...res.body.data.map((x: { name: string }) => x.name))
      const link = res.headers.link as string | undefined
      if (res.body.meta.nextCursor) {
        assert.match(String(link), /^<http:\/\/localhost:3000\/v1\/tags\?limit=3&cursor=[\w-]+>; rel="next"$/)
        url = `/v1/tags?limit=3&cursor=${res.body.meta.nextCursor}`
      } else {
        assert.equal(link, undefined)
        url = null
      }
      pages++
    }
    assert.equal(pages, 3)
    const key = (name: string) => name.toLowerCase().replaceAll('ё', 'е')
    assert.deepEqual(seen, [...names].sort((a, b) => key(a) < key(b) ? -1 : 1))
  })

  test('rejects bad parameters and cursors with 400, never 500', async (t) => {
    const h = await setup(t)
    await createTag(h, { name: 'Политика' })
    const first = await h.get('/v1/tags?limit=1&sort=-articleCount')
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'sort=random', 'cursor=garbage', 'cursor=%00%01',
      `cursor=${Buffer.from('["name",1]').toString('base64url')}`, 'unknown=1', 'q=' + 'я'.repeat(101), 'limit=1&limit=2',
      `sort=name&cursor=${first.body.meta.nextCursor ?? Buffer.from('["-articleCount",0,"x"]').toString('base64url')}`]) {
      const res = await h.get(`/v1/tags?${query}`)
      assert.equal(res.status, 400, query)
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    }
  })
})
