import { searchDocument, type SearchDocument } from '../../domain/search-document.js'
import { prepared, type Tx } from './unit-of-work.js'

// recent_search: the newest articles' part of the full-text index, beside article_search. It holds
// exactly the search docs whose rowid is at least search_shard.floor — rowids follow publication, so
// those are the newest — and the count of them. bm25 weighs each word by the documents that hold it,
// and FTS5 counts those on every query by walking the word's whole document list: for a word in nearly
// every one of a million articles that is ~30 ms, for its part of 40,000 at most ~1.5 ms. A search
// runs here first, and its answer stands when its window fills here or this holds every article
// (src/store/sqlite/search.ts).

/** Above every key: while a rebuild runs, nothing is added to recent_search (it is filled at the end). */
const NONE = Number.MAX_SAFE_INTEGER

/** Where recent_search begins, how many docs it holds, and how many it keeps at least (it grows to twice as many between trims). */
interface Shard { floor: number, docs: number, size: number }

export function shardOf (tx: Tx): Shard {
  return prepared(tx, 'search shard', (db) => db.$client.prepare('SELECT floor, docs, size FROM search_shard WHERE id = 1')).get() as Shard
}

function setShard (tx: Tx, shard: Omit<Shard, 'size'>): void {
  prepared(tx, 'set search shard', (db) => db.$client.prepare('UPDATE search_shard SET floor = ?, docs = ? WHERE id = 1')).run(shard.floor, shard.docs)
}

function insert (tx: Tx, rowid: number, doc: Pick<SearchDocument, 'title' | 'lead' | 'body'>): void {
  prepared(tx, 'index recent text', (db) => db.$client.prepare('INSERT INTO recent_search (rowid, title, lead, body) VALUES (?, ?, ?, ?)'))
    .run(rowid, doc.title, doc.lead, doc.body)
}

function remove (tx: Tx, rowid: number): void {
  prepared(tx, 'unindex recent text', (db) => db.$client.prepare('DELETE FROM recent_search WHERE rowid = ?')).run(rowid)
}

/** Adds a doc just written to search_docs, when it is at or above the floor; keeps the shard within twice its size. */
export function addToShard (tx: Tx, rowid: number, doc: SearchDocument): void {
  const shard = shardOf(tx)
  if (rowid < shard.floor) return
  insert(tx, rowid, doc)
  if (shard.docs + 1 < 2 * shard.size) return setShard(tx, { floor: shard.floor, docs: shard.docs + 1 })
  // Full: the floor rises to the size-th newest doc, and what falls below it leaves.
  const floor = prepared(tx, 'shard floor at', (db) => db.$client.prepare('SELECT rowid FROM search_docs ORDER BY rowid DESC LIMIT 1 OFFSET ?').pluck())
    .get(shard.size - 1) as number
  const below = prepared(tx, 'shard docs between', (db) => db.$client.prepare('SELECT rowid FROM search_docs WHERE rowid >= ? AND rowid < ?').pluck())
    .all(shard.floor, floor) as number[]
  for (const old of below) remove(tx, old)
  setShard(tx, { floor, docs: shard.size })
}

/** Removes a doc about to leave search_docs, when it is at or above the floor. */
export function removeFromShard (tx: Tx, rowid: number): void {
  const shard = shardOf(tx)
  if (rowid < shard.floor) return
  remove(tx, rowid)
  setShard(tx, { floor: shard.floor, docs: shard.docs - 1 })
}

/** Empties recent_search and keeps it empty (for a rebuild of the whole index; fillShard comes after). */
export function emptyShard (tx: Tx): void {
  tx.$client.exec('DELETE FROM recent_search')
  setShard(tx, { floor: NONE, docs: 0 })
}

/**
 * Lowers the floor over up to `limit` more docs, indexing each into recent_search (stemmed again from
 * its article), while the shard holds fewer than its size; returns how many it added (0: full, or
 * every doc is in it).
 */
export function fillShard (tx: Tx, limit: number): number {
  const shard = shardOf(tx)
  const room = Math.min(limit, shard.size - shard.docs)
  if (room <= 0) return 0
  const rows = prepared(tx, 'docs below shard floor', (db) => db.$client.prepare(`SELECT d.rowid AS rowid, a.id AS id, a.title AS title, a.lead AS lead,
      a.body_html AS bodyHtml, a.published_at AS publishedAt, a.updated_at AS updatedAt, a.lang AS lang
    FROM search_docs d JOIN articles a ON a.id = d.article_id WHERE d.rowid < ? ORDER BY d.rowid DESC LIMIT ?`))
    .all(shard.floor, room) as Array<{ rowid: number, id: string, title: string, lead: string | null, bodyHtml: string, publishedAt: string | null, updatedAt: string, lang: string }>
  for (const row of rows) insert(tx, row.rowid, searchDocument(row))
  // Fewer than asked for: none is left below, and the floor can go to the bottom.
  const floor = rows.length < room ? 0 : rows.at(-1)!.rowid
  if (floor !== shard.floor) setShard(tx, { floor, docs: shard.docs + rows.length })
  return rows.length
}
