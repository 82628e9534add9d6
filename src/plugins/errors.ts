import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { AppError, ValidationError } from '../lib/errors.js'
import type { Problem } from '../lib/schemas.js'

// Fastify's own 4xx errors, given stable codes of ours.
const fastifyCodes: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'BAD_REQUEST',
  // @fastify/multipart's limits (media uploads).
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
}

function sendProblem (reply: FastifyReply, status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  const problem: Problem = { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...extra }
  // Refused before its body arrived (401, 413…): close the connection rather than wait for a body
  // a slow or hostile client may never finish sending.
  if (!reply.request.raw.complete) reply.header('Connection', 'close')
  return reply.status(status).type('application/problem+json').send(problem)
}

/** Turns Zod issues (as the type provider reports them) into `errors[]` entries. */
function toValidationError (error: FastifyError): ValidationError {
  const where = error.validationContext === 'body' ? '' : `${error.validationContext ?? ''}.`
  const entries = (error.validation ?? []).flatMap((issue) => {
    const path = issue.instancePath.slice(1).replaceAll('/', '.')
    const keys = (issue.params as { keys?: string[] }).keys
    if (issue.keyword === 'unrecognized_keys' && keys) {
      return keys.map((key) => ({ path: `${where}${path ? path + '.' : ''}${key}`, message: 'is not a field you can set here' }))
    }
    return [{ path: `${where}${path}`.replace(/\.$/, ''), message: issue.message ?? 'is invalid' }]
  })
  return new ValidationError(entries)
}

/**
 * For errors the router raises before any hook runs (a malformed URL, a path segment over the router's
 * length limit): the same problem body as everything else.
 */
export function frameworkErrors (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('X-Request-Id', request.id)
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is malformed'
  // A reply is thenable, and this handler only sends it: nothing to await.
  sendProblem(reply, 400, 'BAD_REQUEST', detail).then(() => {}, () => {})
}

const parserErrors: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'The request headers are too large'],
}

/**
 * For errors Node's HTTP parser raises before there is a request (a malformed request line, raw
 * non-ASCII bytes in the URL, headers too large, a request too slow): a problem body like every other
 * error, written straight to the socket, which is then closed.
 */
export function clientErrorHandler (this: { log: FastifyBaseLogger }, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, detail] = parserErrors[error.code ?? ''] ??
    [400, 'BAD_REQUEST', 'The request is malformed; non-ASCII characters in a URL must be percent-encoded']
  // No request was parsed, so no id of the caller's can be trusted: a new one ties the answer to the log line.
  const reqId = randomUUID()
  this.log.debug({ err: error, reqId }, 'client error')
  if (socket.writable) {
    const problem: Problem = { type: 'about:blank', title: STATUS_CODES[status]!, status, detail, code }
    const body = JSON.stringify(problem)
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nX-Request-Id: ${reqId}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(error)
}

export default fp(async function errors (app) {
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`))

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) error = toValidationError(error) as unknown as FastifyError
    if (error instanceof AppError) {
      if (error.status === 401) reply.header('WWW-Authenticate', 'Bearer')
      return sendProblem(reply, error.status, error.code, error.message, error.extra)
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return sendProblem(reply, status, fastifyCodes[error.code] ?? 'BAD_REQUEST', error.message)
    }
    request.log.error({ err: error }, 'unhandled error')
    return sendProblem(reply, 500, 'INTERNAL_ERROR', 'Something went wrong on our side; it has been logged')
  })
}, { name: 'errors' })
