import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import { ForbiddenError, UnauthorizedError } from '../lib/errors.js'
import { roleAtLeast, type Principal, type Role } from '../lib/auth.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** The weakest role that may call the route; absent means public. */
    role?: Role
  }
}

export interface AuthOptions {
  adminToken: string | undefined
}

const sha256 = (value: string) => createHash('sha256').update(value).digest()

export default fp<AuthOptions>(async function auth (app, { adminToken }) {
  const adminHash = adminToken ? sha256(adminToken) : undefined
  const admin: Principal = { tokenId: 'env-admin', name: 'admin', role: 'admin' }

  // Compares hashes, so the comparison is constant-time whatever the secret's length.
  function resolve (secret: string): Principal | null {
    return adminHash && timingSafeEqual(sha256(secret), adminHash) ? admin : null
  }

  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization
    if (header !== undefined) {
      const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header)
      request.principal = match?.[1] ? resolve(match[1]) : null
      if (!request.principal) throw new UnauthorizedError('The bearer token is unknown, revoked or expired')
    }
    const required = request.routeOptions.config.role
    if (!required) return
    if (!request.principal) throw new UnauthorizedError()
    if (!roleAtLeast(request.principal.role, required)) throw new ForbiddenError()
  })
}, { name: 'auth' })
