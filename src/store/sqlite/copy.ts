import { getTableColumns, sql, type SQL } from 'drizzle-orm'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { COPIED_TABLES, type CopiedTable, type CopyStore } from '../store.js'
import type { Db } from './client.js'
import { articleRevisions, articles, articleSlugs, articleTags, media, tags, tokens } from './schema.js'

const BATCH = 500

const copied: Record<CopiedTable, { table: SQLiteTable, keys: SQLiteColumn[] }> = {
  tags: { table: tags, keys: [tags.id] },
  media: { table: media, keys: [media.id] },
  articles: { table: articles, keys: [articles.id] },
  articleTags: { table: articleTags, keys: [articleTags.articleId, articleTags.tagId] },
  articleRevisions: { table: articleRevisions, keys: [articleRevisions.articleId, articleRevisions.version] },
  articleSlugs: { table: articleSlugs, keys: [articleSlugs.slug] },
  tokens: { table: tokens, keys: [tokens.id] },
}

/** The row field a column is read into. */
const fieldOf = (table: SQLiteTable, column: SQLiteColumn) => Object.entries(getTableColumns(table)).find(([, c]) => c === column)![0]

export function createCopyStore (db: Db): CopyStore {
  return {
    async isEmpty () {
      return db.get<{ n: number }>(sql`SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM tags) + (SELECT count(*) FROM media) + (SELECT count(*) FROM tokens) AS n`).n === 0
    },

    async * rows () {
      for (const name of COPIED_TABLES) {
        const { table, keys } = copied[name]
        const fields = keys.map((key) => fieldOf(table, key))
        let after: unknown[] | undefined
        for (;;) {
          // Keyset pages: a million rows cost what a thousand do, page by page.
          const where: SQL | undefined = after && sql`(${sql.join(keys, sql`, `)}) > (${sql.join(after.map((v) => sql`${v}`), sql`, `)})`
          const rows = db.select().from(table).where(where).orderBy(...keys).limit(BATCH).all() as Array<Record<string, unknown>>
          if (rows.length === 0) break
          yield { table: name, rows }
          after = fields.map((field) => rows.at(-1)![field])
        }
      }
    },

    async load (batches) {
      // One transaction across awaits: this connection belongs to the copy alone, so it is begun and
      // ended by hand rather than by a (synchronous) unit of work.
      db.$client.exec('BEGIN IMMEDIATE')
      try {
        for await (const { table, rows } of batches) {
          for (let i = 0; i < rows.length; i += 100) db.insert(copied[table].table).values(rows.slice(i, i + 100) as never).run()
        }
        db.$client.exec('COMMIT')
      } catch (error) {
        db.$client.exec('ROLLBACK')
        throw error
      }
    },
  }
}
