// `npm test`: the whole suite on SQLite, then again on PostgreSQL — against TEST_DATABASE_URL when it is
// set, else on a throwaway cluster started from the local PostgreSQL binaries (initdb, pg_ctl), else it
// says plainly that the PostgreSQL half was skipped. `npm test -- test/feed.test.ts` runs some files;
// TEST_ENGINES=sqlite or =postgres runs one half.
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { postgresBinaries, startCluster, type Cluster } from './helpers/pg-cluster.js'

interface Tally { passed: number, failed: number, skipped: number, code: number }

const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync('test').filter((name) => name.endsWith('.test.ts')).sort().map((name) => `test/${name}`)
const engines = (process.env.TEST_ENGINES ?? 'sqlite,postgres').split(',')

/** One run of node's test runner over the files, its report passed through and its totals read from it. */
function half (title: string, databaseUrl: string): Promise<Tally> {
  console.log(`\n# ===== ${title} =====`)
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-force-exit', ...files], {
    env: { ...process.env, TEST_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let tail = ''
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk)
    tail = (tail + chunk.toString()).slice(-4_000)
  })
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const count = (name: string) => Number(new RegExp(`^(?:#|ℹ) ${name} (\\d+)`, 'm').exec(tail)?.[1] ?? 0)
      resolve({ passed: count('pass'), failed: count('fail'), skipped: count('skipped'), code: code ?? 1 })
    })
  })
}

const results: Array<[string, Tally | string]> = []
if (engines.includes('sqlite')) results.push(['SQLite', await half('SQLite half', '')])
if (engines.includes('postgres')) {
  const given = process.env.TEST_DATABASE_URL
  const bin = given ? null : postgresBinaries()
  if (given) {
    results.push(['PostgreSQL', await half('PostgreSQL half (TEST_DATABASE_URL)', given)])
  } else if (bin) {
    let cluster: Cluster | undefined
    try {
      cluster = await startCluster(bin)
      results.push(['PostgreSQL', await half(`PostgreSQL half (throwaway cluster from ${bin}, port ${cluster.port})`, cluster.url)])
    } finally {
      cluster?.destroy()
    }
  } else {
    results.push(['PostgreSQL', 'SKIPPED: no TEST_DATABASE_URL and no PostgreSQL binaries (initdb, pg_ctl) found; install PostgreSQL 15+ or set TEST_DATABASE_URL to run it'])
  }
}

console.log('\n# ===== summary =====')
let passed = 0
let failed = 0
let bad = false
for (const [engine, result] of results) {
  if (typeof result === 'string') {
    console.log(`# ${engine}: ${result}`)
    continue
  }
  passed += result.passed
  failed += result.failed
  bad ||= result.code !== 0 || result.failed > 0
  console.log(`# ${engine}: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`)
}
console.log(`# ${passed} passed, ${failed} failed`)
process.exit(bad ? 1 : 0)
