import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { coverFields, newArticle, nextVersion, planPatch, sameTags } from '../src/domain/article-changes.js'
import { toArticle } from '../src/domain/article-view.js'
import type { ArticleRecord } from '../src/domain/records.js'
import { restoredContent, snapshotOf } from '../src/domain/revisions.js'
import { changesSearchText, publicationKey, searchDocument, SLOTS_PER_MS } from '../src/domain/search-document.js'
import { pickSlug } from '../src/domain/slugs.js'
import { listedState, stateOf } from '../src/domain/visibility.js'
import { stems } from '../src/lib/stemming.js'
import { pageOf } from '../src/store/page.js'

// The rules both storage engines share, on their own: no database, no HTTP.

const at = '2026-11-30T09:00:00.000Z'
const noCover = coverFields(null, undefined)
const story = (): ArticleRecord => newArticle({
  title: 'Ледоход на Волге начался раньше срока',
  lead: 'Синоптики говорят о тёплой зиме.',
  body: '**ЯРОСЛАВЛЬ, 30 ноября.** «Лёд тронулся», — сказал дежурный МЧС.',
  status: 'draft',
  lang: 'ru',
  tags: ['Погода'],
}, '01JDZQ0000000000000000000A', 'ledokhod-na-volge', at, noCover)

describe('what a write changes', () => {
  test('a new article: rendered body, folded title key, version 1, published now when published without a date', () => {
    const draft = story()
    assert.equal(draft.version, 1)
    assert.equal(draft.titleKey, 'ледоход на волге начался раньше срока')
    assert.match(draft.bodyHtml, /^<p><strong>ЯРОСЛАВЛЬ, 30 ноября\.<\/strong> «Лёд тронулся», — сказал дежурный МЧС\.<\/p>/)
    assert.equal(draft.publishedAt, null)
    assert.equal(newArticle({ title: 'Срочно', body: '', status: 'published', lang: 'ru', tags: [] }, 'x', 'srochno', at, noCover).publishedAt, at)
  })

  test('a patch changes only the fields whose value differs', () => {
    const current = story()
    assert.deepEqual(planPatch(current, { title: current.title, lead: current.lead, lang: 'ru' }, at, undefined), {})
    assert.deepEqual(planPatch(current, { title: 'Ледоход на Волге: ёлки и «льдины»' }, at, undefined), {
      title: 'Ледоход на Волге: ёлки и «льдины»',
      titleKey: 'ледоход на волге: елки и «льдины»',
    })
    const body = planPatch(current, { body: 'Новый *текст*.' }, at, undefined)
    assert.deepEqual(Object.keys(body).sort(), ['body', 'bodyHtml'])
    assert.equal(body.bodyHtml, '<p>Новый <em>текст</em>.</p>\n')
    assert.deepEqual(planPatch(current, { slug: 'ledokhod' }, at, undefined), { slug: 'ledokhod' })
    assert.deepEqual(planPatch(current, { coverImage: null, author: null }, at, noCover), {})
  })

  test('publishing a draft without a date publishes it now; with a date it keeps that date', () => {
    assert.deepEqual(planPatch(story(), { status: 'published' }, at, undefined), { status: 'published', publishedAt: at })
    const later = '2026-12-24T06:00:00.000Z'
    assert.deepEqual(planPatch(story(), { status: 'published', publishedAt: later }, at, undefined), { status: 'published', publishedAt: later })
  })

  test('the next version bumps the version and the update time, and keeps the rest', () => {
    const current = story()
    const next = nextVersion(current, { title: 'Новый заголовок' }, '2026-11-30T10:00:00.000Z')
    assert.deepEqual(next, { ...current, title: 'Новый заголовок', version: 2, updatedAt: '2026-11-30T10:00:00.000Z' })
  })

  test('tags are the same only with the same ids in the same order', () => {
    const a = { id: '1', slug: 'pogoda', name: 'Погода' }
    const b = { id: '2', slug: 'moskva', name: 'Москва' }
    assert.equal(sameTags([a, b], [a, b]), true)
    assert.equal(sameTags([a, b], [b, a]), false)
    assert.equal(sameTags([a], [a, b]), false)
  })
})

describe('which slug is free', () => {
  test('the first of base, base-2, base-3… that is not taken', () => {
    assert.equal(pickSlug('vybory', new Set(), () => false), 'vybory')
    assert.equal(pickSlug('vybory', new Set(['vybory', 'vybory-2', 'vybory-4']), () => false), 'vybory-3')
  })

  test('a candidate shortened to the length limit is checked on its own', () => {
    const base = 'a'.repeat(100)
    const checked: string[] = []
    const slug = pickSlug(base, new Set([base]), (s) => { checked.push(s); return s === `${'a'.repeat(98)}-2` })
    assert.equal(slug, `${'a'.repeat(98)}-3`)
    assert.deepEqual(checked, [`${'a'.repeat(98)}-2`, `${'a'.repeat(98)}-3`])
  })
})

describe('what a revision holds', () => {
  test('the record without its HTML and the tags as they were; restoring brings back content, not status, date or slug', () => {
    const record = { ...story(), status: 'published' as const, publishedAt: at, author: 'Мария Иванова', coverImageUrl: 'https://cdn.example/ice.jpg', coverImageAlt: 'Лёд' }
    const tags = [{ id: '1', slug: 'pogoda', name: 'Погода' }]
    const snapshot = snapshotOf(record, tags)
    assert.equal('bodyHtml' in snapshot.row, false)
    assert.deepEqual(snapshot.tags, tags)
    assert.deepEqual(restoredContent(snapshot), {
      title: record.title,
      lead: record.lead,
      body: record.body,
      lang: 'ru',
      author: 'Мария Иванова',
      coverImage: { url: 'https://cdn.example/ice.jpg', alt: 'Лёд' },
      tags: ['pogoda'],
    })
  })
})

describe('what the public may see', () => {
  test('the state is derived at read time', () => {
    const record = { status: 'published' as const, publishedAt: '2026-11-30T12:00:00.000Z', deletedAt: null }
    assert.equal(stateOf(record, '2026-11-30T11:59:59.999Z'), 'scheduled')
    assert.equal(stateOf(record, '2026-11-30T12:00:00.000Z'), 'published')
    assert.equal(stateOf({ ...record, deletedAt: at }, '2026-12-01T00:00:00.000Z'), 'deleted')
    assert.equal(stateOf({ ...record, status: 'draft' }, at), 'draft')
  })

  test('the public lists only what is published, whatever it asks for; staff choose, published by default', () => {
    assert.equal(listedState('public', 'draft'), 'published')
    assert.equal(listedState('public', 'all'), 'published')
    assert.equal(listedState('staff', 'draft'), 'draft')
    assert.equal(listedState('staff', undefined), 'published')
  })

  test('an article’s API shape carries its derived status and tags, and its body only when the record has one', () => {
    const { body: _body, bodyHtml: _html, ...summary } = story()
    const listed = toArticle(summary, [], at)
    assert.equal('body' in listed, false)
    assert.equal(listed.status, 'draft')
    assert.equal(toArticle(story(), [{ id: '1', slug: 'pogoda', name: 'Погода' }], at).body, story().body)
  })
})

describe('the search document of an article', () => {
  test('stems per weighted field, an excerpt of the text, and a key in its publication millisecond', () => {
    const doc = searchDocument({ ...story(), publishedAt: at })
    assert.equal(doc.title, stems('Ледоход на Волге начался раньше срока'))
    assert.equal(doc.lead, stems('Синоптики говорят о тёплой зиме.'))
    assert.match(doc.excerpt, /^ЯРОСЛАВЛЬ, 30 ноября\. «Лёд тронулся», — сказал дежурный МЧС\.$/)
    assert.equal(doc.key, Date.parse(at) * SLOTS_PER_MS)
    assert.equal(publicationKey(null), 1, 'undated drafts below every dated article')
  })

  test('only text and date changes rewrite the index', () => {
    assert.equal(changesSearchText({ title: 'Новый' }), true)
    assert.equal(changesSearchText({ publishedAt: at }), true)
    assert.equal(changesSearchText({ deletedAt: at, author: 'Пётр' }), false)
  })
})

describe('one page of a keyset list', () => {
  test('the extra row read only says a next page exists; its cursor comes from the last row shown', () => {
    const rows = [1, 2, 3, 4]
    assert.deepEqual(pageOf(rows, 3, 10, (last) => `after-${last}`, (page) => page.map(String)), { items: ['1', '2', '3'], nextCursor: 'after-3', total: 10 })
    assert.deepEqual(pageOf(rows, 4, 4, (last) => `after-${last}`, (page) => page.map(String)), { items: ['1', '2', '3', '4'], nextCursor: null, total: 4 })
  })
})
