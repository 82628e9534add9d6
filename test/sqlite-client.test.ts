import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import { openDatabase } from '../src/store/sqlite/client.js'
import { sqliteOnly } from './helpers/databases.js'
import { fullArticle, latestHeadlines } from './helpers/fixtures.js'
import { preparedDuring, setup } from './helpers/app.js'

test('an uncached read compiles its statements once: the same read again prepares none', sqliteOnly('counts better-sqlite3 compilations'), async (t) => {
  const h = await setup(t)
  for (const title of latestHeadlines.slice(0, 3)) {
    assert.equal((await h.call('POST', '/v1/articles', { body: { ...fullArticle, title, status: 'published' } })).status, 201)
  }
  // A viewer's reads are never served from the response cache: each runs its queries.
  const viewer = (await h.call('POST', '/v1/tokens', { body: { name: 'Выпускающий', role: 'viewer' } })).body.token
  const read = () => h.call('GET', '/v1/articles?status=all&tag=energetika&limit=2', { token: viewer })
  const first = await preparedDuring(h, read)
  assert.ok(first.length > 0, 'the first read compiles what it runs')
  assert.deepEqual(await preparedDuring(h, read), [])
  assert.equal((await read()).body.data.length, 2)
})

test('a compiled statement handed out again answers as its caller asks: objects, or arrays for the query builder', sqliteOnly('the SQLite client'), () => {
  const db = openDatabase(':memory:')
  const query = sql`SELECT 'Москва' AS city, 1 AS n`
  assert.deepEqual(db.all(query), [{ city: 'Москва', n: 1 }])
  // drizzle reads rows as arrays when it maps the columns itself (`raw()` on the statement).
  assert.deepEqual(db.values(query), [['Москва', 1]])
  assert.deepEqual(db.all(query), [{ city: 'Москва', n: 1 }])
  assert.deepEqual(db.get(query), { city: 'Москва', n: 1 })
  db.$client.close()
})
