import { Feed } from 'feed'
import type { FeedItem, JsonFeed } from './feed.schemas.js'

const TITLE = 'Последние новости'
const DESCRIPTION = 'Лента последних новостей'

// Characters XML 1.0 forbids; strict parsers reject a feed that carries one.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const xmlInvalid = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const clean = (text: string) => text.replace(xmlInvalid, '')
// Atom marks titles and summaries type="html" and RSS readers render descriptions as HTML: escape plain text.
const html = (text: string) => clean(text).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

export interface FeedContext {
  items: FeedItem[]
  /** This feed's own absolute URL, query included. */
  selfUrl: string
  publicUrl: string
  lang: string | undefined
}

/** The newest change among the items: the feed's `updated` / `lastBuildDate`. */
function lastUpdate (items: FeedItem[]): Date {
  const newest = items.reduce((max, item) => {
    const changed = item.updatedAt > item.publishedAt ? item.updatedAt : item.publishedAt
    return changed > max ? changed : max
  }, '1970-01-01T00:00:00.000Z')
  return new Date(newest)
}

function build ({ items, selfUrl, publicUrl, lang }: FeedContext, format: 'rss' | 'atom'): Feed {
  const feed = new Feed({
    title: TITLE,
    description: DESCRIPTION,
    id: `${publicUrl}/v1/feed`,
    link: `${publicUrl}/v1/feed`,
    language: lang ?? 'ru',
    updated: lastUpdate(items),
    generator: 'Newsroom CMS',
    copyright: '',
    feedLinks: format === 'rss' ? { rss: selfUrl } : { atom: selfUrl },
  })
  for (const item of items) {
    feed.addItem({
      title: html(item.title),
      id: item.url,
      link: item.url,
      description: item.lead === null ? undefined : html(item.lead),
      date: new Date(item.updatedAt > item.publishedAt ? item.updatedAt : item.publishedAt),
      published: new Date(item.publishedAt),
      category: item.tags.map((tag) => ({ name: clean(tag.name), term: tag.slug })),
    })
  }
  return feed
}

export const toRss = (context: FeedContext): string => build(context, 'rss').rss2()
export const toAtom = (context: FeedContext): string => build(context, 'atom').atom1()

/** JSON Feed 1.1, written here: the `feed` package writes 1.0. */
export function toJsonFeed ({ items, selfUrl, publicUrl, lang }: FeedContext, nextUrl: string | undefined): JsonFeed {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: TITLE,
    home_page_url: `${publicUrl}/v1/feed`,
    feed_url: selfUrl,
    ...(nextUrl ? { next_url: nextUrl } : {}),
    description: DESCRIPTION,
    language: lang ?? 'ru',
    items: items.map((item) => ({
      id: item.url,
      url: item.url,
      title: item.title,
      ...(item.lead === null ? {} : { summary: item.lead }),
      content_text: item.lead ?? item.title,
      date_published: item.publishedAt,
      date_modified: item.updatedAt,
      tags: item.tags.map((tag) => tag.name),
      language: item.lang,
    })),
  }
}
