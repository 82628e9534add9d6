import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import type { CounterStore } from '../store/store.js'

/** How often this server adds its requests to the shared counts (and learns the other servers'). */
const FLUSH_MS = 200
/** Keys counted at once, at most; the oldest go first beyond it. */
const MAX_KEYS = 100_000

interface Entry {
  /** This key's count across all servers at the last flush, this server's flushed requests included. */
  shared: number
  /** Requests counted here, on their way to the shared count in the flush under way. */
  sending: number
  /** Requests counted here since. */
  pending: number
  resetAt: number
  windowMs: number
}

/**
 * A @fastify/rate-limit store over the store's counters. A request is counted in memory and answered
 * at once — a cached read never waits for, or writes to, the database — and every FLUSH_MS the new
 * counts are added to the shared ones in one statement, which returns what every server counted, and
 * the counts of the other keys still counting here are read. So one server's count is exact and
 * several servers' budgets agree within FLUSH_MS.
 */
export function sharedRateStore (counters: CounterStore) {
  const entries = new Map<string, Entry>()

  /** Adds this server's new requests to the shared counts, and reads the counts of the keys it saw no new request for. */
  async function flush (): Promise<void> {
    const at = Date.now()
    const byWindow = new Map<number, { hits: Map<string, number>, idle: string[] }>()
    for (const [key, entry] of entries) {
      if (entry.resetAt <= at && entry.pending === 0) { entries.delete(key); continue }
      let batch = byWindow.get(entry.windowMs)
      if (!batch) byWindow.set(entry.windowMs, (batch = { hits: new Map(), idle: [] }))
      if (entry.pending === 0) batch.idle.push(key)
      else batch.hits.set(key, entry.pending)
      entry.sending = entry.pending
      entry.pending = 0
    }
    for (const [windowMs, { hits, idle }] of byWindow) {
      try {
        const counts = new Map([
          ...(hits.size > 0 ? await counters.add(hits, windowMs) : []),
          ...(idle.length > 0 ? await counters.get(idle, windowMs) : []),
        ])
        for (const [key, count] of counts) {
          const entry = entries.get(key)
          if (entry) Object.assign(entry, { shared: count.hits, sending: 0, resetAt: count.resetAt })
        }
      } catch {
        // The database is away: keep the requests for the next flush.
        for (const key of hits.keys()) {
          const entry = entries.get(key)
          if (entry) Object.assign(entry, { pending: entry.pending + entry.sending, sending: 0 })
        }
      }
    }
  }

  let flushing: Promise<void> | undefined
  const timer = setInterval(() => { flushing ??= flush().finally(() => { flushing = undefined }) }, FLUSH_MS)
  timer.unref()

  class SharedRateStore implements FastifyRateLimitStore {
    incr (key: string, callback: (error: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number): void {
      const at = Date.now()
      let entry = entries.get(key)
      if (!entry || entry.resetAt <= at) {
        // A new window here; the flush learns whether other servers opened it earlier.
        entries.delete(key)
        if (entries.size >= MAX_KEYS) entries.delete(entries.keys().next().value!)
        entries.set(key, (entry = { shared: 0, sending: 0, pending: 0, resetAt: at + timeWindow, windowMs: timeWindow }))
      }
      entry.pending++
      callback(null, { current: entry.shared + entry.sending + entry.pending, ttl: entry.resetAt - at })
    }

    child (): FastifyRateLimitStore {
      return this
    }
  }

  return {
    Store: SharedRateStore,
    async stop () {
      clearInterval(timer)
      await flushing
    },
  }
}
