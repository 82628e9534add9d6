import type { ArticleRepository } from '../modules/articles/articles.repository.js'
import type { TagRepository } from '../modules/tags/tags.repository.js'
import { demoArticles, demoTags } from './demo-content.js'

/** True when the database holds no articles and no tags: the only kind the demo is ever put into. */
export function isEmpty (articles: ArticleRepository, tags: TagRepository): boolean {
  return articles.list({ status: 'all', sort: '-publishedAt', limit: 1 }, 'staff').total === 0 &&
    articles.list({ status: 'deleted', sort: '-publishedAt', limit: 1 }, 'staff').total === 0 &&
    tags.list({ sort: 'name', limit: 1 }, 'staff').total === 0
}

/** Seeds the demo newsroom through the normal write path; returns how many articles it wrote. */
export function seedDemo (articles: ArticleRepository, tags: TagRepository, at = Date.now()): number {
  for (const tag of demoTags) tags.create(tag)
  // Oldest first, so ids and revisions follow the order of publication.
  const stories = [...demoArticles].sort((a, b) => b.hoursAgo - a.hoursAgo)
  for (const { hoursAgo, ...story } of stories) {
    articles.create({ ...story, status: 'published', publishedAt: new Date(at - hoursAgo * 3_600_000).toISOString() }, 'demo')
  }
  return stories.length
}
