import { and, gt, isNotNull, isNull, lt, or, sql, type Column, type Placeholder, type SQL } from 'drizzle-orm'

/**
 * Rows strictly after (value, id) in `ORDER BY column dir, id dir`, with NULL lowest (SQLite's order,
 * which the PostgreSQL store's ORDER BY spells out). The row-value comparison lets either engine seek
 * the (column, id) index straight to the cursor, so a page deep in the list costs what the first one
 * does; `nullable` adds the NULLs a descending walk ends with.
 */
export function keysetAfter (column: Column, idColumn: Column, dir: 'asc' | 'desc', value: string | Placeholder | null, id: string | Placeholder, nullable: boolean): SQL {
  const beyond = dir === 'desc' ? lt : gt
  if (value === null) {
    const sameNull = and(isNull(column), beyond(idColumn, id))!
    return dir === 'desc' ? sameNull : or(sameNull, isNotNull(column))!
  }
  const after = sql`(${column}, ${idColumn}) ${sql.raw(dir === 'desc' ? '<' : '>')} (${value}, ${id})`
  return dir === 'desc' && nullable ? or(after, isNull(column))! : after
}
