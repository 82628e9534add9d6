import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

// postgres.js 3.4.9 queues a small write with setImmediate, and it can run after the connection has
// closed and dropped its socket: an uncaught TypeError that took a server down during a database outage
// (porsager/postgres#1208). patches/postgres+3.4.9.patch settles the query instead; npm ci applies it.
test('the PostgreSQL driver in use settles a write queued after its connection closed, instead of throwing', async () => {
  const entry = fileURLToPath(import.meta.resolve('postgres'))
  for (const copy of [join(dirname(entry), 'connection.js'), join(dirname(entry), '..', 'cjs', 'src', 'connection.js')]) {
    const source = readFileSync(copy, 'utf8')
    const nextWrite = source.slice(source.indexOf('function nextWrite('), source.indexOf('socket.write(chunk, fn)'))
    assert.match(nextWrite, /if \(!socket\) \{[^}]*error\(Errors\.connection\('CONNECTION_CLOSED'/, copy)
  }
})
