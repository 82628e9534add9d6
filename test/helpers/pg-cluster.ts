import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// A throwaway PostgreSQL cluster in a temp folder, for the tests and the bench: initdb, then pg_ctl
// on a free port with its socket in that folder. PostgreSQL refuses to run as root, so as root the
// cluster belongs to the `postgres` user Debian's package creates.

/** The folder holding initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin; null when none. */
export function postgresBinaries (): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  const debian = '/usr/lib/postgresql'
  if (!existsSync(debian)) return null
  const versions = readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(debian, versions[0], 'bin') : null
}

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface Cluster {
  /** A superuser URL for the cluster's `postgres` database. */
  url: string
  port: number
  /** pg_ctl stop / start: for tests of a database that goes away and comes back. */
  stop (): void
  start (): void
  /** Stops the cluster and deletes its folder. */
  destroy (): void
}

function runAsOwner (args: string[]): void {
  const asRoot = process.getuid?.() === 0
  const [command, ...rest] = asRoot ? ['runuser', '-u', 'postgres', '--', ...args] : args
  execFileSync(command!, rest, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export async function startCluster (bin: string): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cms-pg-'))
  const data = join(dir, 'data')
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, uid, gid)
  }
  chmodSync(dir, 0o755)
  runAsOwner([join(bin, 'initdb'), '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  const port = await freePort()
  // Quick and disposable: no fsync (the throwaway data dies with the run), enough connections for parallel test files.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
  const pgCtl = (action: 'start' | 'stop') => runAsOwner([join(bin, 'pg_ctl'), '-D', data, '-w', '-l', join(dir, 'log'),
    ...(action === 'start' ? ['-o', options, 'start'] : ['-m', 'fast', 'stop'])])
  pgCtl('start')
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pgCtl('stop'),
    start: () => pgCtl('start'),
    destroy () {
      try { pgCtl('stop') } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
