import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRepositories } from '../src/app.js'
import { isEmpty, seedDemo } from '../src/demo/seed.js'
import { setup } from './helpers/app.js'

test('the demo newsroom: a full story and ten short items over the past week, some in English, with tags', async (t) => {
  const h = await setup(t)
  const { articles, tags } = createRepositories(h.db, h.config)
  assert.equal(isEmpty(articles, tags), true)
  assert.equal(seedDemo(articles, tags), 11)
  assert.equal(isEmpty(articles, tags), false)

  const feed = (await h.get('/v1/feed')).body.data
  assert.equal(feed.length, 11)
  const weekAgo = new Date(Date.now() - 7 * 24 * 3_600_000).toISOString()
  assert.ok(feed.every((item: { publishedAt: string }) => item.publishedAt > weekAgo && item.publishedAt < new Date().toISOString()))
  assert.ok(feed.filter((item: { lang: string }) => item.lang === 'en').length >= 2)

  const main = (await h.get(`/v1/articles/${feed[0].id}`)).body
  const paragraphs = main.body.split('\n\n')
  assert.ok(paragraphs.length >= 5 && paragraphs.length <= 7, `${paragraphs.length} paragraphs`)
  assert.match(paragraphs[0], /^\*\*[А-ЯЁ]+, \d+ [а-я]+\.\*\*/, 'opens with a dateline')
  assert.ok(paragraphs.filter((p: string) => /«[^»]+»,? — (сказал|отметила|подчеркнул)/.test(p)).length >= 2, 'attributed quotes')
  assert.ok(main.lead.length > 50)
  assert.ok((await h.get('/v1/tags')).body.data.length >= 5)
})
