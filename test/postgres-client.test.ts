import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openPostgres } from '../src/store/postgres/client.js'
import { setup } from './helpers/app.js'
import { postgresOnly } from './helpers/databases.js'

test('a new PostgreSQL connection sends only what it is given: no catalog lookup of its own, whose failure no one could catch', postgresOnly('the PostgreSQL client'), async (t) => {
  const h = await setup(t)
  const sent: string[] = []
  const db = openPostgres(h.databaseUrl, { max: 2, onQuery: (sql) => sent.push(sql.trim()) })
  t.after(() => db.$client.end({ timeout: 5 }))
  // Two at once: the pool opens a second connection for the second.
  const [[first], [second]] = await Promise.all([db.$client`select 'Москва' as city`, db.$client`select 'Казань' as city`])
  assert.deepEqual([first!.city, second!.city], ['Москва', 'Казань'])
  assert.deepEqual(sent.sort(), ["select 'Казань' as city", "select 'Москва' as city"])
})
