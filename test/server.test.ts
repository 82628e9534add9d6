import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { serverDatabaseUrl } from './helpers/databases.js'
import { bundle, freePort, startEnv, startFlags, startServer } from './helpers/server.js'

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

test('the Dockerfile starts the server as `npm start` does: the same node flags and environment', () => {
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1]
  assert.ok(cmd, 'a CMD in exec form')
  assert.deepEqual(JSON.parse(cmd), ['node', ...startFlags, 'dist/server.js'])
  for (const [name, value] of Object.entries(startEnv)) assert.match(dockerfile, new RegExp(`^ENV ${name}=${value}$`, 'm'), name)
})

test('CMS_DEMO_CONTENT=false never seeds', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-server-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const server = await startServer({ DATABASE_URL: await serverDatabaseUrl(t, dir), CMS_DEMO_CONTENT: 'false' })
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

const cli = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [fileURLToPath(new URL(`../dist/scripts/${script}.js`, import.meta.url)), ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8',
  })

test('without CMS_PUBLIC_URL every Location and Link points at the port it listens on; a first start says how to get a token', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-server-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const env = { DATABASE_URL: `file:${dir}/cms.db`, PORT: String(port), CMS_ADMIN_TOKEN: '' }
  const server = await startServer(env)
  t.after(() => server.child.kill('SIGKILL'))
  assert.match(server.output(), /no admin token yet.*CMS_ADMIN_TOKEN.*npm run token -- create --role admin/)
  const origin = `http://localhost:${port}`

  const feed = await fetch(`${server.base}/v1/feed?limit=2`)
  const next = /^<([^>]+)>; rel="next"$/.exec(feed.headers.get('link') ?? '')?.[1]
  assert.ok(next?.startsWith(`${origin}/v1/feed?`), String(next))
  assert.equal((await fetch(next!)).status, 200)

  const created = cli('token', ['create', '--role', 'editor', '--name', 'Выпускающий'], env)
  assert.equal(created.status, 0, created.stderr)
  const secret = created.stdout.trim()
  const res = await fetch(`${server.base}/v1/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Ссылки ведут на наш порт', status: 'published' }),
  })
  assert.equal(res.status, 201)
  const article = await res.json() as { id: string, url: string }
  const location = res.headers.get('location')!
  assert.equal(location, `${origin}/v1/articles/${article.id}`)
  assert.equal(((await (await fetch(location)).json()) as { id: string }).id, article.id)
  assert.ok(article.url.startsWith(`${origin}/v1/articles/slug/`))
  await fetch(`${server.base}/v1/articles/${article.id}`, {
    method: 'PATCH', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ slug: 'novaya-ssylka' }),
  })
  // A former slug's 301 is followed as given.
  const followed = await fetch(article.url)
  assert.equal(followed.status, 200)
  assert.equal(followed.url, `${origin}/v1/articles/slug/novaya-ssylka`)
})

test('npm run token: --help, create, list and revoke', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/cms-token-`)
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const env = { DATABASE_URL: `file:${dir}/cms.db` }
  const help = cli('token', ['--help'], env)
  assert.equal(help.status, 0)
  assert.match(help.stdout, /usage: npm run token -- <command>/)
  for (const command of ['create', 'list', 'revoke']) assert.match(help.stdout, new RegExp(`^  ${command}`, 'm'))
  assert.equal(cli('token', [], env).status, 2)
  assert.equal(cli('token', ['create', '--role', 'root', '--name', 'x'], env).status, 2)

  const created = cli('token', ['create', '--role', 'viewer', '--name', 'Превью'], env)
  assert.equal(created.status, 0, created.stderr)
  assert.match(created.stdout.trim(), /^cms_[\w-]{43}$/)
  const listed = cli('token', ['list'], env)
  const [id, role, name] = listed.stdout.trim().split('\t')
  assert.deepEqual([role, name], ['viewer', 'Превью'])
  assert.equal(cli('token', ['revoke', id!], env).status, 0)
  assert.equal(cli('token', ['list'], env).stdout, '')
  const again = cli('token', ['revoke', id!], env)
  assert.equal(again.status, 2)
  assert.match(again.stderr, /No token/)
})
