import { and, asc, count, desc, eq, gt, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import { subscribes, type EventType } from '../../domain/change-log.js'
import type { DeliveryRecord, WebhookRecord } from '../../domain/records.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { pageOf } from '../page.js'
import { signingSecrets } from '../shapes.js'
import type { ClaimedDelivery, WebhookStore } from '../store.js'
import type { Db } from './client.js'
import { changeLog, changeState, webhookAttempts, webhookDeliveries, webhooks } from './schema.js'
import { unitOfWork, type Tx } from './unit-of-work.js'

function existing (tx: Tx, id: string): WebhookRecord {
  const row = tx.select().from(webhooks).where(eq(webhooks.id, id)).get()
  if (!row) throw new NotFoundError('No webhook with this id')
  return row
}

function newDelivery (webhookId: string, event: { eventId: string, type: string, eventAt: string, data: unknown }, at: string): DeliveryRecord {
  return { id: newId(), webhookId, ...event, status: 'pending', attempts: 0, lastStatusCode: null, nextAttemptAt: at, leaseUntil: null, createdAt: at, updatedAt: at }
}

export function createWebhookStore (db: Db): WebhookStore {
  return {
    create: (input, secret) => unitOfWork(db, (tx) => {
      const at = now()
      const row: WebhookRecord = { id: newId(), ...input, active: true, secret, previousSecret: null, previousSecretUntil: null, createdAt: at, updatedAt: at }
      tx.insert(webhooks).values(row).run()
      return row
    }),

    async list (limit, cursor) {
      const total = db.select({ n: count() }).from(webhooks).get()?.n ?? 0
      const after = cursor ? gt(webhooks.id, decodeCursor(cursor, 'id', ['string'])[0] as string) : undefined
      const rows = db.select().from(webhooks).where(after).orderBy(asc(webhooks.id)).limit(limit + 1).all()
      return pageOf(rows, limit, total, (last) => encodeCursor('id', [last.id]), (items) => items)
    },

    byId: async (id) => db.select().from(webhooks).where(eq(webhooks.id, id)).get(),

    update: (id, changes) => unitOfWork(db, (tx) => {
      existing(tx, id)
      tx.update(webhooks).set({ ...changes, updatedAt: now() }).where(eq(webhooks.id, id)).run()
      return existing(tx, id)
    }),

    remove: (id) => unitOfWork(db, (tx) => {
      if (tx.delete(webhooks).where(eq(webhooks.id, id)).run().changes === 0) throw new NotFoundError('No webhook with this id')
    }),

    rotateSecret: (id, secret, previousUntil) => unitOfWork(db, (tx) => {
      const current = existing(tx, id)
      tx.update(webhooks).set({ secret, previousSecret: current.secret, previousSecretUntil: previousUntil, updatedAt: now() })
        .where(eq(webhooks.id, id)).run()
      return existing(tx, id)
    }),

    ping: (id) => unitOfWork(db, (tx) => {
      existing(tx, id)
      const at = now()
      tx.insert(webhookDeliveries).values(newDelivery(id, { eventId: newId(), type: 'webhook.ping', eventAt: at, data: { id } }, at)).run()
    }),

    async deliveries (webhookId, status, limit, cursor) {
      const filters: Array<SQL | undefined> = [eq(webhookDeliveries.webhookId, webhookId), status ? eq(webhookDeliveries.status, status) : undefined]
      const total = db.select({ n: count() }).from(webhookDeliveries).where(and(...filters)).get()?.n ?? 0
      if (cursor) filters.push(lt(webhookDeliveries.id, decodeCursor(cursor, '-id', ['string'])[0] as string))
      const rows = db.select().from(webhookDeliveries).where(and(...filters)).orderBy(desc(webhookDeliveries.id)).limit(limit + 1).all()
      return pageOf(rows, limit, total, (last) => encodeCursor('-id', [last.id]), (items) => items)
    },

    async delivery (webhookId, deliveryId) {
      const delivery = db.select().from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId))).get()
      if (!delivery) return undefined
      const attempts = db.select({ at: webhookAttempts.at, statusCode: webhookAttempts.statusCode, error: webhookAttempts.error, durationMs: webhookAttempts.durationMs })
        .from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId)).orderBy(asc(webhookAttempts.n)).all()
      return { delivery, attempts }
    },

    redeliver: (webhookId, deliveryId) => unitOfWork(db, (tx) => {
      const at = now()
      const result = tx.update(webhookDeliveries).set({ status: 'pending', nextAttemptAt: at, updatedAt: at })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId))).run()
      if (result.changes === 0) throw new NotFoundError('No delivery with this id')
    }),

    fanOut: (limit) => unitOfWork(db, (tx) => {
      const through = tx.select({ n: changeState.dispatchedThrough }).from(changeState).where(eq(changeState.id, 1)).get()!.n
      const events = tx.select().from(changeLog).where(and(gt(changeLog.position, through), sql`event IS NOT NULL`))
        .orderBy(asc(changeLog.position)).limit(limit).all()
      if (events.length === 0) return 0
      const active = tx.select().from(webhooks).where(eq(webhooks.active, true)).all()
      const at = now()
      for (const event of events) {
        for (const webhook of active) {
          if (!subscribes(webhook.events, event.event as EventType)) continue
          tx.insert(webhookDeliveries).values(newDelivery(webhook.id, { eventId: event.eventId!, type: event.event!, eventAt: event.at, data: event.data }, at)).run()
        }
      }
      tx.update(changeState).set({ dispatchedThrough: events.at(-1)!.position }).where(eq(changeState.id, 1)).run()
      return events.length
    }),

    claim: (limit, leaseUntil) => unitOfWork(db, (tx) => {
      const at = now()
      const rows = tx.select({ delivery: webhookDeliveries, webhook: webhooks }).from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, at), eq(webhooks.active, true),
          or(isNull(webhookDeliveries.leaseUntil), lte(webhookDeliveries.leaseUntil, at))))
        .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id)).limit(limit).all()
      const claimed: ClaimedDelivery[] = []
      for (const { delivery, webhook } of rows) {
        tx.update(webhookDeliveries).set({ leaseUntil }).where(eq(webhookDeliveries.id, delivery.id)).run()
        claimed.push({ delivery: { ...delivery, leaseUntil }, url: webhook.url, secrets: signingSecrets(webhook, at) })
      }
      return claimed
    }),

    complete: (deliveryId, { attempt, status, nextAttemptAt, disableWebhook }) => unitOfWork(db, (tx) => {
      const delivery = tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId)).get()
      // Deleted with its webhook while the attempt ran.
      if (!delivery) return
      const n = delivery.attempts + 1
      tx.insert(webhookAttempts).values({ deliveryId, n, ...attempt }).run()
      tx.update(webhookDeliveries).set({ status, attempts: n, lastStatusCode: attempt.statusCode, nextAttemptAt, leaseUntil: null, updatedAt: now() })
        .where(eq(webhookDeliveries.id, deliveryId)).run()
      if (disableWebhook) tx.update(webhooks).set({ active: false, updatedAt: now() }).where(eq(webhooks.id, delivery.webhookId)).run()
    }),

    pending: async () => db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, 'pending')).get()?.n ?? 0,
  }
}
