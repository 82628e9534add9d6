import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { setup } from './helpers/app.js'
import { arbitraryFor, nearValid } from './helpers/schema-arbitrary.js'

// Walks the served OpenAPI document and throws generated requests at every operation. Pass: no
// response ≥ 500 and every response valid against its declared schema (the harness checks both).
// Seeded and reproducible; fast-check prints a failing case shrunk. FUZZ_RUNS raises the count.
const RUNS = Number(process.env.FUZZ_RUNS ?? 200)
const SEED = Number(process.env.FUZZ_SEED ?? 20261128)

// Cursors shaped like ours with keys of the wrong kind: fractions, overflowing numbers, negatives, nulls.
const cursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url')
const hostileCursors = [
  cursor(['search', 1.5]), Buffer.from('["search",1e309]').toString('base64url'), cursor(['search', -1]), cursor(['search', 2 ** 60]),
  cursor(['-publishedAt', 1.5, 'x']), cursor(['-publishedAt', null, null]), cursor(['name', 1]), cursor(['-articleCount', 0.5, 'a']),
  cursor(['-version', 1e300]), cursor(['id', {}]),
]

const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('', ' ', 'Турция', 'ё', '\u0000', '\u0007', '%', '%00', '../..', '"', '*', 'NEAR(', 'OR', '🔥', 'a'.repeat(600), '-1', '0', '1e9', 'null', 'true',
    '\u202e', ...hostileCursors),
)

test('every operation survives generated requests: no 5xx, every response as declared', async (t) => {
  // The bad-token cases would otherwise trip the failed-authentication throttle.
  const h = await setup(t, { authFailureLimit: 1_000_000 })
  const spec = (await h.app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, { parameters?: Array<{ name: string, in: string, schema: Record<string, unknown> }>, requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>
    components: { schemas: Record<string, Record<string, unknown>> }
  }
  const components = spec.components.schemas
  const article = (await h.call('POST', '/v1/articles', { body: { title: 'Фаззинг', status: 'published', tags: ['Тест'] } })).body
  const token = (await h.call('POST', '/v1/tokens', { body: { name: 'фаззинг', role: 'viewer' } })).body
  const realIds: Record<string, string[]> = { id: [article.id, article.tags[0].id, token.id], slug: [article.slug, article.tags[0].slug], version: ['1', '2'] }

  let cases = 0
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const params = operation.parameters ?? []
      const pathParams = params.filter((p) => p.in === 'path')
      const queryParams = params.filter((p) => p.in === 'query')
      const bodySchema = operation.requestBody?.content['application/json']?.schema
      const valid = bodySchema ? arbitraryFor(bodySchema, components) : fc.constant(undefined)

      const request = fc.record({
        pathValues: fc.tuple(...pathParams.map((p) => fc.oneof(fc.constantFrom(...(realIds[p.name] ?? ['x'])), hostileText))),
        query: fc.oneof(
          fc.record(Object.fromEntries(queryParams.map((p) => [p.name, fc.oneof(arbitraryFor(p.schema, components).map(String), hostileText)])), { requiredKeys: [] }),
          fc.dictionary(hostileText, hostileText, { maxKeys: 3 }),
        ),
        body: fc.oneof(
          valid.map((v) => v === undefined ? undefined : JSON.stringify(v)),
          nearValid(valid).map((v) => JSON.stringify(v) ?? 'null'),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        ),
        token: fc.constantFrom<string | null | undefined>(undefined, undefined, null, 'cms_not-a-real-token'),
      })

      await fc.assert(fc.asyncProperty(request, async ({ pathValues, query, body, token }) => {
        let url = path
        pathParams.forEach((p, i) => { url = url.replace(`{${p.name}}`, encodeURIComponent(String(pathValues[i]))) })
        const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string])).toString()
        const send = method === 'get' || method === 'delete' ? undefined : body
        await h.call(method.toUpperCase() as 'GET', `${url}${search ? `?${search}` : ''}`, {
          token,
          ...(send === undefined ? {} : { body: send, headers: { 'content-type': 'application/json' } }),
        })
        cases++
      }), { numRuns: RUNS, seed: SEED })
    }
  }
  assert.ok(cases >= RUNS * 20, `${cases} cases`)
  assert.equal((await h.get('/healthz')).status, 200)
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
})
