import { z } from 'zod'
import { EVENT_TYPES, type EventType } from '../../domain/change-log.js'
import { Cursor, Id, Limit, page, Timestamp } from '../../lib/schemas.js'
import { text } from '../../lib/text.js'
import { Article } from '../articles/articles.schemas.js'
import { Media } from '../media/media.schemas.js'
import { Tag } from '../tags/tags.schemas.js'

const EventPattern = z.enum([...EVENT_TYPES, 'article.*', 'tag.*', 'media.*', '*'])
  .describe('An event name, or article.*, tag.*, media.* or * for several')

const WebhookUrl = z.url({ protocol: /^https?$/ }).max(2000).transform((value) => new URL(value).href)
  .describe('http(s) URL deliveries are POSTed to; its host must resolve to public addresses unless CMS_WEBHOOK_ALLOW_PRIVATE=true')
const Events = z.array(EventPattern).min(1).max(EVENT_TYPES.length + 3).transform((events) => [...new Set(events)])
const Description = text({ max: 500 }).nullable()

export const Webhook = z.object({
  id: Id,
  url: z.string(),
  events: z.array(EventPattern),
  description: z.string().nullable(),
  active: z.boolean().describe('false: nothing is sent (set by a client, or by a receiver answering 410)'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Webhook' })
export type Webhook = z.infer<typeof Webhook>

export const WebhookWithSecret = Webhook.extend({
  secret: z.string().describe('whsec_ + base64 of 32 random bytes: shown only here; sign-verify deliveries with it (Standard Webhooks)'),
}).meta({ id: 'WebhookWithSecret' })
export type WebhookWithSecret = z.infer<typeof WebhookWithSecret>

export const WebhookCreate = z.strictObject({
  url: WebhookUrl,
  events: Events,
  description: Description.optional(),
}).meta({ id: 'WebhookCreate' })
export type WebhookCreate = z.infer<typeof WebhookCreate>

export const WebhookPatch = z.strictObject({
  url: WebhookUrl.optional(),
  events: Events.optional(),
  description: Description.optional(),
  active: z.boolean().optional(),
}).meta({ id: 'WebhookPatch' })
export type WebhookPatch = z.infer<typeof WebhookPatch>

export const WebhookPage = page(Webhook).meta({ id: 'WebhookPage' })
export const WebhookListQuery = z.strictObject({ limit: Limit, cursor: Cursor })

const DELIVERY_STATES = ['pending', 'succeeded', 'failed'] as const

export const Delivery = z.object({
  id: Id,
  eventId: z.string().describe('The webhook-id header: the same on every attempt'),
  type: z.enum(EVENT_TYPES),
  status: z.enum(DELIVERY_STATES),
  attempts: z.number().int().describe('Attempts made so far'),
  lastStatusCode: z.number().int().nullable(),
  nextAttemptAt: Timestamp.nullable().describe('When the next attempt is due, while pending'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Delivery' })
export type Delivery = z.infer<typeof Delivery>

export const Attempt = z.object({
  at: Timestamp,
  statusCode: z.number().int().nullable().describe('The receiver’s status; null when it never answered'),
  error: z.string().nullable(),
  durationMs: z.number().int(),
}).meta({ id: 'DeliveryAttempt' })
export type Attempt = z.infer<typeof Attempt>

export const DeliveryDetail = Delivery.extend({
  attempts: z.array(Attempt).describe('Every attempt, oldest first'),
}).meta({ id: 'DeliveryDetail' })
export type DeliveryDetail = z.infer<typeof DeliveryDetail>

export const DeliveryPage = page(Delivery).meta({ id: 'DeliveryPage' })
export const DeliveryListQuery = z.strictObject({ status: z.enum(DELIVERY_STATES).optional(), limit: Limit, cursor: Cursor })
export const DeliveryParams = z.strictObject({ id: Id, deliveryId: Id })

// What a delivery's body carries, per event: the OpenAPI document's top-level `webhooks` refer to these.
const ArticleEventData = Article.omit({ body: true, bodyHtml: true }).meta({ id: 'ArticleEventData', description: 'The article as a viewer sees it, without body and bodyHtml' })
const DeletedItem = z.object({ id: Id }).meta({ id: 'DeletedItem', description: 'The id of what is gone (or of the webhook pinged)' })

/** The component name of an event's body schema: article.published → ArticlePublishedEvent. */
export const eventSchemaName = (type: EventType) =>
  type.split('.').map((part) => part[0]!.toUpperCase() + part.slice(1)).join('') + 'Event'

export const EVENT_BODIES = Object.fromEntries(EVENT_TYPES.map((type) => {
  const data = type === 'article.purged' || type === 'tag.deleted' || type === 'media.deleted' || type === 'webhook.ping'
    ? DeletedItem
    : type.startsWith('article.') ? ArticleEventData : type.startsWith('media.') ? Media : Tag
  return [type, z.object({
    type: z.literal(type),
    timestamp: Timestamp.describe('When the event happened'),
    data,
  }).meta({ id: eventSchemaName(type) })]
})) as unknown as Record<EventType, z.ZodType>
