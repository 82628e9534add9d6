import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { isEmpty, seedDemo } from '../src/demo/seed.js'
import { setup } from './helpers/app.js'

test('the demo newsroom: a full story and ten short items over the past week, some in English, with tags', async (t) => {
  const h = await setup(t)
  assert.equal(await isEmpty(h.store), true)
  assert.equal(await seedDemo(h.store), 11)
  assert.equal(await isEmpty(h.store), false)

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

test('the README’s examples work as written on a database with the demo news: no "-2" slug, no 409', async (t) => {
  const h = await setup(t)
  await seedDemo(h.store)
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  // Each `curl … -X POST …/v1/<resource> \` example and the JSON it sends with -d.
  const examples = [...readme.matchAll(/curl [^\n]*-X POST [^\n]*\/v1\/(articles|tags|tokens)\b[^\n]*\\\n(?:[^\n]*\\\n)*?[^\n]*?-d '([^']+)'/g)]
  assert.deepEqual(examples.map(([, resource]) => resource).sort(), ['articles', 'tags', 'tokens'])
  for (const [, resource, body] of examples) {
    const res = await h.call('POST', `/v1/${resource}`, { body: JSON.parse(body!) })
    assert.equal(res.status, 201, `${resource}: ${res.raw}`)
    if (resource === 'articles') {
      assert.doesNotMatch(res.body.slug, /-\d+$/)
      // The README reads it back by this slug.
      assert.ok(readme.includes(`/v1/articles/slug/${res.body.slug}`), res.body.slug)
    }
  }
})
