import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test } from 'node:test'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { databaseTarget, testConfig } from '../src/config.js'
import { copyNewsroom, TargetNotEmptyError } from '../src/store/copy-newsroom.js'
import { createStore } from '../src/store/create-store.js'
import type { Store } from '../src/store/store.js'
import { ADMIN_TOKEN, startApp } from './helpers/app.js'
import { engine, serverDatabaseUrl } from './helpers/databases.js'
import { fullArticle, latestHeadlines, multipartUpload, samplePng } from './helpers/fixtures.js'

// Moving house: a populated SQLite newsroom copied to the other engine (PostgreSQL in the PostgreSQL
// half, another SQLite file in the SQLite half) and back, and every GET answered the same, ETags included.
const config = testConfig({ adminToken: ADMIN_TOKEN })
const storeAt = (url: string) => createStore({ database: databaseTarget(url) })

type App = Awaited<ReturnType<typeof startApp>>

async function get (app: App, url: string, token: string | null = ADMIN_TOKEN) {
  const res = await app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} })
  const answer = { url, token: token !== null, status: res.statusCode, etag: res.headers.etag, location: res.headers.location, body: res.body }
  if (!url.startsWith('/v1/search')) return answer
  // A search score is the engine's own number (FTS5's bm25, PostgreSQL's ts_rank, and bm25 follows its
  // index's history): the hits, their order and everything else in them must be the same.
  return { ...answer, etag: undefined, body: res.body.replace(/"score":[\d.e-]+,/g, '') }
}

/** Every GET a client can make of this newsroom, as staff and as the public, with what it answered. */
async function everyGet (store: Store) {
  const app = await startApp(store, config)
  try {
    const lists = ['/v1/articles?status=all&limit=100', '/v1/articles?status=deleted&limit=100', '/v1/articles?limit=100&sort=title',
      '/v1/tags?limit=100', '/v1/tags?limit=100&sort=name', '/v1/feed', '/v1/feed.rss', '/v1/feed.atom', '/v1/feed.json',
      '/v1/search?q=энергомост', '/v1/search?q=%C2%ABзелёном%C2%BB+Каспий', '/v1/tokens', '/v1/media?limit=100']
    const answers = []
    for (const url of lists) answers.push(await get(app, url), await get(app, url, null))
    const articles = [...JSON.parse(answers[0]!.body).data, ...JSON.parse(answers[2]!.body).data] as Array<{ id: string, slug: string, version: number }>
    for (const { id, slug, version } of articles) {
      for (const url of [`/v1/articles/${id}`, `/v1/articles/slug/${slug}`, `/v1/articles/${id}/revisions`]) answers.push(await get(app, url), await get(app, url, null))
      for (let v = 1; v <= version; v++) answers.push(await get(app, `/v1/articles/${id}/revisions/${v}`))
    }
    for (const tag of JSON.parse(answers[6]!.body).data as Array<{ slug: string }>) answers.push(await get(app, `/v1/tags/slug/${tag.slug}`, null))
    for (const media of JSON.parse(answers.find((a) => a.url.startsWith('/v1/media') && a.token)!.body).data as Array<{ id: string }>) {
      answers.push(await get(app, `/v1/media/${media.id}`, null), await get(app, `/v1/media/${media.id}/file?width=160&format=webp`, null))
    }
    answers.push(await get(app, '/v1/articles/slug/staryi-adres', null))
    return answers
  } finally {
    await app.close()
  }
}

async function populate (store: Store) {
  const app = await startApp(store, config)
  const write = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, ...(payload ? { payload } : {}) })
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.body ? res.json() : undefined
  }
  // The photo's file stays where the config keeps media (the same folder for both copies); its record moves.
  const form = multipartUpload(await samplePng(), { alt: 'Энергомост через Каспий', credit: 'Фото: пресс-служба' })
  const photo = await app.inject({ method: 'POST', url: '/v1/media', payload: form.payload, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...form.headers } })
  assert.equal(photo.statusCode, 201, photo.body)
  const main = await write('POST', '/v1/articles', { ...fullArticle, slug: 'staryi-adres', status: 'published', publishedAt: '2026-11-27T09:00:00.000Z', coverImage: { mediaId: photo.json().id } })
  await write('PATCH', `/v1/articles/${main.id}`, { slug: 'energomost', lead: `${fullArticle.lead} Обновлено.` })
  await write('PATCH', `/v1/articles/${main.id}`, { tags: ['Энергетика', 'Каспий'] })
  for (const [i, title] of latestHeadlines.entries()) {
    await write('POST', '/v1/articles', { title, body: `**МОСКВА.** ${title}. «Подробности позже», — сообщили в редакции.`, status: i === 3 ? 'draft' : 'published', publishedAt: `2026-11-${String(10 + i).padStart(2, '0')}T12:00:00.000Z`, tags: [i % 2 ? 'Москва' : 'Общество'] })
  }
  const trashed = await write('POST', '/v1/articles', { title: 'Ошибочная заметка', status: 'published' })
  await write('DELETE', `/v1/articles/${trashed.id}`)
  await write('POST', '/v1/articles', { title: 'Под эмбарго до весны', status: 'published', publishedAt: '2099-03-01T06:00:00.000Z' })
  await write('POST', '/v1/tags', { name: 'Без статей', description: 'Тег, которого публика не видит' })
  await write('POST', '/v1/tokens', { name: 'Выпускающий редактор', role: 'editor' })
  await app.close()
}

test('db:copy moves a whole newsroom to the other engine and back: every GET answers the same, ETags included', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-copy-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const origin = storeAt(`file:${dir}/origin.db`)
  await populate(origin)
  const before = await everyGet(origin)
  assert.ok(before.length > 100, `${before.length} answers`)

  const middleUrl = engine === 'postgres' ? await serverDatabaseUrl(t, dir) : `file:${dir}/middle.db`
  const middle = storeAt(middleUrl)
  await middle.migrate()
  const counts = await copyNewsroom(origin, middle)
  assert.deepEqual(Object.keys(counts), ['tags', 'media', 'articles', 'articleTags', 'articleRevisions', 'articleSlugs', 'tokens'])
  assert.equal(counts.articles, 13)
  assert.equal(counts.media, 1)
  assert.ok(counts.articleRevisions >= 16 && counts.articleSlugs === 1 && counts.tokens === 2, JSON.stringify(counts))
  assert.deepEqual(await everyGet(middle), before)
  if (engine === 'postgres') {
    // The planner knows the copied tables at once, not after autovacuum's next round (store/postgres/copy.ts):
    // a table never analyzed (nor vacuumed) has reltuples -1.
    const sql = postgres(middleUrl, { max: 1, onnotice: () => {} })
    const unknown = await sql`SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples < 0
      AND relname IN ('tags', 'media', 'articles', 'article_tags', 'article_revisions', 'article_slugs', 'tokens', 'search_docs')`
    await sql.end()
    assert.deepEqual(unknown.map((row) => row.relname), [])
  }

  const back = storeAt(`file:${dir}/back.db`)
  await back.migrate()
  await copyNewsroom(middle, back)
  assert.deepEqual(await everyGet(back), before)

  // A target that holds a newsroom is refused, and nothing is written to it.
  await assert.rejects(copyNewsroom(origin, back), TargetNotEmptyError)
  assert.deepEqual(await everyGet(back), before)
  for (const store of [origin, middle, back]) await store.close()

  // The command line says why, exits 1, and still changes nothing.
  const cli = await promisify(execFile)(process.execPath, ['dist/scripts/db-copy.js', `file:${dir}/origin.db`, middleUrl]).catch((error: { code: number, stderr: string }) => error)
  assert.equal((cli as { code: number }).code, 1)
  assert.match((cli as { stderr: string }).stderr, /already holds articles, tags or tokens/)
  const again = storeAt(middleUrl)
  assert.deepEqual(await everyGet(again), before)
  await again.close()
})
