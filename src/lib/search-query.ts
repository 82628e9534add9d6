import { stem, stemVariants, words } from './stemming.js'

export interface SearchQuery {
  /** An FTS5 MATCH expression built only from quoted stems, so no user text reaches the FTS5 parser. */
  match: string
  /** The same query as a PostgreSQL tsquery literal (`'a' & ('b' | 'c') & ('d' <-> 'e')`), for the PostgreSQL store. */
  tsquery: string
  /** Every stem the query asks for, for highlighting. */
  stems: Set<string>
}

/** A stem as a quoted tsquery/tsvector lexeme: stems are letters and digits, quoted all the same. */
export const lexeme = (stem: string) => `'${stem.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`

/**
 * Turns what a reader typed into an FTS5 query: words ANDed, "quoted words" as a phrase, each stem
 * quoted. Returns null when nothing searchable is left (only punctuation or emoji, say).
 */
export function parseSearchQuery (q: string): SearchQuery | null {
  const terms: string[] = []
  const tsTerms: string[] = []
  const all = new Set<string>()
  // Odd segments between double quotes are phrases; an unclosed quote runs to the end.
  q.split('"').forEach((segment, i) => {
    const segmentWords = words(segment)
    if (segmentWords.length === 0) return
    if (i % 2 === 1) {
      const phrase = segmentWords.map(stem)
      phrase.forEach((s) => all.add(s))
      terms.push(`"${phrase.join(' ')}"`)
      tsTerms.push(`(${phrase.map(lexeme).join(' <-> ')})`)
      return
    }
    for (const word of segmentWords) {
      const variants = stemVariants(word)
      variants.forEach((s) => all.add(s))
      terms.push(variants.length === 1 ? `"${variants[0]}"` : `(${variants.map((s) => `"${s}"`).join(' OR ')})`)
      tsTerms.push(`(${variants.map(lexeme).join(' | ')})`)
    }
  })
  return terms.length > 0 ? { match: terms.join(' AND '), tsquery: tsTerms.join(' & '), stems: all } : null
}

const escapeHtml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;')

/** How much of a text a snippet looks through: a bounded cost per hit, whatever the body's length. */
const SNIPPET_SCAN_CHARS = 2_000

/** How much of an article's body text the search index keeps for snippets (cut at a word boundary). */
const EXCERPT_CHARS = 1_000

/** The start of a body's plain text that snippets are drawn from. */
export function excerptOf (bodyText: string): string {
  if (bodyText.length <= EXCERPT_CHARS) return bodyText
  const cut = bodyText.slice(0, EXCERPT_CHARS)
  const space = cut.lastIndexOf(' ')
  return space > EXCERPT_CHARS / 2 ? cut.slice(0, space) : cut
}

/**
 * A short excerpt of `text` around its first matching word within its first SNIPPET_SCAN_CHARS
 * characters, HTML-escaped, with every word whose stem the query asks for wrapped in <mark>. Null
 * when no word matches there. Each distinct word is stemmed once (per `seen`, which a page's hits share).
 */
export function snippet (whole: string, stems: Set<string>, seen = new Map<string, boolean>(), maxWords = 24): string | null {
  const text = whole.length > SNIPPET_SCAN_CHARS ? whole.slice(0, SNIPPET_SCAN_CHARS) : whole
  // A word can match only where its stem, less a last letter the stemmer may have changed ("happy" →
  // "happi"), occurs: most texts without a match are ruled out before being split into words.
  const folded = text.toLowerCase().replaceAll('ё', 'е')
  if (![...stems].some((s) => folded.includes(s.length > 1 ? s.slice(0, -1) : s))) return null
  const hit = (token: RegExpExecArray) => {
    const word = token[0].toLowerCase().replaceAll('ё', 'е')
    let matches = seen.get(word)
    if (matches === undefined) seen.set(word, matches = stems.has(stem(word)))
    return matches
  }
  // Words up to the first match and the excerpt's worth after it, plus one to know whether more follow.
  const tokens: RegExpExecArray[] = []
  let first = -1
  for (const re = /[\p{L}\p{N}]+/gu; ;) {
    const token = re.exec(text)
    if (!token) break
    tokens.push(token)
    if (first === -1 && hit(token)) first = tokens.length - 1
    if (first !== -1 && tokens.length > Math.max(0, first - Math.floor(maxWords / 3)) + maxWords) break
  }
  if (first === -1) return null
  const from = Math.max(0, first - Math.floor(maxWords / 3))
  const to = Math.min(tokens.length, from + maxWords)
  const start = tokens[from]!.index
  const end = to < tokens.length ? tokens[to - 1]!.index + tokens[to - 1]![0].length : text.length
  let out = ''
  let cursor = start
  for (const token of tokens.slice(from, to)) {
    out += escapeHtml(text.slice(cursor, token.index))
    out += hit(token) ? `<mark>${escapeHtml(token[0])}</mark>` : escapeHtml(token[0])
    cursor = token.index + token[0].length
  }
  out += escapeHtml(text.slice(cursor, end))
  return `${from > 0 ? '…' : ''}${out.trim()}${to < tokens.length || text.length < whole.length ? '…' : ''}`
}

/** Plain text of sanitized HTML: tags dropped, the few entities sanitize-html writes decoded. */
export function htmlToText (html: string): string {
  // A cut-off document may end inside a tag.
  return html.replace(/<[^>]+>|<[^>]*$/g, ' ')
    .replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&')
    .replace(/\s+/g, ' ').trim()
}
