import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const GIVEN = /^[\x21-\x7e]{1,64}$/

/**
 * The id of a request: the caller's X-Request-Id when it is 1–64 visible ASCII characters (a load
 * balancer's or a client's own, so one id follows the call through every hop), else a new UUID.
 */
export function requestIdOf (request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && GIVEN.test(given) ? given : randomUUID()
}
