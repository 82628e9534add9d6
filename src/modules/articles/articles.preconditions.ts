import type { FastifyRequest } from 'fastify'
import { etagMatches } from '../../lib/etag.js'
import { PreconditionFailedError } from '../../lib/errors.js'
import type { WriteContext } from '../../store/store.js'
import { articleEtag } from './articles.view.js'

/**
 * The write context of a request: its token's name, and its If-Match header as a check the store
 * runs inside the write's transaction, so two editors racing with one ETag cannot both win.
 */
export function writeContext (request: FastifyRequest): WriteContext {
  const ifMatch = request.headers['if-match']
  return {
    actor: request.principal?.name ?? 'anonymous',
    precondition: ifMatch === undefined
      ? undefined
      : (current) => {
          if (!etagMatches(ifMatch, articleEtag(current), 'strong')) {
            throw new PreconditionFailedError(
              `The article has changed since you read it: it is at version ${current.version}. Reload it and apply your change again.`,
              { currentVersion: current.version })
          }
        },
  }
}
