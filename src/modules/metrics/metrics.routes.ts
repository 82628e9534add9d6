import { createHash, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AppError, NotFoundError, UnauthorizedError } from '../../lib/errors.js'
import { problems } from '../../lib/schemas.js'

const digest = (value: string) => createHash('sha256').update(value).digest()

/** `GET /metrics` for Prometheus, answering only to CMS_METRICS_TOKEN; 404 while it is unset. */
export const metricsRoutes: FastifyPluginAsyncZod<{ token: string | undefined }> = async (app, { token }) => {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`)

  app.get('/metrics', {
    // The metrics token is not an API token: auth leaves this route's Authorization header to it.
    config: { ownAuth: true },
    schema: {
      operationId: 'metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics (text format 0.0.4); needs `Authorization: Bearer <CMS_METRICS_TOKEN>`, 404 while it is unset',
      response: {
        200: { description: 'The metrics', content: { 'text/plain': { schema: z.string() } } },
        ...problems(401, 404, 503),
      },
    },
  }, async (request, reply) => {
    if (!expected || !app.scrapeMetrics) throw new NotFoundError(`No route ${request.method} /metrics`)
    // Digests of equal length, compared in constant time: neither the token nor its length leaks.
    if (!timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) throw new UnauthorizedError('The metrics token is wrong or missing')
    let text: string
    try {
      text = await app.scrapeMetrics()
    } catch (error) {
      request.log.error({ err: error }, 'metrics unavailable')
      throw new AppError(503, 'METRICS_UNAVAILABLE', 'The metrics could not be gathered; try again')
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text)
  })
}
