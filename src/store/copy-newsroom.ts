import { COPIED_TABLES, type CopiedTable, type CopyBatch, type Store } from './store.js'

export class TargetNotEmptyError extends Error {}

/**
 * Copies a whole newsroom from one store to another, whatever their engines: every tag, article,
 * tag link, revision, former slug and token, row for row (ids, versions, timestamps and so ETags
 * unchanged), in one transaction on the target, which must hold no newsroom yet. The target's search
 * index is then built from the copied articles (both engines index the same stems).
 */
export async function copyNewsroom (source: Store, target: Store): Promise<Record<CopiedTable, number>> {
  if (!await target.copy.isEmpty()) throw new TargetNotEmptyError('The target database already holds articles, tags or tokens: copy into an empty one')
  const counts = Object.fromEntries(COPIED_TABLES.map((table) => [table, 0])) as Record<CopiedTable, number>
  async function * counted (): AsyncIterable<CopyBatch> {
    for await (const batch of source.copy.rows()) {
      counts[batch.table] += batch.rows.length
      yield batch
    }
  }
  await target.copy.load(counted())
  await target.search.rebuild()
  return counts
}
