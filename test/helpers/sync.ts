import assert from 'node:assert/strict'
import type { Harness } from './app.js'

// A delta-sync client as an integrator writes one: follows /v1/changes and keeps a copy.

export interface Copy {
  articles: Map<string, Record<string, unknown>>
  tags: Map<string, Record<string, unknown>>
  cursor: string | undefined
}

export const emptyCopy = (): Copy => ({ articles: new Map(), tags: new Map(), cursor: undefined })

/** Follows nextCursor until hasMore is false, applying each item; checks each page holds an item at most once. */
export async function follow (h: Harness, copy: Copy, token: string | null, limit = 100): Promise<number> {
  let pages = 0
  for (;;) {
    const query = new URLSearchParams({ limit: String(limit), ...(copy.cursor ? { cursor: copy.cursor } : {}) })
    const res = await h.call('GET', `/v1/changes?${query}`, { token })
    assert.equal(res.status, 200, res.raw)
    pages++
    const keys = res.body.data.map((item: { type: string, id: string }) => `${item.type}:${item.id}`)
    assert.equal(new Set(keys).size, keys.length, 'an item appears at most once per page')
    for (const item of res.body.data) {
      const map = item.type === 'article' ? copy.articles : copy.tags
      if (item.op === 'upsert') map.set(item.id, item.data)
      else map.delete(item.id)
    }
    assert.equal(typeof res.body.meta.nextCursor, 'string')
    copy.cursor = res.body.meta.nextCursor
    if (!res.body.meta.hasMore) return pages
    assert.match(String(res.headers.link), /rel="next"/)
  }
}

async function all (h: Harness, url: string, token: string | null): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = []
  let cursor: string | undefined
  do {
    const res = await h.call('GET', `${url}${url.includes('?') ? '&' : '?'}limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token })
    assert.equal(res.status, 200, res.raw)
    items.push(...res.body.data)
    cursor = res.body.meta.nextCursor ?? undefined
  } while (cursor)
  return items
}

/** What the same caller reads through the lists: articles (as GET /v1/articles/{id} shows each) and tags. */
export async function readable (h: Harness, token: string | null): Promise<Copy> {
  const listed = token === null
    ? await all(h, '/v1/articles', null)
    : [...await all(h, '/v1/articles?status=all', token), ...await all(h, '/v1/articles?status=deleted', token)]
  const articles = new Map<string, Record<string, unknown>>()
  for (const { id } of listed) articles.set(id as string, (await h.call('GET', `/v1/articles/${String(id)}`, { token })).body)
  const tags = new Map((await all(h, '/v1/tags', token)).map((tag) => [tag.id as string, tag]))
  return { articles, tags, cursor: undefined }
}

/** A tag's articleCount may lag behind in a copy: compared without it. */
const withoutCount = (tags: Map<string, Record<string, unknown>>) =>
  new Map([...tags].map(([id, { articleCount: _count, ...tag }]) => [id, tag]))

export function assertSameCopy (actual: Copy, expected: Copy, message: string): void {
  assert.deepEqual(new Map([...actual.articles].sort()), new Map([...expected.articles].sort()), `${message}: articles`)
  assert.deepEqual(withoutCount(new Map([...actual.tags].sort())), withoutCount(new Map([...expected.tags].sort())), `${message}: tags`)
}
