import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { ContentStateStore } from '../../store/store.js'
import type { AttemptOutcome, ClaimedDelivery, WebhookStore } from '../../store/webhook-store.js'
import type { MediaData } from '../../domain/change-log.js'
import type { Sender } from '../../lib/webhook-sender.js'
import { withUrl } from '../articles/articles.view.js'
import { withMediaUrl } from '../media/media.view.js'
import { workQueue } from '../../lib/work-queue.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Delivery attempts made by this process so far, by outcome. */
    webhookStats: () => Record<AttemptOutcomeName, number>
    /** Asks the delivery loop to look for due deliveries now (after a ping or a redeliver). */
    nudgeWebhooks: () => void
  }
}

export type AttemptOutcomeName = 'succeeded' | 'retrying' | 'failed'

/** How often the loop looks for new events (when the content version moved) and due deliveries. */
const TICK_MS = 250
/** Due deliveries are looked for at least this often, whatever moved: retries come due, other servers ping. */
const IDLE_ROUND_MS = 1_000
/** Attempts in flight at once, per server. */
const CONCURRENCY = 16
/**
 * Deliveries claimed, sent (CONCURRENCY at a time) and recorded per step: a step is a commit on SQLite,
 * and each costs about what sending a delivery does, so a step carries several rounds of attempts.
 */
const STEP_BATCH = 4 * CONCURRENCY
/** Events handed out, and batches of attempts sent, per round. */
const FAN_OUT_BATCH = 200
const BATCHES_PER_ROUND = 4
/** How long closing waits for attempts in flight. */
const CLOSE_WAIT_MS = 2_000
/** A claim outlives the time its step's attempts may take by this much; after a crash the delivery is due again then. */
const LEASE_MARGIN_MS = 5_000

export interface WebhookJobOptions {
  /** false: nothing is sent from this app (a tool that only builds it); pings and redeliveries wait for a server. */
  background: boolean
  webhooks: WebhookStore
  content: ContentStateStore
  send: Sender
  /** Delays between attempts; one more attempt than delays in all. */
  retryDelaysMs: number[]
  timeoutMs: number
  publicUrl: string
}

/** The body a receiver gets: `{ type, timestamp, data }`, an article's or a media item's data with its URLs. */
function eventBody ({ type, eventAt, data }: Pick<ClaimedDelivery['delivery'], 'type' | 'eventAt' | 'data'>, publicUrl: string): string {
  const shown = type.startsWith('article.') && typeof (data as { slug?: unknown }).slug === 'string'
    ? withUrl(data as { slug: string }, publicUrl)
    : type === 'media.created' || type === 'media.updated' ? withMediaUrl(data as MediaData, publicUrl) : data
  return JSON.stringify({ type, timestamp: eventAt, data: shown })
}

/** When a failed attempt is tried again (epoch ms): the configured delay, ± 10 %. */
export const retryAt = (delayMs: number, from = Date.now()) => from + delayMs * (0.9 + Math.random() * 0.2)

/**
 * Webhook delivery, in the background of every server: events of the change log become deliveries
 * (one server at a time hands each out), due deliveries are claimed (never by two servers at once),
 * sent, and their attempts recorded. Everything lives in the database, so a crash loses nothing: what
 * was claimed and not completed is due again when its lease ends.
 */
export default fp<WebhookJobOptions>(async function webhookJobs (app, { background, webhooks, content, send, retryDelaysMs, timeoutMs, publicUrl }) {
  const stats: Record<AttemptOutcomeName, number> = { succeeded: 0, retrying: 0, failed: 0 }
  const inFlight = workQueue({ concurrency: CONCURRENCY, waiting: STEP_BATCH })
  app.decorate('webhookStats', () => ({ ...stats }))

  const stopped = new AbortController()
  let running: Promise<void> | undefined
  let seen = ''
  let lastRound = 0
  let nudged = true
  // The earliest retry this server scheduled: looked for on time, not at the next idle round.
  let nextDue = Number.POSITIVE_INFINITY
  app.decorate('nudgeWebhooks', () => { nudged = true })

  async function attempt ({ delivery, url, secrets }: ClaimedDelivery): Promise<AttemptOutcome> {
    const at = new Date().toISOString()
    const result = await send({ url, eventId: delivery.eventId, body: eventBody(delivery, publicUrl), secrets })
    const made = delivery.attempts + 1
    const gone = result.statusCode === 410
    const outcome: AttemptOutcomeName = result.error === null ? 'succeeded' : gone || made > retryDelaysMs.length ? 'failed' : 'retrying'
    stats[outcome]++
    const next = outcome === 'retrying' ? retryAt(retryDelaysMs[made - 1]!) : null
    if (next !== null) nextDue = Math.min(nextDue, next)
    return {
      deliveryId: delivery.id,
      attempt: { at, ...result },
      status: outcome === 'retrying' ? 'pending' : outcome,
      nextAttemptAt: next === null ? null : new Date(next).toISOString(),
      disableWebhook: gone,
    }
  }

  /**
   * One round: hands out new events and sends what is due, a batch at a time; each batch's attempts
   * are recorded in the unit of work that hands out what came since and claims the next batch (on
   * SQLite one commit per batch, not one per attempt or per statement). Bounded, so that under a
   * stream of writes a round ends. Resolves to whether work is left.
   */
  async function round (): Promise<boolean> {
    // The last of a step's attempts starts when the ones before it have ended or timed out.
    const leaseUntil = () => new Date(Date.now() + timeoutMs * (STEP_BATCH / CONCURRENCY) + LEASE_MARGIN_MS).toISOString()
    let step = await webhooks.step({ outcomes: [], fanOut: FAN_OUT_BATCH, claim: STEP_BATCH, leaseUntil: leaseUntil() })
    let busy = false
    for (let batch = 1; ; batch++) {
      busy ||= step.handedOut === FAN_OUT_BATCH
      if (step.claimed.length === 0) return busy
      const full = step.claimed.length === STEP_BATCH
      const outcomes = await Promise.all(step.claimed.map((claimed) => inFlight(() => attempt(claimed))))
      const again = full && batch < BATCHES_PER_ROUND && !stopped.signal.aborted
      busy ||= full && !again
      step = await webhooks.step({ outcomes, fanOut: again ? FAN_OUT_BATCH : 0, claim: again ? STEP_BATCH : 0, leaseUntil: leaseUntil() })
    }
  }

  async function tick (): Promise<void> {
    const { generation } = await content.current()
    if (!nudged && generation === seen && Date.now() - lastRound < IDLE_ROUND_MS && Date.now() < nextDue) return
    nudged = false
    if (Date.now() >= nextDue) nextDue = Number.POSITIVE_INFINITY
    seen = generation
    lastRound = Date.now()
    while (await round() && !stopped.signal.aborted);
  }
  if (!background) return
  const timer = setInterval(() => {
    running ??= tick().catch((err: unknown) => { app.log.warn({ err }, 'webhooks: a delivery round failed; trying again shortly') })
      .finally(() => { running = undefined })
  }, TICK_MS)
  timer.unref()

  app.addHook('preClose', async () => {
    stopped.abort()
    clearInterval(timer)
    // An attempt cut short by the exit is made again when its lease ends; receivers deduplicate by webhook-id.
    await Promise.race([running, sleep(CLOSE_WAIT_MS)])
  })
}, { name: 'webhook-jobs' }) as FastifyPluginAsync<WebhookJobOptions>
