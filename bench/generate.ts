// Builds a benchmark database of N generated news articles with the rows the write path would write:
// articles, tag links, a first revision each, and search index entries. Bodies are composed from
// pre-rendered paragraphs, so a million articles take minutes, not hours; the first ones are checked
// against the real renderer and stemmer to prove the rows are identical.
import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import * as schema from '../src/store/sqlite/schema.js'
import { migrateDatabase } from '../src/store/sqlite/migrate.js'
import type { Db } from '../src/store/sqlite/client.js'
import { renderMarkdown } from '../src/lib/markdown.js'
import { excerptOf, htmlToText } from '../src/lib/search-query.js'
import { nameKey, slugCandidate, slugFrom } from '../src/lib/slugs.js'
import { stems } from '../src/lib/stemming.js'
import { publicationKey } from '../src/domain/search-document.js'

const cities = ['МОСКВА', 'САНКТ-ПЕТЕРБУРГ', 'КАЗАНЬ', 'НОВОСИБИРСК', 'ЕКАТЕРИНБУРГ', 'КАЛИНИНГРАД', 'ВЛАДИВОСТОК', 'СОЧИ']
const subjects = ['Правительство', 'Центральный банк', 'Министерство энергетики', 'Мэрия', 'Совет директоров компании', 'Губернатор области', 'Росстат', 'Федеральная антимонопольная служба']
const actions = ['объявило о запуске программы', 'утвердило план', 'сообщило о росте', 'предложило изменить порядок', 'заявило о снижении', 'подготовило проект закона о поддержке']
const objects = ['строительства жилья', 'экспорта зерна', 'цифровых сервисов', 'региональных аэропортов', 'малого бизнеса', 'школьных столовых', 'водородной энергетики', 'ипотечного кредитования']
const speakers = ['министр финансов', 'глава региона', 'аналитик инвестиционной компании', 'председатель комитета Госдумы', 'эксперт Высшей школы экономики', 'представитель профсоюза']
const quotes = ['Мы ожидаем, что эффект станет заметен уже в следующем году', 'Это решение давно назрело, и рынок к нему готов', 'Риски остаются, но ёмкость спроса пока высока', 'Без поддержки регионов программа не заработает']

function pick<T> (list: T[], n: number): T {
  return list[n % list.length]!
}

// Titles and leads repeat across articles: slug bases and stems are computed once per distinct text.
function memo (fn: (text: string) => string): (text: string) => string {
  const cache = new Map<string, string>()
  return (text) => {
    let value = cache.get(text)
    if (value === undefined) cache.set(text, value = fn(text))
    return value
  }
}
const slugOf = memo(slugFrom)
const stemsOf = memo(stems)
const keyOf = memo(nameKey)

// A pool of paragraphs, each rendered and stemmed once.
const paragraphs = Array.from({ length: 64 }, (_, i) => {
  const markdown = i % 3 === 1
    ? `«${pick(quotes, i)}», — сказал ${pick(speakers, i * 7)}. По его словам, решение затронет ${pick(objects, i * 5)} и ${pick(objects, i * 3 + 1)}.`
    : `${pick(subjects, i)} ${pick(actions, i * 5)} ${pick(objects, i * 3)}. Как отмечается в сообщении, первые результаты ожидаются в ${2026 + (i % 3)} году, а объём финансирования составит ${10 + i} млрд рублей. Эксперты считают, что это повлияет на ${pick(objects, i * 7 + 2)}.`
  const html = renderMarkdown(markdown)
  const text = htmlToText(html)
  return { markdown, html, text, stems: stems(text) }
})

export const benchTags = ['Экономика', 'Политика', 'Общество', 'Технологии', 'Спорт', 'Культура', 'Происшествия', 'Наука', 'Москва', 'Регионы']

const renderedDateline = memo((markdown) => renderMarkdown(markdown).slice(0, -5)) // "<p>…</p>\n" without "</p>\n"

export function articleFor (n: number, at: number) {
  const city = pick(cities, n)
  const title = `${pick(subjects, n)} ${pick(actions, n >> 3)} ${pick(objects, n >> 6)} (${pick(cities, n >> 9).toLowerCase()})`
  const parts = Array.from({ length: 6 }, (_, k) => paragraphs[(n * 7 + k * 13) % paragraphs.length]!)
  const dateline = `**${city}, ${new Date(at).getUTCDate()} ноября.**`
  const datelineHtml = renderedDateline(dateline)
  const body = [dateline + ' ' + parts[0]!.markdown, ...parts.slice(1).map((p) => p.markdown)].join('\n\n')
  const bodyHtml = [datelineHtml + ' ' + parts[0]!.html.slice(3), ...parts.slice(1).map((p) => p.html)].join('')
  const bodyStems = [stemsOf(`${city}, ${new Date(at).getUTCDate()} ноября.`), ...parts.map((p) => p.stems)].join(' ')
  // The body's text from its paragraphs' (each turned into text once): every paragraph ends in a tag.
  const bodyText = [htmlToText(datelineHtml + ' ' + parts[0]!.html.slice(3)), ...parts.slice(1).map((p) => p.text)].join(' ')
  return { title, lead: `${pick(subjects, n + 1)} ${pick(actions, n + 2)} ${pick(objects, n + 3)}.`, body, bodyHtml, bodyStems, excerpt: excerptOf(bodyText) }
}

export function buildBenchDb (path: string, count: number): void {
  const sqlite = new Database(path)
  // A throwaway file being filled: no journal, no fsync, a large cache. Switched back to WAL at the end.
  sqlite.pragma('journal_mode = OFF')
  sqlite.pragma('synchronous = OFF')
  sqlite.pragma('cache_size = -262144')
  const db = drizzle(sqlite, { schema }) as unknown as Db
  migrateDatabase(db)
  const now = Date.UTC(2026, 10, 28, 12)
  const insertTag = sqlite.prepare('INSERT INTO tags (id, slug, name, name_key, description, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?)')
  const tagIds = benchTags.map((name, i) => {
    const id = `01TAG${String(i).padStart(21, '0')}`
    insertTag.run(id, slugFrom(name), name, nameKey(name), new Date(now).toISOString(), new Date(now).toISOString())
    return id
  })
  const insertArticle = sqlite.prepare(`INSERT INTO articles (id, slug, title, title_key, lead, body, body_html, status, published_at,
    deleted_at, lang, author, cover_image_url, cover_image_alt, version, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'published', ?, NULL, 'ru', 'Редакция', NULL, NULL, 1, ?, ?)`)
  // Each link carries its article's live date itself (a trigger fills it on the write path).
  const insertLink = sqlite.prepare('INSERT INTO article_tags (article_id, tag_id, position, live_published_at) VALUES (?, ?, ?, ?)')
  const insertRevision = sqlite.prepare('INSERT INTO article_revisions (article_id, version, saved_at, saved_by, title, snapshot) VALUES (?, 1, ?, ?, ?, ?)')
  const insertDoc = sqlite.prepare("INSERT INTO search_docs (rowid, article_id, excerpt, updated_at, lang) VALUES (?, ?, ?, ?, 'ru')")
  const insertFts = sqlite.prepare('INSERT INTO article_search (rowid, title, lead, body) VALUES (?, ?, ?, ?)')
  // The newest go into recent_search too, as many as the write path's search-shard.ts keeps at least.
  const insertRecent = sqlite.prepare('INSERT INTO recent_search (rowid, title, lead, body) VALUES (?, ?, ?, ?)')
  const shardSize = sqlite.prepare('SELECT size FROM search_shard').pluck().get() as number
  const firstRecent = Math.max(0, count - shardSize)
  const tagRefOf = new Map(tagIds.map((id, i) => [id, { id, slug: slugFrom(benchTags[i]!), name: benchTags[i]! }]))
  // Secondary indexes are dropped while the rows go in and rebuilt once at the end: far cheaper
  // than keeping six B-trees in order through a million inserts.
  const indexes = sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('articles', 'article_tags', 'article_revisions')").all() as Array<{ name: string, sql: string }>
  for (const { name } of indexes) sqlite.exec(`DROP INDEX "${name}"`)
  // So are the triggers that keep derived state row by row (the content version, the counts, each
  // link's live date): a quarter of the build with them. The rows carry those values, the counts are
  // set once at the end, and the triggers come back with the indexes.
  const triggers = sqlite.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('articles', 'article_tags')").all() as Array<{ name: string, sql: string }>
  for (const { name } of triggers) sqlite.exec(`DROP TRIGGER "${name}"`)
  // The full-text index gathers terms in memory and writes a segment whenever they outgrow its hash
  // (1 MB by default): given 256 MB it writes fewer, larger segments and merges less. Set back at the end.
  const ftsHashSize = (bytes: number) => sqlite.exec(`INSERT INTO article_search (article_search, rank) VALUES ('hashsize', ${bytes})`)
  ftsHashSize(256 * 1024 * 1024)
  const taken = new Set<string>()
  // The first free slug of base, base-2… (what the write path picks), without probing again the ones
  // this build already took: titles repeat (a few thousand distinct ones), and probing from base every
  // time made a million articles quadratic. Taken slugs stay taken, so the search starts where it ended.
  const nextTry = new Map<string, number>()
  const freeSlugOf = (base: string): string => {
    let n = nextTry.get(base) ?? 1
    while (taken.has(slugCandidate(base, n))) n++
    nextTry.set(base, n + 1)
    return slugCandidate(base, n)
  }
  const insertChunk = sqlite.transaction((from: number, to: number) => {
    for (let n = from; n < to; n++) {
      // One article a minute, going back in time; ids sort by creation like real ULIDs.
      const at = now - (count - n) * 60_000
      const iso = new Date(at).toISOString()
      const id = `01BENCH${String(n).padStart(19, '0')}`
      const a = articleFor(n, at)
      const slug = freeSlugOf(slugOf(a.title))
      taken.add(slug)
      insertArticle.run(id, slug, a.title, keyOf(a.title), a.lead, a.body, a.bodyHtml, iso, iso, iso)
      const tags = [tagIds[n % tagIds.length]!, tagIds[(n * 7 + 3) % tagIds.length]!].filter((t, i, all) => all.indexOf(t) === i)
      tags.forEach((tagId, position) => insertLink.run(id, tagId, position, iso))
      const row = { id, slug, title: a.title, titleKey: keyOf(a.title), lead: a.lead, body: a.body, status: 'published', publishedAt: iso, deletedAt: null, lang: 'ru', author: 'Редакция', coverImageUrl: null, coverImageAlt: null, version: 1, createdAt: iso, updatedAt: iso }
      const tagRefs = tags.map((tagId) => tagRefOf.get(tagId)!)
      insertRevision.run(id, iso, 'bench', a.title, JSON.stringify({ row, tags: tagRefs }))
      // One article a minute: each has its publication instant's first key to itself.
      const rowid = publicationKey(iso)
      insertDoc.run(rowid, id, a.excerpt, iso)
      insertFts.run(rowid, stemsOf(a.title), stemsOf(a.lead), a.bodyStems)
      if (n >= firstRecent) insertRecent.run(rowid, stemsOf(a.title), stemsOf(a.lead), a.bodyStems)
    }
  })
  for (let from = 0; from < count; from += 10_000) insertChunk(from, Math.min(count, from + 10_000))
  for (const index of indexes) sqlite.exec(index.sql)
  for (const trigger of triggers) sqlite.exec(trigger.sql)
  ftsHashSize(1024 * 1024)
  sqlite.prepare("UPDATE article_counts SET n = ? WHERE state = 'live'").run(count)
  sqlite.prepare('UPDATE search_shard SET floor = ?, docs = ? WHERE id = 1')
    .run(count > shardSize ? publicationKey(new Date(now - (count - firstRecent) * 60_000).toISOString()) : 0, count - firstRecent)
  sqlite.exec('UPDATE content_state SET version = version + 1 WHERE id = 1')
  sqlite.pragma('journal_mode = WAL')
  sqlite.close()
}

/** Proves the bulk rows equal what the write path renders and indexes, on a sample. */
export function checkIdentity (samples = 50): void {
  for (let n = 0; n < samples; n++) {
    const a = articleFor(n, Date.UTC(2026, 10, 20))
    if (renderMarkdown(a.body) !== a.bodyHtml) throw new Error(`bulk body_html differs from the renderer for article ${n}`)
    if (stems(htmlToText(a.bodyHtml)) !== a.bodyStems) throw new Error(`bulk search stems differ from the indexer for article ${n}`)
    if (excerptOf(htmlToText(a.bodyHtml)) !== a.excerpt) throw new Error(`bulk excerpt differs from the indexer's for article ${n}`)
  }
}
