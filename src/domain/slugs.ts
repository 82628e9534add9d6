import { freeSlug } from '../lib/slugs.js'

/**
 * Which slug a new article gets: the first of base, base-2, base-3… that is free. `nearBase` holds
 * the taken slugs that are base or start with "base-"; a candidate shortened to fit the length limit
 * falls outside that set and is checked on its own with `isTaken`.
 */
export function pickSlug (base: string, nearBase: Set<string>, isTaken: (slug: string) => boolean): string {
  return freeSlug(base, (slug) => nearBase.has(slug) || (!slug.startsWith(base) && isTaken(slug)))
}
