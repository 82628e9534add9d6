import fp from 'fastify-plugin'
import { AppError } from '../lib/errors.js'

const writes = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Request bodies are UTF-8 JSON as sent: a compressed body or another charset would be parsed as
 * something it is not, so both are 415 before the body is read.
 */
export default fp(async function requestBody (app) {
  app.addHook('onRequest', (request, _reply, done) => {
    if (!writes.has(request.method)) return done()
    const encoding = request.headers['content-encoding']?.trim().toLowerCase()
    if (encoding && encoding !== 'identity') {
      return done(new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not accepted: send the body uncompressed`))
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase()
    if (charset && charset !== 'utf-8' && charset !== 'utf8') {
      return done(new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', `charset=${charset} is not accepted: bodies are UTF-8`))
    }
    done()
  })
}, { name: 'request-body' })
