import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

// Webhooks, their deliveries and each delivery's attempts (part of schema.ts, which exports them).

export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  // JSON array of event names and patterns (article.*, tag.*, *).
  events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
  description: text('description'),
  active: integer('active', { mode: 'boolean' }).notNull(),
  // Kept in the clear: every delivery is signed with it. A rotated-out secret signs too until its time is up.
  secret: text('secret').notNull(),
  previousSecret: text('previous_secret'),
  previousSecretUntil: text('previous_secret_until'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
})

export const webhookDeliveries = sqliteTable('webhook_deliveries', {
  id: text('id').primaryKey(),
  webhookId: text('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
  eventId: text('event_id').notNull(),
  type: text('type').notNull(),
  eventAt: text('event_at').notNull(),
  data: text('data', { mode: 'json' }).notNull(),
  status: text('status', { enum: ['pending', 'succeeded', 'failed'] }).notNull(),
  attempts: integer('attempts').notNull(),
  lastStatusCode: integer('last_status_code'),
  nextAttemptAt: text('next_attempt_at'),
  // A server that claimed the delivery owns it until then; after a crash it is due again.
  leaseUntil: text('lease_until'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [
  index('webhook_deliveries_due_idx').on(t.nextAttemptAt, t.id).where(sql`status = 'pending'`),
  index('webhook_deliveries_webhook_idx').on(t.webhookId, t.id),
])

export const webhookAttempts = sqliteTable('webhook_attempts', {
  deliveryId: text('delivery_id').notNull().references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
  n: integer('n').notNull(),
  at: text('at').notNull(),
  statusCode: integer('status_code'),
  error: text('error'),
  durationMs: integer('duration_ms').notNull(),
}, (t) => [
  primaryKey({ columns: [t.deliveryId, t.n] }),
])
