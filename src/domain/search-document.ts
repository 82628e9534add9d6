import { excerptOf, htmlToText } from '../lib/search-query.js'
import { stems } from '../lib/stemming.js'
import type { ArticleRecord } from './records.js'

export const SLOTS_PER_MS = 2048

/** How many of the newest matches a search ranks: enough for any reader, cheap at a million articles. */
export const SEARCH_WINDOW = 1000

/**
 * The first index key an article may take: full-text indexes walk a term's documents by key, newest
 * first when asked to, so keys follow publication (2,048 to a millisecond; drafts, undated, below them
 * all). That is what lets a search rank "the newest 1,000 matches" without sorting every match. Exact
 * in a double until the year 2109.
 */
export function publicationKey (publishedAt: string | null): number {
  return publishedAt === null ? 1 : Math.max(1, Date.parse(publishedAt)) * SLOTS_PER_MS
}

export type Indexed = Pick<ArticleRecord, 'id' | 'title' | 'lead' | 'bodyHtml' | 'publishedAt' | 'updatedAt' | 'lang'>

/** What the search index holds of an article: the stems of each weighted field, and the start of its text for snippets. */
export interface SearchDocument {
  articleId: string
  key: number
  title: string
  lead: string
  body: string
  excerpt: string
  updatedAt: string
  lang: string
}

export function searchDocument (row: Indexed): SearchDocument {
  const bodyText = htmlToText(row.bodyHtml)
  return {
    articleId: row.id,
    key: publicationKey(row.publishedAt),
    title: stems(row.title),
    lead: stems(row.lead ?? ''),
    body: stems(bodyText),
    excerpt: excerptOf(bodyText),
    updatedAt: row.updatedAt,
    lang: row.lang,
  }
}

/** True when a change touches what the index holds as text or key; other writes only refresh its copies. */
export function changesSearchText (changes: Partial<ArticleRecord>): boolean {
  return changes.title !== undefined || changes.lead !== undefined || changes.bodyHtml !== undefined || changes.publishedAt !== undefined
}
