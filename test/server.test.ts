import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { tmpdir } from 'node:os'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'

// What `npm start` runs: the bundle `npm ci` builds. Config from the environment, a file database,
// demo content, shutdown.
const bundle = fileURLToPath(new URL('../dist/server.js', import.meta.url))
if (!existsSync(bundle)) throw new Error('dist/server.js is missing: run `npm run build` (npm ci does it)')

async function start (env: Record<string, string>) {
  const child = spawn(process.execPath, [bundle], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const base = `http://127.0.0.1:${env.PORT}`
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, base, stderr: () => stderr }
    } catch {}
    await sleep(50)
  }
  child.kill('SIGKILL')
  throw new Error(`server did not start: ${stderr}`)
}

test('a new database gets migrations and demo content once; SIGTERM exits 0', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-server-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { PORT: String(39000 + (process.pid % 1000)), DATABASE_URL: `file:${dir}/data/cms.db` }

  for (const round of [1, 2]) {
    const server = await start(env)
    const feed = await (await fetch(`${server.base}/v1/feed?limit=100`)).json() as { data: unknown[] }
    assert.equal(feed.data.length, 11, `round ${round}: seeded once, never twice`)
    assert.equal((await fetch(`${server.base}/readyz`)).status, 200)
    server.child.kill('SIGTERM')
    const [code] = await once(server.child, 'exit')
    assert.equal(code, 0, server.stderr())
  }
})

test('CMS_DEMO_CONTENT=false never seeds', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-server-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const server = await start({ PORT: String(40000 + (process.pid % 1000)), DATABASE_URL: `file:${dir}/cms.db`, CMS_DEMO_CONTENT: 'false' })
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
