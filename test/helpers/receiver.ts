import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

// A webhook receiver as a test's integrator runs one: records every request, answers as told.

export interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
  at: number
}

/** Answers a request; the default says 204. */
export type Answer = (request: Received, response: ServerResponse) => void

export async function startReceiver (t: { after: (fn: () => Promise<void>) => void }) {
  const received: Received[] = []
  let answer: Answer = (_request, response) => { response.statusCode = 204; response.end() }
  const waiting: Array<() => void> = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const entry = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() }
      received.push(entry)
      answer(entry, response)
      for (const wake of waiting.splice(0)) wake()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const { port } = server.address() as AddressInfo

  /** Resolves once `count` requests arrived (to any path), or rejects after `ms`. */
  async function until (count: number, ms = 10_000, path?: string): Promise<Received[]> {
    const deadline = Date.now() + ms
    const matching = () => received.filter((entry) => path === undefined || entry.path === path)
    while (matching().length < count) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${matching().length} requests, expected ${count}: ${JSON.stringify(received.map((r) => r.body))}`)
      await new Promise<void>((resolve) => { waiting.push(resolve); setTimeout(resolve, 100) })
    }
    return matching()
  }

  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    port,
    received,
    until,
    answer: (next: Answer) => { answer = next },
  }
}
