import { itemUrn } from '../../lib/ids.js'
import type { FeedItem, JsonFeed } from './feed.schemas.js'

// Written here rather than with the `feed` package, which leaves `<` unescaped in Atom attributes,
// marks plain-text titles as HTML and has no dc:creator: every field below reaches a parser exactly as stored.

/** A feed item plus what only the syndication formats carry: the author, and a cover from the media library. */
export type FeedEntry = FeedItem & { author: string | null, enclosure: Enclosure | null }

/** A cover image as feeds attach it: its absolute URL, media type and size in bytes. */
export interface Enclosure {
  url: string
  type: string
  length: number
}

export interface FeedContext {
  items: FeedEntry[]
  /** This feed's own absolute URL, query included. */
  selfUrl: string
  publicUrl: string
  siteName: string
  lang: string | undefined
}

// Characters XML 1.0 forbids; strict parsers reject a feed that carries one.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const xmlInvalid = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }
/** Text for XML content or a quoted attribute, escaped once. */
const x = (text: string) => text.replace(xmlInvalid, '').replace(/[&<>"']/g, (c) => entities[c]!)

const element = (name: string, text: string | null | undefined, attributes = '') =>
  text === null || text === undefined ? '' : `<${name}${attributes}>${x(text)}</${name}>`

/** The newest change among the items: the feed's `updated` / `lastBuildDate`. */
function lastUpdate (items: FeedItem[]): string {
  return items.reduce((max, item) => {
    const changed = item.updatedAt > item.publishedAt ? item.updatedAt : item.publishedAt
    return changed > max ? changed : max
  }, '1970-01-01T00:00:00.000Z')
}

const description = (siteName: string) => `Latest news from ${siteName}`

export function toRss ({ items, selfUrl, publicUrl, siteName, lang }: FeedContext): string {
  const entries = items.map((item) => [
    '<item>',
    element('title', item.title),
    element('link', item.url),
    element('guid', itemUrn(item.id), ' isPermaLink="false"'),
    element('pubDate', new Date(item.publishedAt).toUTCString()),
    element('description', item.lead),
    element('dc:creator', item.author),
    ...item.tags.map((tag) => element('category', tag.name)),
    item.enclosure ? `<enclosure url="${x(item.enclosure.url)}" length="${item.enclosure.length}" type="${x(item.enclosure.type)}"/>` : '',
    '</item>',
  ].join(''))
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
    element('title', siteName),
    element('link', `${publicUrl}/v1/feed`),
    element('description', description(siteName)),
    element('language', lang ?? 'ru'),
    element('lastBuildDate', new Date(lastUpdate(items)).toUTCString()),
    element('generator', 'Newsroom CMS'),
    element('dc:publisher', siteName),
    `<atom:link href="${x(selfUrl)}" rel="self" type="application/rss+xml"/>`,
    ...entries,
    '</channel></rss>',
  ].join('\n')
}

export function toAtom ({ items, selfUrl, publicUrl, siteName, lang }: FeedContext): string {
  const entries = items.map((item) => [
    '<entry>',
    element('id', itemUrn(item.id)),
    element('title', item.title, ' type="text"'),
    `<link rel="alternate" href="${x(item.url)}"/>`,
    element('published', item.publishedAt),
    element('updated', item.updatedAt > item.publishedAt ? item.updatedAt : item.publishedAt),
    item.author === null ? '' : `<author>${element('name', item.author)}</author>`,
    element('summary', item.lead, ' type="text"'),
    ...item.tags.map((tag) => `<category term="${x(tag.slug)}" label="${x(tag.name)}"/>`),
    item.enclosure
      ? `<link rel="enclosure" type="${x(item.enclosure.type)}" length="${item.enclosure.length}" href="${x(item.enclosure.url)}"/>`
      : '',
    '</entry>',
  ].join(''))
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${x(lang ?? 'ru')}">`,
    element('id', `${publicUrl}/v1/feed`),
    element('title', siteName, ' type="text"'),
    element('subtitle', description(siteName), ' type="text"'),
    element('updated', lastUpdate(items)),
    // The publisher: RFC 4287 needs an author on the feed or on every entry.
    `<author>${element('name', siteName)}</author>`,
    `<link rel="self" type="application/atom+xml" href="${x(selfUrl)}"/>`,
    `<link rel="alternate" type="application/json" href="${x(`${publicUrl}/v1/feed`)}"/>`,
    element('generator', 'Newsroom CMS'),
    ...entries,
    '</feed>',
  ].join('\n')
}

/** JSON Feed 1.1 (the `feed` package writes 1.0). */
export function toJsonFeed ({ items, selfUrl, publicUrl, siteName, lang }: FeedContext, nextUrl: string | undefined): JsonFeed {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: siteName,
    home_page_url: `${publicUrl}/v1/feed`,
    feed_url: selfUrl,
    ...(nextUrl ? { next_url: nextUrl } : {}),
    description: description(siteName),
    authors: [{ name: siteName }],
    language: lang ?? 'ru',
    items: items.map((item) => ({
      id: itemUrn(item.id),
      url: item.url,
      title: item.title,
      ...(item.lead === null ? {} : { summary: item.lead }),
      content_text: item.lead ?? item.title,
      date_published: item.publishedAt,
      date_modified: item.updatedAt,
      ...(item.author === null ? {} : { authors: [{ name: item.author }] }),
      ...(item.enclosure ? { image: item.enclosure.url } : {}),
      tags: item.tags.map((tag) => tag.name),
      language: item.lang,
    })),
  }
}
