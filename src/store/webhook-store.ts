import type { AttemptRecord, DeliveryRecord, WebhookRecord } from '../domain/records.js'
import type { Page } from './store.js'

// What the webhook routes and the delivery loop may ask of a database (store.ts has the other parts).

export type WebhookInput = Pick<WebhookRecord, 'url' | 'events' | 'description'>
export type WebhookChanges = Partial<Pick<WebhookRecord, 'url' | 'events' | 'description' | 'active'>>

/** A delivery a server has claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  delivery: DeliveryRecord
  url: string
  /** Every secret that signs: the current one, and the previous one during a rotation. */
  secrets: string[]
}

/** What an attempt decided: the delivery's next state, and whether the webhook is switched off (a 410). */
export interface AttemptOutcome {
  deliveryId: string
  attempt: AttemptRecord
  status: DeliveryRecord['status']
  nextAttemptAt: string | null
  disableWebhook: boolean
}

export interface DeliveryStep {
  outcomes: AttemptOutcome[]
  fanOut: number
  claim: number
  leaseUntil: string
}

export interface WebhookStore {
  create (input: WebhookInput, secret: string): Promise<WebhookRecord>
  list (limit: number, cursor: string | undefined): Promise<Page<WebhookRecord>>
  byId (id: string): Promise<WebhookRecord | undefined>
  update (id: string, changes: WebhookChanges): Promise<WebhookRecord>
  remove (id: string): Promise<void>
  /** A new secret; the current one keeps signing until `previousUntil`. */
  rotateSecret (id: string, secret: string, previousUntil: string): Promise<WebhookRecord>
  /** A webhook.ping delivery, due now. */
  ping (id: string): Promise<void>
  deliveries (webhookId: string, status: DeliveryRecord['status'] | undefined, limit: number, cursor: string | undefined): Promise<Page<DeliveryRecord>>
  delivery (webhookId: string, deliveryId: string): Promise<{ delivery: DeliveryRecord, attempts: AttemptRecord[] } | undefined>
  /** Makes a delivery pending and due now: one more attempt. */
  redeliver (webhookId: string, deliveryId: string): Promise<void>
  /**
   * One step of the delivery loop, in one unit of work: records `outcomes` (attempts of claimed
   * deliveries) and releases them, claims up to `claim` due deliveries of active webhooks until
   * `leaseUntil` — no other server claims them meanwhile — and, while fewer are claimed, makes the
   * deliveries of up to `fanOut` change-log events not yet handed out (for the webhooks active now),
   * claimed as they are made.
   */
  step (work: DeliveryStep): Promise<{ handedOut: number, claimed: ClaimedDelivery[] }>
  /** How many deliveries are pending. */
  pending (): Promise<number>
}
