import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildApp } from '../src/app.js'
import { ConflictError } from '../src/lib/errors.js'
import type { Store } from '../src/store/store.js'
import { sqliteOnly } from './helpers/databases.js'
import { setup } from './helpers/app.js'

const OTHER_ADMIN = 'another-admin-token-0123456789abcdef'

/** The store with every call to one of its parts' methods recorded as "part.method". */
function recorded (store: Store, calls: string[]): Store {
  return new Proxy(store, {
    get (target, part) {
      const value: unknown = Reflect.get(target, part)
      if (typeof value !== 'object' || value === null) return value
      return new Proxy(value, {
        get (object, name) {
          const member: unknown = Reflect.get(object, name)
          if (typeof member !== 'function') return member
          return (...args: unknown[]) => {
            calls.push(`${String(part)}.${String(name)}`)
            return (member as (...a: unknown[]) => unknown).apply(object, args)
          }
        },
      })
    },
  })
}

describe('the storage seam', () => {
  test('building an app touches no database: a new CMS_ADMIN_TOKEN waits for the start-up step', async (t) => {
    const h = await setup(t)
    const calls: string[] = []
    // Without the background work (scheduled events, webhook delivery), which asks the store on its timers.
    const app = await buildApp({ config: { ...h.config, adminToken: OTHER_ADMIN }, store: recorded(h.store, calls), background: false })
    await app.ready()
    t.after(() => app.close())
    assert.deepEqual(calls, [], 'nothing asked of the store while building')
    const res = await app.inject({ url: '/v1/tokens', headers: { authorization: `Bearer ${OTHER_ADMIN}` } })
    assert.equal(res.statusCode, 401, 'only prepareStore makes the variable a token')
    // The failed-authentication throttle is asked first, and counts the failure after; the token cache
    // asks which content state it resolves in (lib/token-cache.ts).
    assert.deepEqual(calls, ['counters.get', 'content.current', 'tokens.resolve', 'counters.add'])
  })

  test('a constraint the store’s checks did not foresee rejects with a ConflictError, and the unit of work leaves nothing behind', async (t) => {
    const h = await setup(t)
    const story = await h.store.articles.create({ title: 'Паводок в Якутии', body: 'Вода прибывает.', status: 'draft', lang: 'ru', tags: ['Погода'] }, 'test')
    const other = await h.store.articles.create({ title: 'Другая заметка', body: '', status: 'draft', lang: 'ru', tags: [] }, 'test')
    // Damaged data: another article holds this story's current slug as a former one.
    await h.sql('INSERT INTO article_slugs (slug, article_id, retired_at) VALUES (?, ?, ?)', story.slug, other.id, story.createdAt)
    await assert.rejects(h.store.articles.update(story.id, { slug: 'pavodok', title: 'Паводок: вода прибывает' }, { actor: 'test' }), (error) => {
      assert.ok(error instanceof ConflictError, String(error))
      assert.equal(error.code, 'CONFLICT')
      assert.doesNotMatch(error.message, /SQL|UNIQUE|constraint/i)
      return true
    })
    const after = await h.store.articles.byId(story.id, 'staff')
    assert.equal(after?.slug, story.slug)
    assert.equal(after?.title, story.title)
    assert.equal(after?.version, 1)
    assert.equal((await h.store.revisions.list(story.id, 10, undefined)).total, 1)
  })

  test('readiness is the store’s answer: false once its connection is gone, and /readyz says 503', sqliteOnly('a PostgreSQL pool reconnects by itself; a database that is away is tested by stopping the server under three app servers (many-servers.test.ts)'), async (t) => {
    const h = await setup(t)
    assert.equal(await h.store.health.ready(), true)
    h.db.$client.close()
    assert.equal(await h.store.health.ready(), false)
    assert.equal((await h.get('/readyz')).status, 503)
  })
})
