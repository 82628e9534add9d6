// Reading an HTTP/1.1 response for its status alone: the head parsed, the body (by Content-Length,
// chunked or until close, as RFC 9112 §6.3 frames it) read and dropped, so that the connection can
// carry the next request. Interim (1xx) responses are passed over.

const MAX_HEAD_BYTES = 16 * 1024
const MAX_CHUNK_LINE_BYTES = 4 * 1024
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/
const CRLF = Buffer.from('\r\n')
const HEAD_END = Buffer.from('\r\n\r\n')

export class MalformedResponseError extends Error {}

/** A response read to its end: its status, and whether its connection may carry another request. */
export interface ReadResponse {
  statusCode: number
  reusable: boolean
}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done'

/** Fed a connection's bytes as they come; says when one whole response has been read. */
export class ResponseReader {
  private pending: Buffer = Buffer.alloc(0)
  private state: State = 'head'
  private remaining = 0
  private statusCode = 0
  private keepAlive = false
  private received = false

  /** The whole response once it has been read; null while more bytes are needed. Throws on a malformed one. */
  push (chunk: Buffer): ReadResponse | null {
    this.received = true
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = this.pending.indexOf(HEAD_END)
          if (end < 0) {
            if (this.pending.length > MAX_HEAD_BYTES) throw new MalformedResponseError('The receiver answered with a header over 16 KB')
            return null
          }
          const head = this.pending.toString('latin1', 0, end)
          this.pending = this.pending.subarray(end + HEAD_END.length)
          this.readHead(head)
          break
        }
        case 'length':
          if (!this.skip()) return null
          this.state = 'done'
          break
        case 'chunk-size': {
          const line = this.line()
          if (line === null) return null
          const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line)
          if (!size) throw new MalformedResponseError('The receiver answered with a malformed chunk')
          this.remaining = Number.parseInt(size[1]!, 16)
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data'
          break
        }
        case 'chunk-data':
          if (!this.skip()) return null
          this.state = 'chunk-end'
          break
        case 'chunk-end': {
          const line = this.line()
          if (line === null) return null
          if (line !== '') throw new MalformedResponseError('The receiver answered with a malformed chunk')
          this.state = 'chunk-size'
          break
        }
        case 'trailers': {
          const line = this.line()
          if (line === null) return null
          if (line === '') this.state = 'done'
          break
        }
        case 'close':
          this.pending = Buffer.alloc(0)
          return null
        case 'done':
          // Bytes after the response were never asked for: the connection is not to be trusted again.
          return { statusCode: this.statusCode, reusable: this.keepAlive && this.pending.length === 0 }
      }
    }
  }

  /** The connection closed: a response read until close ends here; any other is cut short. */
  end (): ReadResponse {
    if (this.state === 'close') return { statusCode: this.statusCode, reusable: false }
    throw new MalformedResponseError(!this.received
      ? 'The receiver closed the connection without answering'
      : 'The receiver closed the connection in the middle of its answer')
  }

  /** Whether nothing of a response has come yet (a kept-alive connection closed before answering). */
  get untouched (): boolean {
    return !this.received
  }

  /** Drops what has come of the `remaining` bytes of body; whether they all have. */
  private skip (): boolean {
    const taken = Math.min(this.remaining, this.pending.length)
    this.remaining -= taken
    this.pending = this.pending.subarray(taken)
    return this.remaining === 0
  }

  private line (): string | null {
    const end = this.pending.indexOf(CRLF)
    if (end < 0) {
      if (this.pending.length > MAX_CHUNK_LINE_BYTES) throw new MalformedResponseError('The receiver answered with a malformed chunk')
      return null
    }
    const line = this.pending.toString('latin1', 0, end)
    this.pending = this.pending.subarray(end + CRLF.length)
    return line
  }

  private readHead (head: string): void {
    const lines = head.split('\r\n')
    const status = STATUS_LINE.exec(lines[0]!)
    if (!status) throw new MalformedResponseError('The receiver did not answer in HTTP/1.1')
    this.statusCode = Number(status[2])
    let lengths: string[] = []
    let codings: string[] = []
    let close = status[1] === '0'
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      if (colon <= 0) throw new MalformedResponseError('The receiver answered with a malformed header')
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim().toLowerCase()
      if (name === 'content-length') lengths = [...lengths, ...value.split(',').map((v) => v.trim())]
      else if (name === 'transfer-encoding') codings = [...codings, ...value.split(',').map((v) => v.trim())]
      else if (name === 'connection' && value.split(',').some((v) => v.trim() === 'close')) close = true
    }
    if (this.statusCode === 101) throw new MalformedResponseError('The receiver switched protocols')
    // An interim response (100 Continue, 103 Early Hints): the real one follows.
    if (this.statusCode < 200) {
      this.statusCode = 0
      return
    }
    this.keepAlive = !close
    if (this.statusCode === 204 || this.statusCode === 304) {
      this.state = 'done'
    } else if (codings.length > 0) {
      // Transfer-Encoding overrides Content-Length; a message with both is not to be reused (RFC 9112 §6.3).
      if (lengths.length > 0) this.keepAlive = false
      if (codings.at(-1) === 'chunked') {
        this.state = 'chunk-size'
      } else {
        this.state = 'close'
        this.keepAlive = false
      }
    } else if (lengths.length > 0) {
      if (!lengths.every((v) => /^\d{1,15}$/.test(v) && v === lengths[0])) throw new MalformedResponseError('The receiver answered with an invalid Content-Length')
      this.remaining = Number(lengths[0])
      this.state = this.remaining === 0 ? 'done' : 'length'
    } else {
      this.state = 'close'
      this.keepAlive = false
    }
  }
}
