import type { Audience } from '../lib/auth.js'
import type { ArticleRecord } from './records.js'

export const ARTICLE_STATES = ['draft', 'scheduled', 'published', 'deleted'] as const
export type ArticleState = typeof ARTICLE_STATES[number]

/** The state an article is in at instant `at`: decided at read time, so no job publishes anything. */
export function stateOf (row: Pick<ArticleRecord, 'status' | 'publishedAt' | 'deletedAt'>, at: string): ArticleState {
  if (row.deletedAt) return 'deleted'
  if (row.status === 'draft') return 'draft'
  return row.publishedAt && row.publishedAt > at ? 'scheduled' : 'published'
}

/** The state a list or search shows: the public only what is published now; staff choose, published by default. */
export function listedState (audience: Audience, requested: ArticleState | 'all' | undefined): ArticleState | 'all' {
  return audience === 'public' ? 'published' : requested ?? 'published'
}
