import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { setup } from './helpers/app.js'

test('the served document is OpenAPI 3.1, equals the committed file and declares every route fully', async (t) => {
  const h = await setup(t)
  const res = await h.app.inject({ url: '/openapi.json' })
  assert.equal(res.statusCode, 200)
  const served = res.json()
  assert.equal(served.openapi, '3.1.0')
  assert.deepEqual(served, JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')))
  assert.deepEqual(served.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'An API token' })

  const operations = Object.entries(served.paths as Record<string, Record<string, any>>)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })))
  assert.ok(operations.length >= 8)
  for (const { path, method, op } of operations) {
    const where = `${method.toUpperCase()} ${path}`
    assert.ok(op.operationId, `${where} has an operationId`)
    assert.ok(Array.isArray(op.security), `${where} declares its security`)
    assert.ok(op.responses['500'], `${where} declares 500`)
    if (path.startsWith('/v1/')) assert.ok(op.responses['400'], `${where} declares 400`)
    if (op.security.length > 0) assert.ok(op.responses['401'] && op.responses['403'], `${where} declares 401 and 403`)
  }
})
