import type { Media } from '../modules/media/media.schemas.js'
import type { Tag } from '../modules/tags/tags.schemas.js'
import type { ArticleData } from './article-view.js'

/** A media item as the stores hand it on: everything but its URL, added where the response is built. */
export type MediaData = Omit<Media, 'url'>

// The change log under /v1/changes and webhooks: every write to articles and tags appends entries in
// its own unit of work, in commit order. What a write appends is decided here, the same for both engines.

export const EVENT_TYPES = [
  'article.created', 'article.updated', 'article.published', 'article.unpublished', 'article.deleted',
  'article.restored', 'article.purged', 'tag.created', 'tag.updated', 'tag.deleted',
  'media.created', 'media.updated', 'media.deleted', 'webhook.ping',
] as const
export type EventType = typeof EVENT_TYPES[number]

/** What an event's webhook body carries as `data`: the article as a viewer sees it without its body, the tag, or just an id. */
export type EventData = Omit<ArticleData, 'body' | 'bodyHtml'> | Tag | MediaData | { id: string }

export interface ChangeEntry {
  type: 'article' | 'tag' | 'media'
  itemId: string
  /** The webhook event this entry is, or null for an entry that only tells sync clients to look again. */
  event: EventType | null
  /** Whether the public may learn of it: the item was visible to the public before or after the change. */
  public: boolean
  /** The event's data, for entries that are events. */
  data: EventData | null
}

export type ArticleWrite = 'create' | 'update' | 'trash' | 'restore' | 'purge' | 'due'

const withoutBody = ({ body: _body, bodyHtml: _bodyHtml, ...rest }: ArticleData): EventData => rest
const visible = (article: ArticleData | undefined) => article?.status === 'published'

/** Which events an article write is: `before` and `after` as a viewer sees the article, undefined before a create and after a purge. */
function articleEvents (kind: ArticleWrite, before: ArticleData | undefined, after: ArticleData | undefined): EventType[] {
  switch (kind) {
    case 'create': return visible(after) ? ['article.created', 'article.published'] : ['article.created']
    case 'purge': return ['article.purged']
    case 'due': return ['article.published']
    case 'trash': return before?.status === 'deleted' ? [] : ['article.deleted']
    case 'restore': return ['article.restored']
    case 'update': {
      if (before?.version === after?.version) return []
      const events: EventType[] = ['article.updated']
      if (!visible(before) && visible(after)) events.push('article.published')
      if (visible(before) && !visible(after)) events.push('article.unpublished')
      return events
    }
  }
}

/**
 * The entries of one article write: its events, then an entry for each tag whose public visibility it
 * may have changed (a tag is public while one of its articles is), so public sync clients look again.
 */
export function articleChanges (kind: ArticleWrite, before: ArticleData | undefined, after: ArticleData | undefined): ChangeEntry[] {
  const events = articleEvents(kind, before, after)
  if (events.length === 0) return []
  const id = (after ?? before)!.id
  const isPublic = visible(before) || visible(after)
  const data = after && kind !== 'purge' ? withoutBody(after) : { id }
  const entries: ChangeEntry[] = events.map((event) => ({ type: 'article', itemId: id, event, public: isPublic, data }))
  const tagIds = new Set([...(visible(before) ? before!.tags : []), ...(visible(after) ? after!.tags : [])].map((tag) => tag.id))
  for (const tagId of tagIds) entries.push({ type: 'tag', itemId: tagId, event: null, public: true, data: null })
  return entries
}

/** A tag's event; `isPublic` says whether the public saw it before or sees it after. */
export function tagChange (event: 'tag.created' | 'tag.updated' | 'tag.deleted', tag: Tag | { id: string }, isPublic: boolean): ChangeEntry {
  return { type: 'tag', itemId: tag.id, event, public: isPublic, data: event === 'tag.deleted' ? { id: tag.id } : tag }
}

/** A media item's event: for staff only (the public reads media by id, never the library). */
export function mediaChange (event: 'media.created' | 'media.updated' | 'media.deleted', media: MediaData | { id: string }): ChangeEntry {
  return { type: 'media', itemId: media.id, event, public: false, data: event === 'media.deleted' ? { id: media.id } : media }
}

/** Events a webhook's `events` list subscribes to: names, `article.*`, `tag.*`, `media.*` or `*`. */
export function subscribes (patterns: string[], event: EventType): boolean {
  return patterns.some((pattern) => pattern === '*' || pattern === event ||
    (pattern.endsWith('.*') && event.startsWith(pattern.slice(0, -1))))
}
