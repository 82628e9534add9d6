import { sql } from 'drizzle-orm'
import type { CounterStore, WindowCount } from '../store.js'
import type { PgDb } from './client.js'

/** How often ended windows are deleted. */
const PRUNE_MS = 60_000
/**
 * How often the watched keys are read in full, in case notices were lost: postgres.js listens again
 * after a dropped connection, but not when that first attempt fails (the database still away).
 */
const RECHECK_MS = 1_000
const CHANNEL = 'cms_counters'

interface Watcher { prefix: string, windowMs: number, listener: (key: string) => void }

/**
 * Counters every server shares, in the counters table: one upsert adds a batch of keys' hits and
 * returns their counts across all servers; a window that has ended starts again with these hits.
 * A server announces the keys it adds to under the prefixes it watches itself (every server runs the
 * same watches) on the cms_counters channel, and each server's watchers hear of them there.
 */
export function createPostgresCounters (db: PgDb): CounterStore & { close (): Promise<void> } {
  let prunedAt = Date.now()
  const watchers: Watcher[] = []
  const watched = (key: string) => watchers.some(({ prefix }) => key.startsWith(prefix))
  const told = (key: string) => { for (const { prefix, listener } of watchers) if (key.startsWith(prefix)) listener(key) }

  async function tellCurrent ({ prefix, windowMs, listener }: Watcher): Promise<void> {
    const rows = await db.execute<{ key: string }>(sql`SELECT key FROM counters WHERE starts_with(key, ${prefix}) AND window_start > ${Date.now() - windowMs}`)
    for (const { key } of rows) listener(key)
  }
  const tellAll = () => { Promise.all(watchers.map(tellCurrent)).catch(() => {}) }
  // A reconnected listener may have missed notices: every watched key counting now is told again.
  // postgres.js calls this after the first LISTEN too, when watch() reads the current keys itself.
  let listened = false
  const relistened = () => {
    if (listened) tellAll()
    listened = true
  }
  let listening: ReturnType<PgDb['$client']['listen']> | undefined
  let recheck: NodeJS.Timeout | undefined

  return {
    async add (hits, windowMs) {
      const at = Date.now()
      if (at - prunedAt > PRUNE_MS) {
        prunedAt = at
        await db.execute(sql`DELETE FROM counters WHERE window_start < ${at - 24 * 3_600_000}`)
      }
      // In key order, so two servers' batches lock shared keys in the same order and never deadlock.
      const batch = [...hits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, n]) => ({ key, hits: n }))
      const rows = await db.execute<{ key: string, hits: number, window_start: string }>(sql`
        INSERT INTO counters AS c (key, window_start, hits)
          SELECT key, ${at}::bigint, hits FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS u(key text, hits int)
        ON CONFLICT (key) DO UPDATE SET
          hits = CASE WHEN c.window_start + ${windowMs} <= ${at} THEN excluded.hits ELSE c.hits + excluded.hits END,
          window_start = CASE WHEN c.window_start + ${windowMs} <= ${at} THEN excluded.window_start ELSE c.window_start END
        RETURNING key, hits, window_start`)
      const notices = batch.map(({ key }) => key).filter(watched)
      if (notices.length > 0) await db.execute(sql`SELECT pg_notify(${CHANNEL}, key) FROM jsonb_array_elements_text(${JSON.stringify(notices)}::jsonb) AS key`)
      return new Map<string, WindowCount>(rows.map((row) => [row.key, { hits: row.hits, resetAt: Number(row.window_start) + windowMs }]))
    },
    async get (keys, windowMs) {
      const at = Date.now()
      const rows = await db.execute<{ key: string, hits: number, window_start: string }>(sql`SELECT key, hits, window_start FROM counters
        WHERE key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)) AND window_start > ${at - windowMs}`)
      return new Map(rows.map((row) => [row.key, { hits: row.hits, resetAt: Number(row.window_start) + windowMs }]))
    },
    async watch (prefix, windowMs, listener) {
      const watcher = { prefix, windowMs, listener }
      watchers.push(watcher)
      listening ??= db.$client.listen(CHANNEL, told, relistened)
      await listening
      await tellCurrent(watcher)
      if (!recheck) {
        recheck = setInterval(tellAll, RECHECK_MS)
        recheck.unref()
      }
    },
    async close () {
      clearInterval(recheck)
      const listener = await listening?.catch(() => undefined)
      await listener?.unlisten().catch(() => {})
    },
  }
}
