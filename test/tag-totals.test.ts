import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { migrationsFolder } from '../src/lib/paths.js'
import { setup, type Harness } from './helpers/app.js'
import { sqliteOnly } from './helpers/databases.js'

/** Counts a filtered list by walking every page: independent of how meta.total is computed. */
async function walk (h: Harness, query: string): Promise<number> {
  let n = 0
  let url: string | null = `/v1/articles?limit=2&${query}`
  while (url) {
    const page = await h.get(url)
    assert.equal(page.status, 200)
    n += page.body.data.length
    url = page.body.meta.nextCursor ? `/v1/articles?limit=2&${query}&cursor=${page.body.meta.nextCursor}` : null
  }
  return n
}

const hour = 3_600_000
const iso = (offset: number) => new Date(Date.now() + offset).toISOString()

describe('meta.total with a tag filter', () => {
  test('equals the articles the list walks through, across every state change', async (t) => {
    const h = await setup(t)
    const create = async (title: string, tags: string[], extra: Record<string, unknown> = {}) =>
      (await h.call('POST', '/v1/articles', { body: { title, tags, status: 'published', ...extra } })).body
    const a = await create('«Экономика»: рост', ['Экономика'], { publishedAt: iso(-5 * hour) })
    const b = await create('Политика и экономика', ['Экономика', 'Политика'], { publishedAt: iso(-4 * hour) })
    const c = await create('Только политика', ['Политика'], { publishedAt: iso(-3 * hour) })
    await create('Черновик об экономике', ['Экономика'], { status: 'draft' })
    const scheduled = await create('Выйдет завтра', ['Экономика'], { publishedAt: iso(24 * hour) })
    const queries = ['tag=ekonomika', 'tag=politika', 'tag=ekonomika,politika', `tag=ekonomika&publishedAfter=${iso(-4.5 * hour)}`,
      `tag=ekonomika,politika&publishedBefore=${iso(-3.5 * hour)}`]

    const check = async (step: string, expected: number[]) => {
      for (const [i, query] of queries.entries()) {
        const total = (await h.get(`/v1/articles?limit=1&${query}`)).body.meta.total
        assert.equal(total, await walk(h, query), `${step}: ${query}`)
        assert.equal(total, expected[i], `${step}: ${query}`)
      }
    }
    await check('created', [2, 2, 3, 1, 2])
    await h.call('DELETE', `/v1/articles/${a.id}`)
    await check('trashed', [1, 2, 2, 1, 1])
    await h.call('POST', `/v1/articles/${a.id}/restore`)
    await check('restored', [2, 2, 3, 1, 2])
    await h.call('PATCH', `/v1/articles/${b.id}`, { body: { status: 'draft' } })
    await check('unpublished', [1, 1, 2, 0, 1])
    await h.call('PATCH', `/v1/articles/${b.id}`, { body: { status: 'published', publishedAt: iso(-hour) } })
    await check('republished later', [2, 2, 3, 1, 1])
    await h.call('PATCH', `/v1/articles/${c.id}`, { body: { tags: ['Экономика'] } })
    await check('retagged', [3, 1, 3, 2, 1])
    await h.call('PATCH', `/v1/articles/${scheduled.id}`, { body: { publishedAt: iso(-2 * hour) } })
    await check('brought forward', [4, 1, 4, 3, 1])
    await h.call('DELETE', `/v1/articles/${c.id}?permanent=true`)
    await check('purged', [3, 1, 3, 2, 1])
  })

  test('a scheduled article counts from the moment it is due', async (t) => {
    const h = await setup(t)
    await h.call('POST', '/v1/articles', { body: { title: 'Скоро', tags: ['Экономика'], status: 'published', publishedAt: iso(300) } })
    assert.equal((await h.get('/v1/articles?tag=ekonomika')).body.meta.total, 0)
    await new Promise((resolve) => setTimeout(resolve, 350))
    assert.equal((await h.get('/v1/articles?tag=ekonomika')).body.meta.total, 1)
  })

  test('the migration fills the copy for articles that existed before it', sqliteOnly('replays SQLite migration 0008; the PostgreSQL schema was born with the copy'), async (t) => {
    const h = await setup(t)
    for (const [i, status] of ['published', 'draft', 'published'].entries()) {
      await h.call('POST', '/v1/articles', { body: { title: `Новость ${i}`, tags: ['Экономика', 'Спорт'], status } })
    }
    const { id } = (await h.get('/v1/articles?limit=1')).body.data[0]
    await h.call('DELETE', `/v1/articles/${id}`)
    const copy = () => h.db.$client.prepare('SELECT article_id, tag_id, live_published_at FROM article_tags ORDER BY 1, 2').all()
    const kept = copy()
    assert.equal(kept.filter((r: any) => r.live_published_at !== null).length, 2, 'one live article, two tags')
    h.db.$client.exec('UPDATE article_tags SET live_published_at = NULL')
    const backfill = readFileSync(`${migrationsFolder}/0008_tag_live_triggers.sql`, 'utf8').split('--> statement-breakpoint')[0]!
    h.db.$client.exec(backfill)
    assert.deepEqual(copy(), kept)
  })
})
