import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { setup } from './helpers/app.js'

// Seeded so a failure reproduces; fast-check prints the shrunk counterexample.
const runs = { numRuns: 200, seed: 20261128 }

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('Турция', 'ЁЛКА', '«ёлочки» — тире', '', '   ', 'a\u0000b', '🔥', '<script>x</script>', '__proto__'),
)
const instant = fc.date({ noInvalidDate: true, min: new Date('1990-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString())

// Valid values, so that a good share of generated bodies are accepted.
const validFields = {
  title: fc.constantFrom('Заголовок', 'Новость дня', '«Зенит» — чемпион', 'Ёлки подорожали'),
  slug: fc.stringMatching(/^[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}$/),
  lead: fc.oneof(fc.constant(null), fc.constantFrom('Коротко о главном', 'Лид\nв две строки')),
  body: fc.string({ unit: 'grapheme', maxLength: 200 }),
  status: fc.constantFrom('draft', 'published'),
  publishedAt: fc.oneof(instant, fc.constant(null)),
  lang: fc.constantFrom('ru', 'en', 'en-GB', 'uk'),
  author: fc.oneof(fc.constant(null), fc.constantFrom('Иван Петров', 'Анна Смирнова')),
  coverImage: fc.oneof(fc.constant(null), fc.record({ url: fc.webUrl(), alt: fc.constantFrom('', 'Фото') })),
  tags: fc.array(fc.constantFrom('Москва', 'спорт', 'ЭКОНОМИКА', 'ekonomika'), { maxLength: 5 }),
}

// Wrong types, wrong shapes, read-only fields.
const wildFields = {
  title: fc.oneof(text, fc.integer(), fc.constant(null)),
  slug: fc.oneof(text, fc.constantFrom('Bad Slug', '-x-')),
  lead: fc.oneof(text, fc.boolean()),
  body: fc.oneof(text, fc.constant(null)),
  status: fc.oneof(fc.constantFrom('scheduled', 'deleted'), text),
  publishedAt: fc.oneof(text, fc.integer()),
  lang: fc.oneof(fc.constantFrom('zz-ZZZZ-1', 'русский'), text),
  coverImage: fc.oneof(fc.record({ url: text, alt: text }), text),
  tags: fc.oneof(fc.array(text, { maxLength: 5 }), text),
  id: fc.string(),
  version: fc.integer(),
  bodyHtml: text,
}

const valid = fc.record(validFields, { requiredKeys: ['title'] })
const body = fc.oneof(
  valid,
  // Near-valid: one field replaced or added with something wrong.
  fc.tuple(valid, fc.record(wildFields, { requiredKeys: [] })).map(([good, bad]) => {
    const key = Object.keys(bad)[0] as keyof typeof bad | undefined
    return key ? { ...good, [key]: bad[key] } : good
  }),
  fc.anything(),
)

test('random create bodies never give a 5xx, and a rejected one writes nothing', async (t) => {
  const h = await setup(t)
  const total = async () => (await h.call('GET', '/v1/articles?status=all&limit=1')).body.meta.total as number
  const outcomes = { accepted: 0, rejected: 0 }
  await fc.assert(fc.asyncProperty(body, async (input) => {
    const before = await total()
    const res = await h.call('POST', '/v1/articles', { body: JSON.stringify(input) ?? 'null', headers: { 'content-type': 'application/json' } })
    assert.ok(res.status === 201 || (res.status >= 400 && res.status < 500), `status ${res.status}`)
    assert.equal(await total(), before + (res.status === 201 ? 1 : 0))
    outcomes[res.status === 201 ? 'accepted' : 'rejected']++
  }), runs)
  assert.ok(outcomes.accepted > 10 && outcomes.rejected > 10, JSON.stringify(outcomes))
})

test('random patches never give a 5xx, and a rejected one changes nothing', async (t) => {
  const h = await setup(t)
  const created = await h.call('POST', '/v1/articles', { body: { title: 'Исходная статья', body: 'Текст', tags: ['Тест'] } })
  const url = `/v1/articles/${created.body.id}`
  const outcomes = { accepted: 0, rejected: 0 }
  await fc.assert(fc.asyncProperty(body, async (input) => {
    const before = (await h.call('GET', url)).raw
    const res = await h.call('PATCH', url, { body: JSON.stringify(input) ?? 'null', headers: { 'content-type': 'application/json' } })
    assert.ok(res.status === 200 || res.status === 409 || res.status === 400, `status ${res.status}`)
    if (res.status !== 200) assert.equal((await h.call('GET', url)).raw, before)
    outcomes[res.status === 200 ? 'accepted' : 'rejected']++
  }), runs)
  assert.ok(outcomes.accepted > 10 && outcomes.rejected > 10, JSON.stringify(outcomes))
})
