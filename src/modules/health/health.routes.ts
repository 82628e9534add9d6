import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { AppError } from '../../lib/errors.js'
import { problems } from '../../lib/schemas.js'
import type { HealthStore } from '../../store/store.js'

const Status = z.object({ status: z.string() })

export const healthRoutes: FastifyPluginAsyncZod<{ health: HealthStore }> = async (app, { health }) => {
  app.get('/healthz', {
    schema: { operationId: 'health', tags: ['Operations'], summary: 'The process is up', response: { 200: Status, ...problems() } },
  }, async () => ({ status: 'ok' }))

  app.get('/readyz', {
    schema: {
      operationId: 'ready',
      tags: ['Operations'],
      summary: 'The database answers and every migration is applied',
      response: { 200: Status, ...problems(503) },
    },
  }, async () => {
    if (!await health.ready()) throw new AppError(503, 'NOT_READY', 'The database is not ready')
    return { status: 'ready' }
  })
}
