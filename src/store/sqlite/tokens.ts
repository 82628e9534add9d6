import { and, asc, count, eq, gt, isNull, or, sql } from 'drizzle-orm'
import type { TokenRecord } from '../../domain/records.js'
import type { Role } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { ConflictError, NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { pageOf } from '../page.js'
import { hashOf, LAST_USED_RESOLUTION_MS, newSecret, toToken } from '../shapes.js'
import type { TokenStore } from '../store.js'
import type { Db } from './client.js'
import { tokens } from './schema.js'
import { insertRow, unitOfWork, type Tx } from './unit-of-work.js'

const active = isNull(tokens.revokedAt)

function insert (tx: Tx, name: string, role: Role, expiresAt: string | null, secret: string, source: TokenRecord['source']): TokenRecord {
  const row: TokenRecord = { id: newId(), name, role, hash: hashOf(secret), source, createdAt: now(), expiresAt, revokedAt: null, lastUsedAt: null }
  insertRow(tx, tokens, row)
  return row
}

export function createTokenStore (db: Db): TokenStore {
  // Every authenticated request looks its token up: prepared once.
  const byHash = db.select().from(tokens).where(eq(tokens.hash, sql.placeholder('hash'))).prepare()

  return {
    async create (input) {
      const secret = newSecret()
      const record = await unitOfWork(db, (tx) => insert(tx, input.name, input.role, input.expiresAt ?? null, secret, 'api'))
      const { lastUsedAt: _, ...token } = toToken(record)
      return { ...token, token: secret }
    },

    ensureEnvAdmin: (secret) => unitOfWork(db, (tx) => {
      const hash = hashOf(secret)
      tx.update(tokens).set({ revokedAt: now() }).where(and(eq(tokens.source, 'env'), active)).run()
      const existing = tx.select().from(tokens).where(eq(tokens.hash, hash)).get()
      if (existing) tx.update(tokens).set({ revokedAt: null, role: 'admin', expiresAt: null, source: 'env' }).where(eq(tokens.id, existing.id)).run()
      else insert(tx, 'admin', 'admin', null, secret, 'env')
    }),

    async resolve (secret) {
      const row = byHash.get({ hash: hashOf(secret) })
      const at = now()
      if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= at)) return null
      if (!row.lastUsedAt || Date.parse(at) - Date.parse(row.lastUsedAt) >= LAST_USED_RESOLUTION_MS) {
        db.update(tokens).set({ lastUsedAt: at }).where(eq(tokens.id, row.id)).run()
      }
      return { tokenId: row.id, name: row.name, role: row.role, expiresAt: row.expiresAt }
    },

    async list (limit, cursor) {
      const filters = [active]
      const total = db.select({ n: count() }).from(tokens).where(and(...filters)).get()?.n ?? 0
      if (cursor) filters.push(gt(tokens.id, decodeCursor(cursor, 'id', ['string'])[0] as string))
      const rows = db.select().from(tokens).where(and(...filters)).orderBy(asc(tokens.id)).limit(limit + 1).all()
      return pageOf(rows, limit, total, (last) => encodeCursor('id', [last.id]), (items) => items.map(toToken))
    },

    async hasAdmin () {
      return db.select({ id: tokens.id }).from(tokens)
        .where(and(eq(tokens.role, 'admin'), active, or(isNull(tokens.expiresAt), gt(tokens.expiresAt, now())))).get() !== undefined
    },

    revoke: (id) => unitOfWork(db, (tx) => {
      const row = tx.select({ source: tokens.source }).from(tokens).where(and(eq(tokens.id, id), active)).get()
      if (!row) throw new NotFoundError('No token with this id')
      // It would come back at the next start: the variable, not the API, decides it.
      if (row.source === 'env') {
        throw new ConflictError('This is the CMS_ADMIN_TOKEN token: change or unset that variable and restart to retire it', 'ENV_TOKEN')
      }
      tx.update(tokens).set({ revokedAt: now() }).where(eq(tokens.id, id)).run()
    }),
  }
}
