import { and, asc, count, desc, eq, gt, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm'
import type { EventType } from '../../domain/change-log.js'
import type { WebhookRecord } from '../../domain/records.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { NotFoundError } from '../../lib/errors.js'
import { newId, now } from '../../lib/ids.js'
import { pageOf } from '../page.js'
import { claimedDelivery, deliveriesOf, newDelivery } from '../shapes.js'
import type { AttemptOutcome, ClaimedDelivery, WebhookStore } from '../webhook-store.js'
import type { PgDb } from './client.js'
import { changeLog, changeState, webhookAttempts, webhookDeliveries, webhooks } from './schema.js'
import { first, unitOfWork, type Tx } from './unit-of-work.js'

/** Fanning out takes this transaction-level advisory lock: one server at a time hands out each event. */
const FAN_OUT_LOCK = 7_263_403

async function existing (tx: Tx, id: string): Promise<WebhookRecord> {
  const row = await first(tx.select().from(webhooks).where(eq(webhooks.id, id)))
  if (!row) throw new NotFoundError('No webhook with this id')
  return row
}

/**
 * Hands out change-log events not yet handed out, in order, up to `limit` of them and while the step
 * has claimed fewer than `capacity` deliveries: an event's deliveries are made claimed (see
 * deliveriesOf). With no webhook active, events are passed over up to `limit`. One server at a time.
 */
async function fanOut (tx: Tx, limit: number, capacity: number, leaseUntil: string): Promise<{ handedOut: number, claimed: ClaimedDelivery[] }> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${FAN_OUT_LOCK})`)
  const active = await tx.select().from(webhooks).where(eq(webhooks.active, true))
  const hooks = new Map(active.map((webhook) => [webhook.id, webhook]))
  const at = now()
  const claimed: ClaimedDelivery[] = []
  let through = (await first(tx.select({ n: changeState.dispatchedThrough }).from(changeState).where(eq(changeState.id, 1))))!.n
  let handedOut = 0
  while (handedOut < limit && (claimed.length < capacity || active.length === 0)) {
    // Read no more events than deliveries can be claimed: each event makes one or more, or none.
    const events = await tx.select().from(changeLog).where(and(gt(changeLog.position, through), sql`event IS NOT NULL`))
      .orderBy(asc(changeLog.position)).limit(active.length === 0 ? limit - handedOut : Math.min(limit - handedOut, capacity - claimed.length))
    if (events.length === 0) break
    const made = deliveriesOf(events.map(({ event, eventId, at: eventAt, data }) => ({ event: event as EventType, eventId: eventId!, at: eventAt, data })),
      active, at, capacity - claimed.length, leaseUntil)
    if (made.length > 0) await tx.insert(webhookDeliveries).values(made)
    for (const delivery of made) if (delivery.leaseUntil !== null) claimed.push(claimedDelivery(delivery, hooks.get(delivery.webhookId)!, at))
    handedOut += events.length
    through = events.at(-1)!.position
  }
  if (handedOut > 0) await tx.update(changeState).set({ dispatchedThrough: through }).where(eq(changeState.id, 1))
  return { handedOut, claimed }
}

async function claim (tx: Tx, limit: number, leaseUntil: string): Promise<ClaimedDelivery[]> {
  const at = now()
  // SKIP LOCKED: servers claiming at once take different rows; the lease keeps them claimed after this commits.
  const rows = await tx.select({ delivery: webhookDeliveries, webhook: webhooks }).from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, at), eq(webhooks.active, true),
      or(isNull(webhookDeliveries.leaseUntil), lte(webhookDeliveries.leaseUntil, at))))
    .orderBy(asc(webhookDeliveries.nextAttemptAt), asc(webhookDeliveries.id)).limit(limit)
    .for('update', { of: webhookDeliveries, skipLocked: true })
  if (rows.length === 0) return []
  await tx.update(webhookDeliveries).set({ leaseUntil }).where(inArray(webhookDeliveries.id, rows.map((row) => row.delivery.id)))
  return rows.map(({ delivery, webhook }) => claimedDelivery({ ...delivery, leaseUntil }, webhook, at))
}

async function complete (tx: Tx, outcomes: AttemptOutcome[]): Promise<void> {
  const done = JSON.stringify(outcomes.map(({ deliveryId, attempt, status, nextAttemptAt }) => ({ deliveryId, status, nextAttemptAt, ...attempt })))
  // Two statements for the whole batch; a delivery deleted with its webhook while its attempt ran is in no row.
  await tx.execute(sql`WITH done AS (
      SELECT * FROM jsonb_to_recordset(${done}::jsonb)
        AS o("deliveryId" text, status text, "nextAttemptAt" text, at text, "statusCode" integer, error text, "durationMs" integer)),
    recorded AS (
      UPDATE webhook_deliveries d SET status = o.status, attempts = d.attempts + 1, last_status_code = o."statusCode",
        next_attempt_at = o."nextAttemptAt", lease_until = NULL, updated_at = ${now()}
      FROM done o WHERE d.id = o."deliveryId" COLLATE "C" RETURNING d.id, d.attempts)
    INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, duration_ms)
      SELECT r.id, r.attempts, o.at, o."statusCode", o.error, o."durationMs" FROM recorded r JOIN done o ON o."deliveryId" COLLATE "C" = r.id`)
  const gone = outcomes.filter((outcome) => outcome.disableWebhook).map((outcome) => outcome.deliveryId)
  if (gone.length > 0) {
    await tx.update(webhooks).set({ active: false, updatedAt: now() })
      .where(inArray(webhooks.id, tx.select({ id: webhookDeliveries.webhookId }).from(webhookDeliveries).where(inArray(webhookDeliveries.id, gone))))
  }
}

export function createWebhookStore (db: PgDb): WebhookStore {
  // Webhooks are not content: their writes never wait for the content write lock.
  const work = <T> (fn: (tx: Tx) => Promise<T>) => unitOfWork(db, fn, { content: false })

  return {
    create: (input, secret) => work(async (tx) => {
      const at = now()
      const row: WebhookRecord = { id: newId(), ...input, active: true, secret, previousSecret: null, previousSecretUntil: null, createdAt: at, updatedAt: at }
      await tx.insert(webhooks).values(row)
      return row
    }),

    async list (limit, cursor) {
      const total = (await first(db.select({ n: count() }).from(webhooks)))?.n ?? 0
      const after = cursor ? gt(webhooks.id, decodeCursor(cursor, 'id', ['string'])[0] as string) : undefined
      const rows = await db.select().from(webhooks).where(after).orderBy(asc(webhooks.id)).limit(limit + 1)
      return pageOf(rows, limit, total, (last) => encodeCursor('id', [last.id]), (items) => items)
    },

    byId: (id) => first(db.select().from(webhooks).where(eq(webhooks.id, id))),

    update: (id, changes) => work(async (tx) => {
      await existing(tx, id)
      await tx.update(webhooks).set({ ...changes, updatedAt: now() }).where(eq(webhooks.id, id))
      return existing(tx, id)
    }),

    remove: (id) => work(async (tx) => {
      const removed = await tx.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id })
      if (removed.length === 0) throw new NotFoundError('No webhook with this id')
    }),

    rotateSecret: (id, secret, previousUntil) => work(async (tx) => {
      const current = await existing(tx, id)
      await tx.update(webhooks).set({ secret, previousSecret: current.secret, previousSecretUntil: previousUntil, updatedAt: now() })
        .where(eq(webhooks.id, id))
      return existing(tx, id)
    }),

    ping: (id) => work(async (tx) => {
      await existing(tx, id)
      const at = now()
      await tx.insert(webhookDeliveries).values(newDelivery(id, { eventId: newId(), type: 'webhook.ping', eventAt: at, data: { id } }, at))
    }),

    async deliveries (webhookId, status, limit, cursor) {
      const filters: Array<SQL | undefined> = [eq(webhookDeliveries.webhookId, webhookId), status ? eq(webhookDeliveries.status, status) : undefined]
      const total = (await first(db.select({ n: count() }).from(webhookDeliveries).where(and(...filters))))?.n ?? 0
      if (cursor) filters.push(lt(webhookDeliveries.id, decodeCursor(cursor, '-id', ['string'])[0] as string))
      const rows = await db.select().from(webhookDeliveries).where(and(...filters)).orderBy(desc(webhookDeliveries.id)).limit(limit + 1)
      return pageOf(rows, limit, total, (last) => encodeCursor('-id', [last.id]), (items) => items)
    },

    async delivery (webhookId, deliveryId) {
      const delivery = await first(db.select().from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId))))
      if (!delivery) return undefined
      const attempts = await db.select({ at: webhookAttempts.at, statusCode: webhookAttempts.statusCode, error: webhookAttempts.error, durationMs: webhookAttempts.durationMs })
        .from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId)).orderBy(asc(webhookAttempts.n))
      return { delivery, attempts }
    },

    redeliver: (webhookId, deliveryId) => work(async (tx) => {
      const at = now()
      const updated = await tx.update(webhookDeliveries).set({ status: 'pending', nextAttemptAt: at, updatedAt: at })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId))).returning({ id: webhookDeliveries.id })
      if (updated.length === 0) throw new NotFoundError('No delivery with this id')
    }),

    // One unit of work per step of the delivery loop: a delivery's row is written once for its attempt and the next claim.
    step: (next) => work(async (tx) => {
      if (next.outcomes.length > 0) await complete(tx, next.outcomes)
      const due = next.claim > 0 ? await claim(tx, next.claim, next.leaseUntil) : []
      const fresh = next.fanOut > 0 ? await fanOut(tx, next.fanOut, next.claim - due.length, next.leaseUntil) : { handedOut: 0, claimed: [] }
      return { handedOut: fresh.handedOut, claimed: [...due, ...fresh.claimed] }
    }),

    pending: async () => (await first(db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, 'pending'))))?.n ?? 0,
  }
}
