import { createHash, randomBytes } from 'node:crypto'
import { and, asc, count, eq, gt, isNull, or } from 'drizzle-orm'
import type { Db } from '../../db/client.js'
import { tokens, type TokenRow } from '../../db/schema.js'
import type { Principal, Role } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import type { Token, TokenCreate } from './tokens.schemas.js'

export type TokenRepository = ReturnType<typeof createTokenRepository>

// 256 random bits behind a prefix secret scanners can recognise.
const newSecret = () => `cms_${randomBytes(32).toString('base64url')}`
const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex')
const LAST_USED_RESOLUTION_MS = 60_000

const toToken = (row: TokenRow): Token => ({
  id: row.id,
  name: row.name,
  role: row.role,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  lastUsedAt: row.lastUsedAt,
})

export function createTokenRepository (db: Db) {
  const active = isNull(tokens.revokedAt)

  function insert (name: string, role: Role, expiresAt: string | null, secret: string, source: TokenRow['source']) {
    const row: TokenRow = { id: newId(), name, role, hash: hashOf(secret), source, createdAt: now(), expiresAt, revokedAt: null, lastUsedAt: null }
    db.insert(tokens).values(row).run()
    return row
  }

  return {
    create (input: TokenCreate) {
      const secret = newSecret()
      const { lastUsedAt: _, ...token } = toToken(insert(input.name, input.role, input.expiresAt ?? null, secret, 'api'))
      return { ...token, token: secret }
    },

    /** Makes CMS_ADMIN_TOKEN an admin token; a former value of it stops working. */
    ensureEnvAdmin (secret: string): void {
      db.transaction(() => {
        const hash = hashOf(secret)
        db.update(tokens).set({ revokedAt: now() }).where(and(eq(tokens.source, 'env'), active)).run()
        const existing = db.select().from(tokens).where(eq(tokens.hash, hash)).get()
        if (existing) db.update(tokens).set({ revokedAt: null, role: 'admin', expiresAt: null, source: 'env' }).where(eq(tokens.id, existing.id)).run()
        else insert('admin', 'admin', null, secret, 'env')
      }, { behavior: 'immediate' })
    },

    /** The principal a secret stands for, or null when it is unknown, revoked or expired. */
    resolve (secret: string): Principal | null {
      const row = db.select().from(tokens).where(eq(tokens.hash, hashOf(secret))).get()
      const at = now()
      if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= at)) return null
      // Last use is kept to the minute, so reads do not turn into a write each.
      if (!row.lastUsedAt || Date.parse(at) - Date.parse(row.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
        db.update(tokens).set({ lastUsedAt: at }).where(eq(tokens.id, row.id)).run()
      }
      return { tokenId: row.id, name: row.name, role: row.role }
    },

    list (limit: number, cursor: string | undefined) {
      const filters = [active]
      const total = db.select({ n: count() }).from(tokens).where(and(...filters)).get()?.n ?? 0
      if (cursor) filters.push(gt(tokens.id, decodeCursor(cursor, 'id', ['string'])[0] as string))
      const rows = db.select().from(tokens).where(and(...filters)).orderBy(asc(tokens.id)).limit(limit + 1).all()
      const items = rows.slice(0, limit)
      const last = items.at(-1)
      return { items: items.map(toToken), nextCursor: rows.length > limit && last ? encodeCursor('id', [last.id]) : null, total }
    },

    /** Whether any active, unexpired admin token exists: without one, nobody can write yet. */
    hasAdmin (): boolean {
      return db.select({ id: tokens.id }).from(tokens)
        .where(and(eq(tokens.role, 'admin'), active, or(isNull(tokens.expiresAt), gt(tokens.expiresAt, now())))).get() !== undefined
    },

    revoke (id: string): void {
      const row = db.select({ source: tokens.source }).from(tokens).where(and(eq(tokens.id, id), active)).get()
      if (!row) throw new NotFoundError('No token with this id')
      // It would come back at the next start: the variable, not the API, decides it.
      if (row.source === 'env') {
        throw new ConflictError('This is the CMS_ADMIN_TOKEN token: change or unset that variable and restart to retire it', 'ENV_TOKEN')
      }
      db.update(tokens).set({ revokedAt: now() }).where(eq(tokens.id, id)).run()
    },
  }
}
