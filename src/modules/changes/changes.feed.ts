import type { Audience } from '../../lib/auth.js'
import { decodeCursor, encodeCursor } from '../../lib/cursor.js'
import { AppError, BadRequestError } from '../../lib/errors.js'
import { toMedia } from '../../store/shapes.js'
import type { ArticleStore, ChangeRef, ChangeStore, MediaStore, SnapshotRef, TagStore } from '../../store/store.js'
import { withUrl } from '../articles/articles.view.js'
import { withMediaUrl } from '../media/media.view.js'
import type { Change } from './changes.schemas.js'

// How /v1/changes pages: from no cursor, a snapshot of what the caller can read (articles, tags, then
// for staff media, each once), then the change log from the position the snapshot started at. A log page is compacted:
// each item once, in its latest state, at the place of its latest change.

type Position =
  | { phase: 'snapshot', head: number, from: SnapshotRef, issuedAt: number }
  | { phase: 'log', position: number, issuedAt: number }

const SNAPSHOT = 'changes-snapshot'
const LOG = 'changes'

function encode (position: Position): string {
  return position.phase === 'snapshot'
    ? encodeCursor(SNAPSHOT, [position.head, position.from.type, position.from.id, position.issuedAt])
    : encodeCursor(LOG, [position.position, position.issuedAt])
}

function decode (cursor: string): Position {
  try {
    const [position, issuedAt] = decodeCursor(cursor, LOG, ['number', 'number']) as number[]
    return { phase: 'log', position: position!, issuedAt: issuedAt! }
  } catch (error) {
    if (!(error instanceof BadRequestError)) throw error
    const [head, type, id, issuedAt] = decodeCursor(cursor, SNAPSHOT, ['number', 'string', 'string', 'number'])
    if (type !== 'article' && type !== 'tag' && type !== 'media') throw error
    return { phase: 'snapshot', head: head as number, from: { type, id: id as string }, issuedAt: issuedAt as number }
  }
}

export interface ChangesPage {
  items: Change[]
  nextCursor: string
  hasMore: boolean
}

export interface ChangeFeedDeps {
  changes: ChangeStore
  articles: ArticleStore
  tags: TagStore
  media: MediaStore
  publicUrl: string
  retentionMs: number
}

export function createChangeFeed ({ changes, articles, tags, media, publicUrl, retentionMs }: ChangeFeedDeps) {
  /** The item as the audience reads it now, or null when it cannot (the public never reads the media library). */
  async function read (ref: SnapshotRef, audience: Audience): Promise<Change['data']> {
    if (ref.type === 'tag') return (await tags.byId(ref.id, audience)) ?? null
    if (ref.type === 'media') {
      const record = audience === 'staff' ? await media.byId(ref.id) : undefined
      return record ? withMediaUrl(toMedia(record), publicUrl) : null
    }
    const article = await articles.byId(ref.id, audience)
    return article ? withUrl(article, publicUrl) : null
  }

  async function snapshotPage (audience: Audience, position: Extract<Position, { phase: 'snapshot' }>, limit: number): Promise<ChangesPage> {
    const refs = await changes.snapshot(audience, position.from, limit + 1)
    const page = refs.slice(0, limit)
    const items: Change[] = []
    for (const ref of page) {
      const data = await read(ref, audience)
      // Gone since the snapshot's query: its delete is in the log after the snapshot's head.
      if (data) items.push({ op: 'upsert', type: ref.type, id: ref.id, at: data.updatedAt, data })
    }
    const issuedAt = Date.now()
    if (refs.length > limit) {
      return { items, nextCursor: encode({ ...position, from: page.at(-1)!, issuedAt }), hasMore: true }
    }
    const hasMore = (await changes.after(position.head, audience, 1)).length > 0
    return { items, nextCursor: encode({ phase: 'log', position: position.head, issuedAt }), hasMore }
  }

  async function logPage (audience: Audience, position: Extract<Position, { phase: 'log' }>, limit: number): Promise<ChangesPage> {
    const refs = await changes.after(position.position, audience, limit + 1)
    const page = refs.slice(0, limit)
    // Each item once, where its latest change in the page is.
    const latest = new Map<string, ChangeRef>()
    for (const ref of page) {
      const key = `${ref.type}:${ref.id}`
      latest.delete(key)
      latest.set(key, ref)
    }
    const items: Change[] = []
    for (const ref of latest.values()) {
      const data = await read(ref, audience)
      items.push({ op: data ? 'upsert' : 'delete', type: ref.type, id: ref.id, at: ref.at, data })
    }
    const next = page.at(-1)?.position ?? position.position
    return { items, nextCursor: encode({ phase: 'log', position: next, issuedAt: Date.now() }), hasMore: refs.length > limit }
  }

  return {
    /** One page of changes after `cursor` for this audience; a cursor past the retention is 410. */
    async page (audience: Audience, cursor: string | undefined, limit: number): Promise<ChangesPage> {
      const position = cursor ? decode(cursor) : { phase: 'snapshot' as const, head: await changes.head(), from: { type: 'article' as const, id: '' }, issuedAt: Date.now() }
      const oldest = Math.min(position.issuedAt, Date.now())
      const from = position.phase === 'log' ? position.position : position.head
      if (oldest < Date.now() - retentionMs || from < await changes.prunedThrough()) {
        throw new AppError(410, 'CURSOR_EXPIRED', 'This cursor is older than the changes kept; start again without a cursor')
      }
      return position.phase === 'snapshot' ? snapshotPage(audience, position, limit) : logPage(audience, position, limit)
    },
  }
}
