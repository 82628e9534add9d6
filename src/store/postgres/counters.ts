import { sql } from 'drizzle-orm'
import type { CounterStore, WindowCount } from '../store.js'
import type { PgDb } from './client.js'

/** How often ended windows are deleted. */
const PRUNE_MS = 60_000

/**
 * Counters every server shares, in the counters table: one upsert adds a batch of keys' hits and
 * returns their counts across all servers; a window that has ended starts again with these hits.
 */
export function createPostgresCounters (db: PgDb): CounterStore {
  let prunedAt = Date.now()
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
      return new Map<string, WindowCount>(rows.map((row) => [row.key, { hits: row.hits, resetAt: Number(row.window_start) + windowMs }]))
    },
    async get (keys, windowMs) {
      const at = Date.now()
      const rows = await db.execute<{ key: string, hits: number, window_start: string }>(sql`SELECT key, hits, window_start FROM counters
        WHERE key IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb)) AND window_start > ${at - windowMs}`)
      return new Map(rows.map((row) => [row.key, { hits: row.hits, resetAt: Number(row.window_start) + windowMs }]))
    },
  }
}
