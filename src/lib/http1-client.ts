import net from 'node:net'
import tls from 'node:tls'
import { ResponseReader } from './http1-response.js'

// A small HTTP/1.1 client for webhook deliveries: POSTs a body over kept-alive connections to exactly
// the addresses it is given, and reads back the status. Node's http.request cost ~115 µs of CPU per
// delivery here (its agent, ClientRequest and IncomingMessage, header objects and streams); this
// writes the request as one string in one system call and reads the answer with ResponseReader,
// ~22 µs (measured alone against one receiver, 16 requests at a time).

/** An address a host name resolved to (as dns.lookup gives it). */
export interface Address {
  address: string
  family: number
}

export interface PostRequest {
  url: URL
  /** Connected to in order (the next one when one refuses); a kept connection is reused only for the same ones. */
  addresses: Address[]
  headers: Record<string, string>
  body: string
}

/** Called once: the status of a whole answer, or why there is none. */
export type Done = (error: Error | null, statusCode: number | null) => void

/** Ends a request in flight with this error (its connection is closed). */
export type Cancel = (reason: Error) => void

/** A URL's host name, an IPv6 literal without its brackets. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '')

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])
const UNSAFE_HEADER_VALUE = /[\r\n\0]/
const noop = () => {}

export interface ClientOptions {
  /** A kept connection is closed after this long unused: before a receiver's own keep-alive timeout (Node's is 5 s) can close it under a request. */
  idleMs?: number
  /** Unused connections kept per receiver. */
  maxIdle?: number
  /** Certificates trusted for HTTPS instead of Node's bundled roots (a receiver with its own authority). */
  ca?: string
}

export function createHttp1Client ({ idleMs = 4_000, maxIdle = 16, ca }: ClientOptions = {}) {
  const idle = new Map<string, net.Socket[]>()
  const leave = new Map<net.Socket, () => void>()

  function keep (key: string, socket: net.Socket): void {
    const kept = idle.get(key) ?? []
    if (kept.length >= maxIdle || socket.destroyed || !socket.writable) {
      socket.destroy()
      return
    }
    kept.push(socket)
    idle.set(key, kept)
    // Closed by the receiver, sent something unasked, or unused too long: out of the pool.
    const drop = () => {
      release(socket)
      const at = kept.indexOf(socket)
      if (at >= 0) kept.splice(at, 1)
      if (kept.length === 0 && idle.get(key) === kept) idle.delete(key)
      socket.destroy()
    }
    leave.set(socket, drop)
    socket.on('close', drop)
    socket.on('data', drop)
    socket.setTimeout(idleMs, drop)
    socket.unref()
  }

  function release (socket: net.Socket): void {
    const drop = leave.get(socket)
    if (!drop) return
    leave.delete(socket)
    socket.off('close', drop)
    socket.off('data', drop)
    socket.setTimeout(0)
    socket.off('timeout', drop)
  }

  function take (key: string): net.Socket | undefined {
    const kept = idle.get(key)
    let socket = kept?.pop()
    while (socket && (socket.destroyed || !socket.writable)) {
      release(socket)
      socket.destroy()
      socket = kept!.pop()
    }
    if (kept?.length === 0) idle.delete(key)
    if (socket) {
      release(socket)
      socket.ref()
    }
    return socket
  }

  function connect (url: URL, { address }: Address): net.Socket {
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
    const hostname = hostOf(url)
    const socket = url.protocol === 'https:'
      ? tls.connect({ host: address, port, servername: net.isIP(hostname) ? undefined : hostname, ALPNProtocols: ['http/1.1'], ca })
      : net.connect({ host: address, port })
    socket.setNoDelay(true)
    // A request on it handles its errors; one that comes when none is (idle, or after the request
    // ended) must not crash the process as an unhandled 'error' event.
    socket.on('error', noop)
    return socket
  }

  function requestText ({ url, headers, body }: PostRequest): string {
    let text = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`
    if (url.username || url.password) {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      text += `authorization: Basic ${Buffer.from(credentials).toString('base64')}\r\n`
    }
    for (const name in headers) {
      const value = headers[name]!
      if (UNSAFE_HEADER_VALUE.test(value)) throw new TypeError(`The ${name} header holds a line break`)
      text += `${name}: ${value}\r\n`
    }
    return `${text}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  }

  /** Sends one POST; `done` is called once, when the whole answer has been read or the request failed. */
  function post (request: PostRequest, done: Done): Cancel {
    let text: string
    try {
      text = requestText(request)
    } catch (error) {
      // Called back later, as for any other failure.
      queueMicrotask(() => done(error as Error, null))
      return noop
    }
    const key = `${request.url.protocol}//${request.url.host} ${request.addresses.map((a) => a.address).join(' ')}`
    let finished = false
    let socket: net.Socket
    let detach = noop

    const finish = (error: Error | null, statusCode: number | null, reusable = false) => {
      if (finished) return
      finished = true
      detach()
      if (reusable) keep(key, socket)
      else socket.destroy()
      done(error, statusCode)
    }

    const send = (addressAt: number, mayRetry: boolean) => {
      // A retry goes on a new connection: another kept one may have been closed as well.
      const pooled = mayRetry ? take(key) : undefined
      socket = pooled ?? connect(request.url, request.addresses[addressAt]!)
      const reader = new ResponseReader()
      // A kept connection the receiver closed just as it was reused: the request goes once more on a new one.
      const again = (error?: NodeJS.ErrnoException) => {
        if (pooled && reader.untouched && mayRetry) return () => send(0, false)
        if (!pooled && error?.code && REFUSED.has(error.code) && addressAt + 1 < request.addresses.length) return () => send(addressAt + 1, mayRetry)
        return null
      }
      const retry = (next: () => void) => {
        detach()
        socket.destroy()
        next()
      }
      const onData = (chunk: Buffer) => {
        let read
        try {
          read = reader.push(chunk)
        } catch (error) {
          finish(error as Error, null)
          return
        }
        if (read) finish(null, read.statusCode, read.reusable)
      }
      const onError = (error: NodeJS.ErrnoException) => {
        const next = again(error)
        if (next) retry(next)
        else finish(error, null)
      }
      const onClose = () => {
        const next = again()
        if (next) return retry(next)
        try {
          const read = reader.end()
          finish(null, read.statusCode)
        } catch (error) {
          finish(error as Error, null)
        }
      }
      socket.on('data', onData)
      socket.on('error', onError)
      socket.on('close', onClose)
      detach = () => {
        socket.off('data', onData)
        socket.off('error', onError)
        socket.off('close', onClose)
      }
      socket.write(text)
    }

    send(0, true)
    return (reason) => finish(reason, null)
  }

  /** Closes every kept connection. */
  function close (): void {
    for (const kept of idle.values()) for (const socket of [...kept]) leave.get(socket)?.()
  }

  return { post, close }
}
