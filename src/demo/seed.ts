import type { Store } from '../store/store.js'
import { demoArticles, demoTags } from './demo-content.js'

/** True when the database holds no articles and no tags: the only kind the demo is ever put into. */
export async function isEmpty ({ articles, tags }: Pick<Store, 'articles' | 'tags'>): Promise<boolean> {
  return (await articles.list({ status: 'all', sort: '-publishedAt', limit: 1 }, 'staff')).total === 0 &&
    (await articles.list({ status: 'deleted', sort: '-publishedAt', limit: 1 }, 'staff')).total === 0 &&
    (await tags.list({ sort: 'name', limit: 1 }, 'staff')).total === 0
}

/** Seeds the demo newsroom through the normal write path; returns how many articles it wrote. */
export async function seedDemo ({ articles, tags }: Pick<Store, 'articles' | 'tags'>, at = Date.now()): Promise<number> {
  for (const tag of demoTags) await tags.create(tag)
  // Oldest first, so ids and revisions follow the order of publication.
  const stories = [...demoArticles].sort((a, b) => b.hoursAgo - a.hoursAgo)
  for (const { hoursAgo, ...story } of stories) {
    await articles.create({ ...story, status: 'published', publishedAt: new Date(at - hoursAgo * 3_600_000).toISOString() }, 'demo')
  }
  return stories.length
}
