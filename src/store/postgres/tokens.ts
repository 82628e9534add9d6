import { and, asc, count, eq, gt, isNull, or } from 'drizzle-orm'
import type { TokenRecord } from '../../domain/records.js'
import type { Role } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { pageOf } from '../page.js'
import { hashOf, LAST_USED_RESOLUTION_MS, newSecret, toToken } from '../shapes.js'
import type { TokenStore } from '../store.js'
import type { PgDb } from './client.js'
import { tokens } from './schema.js'
import { first, unitOfWork, type Tx } from './unit-of-work.js'

const active = isNull(tokens.revokedAt)

async function insert (tx: Tx, name: string, role: Role, expiresAt: string | null, secret: string, source: TokenRecord['source']): Promise<TokenRecord> {
  const row: TokenRecord = { id: newId(), name, role, hash: hashOf(secret), source, createdAt: now(), expiresAt, revokedAt: null, lastUsedAt: null }
  await tx.insert(tokens).values(row)
  return row
}

// Tokens are not content: their writes take no content write lock.
const tokenWork = { content: false }

export function createTokenStore (db: PgDb): TokenStore {
  return {
    async create (input) {
      const secret = newSecret()
      const record = await unitOfWork(db, (tx) => insert(tx, input.name, input.role, input.expiresAt ?? null, secret, 'api'), tokenWork)
      const { lastUsedAt: _, ...token } = toToken(record)
      return { ...token, token: secret }
    },

    ensureEnvAdmin: (secret) => unitOfWork(db, async (tx) => {
      const hash = hashOf(secret)
      await tx.update(tokens).set({ revokedAt: now() }).where(and(eq(tokens.source, 'env'), active))
      const existing = await first(tx.select().from(tokens).where(eq(tokens.hash, hash)))
      if (existing) await tx.update(tokens).set({ revokedAt: null, role: 'admin', expiresAt: null, source: 'env' }).where(eq(tokens.id, existing.id))
      else await insert(tx, 'admin', 'admin', null, secret, 'env')
      // Under the write lock: servers starting together ensure it one after another, the later ones finding it there.
    }),

    async resolve (secret) {
      const row = await first(db.select().from(tokens).where(eq(tokens.hash, hashOf(secret))))
      const at = now()
      if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= at)) return null
      if (!row.lastUsedAt || Date.parse(at) - Date.parse(row.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
        await db.update(tokens).set({ lastUsedAt: at }).where(eq(tokens.id, row.id))
      }
      return { tokenId: row.id, name: row.name, role: row.role, expiresAt: row.expiresAt }
    },

    async list (limit, cursor) {
      const filters = [active]
      const total = (await first(db.select({ n: count() }).from(tokens).where(and(...filters))))?.n ?? 0
      if (cursor) filters.push(gt(tokens.id, decodeCursor(cursor, 'id', ['string'])[0] as string))
      const rows = await db.select().from(tokens).where(and(...filters)).orderBy(asc(tokens.id)).limit(limit + 1)
      return pageOf(rows, limit, total, (last) => encodeCursor('id', [last.id]), (items) => items.map(toToken))
    },

    async hasAdmin () {
      return await first(db.select({ id: tokens.id }).from(tokens)
        .where(and(eq(tokens.role, 'admin'), active, or(isNull(tokens.expiresAt), gt(tokens.expiresAt, now()))))) !== undefined
    },

    revoke: (id) => unitOfWork(db, async (tx) => {
      const row = await first(tx.select({ source: tokens.source }).from(tokens).where(and(eq(tokens.id, id), active)).for('update'))
      if (!row) throw new NotFoundError('No token with this id')
      // It would come back at the next start: the variable, not the API, decides it.
      if (row.source === 'env') {
        throw new ConflictError('This is the CMS_ADMIN_TOKEN token: change or unset that variable and restart to retire it', 'ENV_TOKEN')
      }
      await tx.update(tokens).set({ revokedAt: now() }).where(eq(tokens.id, id))
    }, tokenWork),
  }
}
