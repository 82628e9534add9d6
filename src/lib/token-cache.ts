import { createHash } from 'node:crypto'
import type { ContentState } from '../store/store.js'
import type { Principal } from './auth.js'

/** How long a resolved token is trusted without asking the database (its last use is recorded when it asks). */
const TOKEN_CACHE_MS = 60_000
const MAX_TOKENS = 10_000

/**
 * The principals of recently resolved bearer tokens, so that a token's every request does not cost a
 * database lookup. An entry holds while the content state it was resolved in is current — a token's
 * revocation, deletion or change of role or expiry bumps that state in its transaction, on this
 * server or any other (migrations 0018 and postgres/0002), so revocation takes effect at once — for
 * at most TOKEN_CACHE_MS, and never past the token's own expiry. Unknown tokens are never kept.
 * Keys are the secrets' hashes, not the secrets.
 */
export function cachedTokens (resolve: (secret: string) => Promise<Principal | null>, contentState: () => Promise<ContentState>) {
  const entries = new Map<string, { principal: Principal, generation: string, until: number }>()
  let generation = ''

  return async (secret: string): Promise<Principal | null> => {
    const state = await contentState()
    if (state.generation !== generation) {
      entries.clear()
      generation = state.generation
    }
    const key = createHash('sha256').update(secret).digest('base64url')
    const now = Date.now()
    const kept = entries.get(key)
    // An entry resolved while a change committed carries the older generation, though stored after the clear.
    if (kept && kept.generation === generation && now < kept.until) return kept.principal
    const principal = await resolve(secret)
    if (principal) {
      if (entries.size >= MAX_TOKENS) entries.clear()
      const expiry = principal.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(principal.expiresAt)
      entries.set(key, { principal, generation: state.generation, until: Math.min(now + TOKEN_CACHE_MS, expiry) })
    } else {
      entries.delete(key)
    }
    return principal
  }
}
