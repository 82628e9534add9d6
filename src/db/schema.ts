import { sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Timestamps are ISO-8601 UTC text with milliseconds: they sort as strings and leave the API unchanged.

export const tags = sqliteTable('tags', {
  id: text('id').primaryKey(),
  slug: text('slug').notNull(),
  name: text('name').notNull(),
  // Case- and ё-folded name: SQLite's lower() folds ASCII only, so uniqueness and prefix search use this.
  nameKey: text('name_key').notNull(),
  description: text('description'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}, (t) => [
  uniqueIndex('tags_slug_unique').on(t.slug),
  uniqueIndex('tags_name_key_unique').on(t.nameKey),
])

export type TagRow = typeof tags.$inferSelect
