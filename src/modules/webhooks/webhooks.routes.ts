import { randomBytes } from 'node:crypto'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { DeliveryRecord, WebhookRecord } from '../../domain/records.js'
import { BadRequestError, NotFoundError } from '../../lib/errors.js'
import { listPage } from '../../lib/pagination.js'
import { IdParams, NoContent, NotModified, problems } from '../../lib/schemas.js'
import { checkedAddresses, RefusedAddressError, type Resolve } from '../../lib/webhook-sender.js'
import type { WebhookStore } from '../../store/webhook-store.js'
import {
  Delivery, DeliveryDetail, DeliveryListQuery, DeliveryPage, DeliveryParams, Webhook, WebhookCreate,
  WebhookListQuery, WebhookPage, WebhookPatch, WebhookWithSecret,
} from './webhooks.schemas.js'

/** For this long after a rotation, deliveries carry signatures with the old secret too. */
const ROTATION_OVERLAP_MS = 24 * 3_600_000

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`

const toWebhook = ({ id, url, events, description, active, createdAt, updatedAt }: WebhookRecord): Webhook =>
  ({ id, url, events: events as Webhook['events'], description, active, createdAt, updatedAt })

const toDelivery = ({ id, eventId, type, status, attempts, lastStatusCode, nextAttemptAt, createdAt, updatedAt }: DeliveryRecord): Delivery =>
  ({ id, eventId, type: type as Delivery['type'], status, attempts, lastStatusCode, nextAttemptAt, createdAt, updatedAt })

export interface WebhookRouteOptions {
  webhooks: WebhookStore
  publicUrl: string
  allowPrivate: boolean
  resolve: Resolve
}

export const webhookRoutes: FastifyPluginAsyncZod<WebhookRouteOptions> = async (app, { webhooks, publicUrl, allowPrivate, resolve }) => {
  const tags = ['Webhooks']
  const config = { role: 'admin' as const }

  /** A URL whose host resolves to an address that is not public is refused, and never connected to. */
  async function assertReachable (url: string): Promise<void> {
    try {
      await checkedAddresses(new URL(url), allowPrivate, resolve)
    } catch (error) {
      if (!(error instanceof RefusedAddressError)) throw error
      throw new BadRequestError(`${error.message}; webhooks go to public addresses (CMS_WEBHOOK_ALLOW_PRIVATE=true allows others)`, 'WEBHOOK_URL_REFUSED')
    }
  }

  const found = async (id: string) => {
    const webhook = await webhooks.byId(id)
    if (!webhook) throw new NotFoundError('No webhook with this id')
    return webhook
  }

  app.post('/webhooks', {
    config,
    schema: {
      operationId: 'createWebhook',
      tags,
      summary: 'Subscribe a URL to events; the signing secret is in this response only',
      body: WebhookCreate,
      response: { 201: WebhookWithSecret, ...problems(403, 413, 415) },
    },
  }, async (request, reply) => {
    await assertReachable(request.body.url)
    const webhook = await webhooks.create({ url: request.body.url, events: request.body.events, description: request.body.description ?? null }, newSecret())
    return reply.code(201).header('Location', `${publicUrl}/v1/webhooks/${webhook.id}`).header('Cache-Control', 'no-store')
      .send({ ...toWebhook(webhook), secret: webhook.secret })
  })

  app.get('/webhooks', {
    config,
    schema: {
      operationId: 'listWebhooks',
      tags,
      summary: 'List webhooks, without their secrets',
      querystring: WebhookListQuery,
      response: { 200: WebhookPage, 304: NotModified, ...problems(403) },
    },
  }, async (request, reply) => {
    const page = await webhooks.list(request.query.limit, request.query.cursor)
    return listPage(request, reply, publicUrl, request.query.limit, { ...page, items: page.items.map(toWebhook) })
  })

  app.get('/webhooks/:id', {
    config,
    schema: {
      operationId: 'getWebhook',
      tags,
      summary: 'One webhook, without its secret',
      params: IdParams,
      response: { 200: Webhook, 304: NotModified, ...problems(403, 404) },
    },
  }, async (request) => toWebhook(await found(request.params.id)))

  app.patch('/webhooks/:id', {
    config,
    schema: {
      operationId: 'updateWebhook',
      tags,
      summary: 'Change a webhook’s URL, events or description, or switch it on and off',
      params: IdParams,
      body: WebhookPatch,
      response: { 200: Webhook, ...problems(403, 404, 413, 415) },
    },
  }, async (request) => {
    if (request.body.url !== undefined) await assertReachable(request.body.url)
    return toWebhook(await webhooks.update(request.params.id, request.body))
  })

  app.delete('/webhooks/:id', {
    config,
    schema: {
      operationId: 'deleteWebhook',
      tags,
      summary: 'Delete a webhook and its delivery log',
      params: IdParams,
      response: { 204: NoContent, ...problems(403, 404) },
    },
  }, async (request, reply) => {
    await webhooks.remove(request.params.id)
    return reply.code(204).send()
  })

  app.post('/webhooks/:id/secret', {
    config,
    schema: {
      operationId: 'rotateWebhookSecret',
      tags,
      summary: 'A new signing secret; for 24 hours deliveries are signed with the old one too',
      params: IdParams,
      response: { 200: WebhookWithSecret, ...problems(403, 404) },
    },
  }, async (request, reply) => {
    const webhook = await webhooks.rotateSecret(request.params.id, newSecret(), new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString())
    return reply.header('Cache-Control', 'no-store').send({ ...toWebhook(webhook), secret: webhook.secret })
  })

  app.post('/webhooks/:id/ping', {
    config,
    schema: {
      operationId: 'pingWebhook',
      tags,
      summary: 'Send a webhook.ping event now',
      params: IdParams,
      response: { 202: NoContent, ...problems(403, 404) },
    },
  }, async (request, reply) => {
    await webhooks.ping(request.params.id)
    app.nudgeWebhooks()
    return reply.code(202).send()
  })

  app.get('/webhooks/:id/deliveries', {
    config,
    schema: {
      operationId: 'listWebhookDeliveries',
      tags,
      summary: 'The webhook’s deliveries, newest first',
      params: IdParams,
      querystring: DeliveryListQuery,
      response: { 200: DeliveryPage, 304: NotModified, ...problems(403, 404) },
    },
  }, async (request, reply) => {
    await found(request.params.id)
    const { status, limit, cursor } = request.query
    const page = await webhooks.deliveries(request.params.id, status, limit, cursor)
    return listPage(request, reply, publicUrl, limit, { ...page, items: page.items.map(toDelivery) })
  })

  app.get('/webhooks/:id/deliveries/:deliveryId', {
    config,
    schema: {
      operationId: 'getWebhookDelivery',
      tags,
      summary: 'One delivery with every attempt',
      params: DeliveryParams,
      response: { 200: DeliveryDetail, 304: NotModified, ...problems(403, 404) },
    },
  }, async (request) => {
    const logged = await webhooks.delivery(request.params.id, request.params.deliveryId)
    if (!logged) throw new NotFoundError('No delivery with this id')
    return { ...toDelivery(logged.delivery), attempts: logged.attempts }
  })

  app.post('/webhooks/:id/deliveries/:deliveryId/redeliver', {
    config,
    schema: {
      operationId: 'redeliverWebhookDelivery',
      tags,
      summary: 'One more attempt of a delivery, now',
      params: DeliveryParams,
      response: { 202: NoContent, ...problems(403, 404) },
    },
  }, async (request, reply) => {
    await webhooks.redeliver(request.params.id, request.params.deliveryId)
    app.nudgeWebhooks()
    return reply.code(202).send()
  })
}
