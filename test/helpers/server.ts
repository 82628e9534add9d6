import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

export const bundle = fileURLToPath(new URL('../../dist/server.js', import.meta.url))

// How `npm start` runs the server (package.json's start script: `VAR=value … node <flags> dist/server.js`).
const startWords = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } })
  .scripts.start.split(/\s+/)
const nodeAt = startWords.indexOf('node')
/** The environment variables the start script sets. */
export const startEnv: Record<string, string> = Object.fromEntries(startWords.slice(0, nodeAt).map((word) => word.split('=') as [string, string]))
/** The node flags it passes. */
export const startFlags: string[] = startWords.slice(nodeAt + 1, -1)

export interface RunningServer {
  child: ChildProcess
  base: string
  output: () => string
}

/**
 * Starts what `npm start` runs (the bundle `npm ci` builds) on a port the OS picks — fixed ports collide
 * with the ephemeral ports of other tests' client sockets — and resolves once it logs where it listens.
 */
export function startServer (env: Record<string, string>, timeoutMs = 30_000, { keepOutput = false } = {}): Promise<RunningServer> {
  if (!existsSync(bundle)) throw new Error('dist/server.js is missing: run `npm run build` (npm ci does it)')
  const child = spawn(process.execPath, [...startFlags, bundle], {
    env: { ...process.env, ...startEnv, HOST: '127.0.0.1', PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start: ${output}`)) }, timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (listening) {
        clearTimeout(timer)
        // From here on the request log is drained unread (the pipe must not fill up) unless it is wanted; stderr is kept.
        child.stdout.off('data', onData)
        if (keepOutput) child.stdout.on('data', (more: Buffer) => { output += more })
        else child.stdout.resume()
        resolve({ child, base: listening[1]!, output: () => output })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${output}`)) })
  })
}

/** How many times the server (each worker, with CMS_WORKERS) has logged where it listens; needs keepOutput. */
export const timesListened = (server: RunningServer) => server.output().split('Server listening at').length - 1

/** A port free right now, for a server that must know its port before it starts (CMS_PUBLIC_URL's default). */
export async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** The pids of a process's children, from /proc. */
export function childrenOf (pid: number): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      // The parent pid is the field after the parenthesised command name.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(name)] : []
    } catch { return [] }
  })
}
