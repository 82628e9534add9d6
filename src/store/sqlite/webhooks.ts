import { and, asc, count, desc, eq, gt, lt, type SQL } from 'drizzle-orm'
import type { EventType } from '../../domain/change-log.js'
import type { DeliveryRecord, WebhookRecord } from '../../domain/records.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { pageOf } from '../page.js'
import { claimedDelivery, deliveriesOf, newDelivery } from '../shapes.js'
import type { AttemptOutcome, ClaimedDelivery, WebhookStore } from '../webhook-store.js'
import type { Db } from './client.js'
import { webhookAttempts, webhookDeliveries, webhooks } from './schema.js'
import { insertRow, prepared, unitOfWork, type Tx } from './unit-of-work.js'

function existing (tx: Tx, id: string): WebhookRecord {
  const row = tx.select().from(webhooks).where(eq(webhooks.id, id)).get()
  if (!row) throw new NotFoundError('No webhook with this id')
  return row
}

const bookkeeping = { durable: false }

/** The webhooks deliveries are made for and sent to now (read in every step of the loop). */
const activeWebhooks = (tx: Tx): WebhookRecord[] =>
  prepared(tx, 'active webhooks', (db) => db.select().from(webhooks).where(eq(webhooks.active, true)).prepare()).all()

/**
 * Hands out change-log events not yet handed out, in order, up to `limit` of them and while the step
 * has claimed fewer than `capacity` deliveries: an event's deliveries are made claimed (see
 * deliveriesOf). With no webhook active, events are passed over up to `limit`.
 */
function fanOut (tx: Tx, limit: number, capacity: number, leaseUntil: string): { handedOut: number, claimed: ClaimedDelivery[] } {
  const active = activeWebhooks(tx)
  const after = prepared(tx, 'dispatched through', (d) => d.$client.prepare('SELECT dispatched_through FROM change_state WHERE id = 1').pluck())
  const read = prepared(tx, 'undelivered events', (d) => d.$client.prepare(`SELECT position, event, event_id AS eventId, at, data FROM change_log
    WHERE event IS NOT NULL AND position > ? ORDER BY position LIMIT ?`))
  const insert = prepared(tx, 'insert delivery', (d) => d.$client.prepare(`INSERT INTO webhook_deliveries
    (id, webhook_id, event_id, type, event_at, data, status, attempts, next_attempt_at, lease_until, created_at, updated_at)
    VALUES (@id, @webhookId, @eventId, @type, @eventAt, @data, 'pending', 0, @nextAttemptAt, @leaseUntil, @createdAt, @updatedAt)`))
  const hooks = new Map(active.map((webhook) => [webhook.id, webhook]))
  const at = now()
  const claimed: ClaimedDelivery[] = []
  let through = after.get() as number
  let handedOut = 0
  while (handedOut < limit && (claimed.length < capacity || active.length === 0)) {
    // Read no more events than deliveries can be claimed: each event makes one or more, or none.
    const events = read.all(through, active.length === 0 ? limit - handedOut : Math.min(limit - handedOut, capacity - claimed.length)) as
      Array<{ position: number, event: EventType, eventId: string, at: string, data: string }>
    if (events.length === 0) break
    for (const delivery of deliveriesOf(events, active, at, capacity - claimed.length, leaseUntil)) {
      insert.run(delivery)
      if (delivery.leaseUntil !== null) claimed.push(claimedDelivery({ ...delivery, data: JSON.parse(delivery.data) }, hooks.get(delivery.webhookId)!, at))
    }
    handedOut += events.length
    through = events.at(-1)!.position
  }
  if (handedOut > 0) prepared(tx, 'hand out through', (d) => d.$client.prepare('UPDATE change_state SET dispatched_through = ? WHERE id = 1')).run(through)
  return { handedOut, claimed }
}

function claim (tx: Tx, limit: number, leaseUntil: string): ClaimedDelivery[] {
  const at = now()
  const rows = prepared(tx, 'claim deliveries', (d) => d.$client.prepare(`UPDATE webhook_deliveries SET lease_until = @leaseUntil
    WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= @at AND w.active = 1 AND (d.lease_until IS NULL OR d.lease_until <= @at)
      ORDER BY d.next_attempt_at, d.id LIMIT @limit)
    RETURNING id, webhook_id AS webhookId, event_id AS eventId, type, event_at AS eventAt, data, status, attempts,
      last_status_code AS lastStatusCode, next_attempt_at AS nextAttemptAt, lease_until AS leaseUntil, created_at AS createdAt, updated_at AS updatedAt`))
    .all({ leaseUntil, at, limit }) as Array<DeliveryRecord & { data: string }>
  if (rows.length === 0) return []
  const hooks = new Map(activeWebhooks(tx).map((webhook) => [webhook.id, webhook]))
  return rows.map((delivery) => claimedDelivery({ ...delivery, data: JSON.parse(delivery.data) }, hooks.get(delivery.webhookId)!, at))
}

function complete (tx: Tx, outcomes: AttemptOutcome[]): void {
  const record = prepared(tx, 'record attempt', (d) => d.$client.prepare(`UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1,
    last_status_code = @statusCode, next_attempt_at = @nextAttemptAt, lease_until = NULL, updated_at = @at WHERE id = @deliveryId
    RETURNING attempts, webhook_id AS webhookId`))
  const log = prepared(tx, 'log attempt', (d) => d.$client.prepare(`INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, duration_ms)
    VALUES (?, ?, ?, ?, ?, ?)`))
  const at = now()
  for (const { deliveryId, attempt, status, nextAttemptAt, disableWebhook } of outcomes) {
    const updated = record.get({ status, statusCode: attempt.statusCode, nextAttemptAt, at, deliveryId }) as { attempts: number, webhookId: string } | undefined
    // Deleted with its webhook while the attempt ran.
    if (!updated) continue
    log.run(deliveryId, updated.attempts, attempt.at, attempt.statusCode, attempt.error, attempt.durationMs)
    if (disableWebhook) tx.update(webhooks).set({ active: false, updatedAt: at }).where(eq(webhooks.id, updated.webhookId)).run()
  }
}

export function createWebhookStore (db: Db): WebhookStore {
  return {
    create: (input, secret) => unitOfWork(db, (tx) => {
      const at = now()
      const row: WebhookRecord = { id: newId(), ...input, active: true, secret, previousSecret: null, previousSecretUntil: null, createdAt: at, updatedAt: at }
      insertRow(tx, webhooks, row)
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
      insertRow(tx, webhookDeliveries, newDelivery(id, { eventId: newId(), type: 'webhook.ping', eventAt: at, data: { id } }, at))
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

    // The delivery loop's statements run for every event and attempt: raw SQL, prepared once, and
    // committed without waiting for the disk: after a power loss, events are handed out again and
    // attempts made again (receivers deduplicate by webhook-id), from the change log, which is durable.
    // One unit of work per step: a delivery's row is written once for its attempt and the next claim.
    step: (work) => unitOfWork(db, (tx) => {
      if (work.outcomes.length > 0) complete(tx, work.outcomes)
      const due = work.claim > 0 ? claim(tx, work.claim, work.leaseUntil) : []
      const fresh = work.fanOut > 0 ? fanOut(tx, work.fanOut, work.claim - due.length, work.leaseUntil) : { handedOut: 0, claimed: [] }
      return { handedOut: fresh.handedOut, claimed: [...due, ...fresh.claimed] }
    }, bookkeeping),

    pending: async () => db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, 'pending')).get()?.n ?? 0,
  }
}
