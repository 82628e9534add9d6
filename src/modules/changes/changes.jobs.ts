import type { FastifyPluginAsync } from 'fastify'
import type { ChangeStore } from '../../store/store.js'

/** How often each server looks for scheduled articles that came due: their events exist within this. */
export const DUE_CHECK_MS = 1_000
const PRUNE_EVERY_MS = 3_600_000

/**
 * The change log's background work on every server: article.published entries for scheduled articles
 * as they come due (with several servers, the first to look logs each one, under the content write
 * lock), and pruning past the retention. A failed round (the database away) is logged and retried.
 */
export const changeJobs: FastifyPluginAsync<{ changes: ChangeStore, retentionMs: number }> = async (app, { changes, retentionMs }) => {
  const timers: NodeJS.Timeout[] = []
  /** A job that never overlaps itself and never throws. */
  const guarded = (name: string, job: () => Promise<unknown>) => {
    let running: Promise<void> | undefined
    return () => (running ??= job().then(() => {}, (err: unknown) => {
      app.log.warn({ err }, `change log: ${name} failed; trying again later`)
    }).finally(() => { running = undefined }))
  }
  const publishDue = guarded('publishing scheduled articles', () => changes.publishDue())
  const prune = guarded('pruning', () => changes.prune(new Date(Date.now() - retentionMs).toISOString()))

  app.addHook('onReady', async () => {
    await publishDue()
    await prune()
    timers.push(setInterval(() => { publishDue().catch(() => {}) }, DUE_CHECK_MS).unref(), setInterval(() => { prune().catch(() => {}) }, PRUNE_EVERY_MS).unref())
  })
  app.addHook('preClose', async () => { for (const timer of timers) clearInterval(timer) })
}
