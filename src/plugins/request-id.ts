import fp from 'fastify-plugin'

/**
 * Every response says which request it answers (X-Request-Id, from lib/request-id.ts through Fastify's
 * genReqId), and every log line of the request carries the same id as `reqId`. Registered before auth,
 * so refusals carry it too; the router's and the HTTP parser's errors set it themselves (errors.ts).
 */
export default fp(async function requestId (app) {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id)
    done()
  })
}, { name: 'request-id' })
