import slugify from '@sindresorhus/slugify'

export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/
export const SLUG_MAX = 100

// Newsroom transliteration: "й" as "i", "ё" as "e", "щ" as "shch", as Russian news sites write URLs.
const replacements: Array<[string, string]> = [['й', 'i'], ['Й', 'I'], ['ё', 'e'], ['Ё', 'E'], ['щ', 'shch'], ['Щ', 'Shch']]

/** Lowercase ASCII words joined by "-", at most 100 chars, cut at a word boundary; '' when nothing is left. */
export function slugFrom (text: string): string {
  const slug = slugify(text, { decamelize: false, customReplacements: replacements })
  if (slug.length <= SLUG_MAX) return slug
  const cut = slug.slice(0, SLUG_MAX + 1)
  const boundary = cut.lastIndexOf('-')
  return boundary > 0 ? cut.slice(0, boundary) : slug.slice(0, SLUG_MAX)
}

/** The n-th slug to try for base: base itself, then base-2, base-3…, each within the length limit. */
export function slugCandidate (base: string, n: number): string {
  if (n === 1) return base
  const suffix = `-${n}`
  return base.slice(0, SLUG_MAX - suffix.length).replace(/-+$/, '') + suffix
}

/** base, base-2, base-3…: the slugs to try, in order. */
export function * slugCandidates (base: string): Generator<string> {
  for (let n = 1; ; n++) yield slugCandidate(base, n)
}

/** The first of base, base-2, base-3… that `taken` does not hold, still within the length limit. */
export function freeSlug (base: string, taken: (slug: string) => boolean): string {
  for (const candidate of slugCandidates(base)) if (!taken(candidate)) return candidate
  throw new Error('unreachable')
}

/** The key names are compared by: NFC, trimmed, inner spaces collapsed, lower case, "ё" as "е". */
export function nameKey (name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase().replaceAll('ё', 'е')
}
