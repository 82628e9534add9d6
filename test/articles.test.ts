import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { setup, statementsRunDuring, type Harness } from './helpers/app.js'
import { engine } from './helpers/databases.js'
import { fullArticle, latestHeadlines } from './helpers/fixtures.js'

const create = async (h: Harness, body: Record<string, unknown>) => {
  const res = await h.call('POST', '/v1/articles', { body })
  assert.equal(res.status, 201, res.raw)
  return res.body
}

const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString()

describe('POST /v1/articles', () => {
  test('creates a draft with the full article, Location and ETag; Cyrillic comes back byte-exact', async (t) => {
    const h = await setup(t)
    const res = await h.call('POST', '/v1/articles', { body: { ...fullArticle, coverImage: { url: 'https://img.example/baku.jpg', alt: 'Церемония в Баку' } } })
    assert.equal(res.status, 201)
    const a = res.body
    assert.equal(res.headers.location, `http://localhost:3000/v1/articles/${a.id}`)
    assert.match(String(res.headers.etag), /^".+"$/)
    assert.equal(a.title, fullArticle.title)
    assert.equal(a.lead, fullArticle.lead)
    assert.equal(a.body, fullArticle.body)
    assert.equal(a.slug, 'azerbaidzhan-i-turtsiya-podpisali-soglashenie-o-zelenom-energomoste')
    assert.equal(a.status, 'draft')
    assert.equal(a.publishedAt, null)
    assert.equal(a.version, 1)
    assert.equal(a.lang, 'ru')
    assert.equal(a.author, 'Наталья Ёлкина')
    assert.deepEqual(a.coverImage, { url: 'https://img.example/baku.jpg', alt: 'Церемония в Баку' })
    assert.deepEqual(a.tags.map((x: { name: string }) => x.name), ['Энергетика', 'Азербайджан', 'Турция'])
    assert.equal(a.url, `http://localhost:3000/v1/articles/slug/${a.slug}`)
    assert.match(a.bodyHtml, /^<p><strong>БАКУ, 27 ноября\.<\/strong> Министры/)
    assert.match(a.bodyHtml, /<p>«Это не просто линия электропередачи, а новый маршрут для чистой энергии в Европу», — заявил/)
    assert.equal(a.createdAt, a.updatedAt)
    assert.match(a.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const fetched = await h.call('GET', `/v1/articles/${a.id}`)
    assert.equal(fetched.raw, res.raw)
  })

  test('links tags by slug or name in any case, creating unknown ones, without duplicates', async (t) => {
    const h = await setup(t)
    const tag = (await h.call('POST', '/v1/tags', { body: { name: 'Экономика', slug: 'economy' } })).body
    const a = await create(h, { title: 'Рубль укрепился', tags: ['economy', 'ЭКОНОМИКА', 'Валюта', 'валюта'] })
    assert.deepEqual(a.tags.map((x: { slug: string }) => x.slug), ['economy', 'valyuta'])
    assert.equal(a.tags[0].id, tag.id)
    assert.equal((await h.call('GET', '/v1/tags/slug/valyuta')).body.name, 'Валюта')
  })

  test('rejects unknown and read-only fields with errors[] and writes nothing', async (t) => {
    const h = await setup(t)
    const res = await h.call('POST', '/v1/articles', { body: { title: 'Заголовок', id: 'x', version: 7, createdAt: minutesFromNow(0), updatedAt: minutesFromNow(0), bodyHtml: '<b>', url: 'x', hacker: true } })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'VALIDATION_ERROR')
    assert.deepEqual(res.body.errors.map((e: { path: string }) => e.path).sort(), ['bodyHtml', 'createdAt', 'hacker', 'id', 'updatedAt', 'url', 'version'])
    assert.equal((await h.call('GET', '/v1/articles?status=all')).body.meta.total, 0)
  })

  test('enforces the contract’s limits', async (t) => {
    const h = await setup(t)
    const bad: Array<[string, Record<string, unknown>]> = [
      ['title', {}],
      ['title', { title: '   ' }],
      ['title', { title: 'я'.repeat(301) }],
      ['title', { title: 'строка\u0000' }],
      ['lead', { title: 'А', lead: 'л'.repeat(1001) }],
      ['body', { title: 'А', body: 'б'.repeat(200_001) }],
      ['tags', { title: 'А', tags: Array.from({ length: 51 }, (_, i) => `тег ${i}`) }],
      ['tags.0', { title: 'А', tags: [''] }],
      ['lang', { title: 'А', lang: 'русский' }],
      ['lang', { title: 'А', lang: 'r' }],
      ['status', { title: 'А', status: 'scheduled' }],
      ['status', { title: 'А', status: 'deleted' }],
      ['publishedAt', { title: 'А', publishedAt: 'завтра' }],
      ['publishedAt', { title: 'А', publishedAt: '2026-13-01T00:00:00Z' }],
      ['coverImage.url', { title: 'А', coverImage: { url: 'javascript:alert(1)' } }],
      ['coverImage.extra', { title: 'А', coverImage: { url: 'https://x.ru/a.png', extra: 1 } }],
      ['slug', { title: 'А', slug: 'Не-латиница' }],
    ]
    for (const [path, body] of bad) {
      const res = await h.call('POST', '/v1/articles', { body })
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80))
      assert.ok(res.body.errors.some((e: { path: string }) => e.path === path), `${path} in ${JSON.stringify(res.body.errors)}`)
    }
    const ok = await create(h, { title: '  А  ', lead: 'л'.repeat(1000), lang: 'EN-gb', tags: Array.from({ length: 50 }, (_, i) => `тег ${i}`) })
    assert.equal(ok.title, 'А')
    assert.equal(ok.lang, 'en-GB')
    assert.equal(ok.tags.length, 50)
  })
})

describe('slugs', () => {
  test('a taken generated slug gets -2, -3; an explicit one must be free (409)', async (t) => {
    const h = await setup(t)
    const title = 'Синоптики пообещали снег'
    assert.equal((await create(h, { title })).slug, 'sinoptiki-poobeshchali-sneg')
    assert.equal((await create(h, { title })).slug, 'sinoptiki-poobeshchali-sneg-2')
    assert.equal((await create(h, { title })).slug, 'sinoptiki-poobeshchali-sneg-3')
    const taken = await h.call('POST', '/v1/articles', { body: { title: 'Другое', slug: 'sinoptiki-poobeshchali-sneg' } })
    assert.equal(taken.status, 409)
    assert.equal(taken.body.code, 'SLUG_TAKEN')
    assert.equal((await create(h, { title: 'Другое', slug: 'snow-2026' })).slug, 'snow-2026')
  })

  test('a long title is cut to 100 chars at a word boundary', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Правительство утвердило долгосрочную программу модернизации региональных аэропортов и строительства новых взлётно-посадочных полос' })
    const whole = 'pravitelstvo-utverdilo-dolgosrochnuyu-programmu-modernizatsii-regionalnykh-aeroportov-i-stroitelstva-novykh-vzletno-posadochnykh-polos'
    assert.equal(a.slug, whole.slice(0, 100))
    assert.equal(whole[100], '-', 'the cut falls on a word boundary')
  })

  test('other scripts transliterate, and an untransliterable title still gets a slug', async (t) => {
    const h = await setup(t)
    assert.equal((await create(h, { title: 'Ελλάδα: εκλογές' })).slug, 'ellada-ekloges')
    assert.equal((await create(h, { title: '🔥🔥🔥' })).slug, 'article')
  })

  test('editing the title never changes the slug', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Первый вариант' })
    const edited = await h.call('PATCH', `/v1/articles/${a.id}`, { body: { title: 'Совсем другой заголовок' } })
    assert.equal(edited.body.slug, a.slug)
    assert.equal(edited.body.title, 'Совсем другой заголовок')
  })

  // 100 concurrent creates of one title: test/concurrency.test.ts, on two server processes.
})

describe('publishing and scheduling', () => {
  test('published without publishedAt publishes now and is public', async (t) => {
    const h = await setup(t)
    const before = new Date().toISOString()
    const a = await create(h, { title: 'ЦБ сохранил ставку', status: 'published' })
    assert.equal(a.status, 'published')
    assert.ok(a.publishedAt >= before && a.publishedAt <= new Date().toISOString())
    assert.equal((await h.get(`/v1/articles/${a.id}`)).status, 200)
    assert.equal((await h.get(`/v1/articles/slug/${a.slug}`)).status, 200)
  })

  test('a draft is 404 to the public and visible with the token', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Черновик', publishedAt: minutesFromNow(-10) })
    assert.equal(a.status, 'draft')
    for (const url of [`/v1/articles/${a.id}`, `/v1/articles/slug/${a.slug}`]) {
      const res = await h.get(url)
      assert.equal(res.status, 404)
      assert.equal(res.body.code, 'NOT_FOUND')
      assert.equal((await h.call('GET', url)).body.status, 'draft')
    }
    assert.equal((await h.get('/v1/articles')).body.meta.total, 0)
  })

  test('a future publishedAt schedules; the article appears at that instant with no job', async (t) => {
    const h = await setup(t)
    const at = new Date(Date.now() + 600).toISOString()
    const a = await create(h, { title: 'Аэрофлот возобновит рейсы', status: 'published', publishedAt: at })
    assert.equal(a.status, 'scheduled')
    assert.equal(a.publishedAt, at)
    assert.equal((await h.get(`/v1/articles/${a.id}`)).status, 404)
    assert.equal((await h.get('/v1/articles')).body.data.length, 0)
    assert.equal((await h.get(`/v1/tags/${a.tags[0]?.id ?? 'none'}`)).status, 404)
    await sleep(Date.parse(at) - Date.now() + 20)
    const now = await h.get(`/v1/articles/${a.id}`)
    assert.equal(now.status, 200)
    assert.equal(now.body.status, 'published')
    assert.equal((await h.get('/v1/articles')).body.data[0].id, a.id)
  })

  test('publishedAt with an offset is stored as UTC with milliseconds', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Время по Москве', status: 'published', publishedAt: '2026-11-27T12:00:00+03:00' })
    assert.equal(a.publishedAt, '2026-11-27T09:00:00.000Z')
  })

  test('PATCH publishes, schedules and unpublishes; each change bumps version once', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Учёные представили процессор' })
    const published = (await h.call('PATCH', `/v1/articles/${a.id}`, { body: { status: 'published' } })).body
    assert.equal(published.status, 'published')
    assert.equal(published.version, 2)
    assert.ok(published.publishedAt)
    const scheduled = (await h.call('PATCH', `/v1/articles/${a.id}`, { body: { publishedAt: minutesFromNow(60) } })).body
    assert.equal(scheduled.status, 'scheduled')
    assert.equal(scheduled.version, 3)
    const draft = (await h.call('PATCH', `/v1/articles/${a.id}`, { body: { status: 'draft' } })).body
    assert.equal(draft.status, 'draft')
    assert.equal(draft.version, 4)
    const same = (await h.call('PATCH', `/v1/articles/${a.id}`, { body: { status: 'draft', title: 'Учёные представили процессор' } })).body
    assert.equal(same.version, 4, 'a PATCH that changes nothing is not a new version')
    assert.ok(same.updatedAt >= a.updatedAt)
  })
})

describe('PATCH /v1/articles/{id}', () => {
  test('updates only the given fields, re-renders the body and replaces tags', async (t) => {
    const h = await setup(t)
    const a = await create(h, { ...fullArticle })
    const res = await h.call('PATCH', `/v1/articles/${a.id}`, { body: { body: 'Новый *текст*', tags: ['Турция'], lead: null, coverImage: null } })
    assert.equal(res.status, 200)
    const b = res.body
    assert.equal(b.title, fullArticle.title)
    assert.equal(b.bodyHtml, '<p>Новый <em>текст</em></p>\n')
    assert.equal(b.lead, null)
    assert.deepEqual(b.tags.map((x: { name: string }) => x.name), ['Турция'])
    assert.equal(b.version, 2)
    assert.equal(b.createdAt, a.createdAt)
  })

  test('404 for an unknown id, 409 for a taken slug, 400 for read-only fields; nothing changes', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Первая' })
    const b = await create(h, { title: 'Вторая' })
    assert.equal((await h.call('PATCH', '/v1/articles/01JZZZZZZZZZZZZZZZZZZZZZZZ', { body: { title: 'Х' } })).status, 404)
    assert.equal((await h.call('PATCH', `/v1/articles/${b.id}`, { body: { slug: a.slug } })).status, 409)
    assert.equal((await h.call('PATCH', `/v1/articles/${b.id}`, { body: { version: 9 } })).status, 400)
    assert.equal((await h.call('PATCH', `/v1/articles/${b.id}`, { body: { title: 'Новая', status: 'gone' } })).status, 400)
    assert.equal((await h.call('PATCH', `/v1/articles/${b.id}`, { token: null, body: { title: 'Новая' } })).status, 401)
    const after = await h.call('GET', `/v1/articles/${b.id}`)
    assert.equal(after.body.title, 'Вторая')
    assert.equal(after.body.version, 1)
  })
})

describe('bodyHtml', () => {
  test('is sanitized: no scripts, handlers, javascript: or data: URLs; links get rel=noopener', async (t) => {
    const h = await setup(t)
    const body = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[ссылка](javascript:alert(1)) [ещё](JaVaScRiPt:alert(1))',
      '![картинка](data:image/png;base64,AAAA)',
      '[сайт](https://example.ru/новости)',
      '<a href="https://evil.example" onclick="x()">raw</a>',
    ].join('\n\n')
    const a = await create(h, { title: 'Проверка', body })
    assert.doesNotMatch(a.bodyHtml, /<script/i)
    assert.doesNotMatch(a.bodyHtml, /<[^>]+\son\w+=/i, 'no event handler attributes')
    assert.doesNotMatch(a.bodyHtml, /(href|src)="(javascript|data):/i)
    assert.match(a.bodyHtml, /<img alt="картинка" \/>/)
    assert.match(a.bodyHtml, /<a href="https:\/\/example\.ru\/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8" rel="noopener">сайт<\/a>/)
    assert.match(a.bodyHtml, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
  })
})

describe('DELETE /v1/articles/{id} and restore', () => {
  test('trash hides an article from the public; staff still see it as deleted; restore brings it back', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Новость для корзины', status: 'published', tags: ['Корзина'] })
    assert.equal((await h.call('DELETE', `/v1/articles/${a.id}`, { token: null })).status, 401)
    assert.equal((await h.call('DELETE', `/v1/articles/${a.id}`)).status, 204)
    assert.equal((await h.get(`/v1/articles/${a.id}`)).status, 404)
    assert.equal((await h.get(`/v1/articles/slug/${a.slug}`)).status, 404)
    assert.equal((await h.get('/v1/articles')).body.meta.total, 0)
    assert.equal((await h.get('/v1/tags/slug/korzina')).status, 404, 'its only article is in the trash: the tag is hidden too')
    const staff = await h.call('GET', `/v1/articles/${a.id}`)
    assert.equal(staff.body.status, 'deleted')
    assert.equal((await h.call('GET', '/v1/articles?status=deleted')).body.data[0].id, a.id)
    const restored = await h.call('POST', `/v1/articles/${a.id}/restore`)
    assert.equal(restored.status, 200)
    assert.equal(restored.body.status, 'published')
    assert.equal(restored.body.publishedAt, a.publishedAt)
    assert.equal((await h.get(`/v1/articles/${a.id}`)).status, 200)
    assert.equal((await h.call('POST', `/v1/articles/${a.id}/restore`)).status, 409)
  })

  test('permanent=true purges the article and its tag links', async (t) => {
    const h = await setup(t)
    const a = await create(h, { title: 'Удалить навсегда', tags: ['Архив'] })
    assert.equal((await h.call('DELETE', `/v1/articles/${a.id}?permanent=true`)).status, 204)
    assert.equal((await h.call('GET', `/v1/articles/${a.id}`)).status, 404)
    assert.equal((await h.call('GET', '/v1/tags/slug/arkhiv')).body.articleCount, 0)
    assert.equal((await h.call('DELETE', `/v1/articles/${a.id}`)).status, 404)
    assert.equal((await h.call('DELETE', `/v1/articles/${a.id}?permanent=yes`)).status, 400)
  })
})

describe('GET /v1/articles', () => {
  /** Ten published headlines an hour apart, newest first, plus a draft and a scheduled one. */
  async function newsroom (h: Harness) {
    const items = []
    for (const [i, title] of latestHeadlines.entries()) {
      items.push(await create(h, {
        title,
        lead: `Лид новости № ${i + 1}`,
        body: `Текст новости № ${i + 1}.`,
        status: 'published',
        publishedAt: new Date(Date.UTC(2026, 10, 27, 18 - i)).toISOString(),
        lang: i === 3 ? 'en' : 'ru',
        tags: i % 2 === 0 ? ['Москва'] : i % 3 === 0 ? ['Спорт'] : ['Экономика'],
      }))
    }
    const draft = await create(h, { title: 'Черновик', tags: ['Москва'] })
    const scheduled = await create(h, { title: 'Завтра', status: 'published', publishedAt: minutesFromNow(60), tags: ['Москва'] })
    return { items, draft, scheduled }
  }

  test('lists published articles newest first without bodies; include=body adds them', async (t) => {
    const h = await setup(t)
    const { items } = await newsroom(h)
    const res = await h.get('/v1/articles')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data.map((a: { title: string }) => a.title), latestHeadlines)
    assert.equal(res.body.meta.total, 10)
    assert.equal(res.body.meta.limit, 20)
    assert.equal(res.body.meta.nextCursor, null)
    assert.equal(res.body.data[0].body, undefined)
    assert.equal(res.body.data[0].bodyHtml, undefined)
    assert.deepEqual(res.body.data[0].tags.map((x: { name: string }) => x.name), ['Москва'])
    const withBody = await h.get('/v1/articles?include=body&limit=1')
    assert.equal(withBody.body.data[0].body, 'Текст новости № 1.')
    assert.equal(withBody.body.data[0].bodyHtml, '<p>Текст новости № 1.</p>\n')
    assert.equal(items.length, 10)
  })

  test('one text rule everywhere: NFC; control, bidi-override and lone-surrogate characters are 400, tag names inside an article too', async (t) => {
    const h = await setup(t)
    // Decomposed é (e + U+0301) and Й (И + U+0306) are stored precomposed.
    const created = await create(h, { title: 'Cafe\u0301 «И\u0306ошкар-Ола»', lead: 'Строка\nвторая', tags: ['Cafe\u0301'] })
    assert.equal(created.title, 'Caf\u00e9 «\u0419ошкар-Ола»')
    assert.equal(created.tags[0].name, 'Caf\u00e9')
    const bad: Array<[string, string, unknown]> = [
      ['POST', '/v1/articles', { title: 'Подмена \u202eтекста' }],
      ['POST', '/v1/articles', { title: 'Изоляция \u2066' }],
      ['POST', '/v1/articles', { title: 'Тег', tags: ['Спорт\u0000'] }],
      ['POST', '/v1/articles', { title: 'Тег', tags: ['Звонок\u0007'] }],
      ['POST', '/v1/articles', { title: 'Автор', author: 'Иван\u001b[31m' }],
      ['POST', '/v1/articles', '{"title":"Половина \\ud800 пары"}'],
      ['POST', '/v1/tags', { name: 'Тег\u202d' }],
      ['POST', '/v1/tokens', { name: 'Токен\u2069', role: 'viewer' }],
      ['PATCH', `/v1/articles/${created.id}`, { body: 'Текст\u0000' }],
    ]
    for (const [method, url, body] of bad) {
      const res = await h.call(method as 'POST', url, { body, ...(typeof body === 'string' ? { headers: { 'content-type': 'application/json' } } : {}) })
      assert.equal(res.status, 400, `${method} ${url} ${JSON.stringify(body)}`)
    }
    assert.equal((await h.get(`/v1/search?q=${encodeURIComponent('ёлка\u202e')}`)).status, 400)
    assert.equal((await h.call('GET', `/v1/articles/${created.id}`)).body.version, 1)
    assert.equal((await h.call('GET', '/v1/articles?status=all')).body.meta.total, 1)
  })

  test('a cover image URL is stored in its WHATWG form: no raw quote, <, > or space', async (t) => {
    const h = await setup(t)
    const res = await h.call('POST', '/v1/articles', { body: { title: 'Обложка', coverImage: { url: 'http://a.b/x.png" onerror="alert(1)', alt: 'Фото' } } })
    assert.equal(res.status, 201)
    assert.equal(res.body.coverImage.url, 'http://a.b/x.png%22%20onerror=%22alert(1)')
    const patched = await h.call('PATCH', `/v1/articles/${res.body.id}`, { body: { coverImage: { url: 'HTTPS://Example.COM/фото <1>.jpg' } } })
    assert.equal(patched.body.coverImage.url, 'https://example.com/%D1%84%D0%BE%D1%82%D0%BE%20%3C1%3E.jpg')
  })

  test('with include=body a page holds at most 20 items, and meta.limit says what was used', async (t) => {
    const h = await setup(t)
    for (let i = 0; i < 22; i++) await create(h, { title: `Длинная новость ${i}`, body: 'Абзац.\n\n'.repeat(50), status: 'published' })
    const res = await h.get('/v1/articles?include=body&limit=100')
    assert.equal(res.body.data.length, 20)
    assert.equal(res.body.meta.limit, 20)
    assert.ok(res.body.meta.nextCursor)
    const rest = await h.get(`/v1/articles?include=body&limit=100&cursor=${res.body.meta.nextCursor}`)
    assert.equal(rest.body.data.length, 2)
    assert.equal((await h.get('/v1/articles?limit=100')).body.data.length, 22, 'without bodies, up to 100')
  })

  test('filters by tag (any of), lang and publication dates; counts matches in meta.total', async (t) => {
    const h = await setup(t)
    await newsroom(h)
    const titles = async (query: string) => (await h.get(`/v1/articles?${query}`)).body.data.map((a: { title: string }) => a.title)
    assert.deepEqual(await titles('tag=moskva'), latestHeadlines.filter((_, i) => i % 2 === 0))
    assert.deepEqual(await titles('tag=sport,ekonomika'), latestHeadlines.filter((_, i) => i % 2 === 1))
    assert.deepEqual(await titles('tag=netu'), [])
    assert.deepEqual(await titles('lang=en'), [latestHeadlines[3]])
    assert.deepEqual(await titles('lang=EN'), [latestHeadlines[3]])
    assert.deepEqual(await titles('publishedAfter=2026-11-27T16:00:00.000Z'), latestHeadlines.slice(0, 2))
    assert.deepEqual(await titles('publishedBefore=2026-11-27T11:00:00Z'), latestHeadlines.slice(8))
    assert.equal((await h.get('/v1/articles?tag=moskva&lang=ru&limit=1')).body.meta.total, 5)
  })

  test('lists of one shape with other values answer for their own values (a list query is built once per shape)', async (t) => {
    const h = await setup(t)
    await newsroom(h)
    // With a token nothing comes from the response cache: each of these runs the list query again.
    const list = async (query: string) => {
      const res = await h.call('GET', `/v1/articles?${query}`)
      assert.equal(res.status, 200, query)
      return { titles: res.body.data.map((a: { title: string }) => a.title), total: res.body.meta.total }
    }
    const moscow = latestHeadlines.filter((_, i) => i % 2 === 0)
    const sport = latestHeadlines.filter((_, i) => i % 2 === 1 && i % 3 === 0)
    const economy = latestHeadlines.filter((_, i) => i % 2 === 1 && i % 3 !== 0)
    for (const [slug, expected] of [['moskva', moscow], ['sport', sport], ['ekonomika', economy], ['moskva', moscow]] as const) {
      assert.deepEqual(await list(`tag=${slug}`), { titles: expected, total: expected.length }, slug)
      assert.deepEqual(await list(`tag=${slug}&publishedAfter=2026-11-27T13:30:00.000Z`), { titles: expected.filter((title) => latestHeadlines.indexOf(title) < 5), total: expected.filter((title) => latestHeadlines.indexOf(title) < 5).length }, `${slug}, after`)
    }
    assert.deepEqual((await list('lang=en')).titles, [latestHeadlines[3]])
    assert.deepEqual((await list('lang=ru')).titles, latestHeadlines.filter((_, i) => i !== 3))
    for (const hours of [16, 12, 9]) {
      const after = new Date(Date.UTC(2026, 10, 27, hours, 30)).toISOString()
      assert.deepEqual((await list(`publishedAfter=${after}`)).titles, latestHeadlines.slice(0, 18 - hours), after)
    }
    // Two cursors of the same walk: each page starts after its own cursor.
    const first = await h.call('GET', '/v1/articles?limit=3')
    const second = await h.call('GET', `/v1/articles?limit=3&cursor=${first.body.meta.nextCursor as string}`)
    const third = await h.call('GET', `/v1/articles?limit=3&cursor=${second.body.meta.nextCursor as string}`)
    assert.deepEqual([...first.body.data, ...second.body.data, ...third.body.data].map((a: { title: string }) => a.title), latestHeadlines.slice(0, 9))
  })

  test('sorts by publishedAt either way, by -updatedAt and by title', async (t) => {
    const h = await setup(t)
    const { items } = await newsroom(h)
    const titles = async (query: string) => (await h.get(`/v1/articles?${query}`)).body.data.map((a: { title: string }) => a.title)
    assert.deepEqual(await titles('sort=publishedAt'), [...latestHeadlines].reverse())
    await h.call('PATCH', `/v1/articles/${items[5].id}`, { body: { lead: 'Обновлено' } })
    assert.equal((await titles('sort=-updatedAt'))[0], latestHeadlines[5])
    const key = (s: string) => s.toLowerCase().replaceAll('ё', 'е')
    assert.deepEqual(await titles('sort=title'), [...latestHeadlines].sort((a, b) => key(a) < key(b) ? -1 : 1))
  })

  test('staff filter by status; the public may not', async (t) => {
    const h = await setup(t)
    const { draft, scheduled } = await newsroom(h)
    const ids = async (status: string) => (await h.call('GET', `/v1/articles?status=${status}`)).body.data.map((a: { id: string }) => a.id)
    assert.deepEqual(await ids('draft'), [draft.id])
    assert.deepEqual(await ids('scheduled'), [scheduled.id])
    assert.equal((await ids('published')).length, 10)
    assert.equal((await ids('all')).length, 12)
    assert.deepEqual(await ids('deleted'), [])
    const anonymous = await h.get('/v1/articles?status=draft')
    assert.equal(anonymous.status, 401)
    assert.equal((await h.get('/v1/articles?status=published')).status, 200)
    const staffList = await h.call('GET', '/v1/articles?status=all&sort=publishedAt')
    assert.equal(staffList.body.data[0].id, draft.id, 'undated drafts sort first ascending')
    assert.equal(staffList.headers['cache-control'], 'private, no-cache')
  })

  test('keyset pages cover every article once, also with inserts mid-walk, with Link headers', async (t) => {
    const h = await setup(t)
    await newsroom(h)
    for (const sort of ['-publishedAt', 'publishedAt', '-updatedAt', 'title']) {
      const expected = (await h.call('GET', '/v1/articles?status=all&limit=1')).body.meta.total
      const seen: string[] = []
      let cursor: string | null = null
      let inserted = false
      do {
        const url: string = `/v1/articles?status=all&limit=3&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`
        const res = await h.call('GET', url)
        assert.equal(res.status, 200)
        seen.push(...res.body.data.map((a: { id: string }) => a.id))
        cursor = res.body.meta.nextCursor
        if (cursor) assert.match(String(res.headers.link), /rel="next"$/)
        if (!inserted) {
          // Lands before the walk's position in every sort order, so it must not appear.
          const before = sort === 'title' ? 'Аааа' : 'Яяяя'
          const early = sort === '-publishedAt' || sort === '-updatedAt' ? minutesFromNow(-1) : '2000-01-01T00:00:00.000Z'
          await create(h, { title: before, status: 'published', publishedAt: early })
          inserted = true
        }
      } while (cursor)
      assert.equal(new Set(seen).size, seen.length, `${sort}: no article twice`)
      assert.equal(seen.length, expected, `${sort}: none skipped`)
    }
  })

  test('bad parameters and cursors are 400, never 500', async (t) => {
    const h = await setup(t)
    await newsroom(h)
    const valid = (await h.get('/v1/articles?limit=2')).body.meta.nextCursor
    for (const query of ['limit=0', 'limit=101', 'sort=random', 'status=unknown', 'include=everything', 'lang=!!', 'publishedAfter=yesterday',
      'cursor=xyz', `cursor=${valid}&sort=title`, `cursor=${Buffer.from('["-publishedAt",5,"x"]').toString('base64url')}`, 'foo=bar', `tag=${'x'.repeat(1001)}`]) {
      const res = await h.get(`/v1/articles?${query}`)
      assert.equal(res.status, 400, query)
    }
    // A control character in anything looked up is a 400 on both engines (PostgreSQL cannot be asked about a NUL).
    const nulCursor = Buffer.from(JSON.stringify(['-publishedAt', '2026-11-28T00:00:00.000Z', 'a\u0000b'])).toString('base64url')
    for (const url of ['/v1/articles/a%00b', '/v1/articles/slug/a%00b', '/v1/tags/slug/a%00', '/v1/tags/a%01', '/v1/articles?tag=a%00',
      '/v1/search?q=%D0%B0&tag=a%00', `/v1/articles?cursor=${nulCursor}`]) {
      assert.equal((await h.get(url)).status, 400, url)
    }
  })

  test('on PostgreSQL every list order is read from an index in that order, never by sorting the table', { skip: engine !== 'postgres' && 'PostgreSQL only: SQLite orders its NULLs the way its indexes do' }, async (t) => {
    const h = await setup(t)
    // Enough rows that sorting them would be the planner's choice only without a matching index.
    await h.sql(`INSERT INTO articles (id, slug, title, title_key, lead, body, body_html, status, published_at, lang, version, created_at, updated_at)
      SELECT 'B' || lpad(g::text, 25, '0'), 'b-' || g, 'Заметка ' || g, 'заметка ' || g, NULL, '', '', 'published', t, 'ru', 1, t, t
      FROM generate_series(1, 3000) g, LATERAL (SELECT to_char(timestamp '2026-01-01' + g * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t) times`)
    await h.sql('ANALYZE articles')
    const viewer = (await h.call('POST', '/v1/tokens', { body: { name: 'Превью', role: 'viewer' } })).body.token
    const sent: Array<[string, unknown[]]> = []
    h.listen((query, params) => { if (/^select .* from "articles" .*order by/is.test(query)) sent.push([query, params]) })
    for (const sort of ['-publishedAt', 'publishedAt', '-updatedAt', 'title']) {
      assert.equal((await h.call('GET', `/v1/articles?sort=${sort}&status=all`, { token: viewer })).status, 200)
    }
    assert.equal((await h.get('/v1/feed?lang=ru')).status, 200)
    h.listen(undefined)
    assert.ok(sent.length >= 5, `the lists' queries: ${sent.length}`)
    for (const [query, params] of sent) {
      const plan = (await h.sql(`EXPLAIN ${query}`, ...params)).map((row) => row['QUERY PLAN']).join('\n')
      assert.doesNotMatch(plan, /Sort/, `${query}\n${plan}`)
    }
  })

  test('one page costs the same number of queries whatever its size (no N+1)', async (t) => {
    const h = await setup(t)
    await newsroom(h)
    // A viewer's reads are never served from the response cache: each runs its queries.
    const viewer = (await h.call('POST', '/v1/tokens', { body: { name: 'Превью', role: 'viewer' } })).body.token
    // The content-state check is left out by the helper: it is per request, not per page.
    const run = (url: string) => statementsRunDuring(h, () => h.call('GET', url, { token: viewer }))
    const sameCount = (large: string[], small: string[]) => assert.equal(large.length, small.length, `${large.join('\n')}\n——— against ———\n${small.join('\n')}`)
    await run('/v1/articles?limit=1')
    const small = await run('/v1/articles?limit=1')
    assert.ok(small.length > 0)
    sameCount(await run('/v1/articles?limit=10&include=body'), small)
    sameCount(await run('/v1/feed?limit=10'), await run('/v1/feed?limit=1'))
    sameCount(await run('/v1/search?q=новости&limit=10'), await run('/v1/search?q=новости&limit=1'))
  })
})

describe('tags count articles per audience', () => {
  test('the public counts what is published now; staff count everything but the trash', async (t) => {
    const h = await setup(t)
    await create(h, { title: 'Опубликовано', status: 'published', tags: ['Москва'] })
    await create(h, { title: 'Черновик', tags: ['Москва'] })
    await create(h, { title: 'Позже', status: 'published', publishedAt: minutesFromNow(30), tags: ['Москва'] })
    const trashed = await create(h, { title: 'В корзине', status: 'published', tags: ['Москва'] })
    await h.call('DELETE', `/v1/articles/${trashed.id}`)
    assert.equal((await h.get('/v1/tags/slug/moskva')).body.articleCount, 1)
    assert.equal((await h.call('GET', '/v1/tags/slug/moskva')).body.articleCount, 3)
    await create(h, { title: 'Ещё', status: 'published', tags: ['Спорт', 'Москва'] })
    const sorted = (await h.get('/v1/tags?sort=-articleCount')).body.data
    assert.deepEqual(sorted.map((x: { slug: string, articleCount: number }) => [x.slug, x.articleCount]), [['moskva', 2], ['sport', 1]])
  })
})
