import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { parseFeed } from '@rowanmanning/feed-parser'
import { extractFromJson, extractFromXml } from '@extractus/feed-extractor'
import RssParser from 'rss-parser'
import { SaxesParser } from 'saxes'
import { itemUrn } from '../src/lib/ids.js'
import { preparedDuring, setup, startApp, type Harness } from './helpers/app.js'
import { sqliteOnly } from './helpers/databases.js'
import { latestHeadlines } from './helpers/fixtures.js'

const publish = async (h: Harness, title: string, publishedAt: string, extra: Record<string, unknown> = {}) => {
  const res = await h.call('POST', '/v1/articles', { body: { title, lead: `Лид: ${title}`, status: 'published', publishedAt, ...extra } })
  assert.equal(res.status, 201, res.raw)
  return res.body
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString()

/** Ten headlines an hour apart, the first the newest. */
async function latestNews (h: Harness) {
  const items = []
  for (const [i, title] of latestHeadlines.entries()) {
    items.push(await publish(h, title, hoursAgo(i + 1), { tags: i % 2 ? ['Спорт'] : ['Москва'], lang: i === 9 ? 'en' : 'ru' }))
  }
  return items
}

/** Parses XML strictly: throws on anything not well-formed, control characters included. */
function strictXml (xml: string): void {
  const parser = new SaxesParser({ xmlns: true })
  parser.on('error', (error) => { throw error })
  parser.write(xml).close()
}

describe('GET /v1/feed', () => {
  test('lists published articles newest first as compact items', async (t) => {
    const h = await setup(t)
    await latestNews(h)
    await h.call('POST', '/v1/articles', { body: { title: 'Черновик' } })
    await publish(h, 'Запланировано', new Date(Date.now() + 3_600_000).toISOString())
    const res = await h.get('/v1/feed')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data.map((i: { title: string }) => i.title), latestHeadlines)
    assert.deepEqual(Object.keys(res.body.data[0]).sort(), ['id', 'lang', 'lead', 'publishedAt', 'slug', 'tags', 'title', 'updatedAt', 'url'])
    assert.deepEqual(res.body.data[0].tags, [{ slug: 'moskva', name: 'Москва' }])
    assert.deepEqual(res.body.meta, { limit: 20, nextCursor: null })
    assert.equal(res.headers['cache-control'], 'public, max-age=30')
    const again = await h.get('/v1/feed', { 'if-none-match': String(res.headers.etag) })
    assert.equal(again.status, 304)
  })

  test('breaks publishedAt ties by id, newest id first', async (t) => {
    const h = await setup(t)
    const at = hoursAgo(1)
    const ids = []
    for (const title of ['Одновременно А', 'Одновременно Б', 'Одновременно В']) ids.push((await publish(h, title, at)).id)
    const res = await h.get('/v1/feed')
    assert.deepEqual(res.body.data.map((i: { id: string }) => i.id), [...ids].sort().reverse())
  })

  test('pages with cursors and Link, stable while news keeps arriving', async (t) => {
    const h = await setup(t)
    await latestNews(h)
    const seen: string[] = []
    let url: string | null = '/v1/feed?limit=4'
    let fresh = 0
    while (url) {
      const res = await h.get(url)
      seen.push(...res.body.data.map((i: { title: string }) => i.title))
      // Breaking news lands at the top mid-walk; the pages already promised must not shift.
      await publish(h, `Срочно ${fresh++}`, new Date().toISOString())
      url = res.body.meta.nextCursor ? `/v1/feed?limit=4&cursor=${res.body.meta.nextCursor}` : null
      if (url) assert.match(String(res.headers.link), /rel="next"/)
    }
    assert.deepEqual(seen, latestHeadlines)
  })

  test('a page deep in the feed seeks the publication index to its cursor, as the first page starts at the top', sqliteOnly('reads SQLite\'s EXPLAIN program'), async (t) => {
    const h = await setup(t)
    await latestNews(h)
    const cursor = (await h.get('/v1/feed?limit=3')).body.meta.nextCursor
    const sources = await preparedDuring(h, () => h.get(`/v1/feed?limit=3&cursor=${cursor}`))
    const client = h.db.$client
    const page = sources.find((source) => /from "articles".*order by/is.test(source))!
    const params = Array.from(page.matchAll(/\?/g), () => '2026-11-28T00:00:00.000Z')
    const program = client.prepare(`EXPLAIN ${page}`).all(...params) as Array<{ opcode: string, p4: unknown }>
    // Seeking by (published_at, id) takes a two-field key; seeking by published_at alone walks every newer row.
    assert.ok(program.some((op) => /^Seek(LT|LE|GT|GE)$/.test(op.opcode) && Number(op.p4) === 2), JSON.stringify(program.filter((op) => op.opcode.startsWith('Seek'))))
  })

  test('since returns only what was published strictly after it', async (t) => {
    const h = await setup(t)
    const items = await latestNews(h)
    const res = await h.get(`/v1/feed?since=${encodeURIComponent(items[2].publishedAt)}`)
    assert.deepEqual(res.body.data.map((i: { title: string }) => i.title), latestHeadlines.slice(0, 2))
    assert.equal((await h.get('/v1/feed?since=tomorrow')).status, 400)
  })

  test('filters by tag and lang', async (t) => {
    const h = await setup(t)
    await latestNews(h)
    assert.deepEqual((await h.get('/v1/feed?tag=sport')).body.data.map((i: { title: string }) => i.title), latestHeadlines.filter((_, i) => i % 2))
    assert.deepEqual((await h.get('/v1/feed?lang=en')).body.data.map((i: { title: string }) => i.title), [latestHeadlines[9]])
    assert.equal((await h.get('/v1/feed?status=draft')).status, 400, 'the feed has no status filter')
  })

  test('a scheduled article appears exactly when its time comes; a trashed one disappears', async (t) => {
    const h = await setup(t)
    const at = new Date(Date.now() + 400).toISOString()
    const scheduled = await publish(h, 'Ровно в срок', at)
    const before = await h.get('/v1/feed')
    assert.equal(before.body.data.length, 0)
    await sleep(Date.parse(at) - Date.now() + 20)
    const after = await h.get('/v1/feed', { 'if-none-match': String(before.headers.etag) })
    assert.equal(after.status, 200)
    assert.equal(after.body.data[0].id, scheduled.id)
    await h.call('DELETE', `/v1/articles/${scheduled.id}`)
    assert.equal((await h.get('/v1/feed')).body.data.length, 0)
  })
})

describe('syndication formats', () => {
  const hostile = 'Цены ]]> & <script>alert(1)</script> «ёлки» — 🔥'

  test('RSS 2.0 parses strictly and in a feed reader, with self link, categories and lead as summary', async (t) => {
    const h = await setup(t)
    await latestNews(h)
    await publish(h, hostile, new Date().toISOString(), { tags: ['Москва'] })
    const res = await h.get('/v1/feed.rss?limit=5')
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-type'], 'application/rss+xml; charset=utf-8')
    strictXml(res.raw)
    const feed = parseFeed(res.raw)
    assert.equal(feed.meta.type, 'rss')
    assert.equal(feed.self, 'http://localhost:3000/v1/feed.rss?limit=5')
    assert.equal(feed.items.length, 5)
    const first = feed.items[0]!
    assert.equal(first.title, hostile)
    assert.equal(first.description, `Лид: ${hostile}`)
    assert.deepEqual(first.categories.map((c) => c.label ?? c.term), ['Москва'])
    assert.match(String(first.url), /^http:\/\/localhost:3000\/v1\/articles\/slug\//)
    assert.equal(feed.updated?.toISOString(), first.published?.toISOString())
    assert.equal((await h.get('/v1/feed.rss?limit=5', { 'if-none-match': String(res.headers.etag) })).status, 304)
  })

  test('Atom 1.0 parses strictly and in a feed reader', async (t) => {
    const h = await setup(t)
    await latestNews(h)
    await publish(h, hostile, new Date().toISOString(), { tags: ['Москва'] })
    const res = await h.get('/v1/feed.atom?tag=moskva')
    assert.equal(res.headers['content-type'], 'application/atom+xml; charset=utf-8')
    strictXml(res.raw)
    const feed = parseFeed(res.raw)
    assert.equal(feed.meta.type, 'atom')
    assert.equal(feed.self, 'http://localhost:3000/v1/feed.atom?tag=moskva')
    assert.equal(feed.items.length, 6)
    assert.equal(feed.items[0]!.title, hostile)
    assert.equal(feed.items[0]!.description, `Лид: ${hostile}`)
    assert.equal(feed.items[1]!.title, latestHeadlines[0])
  })

  test('XML-invalid control characters that reached the database are stripped', async (t) => {
    const h = await setup(t)
    const a = await publish(h, 'Чистый заголовок', new Date().toISOString())
    // Validation keeps them out of the API; this is data that got in some other way.
    await h.sql("UPDATE articles SET title = 'Грязный\u0001 заголовок\u001f', lead = 'Лид\u0008' WHERE id = ?", a.id)
    for (const url of ['/v1/feed.rss', '/v1/feed.atom']) {
      const res = await h.get(url)
      strictXml(res.raw)
      assert.equal(parseFeed(res.raw).items[0]!.title, 'Грязный заголовок')
    }
  })

  test('JSON Feed 1.1 with every required field, paging by next_url', async (t) => {
    const h = await setup(t)
    const items = await latestNews(h)
    const res = await h.get('/v1/feed.json?limit=3')
    assert.equal(res.headers['content-type'], 'application/feed+json; charset=utf-8')
    const feed = res.body
    assert.equal(feed.version, 'https://jsonfeed.org/version/1.1')
    assert.equal(feed.title, 'Newsroom')
    assert.deepEqual(feed.authors, [{ name: 'Newsroom' }])
    assert.equal(feed.feed_url, 'http://localhost:3000/v1/feed.json?limit=3')
    assert.match(feed.next_url, /^http:\/\/localhost:3000\/v1\/feed\.json\?limit=3&cursor=/)
    assert.equal(feed.items.length, 3)
    assert.deepEqual(feed.items[0], {
      id: itemUrn(items[0].id),
      url: items[0].url,
      title: latestHeadlines[0],
      summary: `Лид: ${latestHeadlines[0]}`,
      content_text: `Лид: ${latestHeadlines[0]}`,
      date_published: items[0].publishedAt,
      date_modified: items[0].updatedAt,
      tags: ['Москва'],
      language: 'ru',
    })
    const next = await h.get(feed.next_url.replace('http://localhost:3000', ''))
    assert.equal(next.body.items[0].title, latestHeadlines[3])
  })
})

describe('syndication, to the letter of the specs', () => {
  // Everything XML and HTML treat specially, in every field a feed carries. (A literal "&amp;" is left
  // out: RSS lets readers take text as HTML, and some parsers decode it once more.)
  const title = '«AT&T» <b>x</b> ]]> Цены & <script>alert(1)</script> "ёлки" \'q\' — 🔥'
  const lead = 'Лид < > & ]]> «цитата»'
  const author = 'Мария «Редакция» & <Co>'
  const tagName = 'Q&A <live>'

  async function hostileStory (h: Harness) {
    await latestNews(h)
    return publish(h, title, new Date().toISOString(), { lead, author, tags: [tagName] })
  }

  test('RSS 2.0: hostile fields reach three parsers exactly as stored; authors as dc:creator; id-based guid', async (t) => {
    const h = await setup(t, { siteName: 'Вечерний & <Вестник>' })
    const story = await hostileStory(h)
    const xml = (await h.get('/v1/feed.rss?limit=3')).raw
    strictXml(xml)

    const rowan = parseFeed(xml)
    assert.equal(rowan.title, 'Вечерний & <Вестник>')
    assert.equal(rowan.items[0]!.title, title)
    assert.equal(rowan.items[0]!.description, lead)
    assert.equal(rowan.items[0]!.id, itemUrn(story.id))
    assert.deepEqual(rowan.items[0]!.categories.map((c) => c.label), [tagName])

    const rss = await new RssParser({ customFields: { item: ['dc:creator'] } }).parseString(xml)
    const item = rss.items[0]!
    assert.equal(item.title, title)
    assert.equal(item.content, lead)
    assert.equal(item['dc:creator'], author)
    assert.deepEqual(item.categories, [tagName])
    assert.equal(item.guid, itemUrn(story.id))
    assert.equal(rss.items[1]!['dc:creator'], undefined, 'no author, no dc:creator')

    const raw = extractFromXml(xml, { normalization: false }) as any
    assert.equal(raw.item[0].title, title)
    assert.equal(raw.item[0].description, lead)
    assert.equal(raw.item[0]['dc:creator'], author)
    assert.equal(raw.item[0].category, tagName)
  })

  test('Atom 1.0: an atom:author on the feed (the publisher) and on entries with an author; hostile fields exact', async (t) => {
    const h = await setup(t, { siteName: 'Вечерний & <Вестник>' })
    const story = await hostileStory(h)
    const xml = (await h.get('/v1/feed.atom?limit=3')).raw
    strictXml(xml)

    const rowan = parseFeed(xml)
    assert.deepEqual(rowan.authors.map((a) => a.name), ['Вечерний & <Вестник>'])
    assert.equal(rowan.items[0]!.title, title)
    assert.equal(rowan.items[0]!.description, lead)
    assert.equal(rowan.items[0]!.id, itemUrn(story.id))
    assert.deepEqual(rowan.items[0]!.authors.map((a) => a.name), [author])
    assert.deepEqual(rowan.items[0]!.categories.map((c) => [c.term, c.label]), [[story.tags[0].slug, tagName]])

    const atom = await new RssParser().parseString(xml)
    assert.equal(atom.title, 'Вечерний & <Вестник>')
    assert.equal(atom.items[0]!.title, title)
    assert.equal(atom.items[0]!.summary, lead)
    assert.equal(atom.items[0]!.author, author)
    assert.equal(atom.items[0]!.id, itemUrn(story.id))

    const raw = extractFromXml(xml, { normalization: false }) as any
    assert.equal(raw.author.name, 'Вечерний & <Вестник>')
    assert.equal(raw.entry[0].title['#text'] ?? raw.entry[0].title, title)
    assert.equal(raw.entry[0].author.name, author)
    assert.equal(raw.entry[0].category['@_label'], tagName)
    // RFC 4287 §4.1.1: without a feed author, every entry would need one; the second story has none.
    assert.equal(raw.entry[1].author, undefined)
  })

  test('JSON Feed 1.1: hostile fields exact in two parsers, authors on the feed and the item', async (t) => {
    const h = await setup(t, { siteName: 'Вечерний & <Вестник>' })
    const story = await hostileStory(h)
    const text = (await h.get('/v1/feed.json?limit=3')).raw
    const feed = JSON.parse(text)
    assert.deepEqual(feed.authors, [{ name: 'Вечерний & <Вестник>' }])
    assert.deepEqual(feed.items[0].authors, [{ name: author }])
    assert.equal(feed.items[1].authors, undefined)
    const parsed = extractFromJson(feed, { normalization: false }) as any
    assert.equal(parsed.items[0].title, title)
    assert.equal(parsed.items[0].summary, lead)
    assert.equal(parsed.items[0].id, itemUrn(story.id))
    assert.deepEqual(parsed.items[0].tags, [tagName])
  })

  test('item ids survive a slug rename and a new CMS_PUBLIC_URL', async (t) => {
    const h = await setup(t)
    const story = await publish(h, 'Переименуем', new Date().toISOString())
    const ids = async (app: { inject: Harness['app']['inject'] }) => {
      const rss = parseFeed((await app.inject('/v1/feed.rss')).body).items[0]!.id
      const atom = parseFeed((await app.inject('/v1/feed.atom')).body).items[0]!.id
      const json = JSON.parse((await app.inject('/v1/feed.json')).body).items[0].id
      return [rss, atom, json]
    }
    const before = await ids(h.app)
    assert.deepEqual(before, Array(3).fill(itemUrn(story.id)))
    assert.equal((await h.call('PATCH', `/v1/articles/${story.id}`, { body: { slug: 'novyi-slug' } })).status, 200)
    assert.deepEqual(await ids(h.app), before)
    const moved = await startApp(h.store, { ...h.config, publicUrl: 'https://news.example' })
    t.after(() => moved.close())
    assert.match(parseFeed((await moved.inject('/v1/feed.rss')).body).items[0]!.url!, /^https:\/\/news\.example\/v1\/articles\/slug\/novyi-slug$/)
    assert.deepEqual(await ids(moved), before)
  })
})
