import fp from 'fastify-plugin'
import { AppError, ForbiddenError, UnauthorizedError } from '../lib/errors.js'
import { roleAtLeast, type Principal, type Role } from '../lib/auth.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** The weakest role that may call the route; absent means public. */
    role?: Role
    /** The route checks its Authorization header itself (it is not an API token's). */
    ownAuth?: boolean
  }
}

export interface AuthOptions {
  /** The principal a bearer secret stands for, or null when it is unknown, revoked or expired. */
  resolve: (secret: string) => Promise<Principal | null>
  failureLimit: number
  failureWindowMs: number
}

/** Failed authentications per client IP in fixed windows; a full window blocks token-carrying requests. */
function createFailureThrottle (limit: number, windowMs: number) {
  const windows = new Map<string, { failures: number, resetAt: number }>()
  const current = (ip: string, at: number) => {
    const window = windows.get(ip)
    if (window && window.resetAt <= at) windows.delete(ip)
    return windows.get(ip)
  }
  // Expired windows are dropped as they pass, so the map holds only IPs failing right now.
  const sweep = setInterval(() => {
    const at = Date.now()
    for (const [ip, window] of windows) if (window.resetAt <= at) windows.delete(ip)
  }, windowMs)
  sweep.unref()
  return {
    /** Seconds until the IP may try again, or 0 when it is not blocked. */
    retryAfter (ip: string): number {
      const at = Date.now()
      const window = current(ip, at)
      return window && window.failures >= limit ? Math.ceil((window.resetAt - at) / 1000) : 0
    },
    fail (ip: string): void {
      const at = Date.now()
      const window = current(ip, at)
      if (window) window.failures++
      else windows.set(ip, { failures: 1, resetAt: at + windowMs })
    },
    stop: () => clearInterval(sweep),
  }
}

export default fp<AuthOptions>(async function auth (app, { resolve, failureLimit, failureWindowMs }) {
  const throttle = createFailureThrottle(failureLimit, failureWindowMs)
  app.addHook('onClose', async () => throttle.stop())

  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization
    if (header !== undefined && request.routeOptions.config.ownAuth !== true) {
      const retryAfter = throttle.retryAfter(request.ip)
      if (retryAfter > 0) {
        reply.header('Retry-After', String(retryAfter))
        throw new AppError(429, 'TOO_MANY_FAILED_AUTHENTICATIONS', `Too many failed authentications from your address; try again in ${retryAfter} s`)
      }
      const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header)
      request.principal = match?.[1] ? await resolve(match[1]) : null
      if (!request.principal) {
        throttle.fail(request.ip)
        throw new UnauthorizedError('The bearer token is unknown, revoked or expired')
      }
    }
    const required = request.routeOptions.config.role
    if (!required) return
    if (!request.principal) throw new UnauthorizedError()
    if (!roleAtLeast(request.principal.role, required)) throw new ForbiddenError(`This needs a token with role ${required} or higher`)
  })
}, { name: 'auth' })
