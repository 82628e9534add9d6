import { createHash, randomBytes } from 'node:crypto'
import { subscribes, type EventType, type MediaData } from '../domain/change-log.js'
import type { DeliveryRecord, MediaRecord, TagRecord, TagRef, TokenRecord, WebhookRecord } from '../domain/records.js'
import { encodeCursor } from '../lib/cursor.js'
import { newId } from '../lib/ids.js'
import { renderMarkdown } from '../lib/markdown.js'
import { snippet } from '../lib/search-query.js'
import type { Tag } from '../modules/tags/tags.schemas.js'
import type { Token } from '../modules/tokens/tokens.schemas.js'
import type { Page, SearchHitData } from './store.js'
import type { ClaimedDelivery } from './webhook-store.js'

// From rows to what the stores answer, the same for every engine: each store reads its rows its own
// way and hands them here.

/** Tag rows of several articles (in their editors' order), per article. */
export function tagsByArticle (rows: Array<TagRef & { articleId: string }>): Map<string, TagRef[]> {
  const map = new Map<string, TagRef[]>()
  for (const { articleId, ...tag } of rows) {
    const list = map.get(articleId)
    if (list) list.push(tag)
    else map.set(articleId, [tag])
  }
  return map
}

export const toTag = (row: TagRecord, count: number): Tag => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  description: row.description,
  articleCount: count,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
})

export const toMedia = (row: MediaRecord): MediaData => ({
  id: row.id,
  mimeType: row.mimeType,
  width: row.width,
  height: row.height,
  bytes: row.bytes,
  alt: row.alt,
  caption: row.caption,
  credit: row.credit,
  focalPoint: row.focalX === null || row.focalY === null ? null : { x: row.focalX, y: row.focalY },
  placeholder: row.placeholder,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
})

// 256 random bits behind a prefix secret scanners can recognise.
export const newSecret = () => `cms_${randomBytes(32).toString('base64url')}`
export const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex')
/** A token's last use is kept to the minute, so reads do not turn into a write each. */
export const LAST_USED_RESOLUTION_MS = 60_000

export const toToken = (row: TokenRecord): Token => ({
  id: row.id,
  name: row.name,
  role: row.role,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  lastUsedAt: row.lastUsedAt,
})

// Revisions never change, so their HTML is rendered once per process; the most recent few are kept.
const RENDERED_KEPT = 256

/** A revision's body rendered to HTML, remembered for the most recent revisions asked for. */
export function revisionHtml (): (articleId: string, version: number, body: string) => string {
  const rendered = new Map<string, string>()
  return (articleId, version, body) => {
    const key = `${articleId}\u0000${version}`
    let html = rendered.get(key)
    if (html === undefined) {
      html = renderMarkdown(body)
      rendered.set(key, html)
      if (rendered.size > RENDERED_KEPT) rendered.delete(rendered.keys().next().value!)
    }
    return html
  }
}

/** A ranked hit as the search queries read it: the article's first columns and the index's copies. */
export interface HitRecord {
  id: string
  slug: string
  title: string
  lead: string | null
  /** The start of the body's text, kept by the index: a snippet never reads a whole 200,000-character body. */
  excerpt: string | null
  publishedAt: string | null
  updatedAt: string
  lang: string
  score: number
}

/** A page of search hits from ranked rows, `offset` into `total` candidates, with snippets for these stems. */
export function searchPage (rows: HitRecord[], tags: Map<string, TagRef[]>, stems: Set<string>, offset: number, total: number): Page<SearchHitData> {
  // Whether a word matches, shared by the page's snippets: the same words recur from hit to hit.
  const seen = new Map<string, boolean>()
  const items: SearchHitData[] = rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    title: row.title,
    lead: row.lead,
    publishedAt: row.publishedAt,
    updatedAt: row.updatedAt,
    lang: row.lang,
    tags: (tags.get(row.id) ?? []).map(({ slug, name }) => ({ slug, name })),
    score: Math.round(row.score * 1e6) / 1e6,
    snippet: snippet(`${row.lead ?? ''} ${row.excerpt ?? ''}`, stems, seen) ?? snippet(row.title, stems, seen) ?? '',
  }))
  const nextOffset = offset + rows.length
  return { items, nextCursor: nextOffset < total && rows.length > 0 ? encodeCursor('search', [nextOffset]) : null, total }
}

/** The secrets that sign a webhook's deliveries now: the current one, and the previous one until its time is up. */
export const signingSecrets = (webhook: WebhookRecord, at: string): string[] =>
  webhook.previousSecret && webhook.previousSecretUntil && webhook.previousSecretUntil > at
    ? [webhook.secret, webhook.previousSecret]
    : [webhook.secret]

/** A delivery of one event to one webhook, due at `at`; claimed until `leaseUntil` when given. */
export function newDelivery<D> (webhookId: string, event: { eventId: string, type: string, eventAt: string, data: D },
  at: string, leaseUntil: string | null = null): DeliveryRecord & { data: D } {
  return { id: newId(), webhookId, ...event, status: 'pending', attempts: 0, lastStatusCode: null, nextAttemptAt: at, leaseUntil, createdAt: at, updatedAt: at }
}

/**
 * The deliveries change-log events make, in the events' order, for the webhooks active now; the first
 * `claimable` are made claimed until `leaseUntil`, so that a fresh event's deliveries are sent without
 * being written once more to be claimed (the rest wait, due now, for the next claim).
 */
export function deliveriesOf<D> (events: Array<{ event: EventType, eventId: string, at: string, data: D }>, active: WebhookRecord[],
  at: string, claimable: number, leaseUntil: string): Array<DeliveryRecord & { data: D }> {
  const made: Array<DeliveryRecord & { data: D }> = []
  for (const { event, eventId, at: eventAt, data } of events) {
    for (const webhook of active) {
      if (subscribes(webhook.events, event)) made.push(newDelivery(webhook.id, { eventId, type: event, eventAt, data }, at, made.length < claimable ? leaseUntil : null))
    }
  }
  return made
}

/** A claimed delivery with what sending it needs. */
export const claimedDelivery = (delivery: DeliveryRecord, webhook: WebhookRecord, at: string): ClaimedDelivery =>
  ({ delivery, url: webhook.url, secrets: signingSecrets(webhook, at) })
