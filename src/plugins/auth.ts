import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError, ForbiddenError, UnauthorizedError } from '../lib/errors.js'
import { roleAtLeast, type Principal, type Role } from '../lib/auth.js'
import type { CounterStore, WindowCount } from '../store/store.js'

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
  /** Where failed authentications are counted: shared by every server on PostgreSQL. */
  counters: CounterStore
  failureLimit: number
  failureWindowMs: number
  /** Whether to follow which IPs have failures (counters.watch), so that only their requests ask the shared count. */
  watchFailures: boolean
}

/** IPs with failures kept in mind before the ended ones are swept out. */
const MAX_FAILING = 10_000

/**
 * Failed authentications per client IP, in windows that start at an IP's first failure; a full window
 * blocks that IP's token-carrying requests until it ends. Counted in the store's counters, so on
 * PostgreSQL every server sees every server's failures. Only token-carrying requests look, and only
 * for an IP some server has counted a failure of in a window that may still run (the counters tell
 * each server of those: its own at once, other servers' by notice within milliseconds): every other
 * request passes without that round trip to the database (on PostgreSQL it cost a token read 40 % of
 * its throughput). Until the watch is running (and where it could not start) every request looks.
 */
function failureThrottle (counters: CounterStore, limit: number, windowMs: number) {
  const prefix = 'auth-failures:'
  const keyOf = (ip: string) => `${prefix}${ip}`
  const wait = (window: WindowCount | undefined) => (window && window.hits >= limit ? Math.max(1, Math.ceil((window.resetAt - Date.now()) / 1000)) : 0)
  // Keys of IPs with failures, each until its window has surely ended (it started at most now).
  const failing = new Map<string, number>()
  let sweptAt = 0
  const mark = (key: string) => {
    const at = Date.now()
    if (failing.size >= MAX_FAILING && at - sweptAt >= 1_000) {
      sweptAt = at
      for (const [other, until] of failing) if (until <= at) failing.delete(other)
    }
    failing.set(key, at + windowMs)
  }
  let watching = false
  return {
    /** From now on asks the shared count only for the IPs the counters tell of (none asked until this resolves). */
    async watch () {
      watching = await counters.watch(prefix, windowMs, mark).then(() => true, () => false)
    },
    /** Seconds until the IP may try again, or 0 when it is not blocked. */
    async retryAfter (ip: string) {
      const key = keyOf(ip)
      if (watching && !((failing.get(key) ?? 0) > Date.now())) return 0
      return wait((await counters.get([key], windowMs)).get(key))
    },
    async fail (ip: string) {
      mark(keyOf(ip))
      await counters.add(new Map([[keyOf(ip), 1]]), windowMs)
    },
  }
}

export default fp<AuthOptions>(async function auth (app, { resolve, counters, failureLimit, failureWindowMs, watchFailures }) {
  const throttle = failureThrottle(counters, failureLimit, failureWindowMs)
  // With the background work: building an app touches no database.
  if (watchFailures) app.addHook('onReady', throttle.watch)

  app.decorateRequest('principal', null)

  /** Who the request's bearer token stands for; throws when it is unknown or its IP is blocked. */
  async function authenticate (request: FastifyRequest, reply: FastifyReply, header: string): Promise<void> {
    const retryAfter = await throttle.retryAfter(request.ip)
    if (retryAfter > 0) {
      reply.header('Retry-After', String(retryAfter))
      throw new AppError(429, 'TOO_MANY_FAILED_AUTHENTICATIONS', `Too many failed authentications from your address; try again in ${retryAfter} s`)
    }
    const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header)
    request.principal = match?.[1] ? await resolve(match[1]) : null
    if (!request.principal) {
      await throttle.fail(request.ip)
      throw new UnauthorizedError('The bearer token is unknown, revoked or expired')
    }
  }

  /** Whether the principal (null: anonymous) may call the route; undefined when it may. */
  function refusal (request: FastifyRequest): Error | undefined {
    const required = request.routeOptions.config.role
    if (!required) return undefined
    if (!request.principal) return new UnauthorizedError()
    if (!roleAtLeast(request.principal.role, required)) return new ForbiddenError(`This needs a token with role ${required} or higher`)
    return undefined
  }

  // A callback hook: an anonymous request, most of the traffic, passes without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    const header = request.headers.authorization
    if (header === undefined || request.routeOptions.config.ownAuth === true) return done(refusal(request))
    authenticate(request, reply, header).then(() => done(refusal(request)), done)
  })
}, { name: 'auth' })
