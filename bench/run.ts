// `npm run bench [-- --articles 100000 --duration 10 --connections 50 --tool wrk|autocannon --db sqlite|postgres]`:
// builds (or reuses) a database of generated articles, then in one run measures a bare Fastify hello
// world, a minimal Fastify + better-sqlite3 server and this app on the same data, and prints ratios
// against both. `--db postgres` serves the same articles (copied with db:copy) from a throwaway
// PostgreSQL cluster, and adds two server processes on that one database.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { projectRoot } from '../src/lib/paths.js'
import { databaseTarget } from '../src/config.js'
import { copyNewsroom } from '../src/store/copy-newsroom.js'
import { createStore } from '../src/store/create-store.js'
import { postgresBinaries, startCluster, type Cluster } from '../test/helpers/pg-cluster.js'
import { startEnv, startFlags } from '../test/helpers/server.js'
import { buildBenchDb, checkIdentity } from './generate.js'
import { defaultTool, measure, median, type Scenario, type Tool } from './load.js'
import { mediaBench } from './media.js'

const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    tool: { type: 'string', default: defaultTool() },
    workers: { type: 'string', default: '2' },
    // `--only hostile`, `--only metrics`, `--only hits` (hello world, L, cache hits and 304s), `--only writes` or `--only media` runs just those scenarios; `--server` measures another build (e.g. an older one).
    only: { type: 'string' },
    server: { type: 'string', default: join(projectRoot, 'dist', 'server.js') },
    // The older build writes are compared with; by default one of BEFORE_CHANGE_LOG, built from this checkout's history.
    baseline: { type: 'string' },
    db: { type: 'string', default: 'sqlite' },
  },
})
const onPostgres = values.db === 'postgres'
const onlyHostile = values.only === 'hostile'
const onlyMetrics = values.only === 'metrics'
const onlyHits = values.only === 'hits'
const onlyWrites = values.only === 'writes'
const onlyMedia = values.only === 'media'
const serverBundle = values.server
const articles = Number(values.articles)
const duration = Number(values.duration)
const connections = Number(values.connections)
const tool = values.tool as Tool
const workers = Number(values.workers)
const results = join(projectRoot, 'bench', 'results')
mkdirSync(results, { recursive: true })
const dbPath = join(results, `bench-${articles}.db`)
const ADMIN = 'bench-admin-token-0123456789abcdef0123456789'
const METRICS = 'bench-metrics-token-0123456789abcdef0123456789'

let buildSeconds: number | null = null
if (!existsSync(dbPath)) {
  checkIdentity()
  const started = performance.now()
  buildBenchDb(dbPath, articles)
  buildSeconds = Math.round((performance.now() - started) / 100) / 10
  console.log(`built ${articles} articles in ${buildSeconds} s`)
}
const sample = new Database(dbPath, { readonly: true })
// A hot set (what a news site's traffic mostly reads) and a uniform sample of everything.
const hot = sample.prepare('SELECT slug FROM articles ORDER BY random() LIMIT 2000').pluck().all() as string[]
const uniform = sample.prepare('SELECT slug FROM articles ORDER BY random() LIMIT 100000').pluck().all() as string[]
const deep = sample.prepare('SELECT published_at AS p, id FROM articles ORDER BY published_at DESC, id DESC LIMIT 1 OFFSET ?').get(Math.floor(articles * 0.9)) as { p: string, id: string }
sample.close()
const deepCursor = Buffer.from(JSON.stringify(['-publishedAt', deep.p, deep.id])).toString('base64url')

interface Server { child: ChildProcess, base: string }
const children = new Set<ChildProcess>()
// A failed run must not leave servers behind.
process.on('exit', () => { for (const child of children) child.kill('SIGKILL') })

async function start (args: string[], env: Record<string, string>, port: number, ready = '/'): Promise<Server> {
  // The app runs as `npm start` runs it, with its node flags; so does a --baseline build (these flags
  // are the ones its own `npm start` used, and a comparison with other flags would measure them).
  const asStarted = args[0] === serverBundle || args[0] === baseline?.bundle
  const child = spawn(process.execPath, asStarted ? [...startFlags, ...args] : args, { env: { ...process.env, ...(asStarted ? startEnv : {}), ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const base = `http://127.0.0.1:${port}`
  // Up to three minutes: the first start after an upgrade may rebuild derived data (the search index).
  for (let i = 0; i < 7200; i++) {
    try {
      if ((await fetch(`${base}${ready}`)).ok) break
    } catch { await sleep(25) }
  }
  return { child, base }
}

/** A server's process and its workers' (its children, from /proc). */
function processTree (pid: number): number[] {
  const children = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((name) => {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
    } catch { return false }
  })
  return [pid, ...children.map(Number)]
}

/** Peak resident memory of a server and its workers, in MB. */
function peakRssMb (pid: number): number {
  const hwm = (p: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0)
  return Math.round(processTree(pid).reduce((sum, p) => sum + hwm(p), 0) / 1024)
}

/** CPU time a server and its workers have used so far, in clock ticks (user + system, from /proc). */
function cpuTicks (pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return sum + Number(fields[11]) + Number(fields[12])
  }, 0)
}
// Linux's USER_HZ: /proc counts CPU time in hundredths of a second.
const TICK_US = 10_000

async function stop (server: Server) {
  server.child.kill('SIGTERM')
  await new Promise((resolve) => server.child.once('exit', resolve))
}

interface Row { name: string, rps: number, p50: number, p99: number, errors: number, non2xx: number, rssMb: number, cpuUsPerRequest: number }
const rows: Row[] = []

async function load (server: Server, name: string, scenario: Scenario, connectionsNow = connections): Promise<Row> {
  const ticks = cpuTicks(server.child.pid!)
  const m = await measure(tool, server.base, scenario, connectionsNow, duration)
  // The server's own CPU per request: steadier than req/s on a machine whose neighbours take turns.
  const cpuUsPerRequest = Math.round((cpuTicks(server.child.pid!) - ticks) * TICK_US / Math.max(1, m.rps * duration))
  const row = { name, ...m, rssMb: peakRssMb(server.child.pid!), cpuUsPerRequest }
  console.log(`${name.padEnd(44)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  errors ${row.errors}  non-2xx ${row.non2xx}  rss ${row.rssMb} MB  cpu ${cpuUsPerRequest} µs/req`)
  rows.push(row)
  return row
}

const get = (...paths: string[]): Scenario => ({ paths })
const bySlug = (prefix: string, slugs: string[]) => get(...slugs.map((s) => `${prefix}${s}`))

console.log(`${articles} articles, ${connections} connections, ${duration} s per scenario, load from ${tool}\n`)

/** On PostgreSQL: a throwaway cluster holding a copy of the benchmark's SQLite database. */
async function postgresCopy (): Promise<{ cluster: Cluster, url: string }> {
  const bin = postgresBinaries()
  if (!bin) throw new Error('--db postgres needs PostgreSQL 15+ installed (initdb, pg_ctl)')
  const cluster = await startCluster(bin)
  process.on('exit', () => cluster.destroy())
  const url = cluster.url.replace(/\/postgres$/, '/bench')
  const { default: postgres } = await import('postgres')
  const sql = postgres(cluster.url, { max: 1, onnotice: () => {} })
  await sql.unsafe('CREATE DATABASE bench')
  await sql.end()
  const [source, target] = [createStore({ database: databaseTarget(`file:${dbPath}`) }), createStore({ database: databaseTarget(url) })]
  await target!.migrate()
  const started = performance.now()
  const counts = await copyNewsroom(source!, target!)
  console.log(`copied ${counts.articles} articles to PostgreSQL in ${Math.round((performance.now() - started) / 100) / 10} s`)
  await source!.close()
  await target!.close()
  return { cluster, url }
}
const pg = onPostgres ? await postgresCopy() : undefined
const appEnv = { DATABASE_URL: pg?.url ?? `file:${dbPath}`, CMS_DEMO_CONTENT: 'false', LOG_LEVEL: 'warn', CMS_ADMIN_TOKEN: ADMIN }
/**
 * What recording metrics costs on the cached read path: the server's CPU per request for the same
 * reads from two servers, one with CMS_METRICS_TOKEN, alternated twice so that both see the same
 * machine; the cheapest round of each counts.
 */
async function metricsCost (): Promise<Record<string, number>> {
  const plain = await start([serverBundle], appEnv, 4107, '/healthz')
  const metered = await start([serverBundle], { ...appEnv, CMS_METRICS_TOKEN: METRICS }, 4108, '/healthz')
  const best: Record<string, number> = {}
  for (const round of [1, 2]) {
    for (const [label, path] of [['feed first page', '/v1/feed'], ['article by slug (hot)', `/v1/articles/slug/${hot[0]}`]] as const) {
      for (const [server, state] of [[plain, 'off'], [metered, 'on']] as const) {
        const { cpuUsPerRequest } = await load(server, `metrics ${state}: ${label}, round ${round}`, get(path))
        best[`${state} ${label}`] = Math.min(best[`${state} ${label}`] ?? Infinity, cpuUsPerRequest)
      }
    }
  }
  await stop(plain)
  await stop(metered)
  return {
    metricsCpuOnVsOffFeed: Number((best['on feed first page']! / best['off feed first page']!).toFixed(3)),
    metricsCpuOnVsOffArticle: Number((best['on article by slug (hot)']! / best['off article by slug (hot)']!).toFixed(3)),
  }
}

/** The cache-hit figures alone, for quick before/after runs: hello world, L, the cached feed and its 304. */
async function hits (): Promise<void> {
  const hello = await start(['--import', 'tsx', join(projectRoot, 'bench', 'hello.ts')], {}, 4101)
  await load(hello, 'hello world (bare Fastify)', get('/'))
  await stop(hello)
  const app = await start([serverBundle], appEnv, 4103, '/healthz')
  await literalReference(app)
  const feedEtag = (await fetch(`${app.base}/v1/feed`)).headers.get('etag') ?? ''
  await load(app, 'app: feed first page', get('/v1/feed'))
  await load(app, 'app: 304 feed revalidation', { paths: ['/v1/feed'], headers: { 'if-none-match': feedEtag } })
  await stop(app)
  const [helloRow, literal, feed, revalidation] = rows
  console.log(`\ncache hit vs L ${(feed!.rps / literal!.rps).toFixed(2)} (cpu ${(literal!.cpuUsPerRequest / feed!.cpuUsPerRequest).toFixed(2)}), 304 vs hello ${(revalidation!.rps / helloRow!.rps).toFixed(2)} (cpu ${(helloRow!.cpuUsPerRequest / revalidation!.cpuUsPerRequest).toFixed(2)})`)
}
if (onlyHits) {
  await hits()
  process.exit(0)
}

const articleWrite: Scenario = {
  paths: ['/v1/articles'],
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
  body: JSON.stringify({ title: 'Новость бенчмарка __N__', body: 'Текст **новости**.', status: 'published', tags: ['Экономика'] }),
}

/** Pins a process, all its threads, to CPUs (`0`, `0-1`), where there are two or more and taskset is installed. */
function pin (pid: number, cpus: string): void {
  if (availableParallelism() >= 2) spawnSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' })
}

const WRITE_ROUNDS = 7

/** The last commit before the change log (#18): the "before" of its write-cost target. */
const BEFORE_CHANGE_LOG = 'de85446'

/**
 * `--baseline`, or on SQLite a build of BEFORE_CHANGE_LOG in a worktree of this checkout (its own
 * esbuild config, this checkout's node_modules), removed again by `done`; null where git cannot make
 * one (no history), and on PostgreSQL, where the builds share one database that the newer build has
 * migrated past what the older one knows.
 */
function baselineBuild (): { bundle: string, done: () => void } | null {
  if (values.baseline) return { bundle: values.baseline, done: () => {} }
  if (onPostgres) return null
  const dir = join(tmpdir(), `cms-bench-baseline-${BEFORE_CHANGE_LOG}`)
  const remove = () => {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: projectRoot, stdio: 'ignore' })
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    remove()
    execFileSync('git', ['worktree', 'add', '--detach', dir, BEFORE_CHANGE_LOG], { cwd: projectRoot, stdio: 'ignore' })
    symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'))
    execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: dir, stdio: 'ignore' })
    return { bundle: join(dir, 'dist', 'server.js'), done: remove }
  } catch (error) {
    remove()
    console.log(`no build of ${BEFORE_CHANGE_LOG} to compare writes with (${(error as Error).message.split('\n')[0]}); pass --baseline`)
    return null
  }
}
let baseline: { bundle: string, done: () => void } | null = null

/**
 * What the change log and webhook delivery cost a write: CPU per POST /v1/articles on a server without
 * webhooks and on one with a webhook subscribed to every event (its deliveries sent to a local
 * receiver while the writes go on), and on `--baseline` (an older build) when given; alternated in
 * WRITE_ROUNDS rounds, in turn forwards and backwards, on copies of one database. Each ratio is taken
 * within a round (the servers ran a minute apart, not an hour) and the median of the rounds' ratios is
 * reported: on a shared machine one server's CPU per write moves by a third between rounds, more than
 * the 10 % the target is about.
 */
async function writeCost (): Promise<Record<string, number>> {
  const receiver = await start(['--import', 'tsx', join(projectRoot, 'bench', 'receiver.ts')], {}, 4120, '/count')
  // The server on a CPU of its own, wrk and the receiver on the other (where there are two and taskset).
  pin(process.pid, '0')
  pin(receiver.child.pid!, '0')
  const copies = ['plain', 'webhook', 'baseline'].map((name) => join(results, `bench-writes-${name}.db`))
  const builds: Array<[string, string, string]> = [['no webhook', serverBundle, copies[0]!], ['one webhook', serverBundle, copies[1]!]]
  baseline = baselineBuild()
  if (baseline) builds.push(['baseline build', baseline.bundle, copies[2]!])
  const rounds: Array<Record<string, number>> = []
  // Writes land in empty newsrooms (on PostgreSQL, in the benchmark's database), one per build.
  for (const copy of copies) for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true })
  const delivered = async () => Number(await (await fetch(`${receiver.base}/count`)).text())
  for (let round = 1; round <= WRITE_ROUNDS; round++) {
    const figures: Record<string, number> = {}
    rounds.push(figures)
    // Forwards, then backwards: a machine slowing down or speeding up within a round favours none.
    for (const [label, bundle, copy] of round % 2 === 1 ? builds : [...builds].reverse()) {
      const server = await start([bundle], { ...appEnv, DATABASE_URL: pg ? appEnv.DATABASE_URL : `file:${copy}`, CMS_WEBHOOK_ALLOW_PRIVATE: 'true' }, 4121, '/healthz')
      // Subscribed for this server's run alone (on PostgreSQL the builds share one database).
      let webhook: string | null = null
      if (label === 'one webhook') {
        const created = await fetch(`${server.base}/v1/webhooks`, { method: 'POST', headers: articleWrite.headers, body: JSON.stringify({ url: `${receiver.base}/hook`, events: ['*'] }) })
        if (created.status !== 201) throw new Error(`could not subscribe a webhook: ${created.status} ${await created.text()}`)
        webhook = ((await created.json()) as { id: string }).id
      }
      pin(server.child.pid!, '1')
      // Warmed up first (the JIT, the connections), its deliveries sent; then the CPU from the first
      // counted write until the deliveries they made have all been sent (none lag uncounted).
      await measure(tool, server.base, articleWrite, 8, 3)
      for (let last = -1, now = await delivered(); now !== last; last = now, now = await delivered()) await sleep(1000)
      const ticks = cpuTicks(server.child.pid!)
      const m = await measure(tool, server.base, articleWrite, 8, duration)
      for (let last = -1, now = await delivered(); now !== last; last = now, now = await delivered()) await sleep(1000)
      const cpuUsPerWrite = Math.round((cpuTicks(server.child.pid!) - ticks) * TICK_US / Math.max(1, m.rps * duration))
      console.log(`writes, ${label}, round ${round}: ${m.rps} req/s, p50 ${m.p50.toFixed(2)} ms, cpu ${cpuUsPerWrite} µs per write, deliveries sent included`)
      figures[label] = cpuUsPerWrite
      // What one write costs its client when the server is not saturated (deliveries go on beside it).
      const single = await measure(tool, server.base, articleWrite, 1, duration)
      console.log(`writes, ${label}, round ${round}, 1 connection: ${single.rps} req/s, p50 ${single.p50.toFixed(2)} ms, p99 ${single.p99.toFixed(2)} ms`)
      figures[`${label} p50`] = single.p50
      if (webhook) await fetch(`${server.base}/v1/webhooks/${webhook}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } })
      await stop(server)
    }
  }
  console.log(`the receiver got ${await delivered()} deliveries`)
  await stop(receiver)
  pin(process.pid, `0-${availableParallelism() - 1}`)
  baseline?.done()
  for (const copy of copies) for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true })
  const ratio = (of: string, to: string) => {
    const each = rounds.map((figures) => figures[of]! / figures[to]!)
    console.log(`${of} vs ${to}, each round: ${each.map((r) => r.toFixed(2)).join(', ')}`)
    return Number(median(each).toFixed(3))
  }
  return {
    writeCpuWebhookVsNone: ratio('one webhook', 'no webhook'),
    writeP50WebhookVsNone: ratio('one webhook p50', 'no webhook p50'),
    ...(baseline
      ? {
          writeCpuNowVsBaseline: ratio('no webhook', 'baseline build'),
          writeCpuWebhookVsBaseline: ratio('one webhook', 'baseline build'),
          writeP50WebhookVsBaseline: ratio('one webhook p50', 'baseline build p50'),
        }
      : {}),
  }
}

/**
 * #18's target: a write with the change log and one webhook costs at most 10 % more than before the
 * change log (the baseline build). Without one, what a webhook adds to this build's writes is shown,
 * and it is not that target: it also counts sending each delivery, which a build without webhooks never does.
 */
function writeTarget (figures: Record<string, number>): Array<[string, number, string, boolean]> {
  if (figures.writeCpuWebhookVsBaseline === undefined) {
    console.log(`write CPU, one webhook vs none: ${figures.writeCpuWebhookVsNone} (#18's target needs the baseline build)`)
    return []
  }
  return [[`write CPU, one webhook vs ${BEFORE_CHANGE_LOG} (#18)`, figures.writeCpuWebhookVsBaseline, '≤ 1.1', figures.writeCpuWebhookVsBaseline <= 1.1]]
}

if (onlyWrites) {
  const figures = await writeCost()
  console.log('\nratios:', figures)
  for (const [name, value, target, met] of writeTarget(figures)) console.log(`target: ${met ? 'met' : 'missed'}  ${name} ${value}  ${target}`)
  process.exit(0)
}

if (onlyMetrics) {
  console.log('\nratios:', await metricsCost())
  process.exit(0)
}

/** The media library's figures (bench/media.ts), on a newsroom of its own. */
const mediaCost = () => mediaBench({
  startApp: async (env, port) => {
    const server = await start([serverBundle], { ...appEnv, ...env }, port, '/healthz')
    return { base: server.base, pid: server.child.pid!, stop: () => stop(server) }
  },
  loadPaths: (base, paths) => measure(tool, base, get(...paths), connections, duration),
  peakRssMb,
  token: ADMIN,
  seconds: duration,
})
if (onlyMedia) {
  console.log('\nratios:', await mediaCost())
  process.exit(0)
}

let coldStartMs = 0
let metricRatios: Record<string, number> = {}
if (!onlyHostile) {
  const hello = await start(['--import', 'tsx', join(projectRoot, 'bench', 'hello.ts')], {}, 4101)
  await load(hello, 'hello world (bare Fastify)', get('/'))
  await stop(hello)

  const minimal = await start(['--import', 'tsx', join(projectRoot, 'bench', 'minimal.ts')], { DATABASE_PATH: dbPath }, 4102, '/feed')
  await load(minimal, 'minimal: article by slug (hot 2,000)', bySlug('/articles/', hot))
  await load(minimal, 'minimal: article by slug (uniform)', bySlug('/articles/', uniform))
  await load(minimal, 'minimal: feed (20 newest)', get('/feed'))
  await stop(minimal)

  const appStarted = performance.now()
  const app = await start([serverBundle], appEnv, 4103, '/healthz')
  coldStartMs = Math.round(performance.now() - appStarted)
  const etagOf = async (path: string) => (await fetch(`${app.base}${path}`)).headers.get('etag') ?? ''
  await literalReference(app)
  const viewer = await viewerToken(app)
  const articlePath = `/v1/articles/slug/${hot[0]}`
  const articleEtag = await etagOf(articlePath)
  const feedEtag = await etagOf('/v1/feed')
  await load(app, 'app: article by slug (hot 2,000)', bySlug('/v1/articles/slug/', hot))
  await load(app, 'app: article by slug (uniform)', bySlug('/v1/articles/slug/', uniform))
  await load(app, 'app: article by slug (uniform), viewer token', { ...bySlug('/v1/articles/slug/', uniform), headers: { authorization: `Bearer ${viewer}` } })
  await load(app, 'app: feed first page', get('/v1/feed'))
  await load(app, 'app: feed deep cursor page', get(`/v1/feed?cursor=${deepCursor}`))
  await load(app, 'app: articles by tag', get('/v1/articles?tag=ekonomika'))
  await load(app, 'app: search (common words)', get(`/v1/search?q=${encodeURIComponent('программа строительства')}`))
  await load(app, 'app: feed.rss', get('/v1/feed.rss'))
  await load(app, 'app: 304 article revalidation', { paths: [articlePath], headers: { 'if-none-match': articleEtag } })
  await load(app, 'app: 304 feed revalidation', { paths: ['/v1/feed'], headers: { 'if-none-match': feedEtag } })
  // Uncached costs, one connection at a time: requests with a token never use the response cache.
  const single = (name: string, path: string) => load(app, name, { paths: [path], headers: { authorization: `Bearer ${ADMIN}` } }, 1)
  await single('app: feed first page uncached, 1 conn', '/v1/feed')
  await single('app: feed deep page uncached, 1 conn', `/v1/feed?cursor=${deepCursor}`)
  await single('app: tag filter with total uncached, 1 conn', '/v1/articles?tag=ekonomika')
  await single('app: search uncached, 1 conn', `/v1/search?q=${encodeURIComponent('программа')}`)
  await load(app, 'app: POST /v1/articles', {
    paths: ['/v1/articles'],
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ title: 'Новость бенчмарка __N__', body: 'Текст **новости**.', status: 'published', tags: ['Экономика'] }),
  })
  await stop(app)

  const cluster = await start([serverBundle], { ...appEnv, CMS_WORKERS: String(workers) }, 4104, '/healthz')
  await sleep(1_000) // every worker listening
  await load(cluster, `app ×${workers} workers: article by slug (uniform)`, bySlug('/v1/articles/slug/', uniform))
  await load(cluster, `app ×${workers} workers: feed first page`, get('/v1/feed'))
  await stop(cluster)
  if (onPostgres) await twoServers()
  else metricRatios = await metricsCost()
  metricRatios = { ...metricRatios, ...await writeCost(), ...await mediaCost() }
}

/**
 * Reference L: a bare Fastify route sending the bytes and headers the app's cached feed answer carries
 * (captured from the app now), so that a cache hit's ratio to it is what our own hooks cost.
 */
async function literalReference (app: Server): Promise<void> {
  const response = await fetch(`${app.base}/v1/feed`)
  const transport = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'])
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !transport.has(name)))
  const file = join(results, 'literal-response.json')
  writeFileSync(file, JSON.stringify({ headers, body: Buffer.from(await response.arrayBuffer()).toString('base64') }))
  const literal = await start(['--import', 'tsx', join(projectRoot, 'bench', 'literal.ts')], { LITERAL_RESPONSE: file }, 4111, '/v1/feed')
  await load(literal, `L: bare Fastify, our feed bytes + ${Object.keys(headers).length} headers`, get('/v1/feed'))
  await stop(literal)
  rmSync(file)
}

/** A viewer token: its reads are never answered from the response cache (the uncached read path with auth). */
async function viewerToken (app: Server): Promise<string> {
  const response = await fetch(`${app.base}/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ name: 'bench viewer', role: 'viewer' }),
  })
  if (response.status !== 201) throw new Error(`could not create a viewer token: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { token: string }).token
}

/** Two server processes on one PostgreSQL database, loaded at once (as behind a load balancer): their req/s added up. */
async function twoServers (): Promise<void> {
  const pair = [await start([serverBundle], appEnv, 4109, '/healthz'), await start([serverBundle], appEnv, 4110, '/healthz')]
  for (const [name, scenario] of [['article by slug (uniform)', bySlug('/v1/articles/slug/', uniform)], ['feed first page', get('/v1/feed')]] as const) {
    const measured = await Promise.all(pair.map((server) => measure(tool, server.base, scenario, Math.ceil(connections / 2), duration)))
    const row = { name: `app, 2 servers on one database: ${name}`, rps: measured[0]!.rps + measured[1]!.rps, p50: Math.max(...measured.map((m) => m.p50)), p99: Math.max(...measured.map((m) => m.p99)), errors: measured[0]!.errors + measured[1]!.errors, non2xx: measured[0]!.non2xx + measured[1]!.non2xx, rssMb: peakRssMb(pair[0]!.child.pid!) + peakRssMb(pair[1]!.child.pid!), cpuUsPerRequest: 0 }
    console.log(`${row.name.padEnd(44)} ${String(row.rps).padStart(7)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  errors ${row.errors}  non-2xx ${row.non2xx}`)
    rows.push(row)
  }
  for (const server of pair) await stop(server)
}

// Hostile traffic, each on a fresh server so its peak RSS is its own (SQLite: the same on both engines' HTTP side).
if (!onPostgres) {
// 1. A flood of unique, valid URLs: every one a new response-cache entry.
  const flood = await start([serverBundle], appEnv, 4105, '/healthz')
  const uniqueUrls = Array.from({ length: 30_000 }, (_, i) => `/v1/tags?q=${encodeURIComponent(`т${i.toString(36)}`)}&limit=${1 + (i % 100)}`)
  await load(flood, 'hostile: 30,000 unique URLs (peak RSS)', get(...uniqueUrls))
  await stop(flood)
  // 2. Searches whose words are only in the titles of 100 articles with 190,000-character bodies.
  const hostileDb = join(results, 'bench-hostile.db')
  for (const suffix of ['', '-wal', '-shm']) rmSync(hostileDb + suffix, { force: true })
  const longBodies = await start([serverBundle], { ...appEnv, DATABASE_URL: `file:${hostileDb}` }, 4106, '/healthz')
  const paragraph = 'Спасатели продолжают работу в затопленных районах, сообщили в штабе. '
  for (let i = 0; i < 100; i++) {
    await fetch(`${longBodies.base}/v1/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ title: `Наводнение: сводка ${i}`, body: paragraph.repeat(Math.floor(190_000 / paragraph.length)), status: 'published' }),
    })
  }
  const searchAsViewer = { paths: [`/v1/search?q=${encodeURIComponent('наводнение')}&limit=100`], headers: { authorization: `Bearer ${ADMIN}` } }
  await load(longBodies, 'hostile: long-body search, limit=100, 4 conn', searchAsViewer, 4)
  // 3. include=body at the largest page anyone may ask for, uncached (with a token).
  await load(longBodies, 'hostile: include=body&limit=100, 4 conn', { paths: ['/v1/articles?include=body&limit=100'], headers: { authorization: `Bearer ${ADMIN}` } }, 4)
  const page = await fetch(`${longBodies.base}/v1/articles?include=body&limit=100`, { headers: { authorization: `Bearer ${ADMIN}` } })
  console.log(`include=body&limit=100: ${(await page.arrayBuffer()).byteLength} bytes`)
  await stop(longBodies)
  for (const suffix of ['', '-wal', '-shm']) rmSync(hostileDb + suffix, { force: true })
}
if (onlyHostile) {
  console.log(JSON.stringify(rows, null, 2))
  process.exit(0)
}

const rps = (name: string) => rows.find((r) => r.name === name)!.rps
const p50 = (name: string) => rows.find((r) => r.name === name)!.p50
const helloRps = rps('hello world (bare Fastify)')
const ratio = (a: number, b: number) => Number((a / b).toFixed(2))
const ratios = {
  articleHotVsMinimal: ratio(rps('app: article by slug (hot 2,000)'), rps('minimal: article by slug (hot 2,000)')),
  articleUniformVsMinimal: ratio(rps('app: article by slug (uniform)'), rps('minimal: article by slug (uniform)')),
  feedVsHello: ratio(rps('app: feed first page'), helloRps),
  feedVsMinimal: ratio(rps('app: feed first page'), rps('minimal: feed (20 newest)')),
  article304VsHello: ratio(rps('app: 304 article revalidation'), helloRps),
  feed304VsHello: ratio(rps('app: 304 feed revalidation'), helloRps),
  deepVsFirstPageUncachedCost: ratio(p50('app: feed deep page uncached, 1 conn'), p50('app: feed first page uncached, 1 conn')),
  workersArticleUniform: ratio(rps(`app ×${workers} workers: article by slug (uniform)`), rps('app: article by slug (uniform)')),
  workersFeed: ratio(rps(`app ×${workers} workers: feed first page`), rps('app: feed first page')),
  ...metricRatios,
  ...(onPostgres
    ? {
        twoServersArticleUniform: ratio(rps('app, 2 servers on one database: article by slug (uniform)'), rps('app: article by slug (uniform)')),
        twoServersFeed: ratio(rps('app, 2 servers on one database: feed first page'), rps('app: feed first page')),
      }
    : {}),
}
console.log('\nratios:', ratios)

// Speed round 2's targets, each from this run's figures (issue #17).
const literalRow = rows.find((r) => r.name.startsWith('L: '))!
const appRss = Math.max(...rows.filter((r) => r.name.startsWith('app: ')).map((r) => r.rssMb))
const rssLimit = articles >= 1_000_000 ? 300 : 200
const targets: Array<[string, number, string, boolean]> = [
  ['cache hit (feed) vs L', ratio(rps('app: feed first page'), literalRow.rps), '≥ 0.85', rps('app: feed first page') >= 0.85 * literalRow.rps],
  ['304 (feed) vs hello world', ratios.feed304VsHello, '≥ 0.7', ratios.feed304VsHello >= 0.7],
  ['uncached article read with a token vs M', ratio(rps('app: article by slug (uniform), viewer token'), rps('minimal: article by slug (uniform)')), '≥ 0.8',
    rps('app: article by slug (uniform), viewer token') >= 0.8 * rps('minimal: article by slug (uniform)')],
  ['peak RSS, one process (MB)', appRss, `≤ ${rssLimit}`, appRss <= rssLimit],
  ['search for a common word, 1 conn, p50 (ms)', p50('app: search uncached, 1 conn'), '< 20', p50('app: search uncached, 1 conn') < 20],
  ...writeTarget(metricRatios),
  ...(buildSeconds === null ? [] : [['building the database (s)', buildSeconds, '< 300', buildSeconds < 300] as [string, number, string, boolean]]),
]
console.log('\ntargets:')
for (const [name, value, target, met] of targets) console.log(`  ${met ? 'met   ' : 'missed'}  ${name.padEnd(44)} ${String(value).padStart(8)}  ${target}`)
console.log(`cold start to healthy: ${coldStartMs} ms${buildSeconds === null ? '' : `; database built in ${buildSeconds} s`}`)
const file = join(results, `${new Date().toISOString().replaceAll(':', '-')}-${articles}-${values.db}.json`)
writeFileSync(file, JSON.stringify({ db: values.db, articles, duration, connections, tool, coldStartMs, buildSeconds, rows, ratios, targets: targets.map(([name, value, target, met]) => ({ name, value, target, met })) }, null, 2) + '\n')
console.log(`wrote ${file}`)
