import { createHash } from 'node:crypto'

/** A strong ETag from a few identifying parts, without hashing a whole body. */
export function etagOf (...parts: Array<string | number>): string {
  return `"${createHash('sha1').update(parts.join('\u0000')).digest('base64url').slice(0, 22)}"`
}

/** A strong ETag of a serialized body, for responses whose handler sets none. */
export function bodyEtag (payload: string | Buffer): string {
  return `"${createHash('sha1').update(payload).digest('base64url')}"`
}

/**
 * Whether an If-None-Match (weak comparison) or If-Match (strong comparison) header value matches
 * the current ETag; `*` matches anything that exists.
 */
export function etagMatches (header: string, etag: string, comparison: 'weak' | 'strong'): boolean {
  if (header.trim() === '*') return true
  return header.split(',').some((raw) => {
    const tag = raw.trim()
    if (comparison === 'strong') return tag === etag
    return tag.replace(/^W\//, '') === etag.replace(/^W\//, '')
  })
}
