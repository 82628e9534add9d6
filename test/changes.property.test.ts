import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import fc from 'fast-check'
import { setup, type Harness } from './helpers/app.js'
import { latestHeadlines } from './helpers/fixtures.js'
import { assertSameCopy, emptyCopy, follow, readable, type Copy } from './helpers/sync.js'

// Random editorial histories; after each, clients that followed the change log — from the start, from
// somewhere in the middle, and from no cursor at the end — hold exactly what the lists show, for the
// public and for a viewer.

const TAGS = ['Москва', 'Экономика', 'Спорт', 'Наука']
const soon = (ms: number) => new Date(Date.now() + ms).toISOString()

type Op =
  | { op: 'create', title: number, status: 'draft' | 'published' | 'scheduled', tags: string[] }
  | { op: 'edit', target: number, title: number }
  | { op: 'retag', target: number, tags: string[] }
  | { op: 'publish' | 'unpublish' | 'schedule' | 'trash' | 'restore' | 'purge', target: number }
  | { op: 'renameTag' | 'deleteTag', tag: number }
  | { op: 'wait' }
  | { op: 'sync' }

const tagList = fc.subarray(TAGS, { maxLength: 3 })
const target = fc.nat(20)
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('create' as const), title: fc.nat(9), status: fc.constantFrom('draft', 'published', 'scheduled') as fc.Arbitrary<'draft' | 'published' | 'scheduled'>, tags: tagList }) },
  fc.record({ op: fc.constant('edit' as const), target, title: fc.nat(9) }),
  fc.record({ op: fc.constant('retag' as const), target, tags: tagList }),
  fc.record({ op: fc.constantFrom('publish', 'unpublish', 'schedule', 'trash', 'restore', 'purge') as fc.Arbitrary<'publish'>, target }),
  fc.record({ op: fc.constantFrom('renameTag', 'deleteTag') as fc.Arbitrary<'renameTag'>, tag: fc.nat(3) }),
  fc.constant({ op: 'wait' as const }),
  fc.constant({ op: 'sync' as const }),
)

async function apply (h: Harness, ids: string[], step: Op, follow: () => Promise<void>): Promise<void> {
  const id = 'target' in step ? ids[step.target % Math.max(ids.length, 1)] : undefined
  const call = (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => h.call(method, url, body === undefined ? {} : { body })
  switch (step.op) {
    case 'create': {
      const publishedAt = step.status === 'scheduled' ? soon(150) : undefined
      const res = await call('POST', '/v1/articles', { title: latestHeadlines[step.title], status: step.status === 'draft' ? 'draft' : 'published', tags: step.tags, ...(publishedAt ? { publishedAt } : {}) })
      assert.equal(res.status, 201, res.raw)
      ids.push(res.body.id)
      return
    }
    case 'wait': await sleep(200); return
    case 'sync': await follow(); return
    case 'renameTag':
    case 'deleteTag': {
      const tags = (await h.call('GET', '/v1/tags?limit=100')).body.data
      const tag = tags[step.tag % Math.max(tags.length, 1)]
      if (!tag) return
      if (step.op === 'deleteTag') await call('DELETE', `/v1/tags/${tag.id}`)
      else await call('PATCH', `/v1/tags/${tag.id}`, { name: `${tag.name as string}+` })
      return
    }
  }
  if (!id) return
  switch (step.op) {
    case 'edit': await call('PATCH', `/v1/articles/${id}`, { title: `${latestHeadlines[step.title]!} (обновлено)` }); return
    case 'retag': await call('PATCH', `/v1/articles/${id}`, { tags: step.tags }); return
    case 'publish': await call('PATCH', `/v1/articles/${id}`, { status: 'published', publishedAt: soon(-1000) }); return
    case 'unpublish': await call('PATCH', `/v1/articles/${id}`, { status: 'draft' }); return
    case 'schedule': await call('PATCH', `/v1/articles/${id}`, { status: 'published', publishedAt: soon(150) }); return
    case 'trash': await call('DELETE', `/v1/articles/${id}`); return
    case 'restore': await call('POST', `/v1/articles/${id}/restore`); return
    case 'purge': {
      await call('DELETE', `/v1/articles/${id}?permanent=true`)
      ids.splice(ids.indexOf(id), 1)
    }
  }
}

test('random histories: following the change log from empty, or from anywhere, ends with exactly what the lists show', async (t) => {
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
    const h = await setup(t)
    const viewer = (await h.call('POST', '/v1/tokens', { body: { name: 'Синхронизация', role: 'viewer' } })).body.token as string
    const clients: Array<[string | null, Copy]> = [[null, emptyCopy()], [viewer, emptyCopy()]]
    const followAll = async () => { for (const [token, copy] of clients) await follow(h, copy, token, 4) }
    await followAll()
    const ids: string[] = []
    for (const step of ops) await apply(h, ids, step, followAll)
    // Whatever was scheduled has come due; the scheduler's round is run here rather than waited for.
    await sleep(200)
    await h.store.changes.publishDue()
    for (const [token, copy] of clients) {
      const expected = await readable(h, token)
      await follow(h, copy, token, 4)
      assertSameCopy(copy, expected, `${token ? 'viewer' : 'public'}, followed along`)
      const fresh = emptyCopy()
      await follow(h, fresh, token, 4)
      assertSameCopy(fresh, expected, `${token ? 'viewer' : 'public'}, from no cursor`)
    }
  }), { numRuns: Number(process.env.FUZZ_RUNS ?? 25), seed: 20261201 })
})
