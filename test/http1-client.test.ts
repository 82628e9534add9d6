import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer as createHttpServer, type IncomingMessage } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { describe, test, type TestContext } from 'node:test'
import { createHttp1Client, type ClientOptions, type PostRequest } from '../src/lib/http1-client.js'
import { MalformedResponseError, ResponseReader } from '../src/lib/http1-response.js'
import { testCertificate, testKey } from './helpers/tls.js'

// The webhook sender's HTTP/1.1 client: how it reads an answer's framing, and what it does with its
// connections, against real sockets.

/** Feeds a whole answer one byte at a time (every split point a receiver's packets could make). */
function readBytewise (answer: string): ReturnType<ResponseReader['push']> {
  const reader = new ResponseReader()
  const bytes = Buffer.from(answer)
  for (let i = 0; i < bytes.length; i++) {
    const read = reader.push(bytes.subarray(i, i + 1))
    if (read) {
      assert.equal(i, bytes.length - 1, 'the answer ends at its last byte')
      return read
    }
  }
  return null
}

describe('reading an answer', () => {
  test('a Content-Length body, read to its end, leaves the connection reusable', () => {
    const body = '{"ok":"принято — спасибо"}'
    assert.deepEqual(readBytewise(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`), { statusCode: 200, reusable: true })
  })

  test('a chunked body with extensions and trailers is read through its last chunk', () => {
    const answer = 'HTTP/1.1 202 Accepted\r\nTransfer-Encoding: gzip, chunked\r\n\r\n6;name=value\r\nпри\r\n1A\r\n' + 'x'.repeat(26) + '\r\n0\r\nX-Trailer: yes\r\n\r\n'
    assert.deepEqual(readBytewise(answer), { statusCode: 202, reusable: true })
  })

  test('interim answers (100 Continue, 103 Early Hints) are passed over for the final one', () => {
    const answer = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'
    assert.deepEqual(readBytewise(answer), { statusCode: 204, reusable: true })
  })

  test('Connection: close, HTTP/1.0, both framings at once or bytes after the answer make it single-use', () => {
    assert.deepEqual(readBytewise('HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n'), { statusCode: 200, reusable: false })
    assert.deepEqual(readBytewise('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'), { statusCode: 200, reusable: false })
    assert.deepEqual(readBytewise('HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'), { statusCode: 200, reusable: false })
    assert.deepEqual(new ResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n')), { statusCode: 200, reusable: false })
  })

  test('an answer framed by neither length nor chunks ends when the connection does', () => {
    const reader = new ResponseReader()
    assert.equal(reader.push(Buffer.from('HTTP/1.1 410 Gone\r\nContent-Type: text/plain\r\n\r\nудалено')), null)
    assert.equal(reader.push(Buffer.from(' навсегда')), null)
    assert.deepEqual(reader.end(), { statusCode: 410, reusable: false })
  })

  test('a malformed or cut-short answer is an error, never a status', () => {
    const malformed = [
      'SMTP ready\r\n\r\n',
      'HTTP/1.1 20 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}`,
    ]
    for (const answer of malformed) assert.throws(() => new ResponseReader().push(Buffer.from(answer)), MalformedResponseError, answer.slice(0, 40))
    const cut = new ResponseReader()
    assert.equal(cut.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf')), null)
    assert.throws(() => cut.end(), /in the middle of its answer/)
    assert.throws(() => new ResponseReader().end(), /without answering/)
  })
})

async function listening<T extends Server> (t: TestContext, server: T): Promise<{ server: T, port: number }> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => server.close())
  return { server, port: (server.address() as AddressInfo).port }
}

function postTo (port: number, path = '/hook', body = '{"type":"article.published","title":"Новость"}'): PostRequest {
  return { url: new URL(`http://127.0.0.1:${port}${path}`), addresses: [{ address: '127.0.0.1', family: 4 }], headers: { 'content-type': 'application/json', 'webhook-id': 'msg_01' }, body }
}

/** A client whose kept connections are closed when the test ends. */
function clientFor (t: TestContext, options?: ClientOptions): ReturnType<typeof createHttp1Client> {
  const client = createHttp1Client(options)
  t.after(() => client.close())
  return client
}

function posted (client: ReturnType<typeof createHttp1Client>, request: PostRequest): Promise<number | null> {
  return new Promise((resolve, reject) => client.post(request, (error, statusCode) => error ? reject(error) : resolve(statusCode)))
}

describe('sending', () => {
  test('requests go over one kept connection, each with its headers and whole body', async (t) => {
    const received: Array<{ headers: IncomingMessage['headers'], url: string, body: string }> = []
    const { server, port } = await listening(t, createHttpServer((request, response) => {
      let body = ''
      request.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => {
        received.push({ headers: request.headers, url: request.url!, body })
        response.writeHead(200, { 'content-type': 'text/plain' }).end('принято')
      })
    }))
    let connections = 0
    server.on('connection', () => connections++)
    const client = clientFor(t)
    for (let i = 0; i < 5; i++) assert.equal(await posted(client, postTo(port, `/hook?n=${i}`, `{"n":${i},"title":"«Ёлка» — ${i}"}`)), 200)
    assert.equal(connections, 1)
    assert.deepEqual(received.map((r) => [r.url, r.body]), [0, 1, 2, 3, 4].map((i) => [`/hook?n=${i}`, `{"n":${i},"title":"«Ёлка» — ${i}"}`]))
    assert.equal(received[0]!.headers['webhook-id'], 'msg_01')
    assert.equal(received[0]!.headers.host, `127.0.0.1:${port}`)
    assert.equal(received[0]!.headers['content-length'], String(Buffer.byteLength(received[0]!.body)))
  })

  test('credentials in the URL become a Basic Authorization header; a header with a line break is refused', async (t) => {
    let authorization: string | undefined
    const { port } = await listening(t, createHttpServer((request, response) => {
      authorization = request.headers.authorization
      request.resume().on('end', () => response.writeHead(204).end())
    }))
    const client = clientFor(t)
    const request = postTo(port)
    request.url = new URL(`http://hooks:p%40ss@127.0.0.1:${port}/hook`)
    assert.equal(await posted(client, request), 204)
    assert.equal(authorization, `Basic ${Buffer.from('hooks:p@ss').toString('base64')}`)
    await assert.rejects(posted(client, { ...postTo(port), headers: { 'webhook-id': 'a\r\nx-injected: 1' } }), /line break/)
  })

  test('a kept connection the receiver closes instead of answering is retried once on a new one', async (t) => {
    // Answers the first request on each connection; on a second one, closes without a word.
    let connections = 0
    const { port } = await listening(t, createNetServer((socket: Socket) => {
      connections++
      let requests = 0
      socket.on('data', () => {
        if (++requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
        else socket.destroy()
      })
    }))
    const client = clientFor(t)
    assert.equal(await posted(client, postTo(port)), 200)
    assert.equal(await posted(client, postTo(port)), 200)
    assert.equal(connections, 2)
  })

  test('an address that refuses is passed over for the next one', async (t) => {
    const { port } = await listening(t, createHttpServer((request, response) => request.resume().on('end', () => response.writeHead(204).end())))
    const client = clientFor(t)
    const request = postTo(port)
    // Nothing listens on ::1 (or the machine has no IPv6): refused, then 127.0.0.1 answers.
    request.addresses = [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }]
    assert.equal(await posted(client, request), 204)
    request.addresses = [{ address: '::1', family: 6 }]
    await assert.rejects(posted(client, request), (error: NodeJS.ErrnoException) => ['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH'].includes(error.code!))
  })

  test('a cancelled request ends with its reason and its connection is closed', async (t) => {
    let closed!: () => void
    const serverSideClosed = new Promise<void>((resolve) => { closed = resolve })
    const { port } = await listening(t, createNetServer((socket: Socket) => {
      socket.on('data', () => {}) // never answers
      socket.on('close', () => closed())
    }))
    const client = clientFor(t)
    const outcome = new Promise<[Error | null, number | null]>((resolve) => {
      const cancel = client.post(postTo(port), (error, statusCode) => resolve([error, statusCode]))
      setTimeout(() => cancel(new Error('timed out')), 100)
    })
    const [error, statusCode] = await outcome
    assert.equal(error?.message, 'timed out')
    assert.equal(statusCode, null)
    await serverSideClosed
  })

  test('an answer after which the receiver closes is read, and the next request opens a new connection', async (t) => {
    let connections = 0
    const { port } = await listening(t, createNetServer((socket: Socket) => {
      connections++
      socket.once('data', () => socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nзанято'))
    }))
    const client = clientFor(t)
    assert.equal(await posted(client, postTo(port)), 503)
    assert.equal(await posted(client, postTo(port)), 503)
    assert.equal(connections, 2)
  })

  test('HTTPS: the certificate is checked against the URL\'s host name, sent as SNI; connections are kept', async (t) => {
    const names: Array<string | false | null> = []
    const { server, port } = await listening(t, createHttpsServer({ cert: testCertificate, key: testKey }, (request, response) => {
      names.push((request.socket as import('node:tls').TLSSocket).servername)
      request.resume().on('end', () => response.writeHead(204).end())
    }))
    let connections = 0
    server.on('secureConnection', () => connections++)
    const request = { ...postTo(port), url: new URL(`https://localhost:${port}/hook`) }
    const trusting = clientFor(t, { ca: testCertificate })
    assert.equal(await posted(trusting, request), 204)
    assert.equal(await posted(trusting, request), 204)
    assert.deepEqual([names, connections], [['localhost', 'localhost'], 1])
    // Node's own roots do not include a self-signed certificate: no status, an error.
    const plain = clientFor(t)
    await assert.rejects(posted(plain, request), /self-signed certificate/)
  })
})
