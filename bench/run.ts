// `npm run bench [-- --articles 100000 --duration 10 --connections 50]`: builds (or reuses) a database
// of generated articles, then in one run measures a bare Fastify hello world, a minimal Fastify +
// better-sqlite3 server and this app on the same data, and prints ratios against both references.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import Database from 'better-sqlite3'
import { projectRoot } from '../src/lib/paths.js'
import { buildBenchDb, checkIdentity } from './generate.js'

const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
  },
})
const articles = Number(values.articles)
const duration = Number(values.duration)
const connections = Number(values.connections)
const results = join(projectRoot, 'bench', 'results')
mkdirSync(results, { recursive: true })
const dbPath = join(results, `bench-${articles}.db`)
const ADMIN = 'bench-admin-token-0123456789abcdef0123456789'

if (!existsSync(dbPath)) {
  checkIdentity()
  const started = performance.now()
  buildBenchDb(dbPath, articles)
  console.log(`built ${articles} articles in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
const sample = new Database(dbPath, { readonly: true })
const slugs = (sample.prepare('SELECT slug FROM articles ORDER BY random() LIMIT 2000').all() as Array<{ slug: string }>).map((r) => r.slug)
const deep = sample.prepare('SELECT published_at AS p, id FROM articles ORDER BY published_at DESC, id DESC LIMIT 1 OFFSET ?').get(Math.floor(articles * 0.9)) as { p: string, id: string }
sample.close()
const deepCursor = Buffer.from(JSON.stringify(['-publishedAt', deep.p, deep.id])).toString('base64url')

interface Server { child: ChildProcess, port: number, peakRss: () => number }

async function start (args: string[], env: Record<string, string>, port: number): Promise<Server> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] })
  for (let i = 0; i < 400; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      break
    } catch { await sleep(25) }
  }
  const peakRss = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
  }
  return { child, port, peakRss }
}

async function stop (server: Server) {
  server.child.kill('SIGTERM')
  await new Promise((resolve) => server.child.once('exit', resolve))
}

interface Row { name: string, rps: number, p50: number, p99: number, errors: number, non2xx: number, rssMb: number }

async function load (server: Server, name: string, paths: () => string, options: Partial<autocannon.Options> = {}): Promise<Row> {
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections,
    duration,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths() }) }],
    ...options,
  })
  const row = { name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx, rssMb: Math.round(server.peakRss()) }
  console.log(`${name.padEnd(34)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}  non-2xx ${row.non2xx}`)
  return row
}

const randomSlug = () => slugs[Math.floor(Math.random() * slugs.length)]!
const rows: Row[] = []

const hello = await start(['--import', 'tsx', join(projectRoot, 'bench', 'hello.ts')], {}, 4101)
rows.push(await load(hello, 'hello world (bare Fastify)', () => '/'))
await stop(hello)

const minimal = await start(['--import', 'tsx', join(projectRoot, 'bench', 'minimal.ts')], { DATABASE_PATH: dbPath }, 4102)
rows.push(await load(minimal, 'minimal: article by slug', () => `/articles/${randomSlug()}`))
rows.push(await load(minimal, 'minimal: feed (20 newest)', () => '/feed'))
await stop(minimal)

const appStarted = performance.now()
const app = await start([join(projectRoot, 'dist', 'server.js')], {
  DATABASE_URL: `file:${dbPath}`, CMS_DEMO_CONTENT: 'false', LOG_LEVEL: 'warn', CMS_ADMIN_TOKEN: ADMIN,
}, 4103)
const coldStartMs = Math.round(performance.now() - appStarted)
const etagOf = async (path: string) => (await fetch(`http://127.0.0.1:4103${path}`)).headers.get('etag') ?? ''
const articleEtagPath = `/v1/articles/slug/${slugs[0]}`
const articleEtag = await etagOf(articleEtagPath)
const feedEtag = await etagOf('/v1/feed')
rows.push(await load(app, 'app: article by slug', () => `/v1/articles/slug/${randomSlug()}`))
rows.push(await load(app, 'app: feed first page', () => '/v1/feed'))
rows.push(await load(app, 'app: feed deep cursor page', () => `/v1/feed?cursor=${deepCursor}`))
rows.push(await load(app, 'app: articles by tag', () => '/v1/articles?tag=ekonomika'))
rows.push(await load(app, 'app: search (common words)', () => `/v1/search?q=${encodeURIComponent('программа строительства')}`))
rows.push(await load(app, 'app: feed.rss', () => '/v1/feed.rss'))
rows.push(await load(app, 'app: 304 article revalidation', () => articleEtagPath, { headers: { 'if-none-match': articleEtag } }))
rows.push(await load(app, 'app: 304 feed revalidation', () => '/v1/feed', { headers: { 'if-none-match': feedEtag } }))
let created = 0
rows.push(await load(app, 'app: POST /v1/articles', () => '/v1/articles', {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
  requests: [{ setupRequest: (request) => ({ ...request, path: '/v1/articles', body: JSON.stringify({ title: `Новость бенчмарка ${created++}`, body: 'Текст **новости**.', status: 'published', tags: ['Экономика'] }) }) }],
}))
await stop(app)

const find = (name: string) => rows.find((r) => r.name === name)!
const helloRps = find('hello world (bare Fastify)').rps
const ratios = {
  articleVsMinimal: find('app: article by slug').rps / find('minimal: article by slug').rps,
  feedVsHello: find('app: feed first page').rps / helloRps,
  feedVsMinimal: find('app: feed first page').rps / find('minimal: feed (20 newest)').rps,
  article304VsHello: find('app: 304 article revalidation').rps / helloRps,
  feed304VsHello: find('app: 304 feed revalidation').rps / helloRps,
  deepVsFirstFeed: find('app: feed deep cursor page').rps / find('app: feed first page').rps,
}
console.log('\nratios:', Object.fromEntries(Object.entries(ratios).map(([k, v]) => [k, Number(v.toFixed(2))])))
console.log(`cold start to healthy: ${coldStartMs} ms`)
const file = join(results, `${new Date().toISOString().replaceAll(':', '-')}-${articles}.json`)
writeFileSync(file, JSON.stringify({ articles, duration, connections, coldStartMs, rows, ratios }, null, 2) + '\n')
console.log(`wrote ${file}`)
