import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test } from 'node:test'
import { bundle, startServer } from './helpers/server.js'

test('a new database gets migrations and demo content once; SIGTERM exits 0', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-server-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { DATABASE_URL: `file:${dir}/data/cms.db` }

  for (const round of [1, 2]) {
    const server = await startServer(env)
    const feed = await (await fetch(`${server.base}/v1/feed?limit=100`)).json() as { data: unknown[] }
    assert.equal(feed.data.length, 11, `round ${round}: seeded once, never twice`)
    assert.equal((await fetch(`${server.base}/readyz`)).status, 200)
    server.child.kill('SIGTERM')
    const [code] = await once(server.child, 'exit')
    assert.equal(code, 0, server.output())
  }
})

test('CMS_DEMO_CONTENT=false never seeds', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-server-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ DATABASE_URL: `file:${dir}/cms.db`, CMS_DEMO_CONTENT: 'false' })
  t.after(() => server.child.kill('SIGKILL'))
  const feed = await (await fetch(`${server.base}/v1/feed`)).json() as { data: unknown[] }
  assert.equal(feed.data.length, 0)
})

test('a bad variable stops start-up with one line naming it', async () => {
  const child = spawn(process.execPath, [bundle], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, PORT: 'восемьдесят', CMS_ADMIN_TOKEN: 'short' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const [code] = await once(child, 'exit')
  assert.equal(code, 1)
  assert.equal(stderr.trim().split('\n').length, 1)
  assert.match(stderr, /PORT/)
  assert.match(stderr, /CMS_ADMIN_TOKEN/)
})
