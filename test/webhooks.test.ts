import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { Webhook as Verifier } from 'standardwebhooks'
import { createSender, isPublicAddress } from '../src/lib/webhook-sender.js'
import { retryAt } from '../src/modules/webhooks/webhooks.jobs.js'
import { EVENT_BODIES } from '../src/modules/webhooks/webhooks.schemas.js'
import { EVENT_TYPES, type EventType } from '../src/domain/change-log.js'
import { setup, type Harness } from './helpers/app.js'
import { fullArticle, latestHeadlines } from './helpers/fixtures.js'
import { startReceiver, type Received } from './helpers/receiver.js'
import { multipartUpload, samplePng } from './helpers/fixtures.js'

// Deliveries go to a receiver on 127.0.0.1, so these apps allow private addresses; retries are quick.
const quick = { webhookAllowPrivate: true, webhookRetryDelaysMs: [200, 200], webhookTimeoutMs: 1000 }

const subscribe = async (h: Harness, url: string, events: string[] = ['*']) => {
  const res = await h.call('POST', '/v1/webhooks', { body: { url, events, description: 'Сборка статического сайта' } })
  assert.equal(res.status, 201, res.raw)
  return res.body as { id: string, secret: string, url: string }
}

const eventsOf = (received: Received[]) => received.map((entry) => (JSON.parse(entry.body) as { type: string }).type)

/** What a receiver does with a delivery: verifies it as the Standard Webhooks library does, then reads it. */
function verified (entry: Received, secret: string) {
  const body = new Verifier(secret).verify(entry.body, entry.headers as Record<string, string>) as { type: EventType, timestamp: string, data: any }
  const parsed = EVENT_BODIES[body.type].safeParse(body)
  assert.ok(parsed.success, `${body.type} body fits its schema: ${parsed.error?.message ?? ''}`)
  return body
}

const deliveriesOf = async (h: Harness, webhookId: string, query = '') => (await h.call('GET', `/v1/webhooks/${webhookId}/deliveries${query}`)).body.data as any[]

async function settled (h: Harness, webhookId: string, count: number): Promise<any[]> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const deliveries = await deliveriesOf(h, webhookId, '?limit=100')
    if (deliveries.length >= count && deliveries.every((d) => d.status !== 'pending')) return deliveries
    if (Date.now() > deadline) throw new Error(`deliveries did not settle: ${JSON.stringify(deliveries)}`)
    await sleep(100)
  }
}

describe('webhooks: media events', () => {
  test('uploading, editing and deleting an image deliver media.created, media.updated and media.deleted, signed, with the file’s URL', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    const hook = await subscribe(h, receiver.url(), ['media.*'])
    const form = multipartUpload(await samplePng(), { alt: 'Причал в Ярославле', credit: 'Фото: Анна Смирнова' })
    const photo = (await h.call('POST', '/v1/media', { body: form.payload, headers: form.headers })).body
    await h.call('PATCH', `/v1/media/${photo.id}`, { body: { caption: '«Лёд тронулся», — сказал дежурный' } })
    await h.call('DELETE', `/v1/media/${photo.id}`)
    await h.call('POST', '/v1/articles', { body: { title: 'Не про фото', status: 'published' } })
    const bodies = (await receiver.until(3)).map((entry) => verified(entry, hook.secret))
    assert.deepEqual(bodies.map((b) => b.type), ['media.created', 'media.updated', 'media.deleted'])
    assert.equal(bodies[0]!.data.url, `http://localhost:3000/v1/media/${photo.id}/file`)
    assert.equal(bodies[0]!.data.credit, 'Фото: Анна Смирнова')
    assert.equal(bodies[1]!.data.caption, '«Лёд тронулся», — сказал дежурный')
    assert.deepEqual(bodies[2]!.data, { id: photo.id })
    await settled(h, hook.id, 3)
    assert.equal(receiver.received.length, 3, 'article events are not media.*')
  })
})

describe('webhooks: admin routes', () => {
  test('create shows the secret once; reads, lists, patches and deletes without it; only admins may', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    const created = await h.call('POST', '/v1/webhooks', { body: { url: receiver.url(), events: ['article.*', 'tag.deleted'] } })
    assert.equal(created.status, 201)
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
    assert.equal(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64').length, 32)
    assert.equal(created.headers.location, `http://localhost:3000/v1/webhooks/${created.body.id as string}`)
    assert.equal(created.headers['cache-control'], 'no-store')
    assert.deepEqual({ ...created.body, secret: undefined }, { ...created.body, secret: undefined, active: true, description: null, events: ['article.*', 'tag.deleted'] })

    const read = await h.call('GET', `/v1/webhooks/${created.body.id as string}`)
    assert.equal(read.body.secret, undefined)
    assert.equal(JSON.stringify(read.body).includes(created.body.secret), false)
    const list = await h.call('GET', '/v1/webhooks')
    assert.deepEqual(list.body.data.map((w: { id: string }) => w.id), [created.body.id])
    assert.equal(list.raw.includes(created.body.secret), false)

    const patched = await h.call('PATCH', `/v1/webhooks/${created.body.id as string}`, { body: { events: ['*'], active: false, description: 'CDN' } })
    assert.equal(patched.status, 200)
    assert.deepEqual([patched.body.events, patched.body.active, patched.body.description], [['*'], false, 'CDN'])

    const editor = (await h.call('POST', '/v1/tokens', { body: { name: 'Редактор', role: 'editor' } })).body.token
    assert.equal((await h.call('GET', '/v1/webhooks', { token: editor })).status, 403)
    assert.equal((await h.call('POST', '/v1/webhooks', { token: editor, body: { url: receiver.url(), events: ['*'] } })).status, 403)
    assert.equal((await h.call('GET', '/v1/webhooks', { token: null })).status, 401)

    assert.equal((await h.call('DELETE', `/v1/webhooks/${created.body.id as string}`)).status, 204)
    assert.equal((await h.call('GET', `/v1/webhooks/${created.body.id as string}`)).status, 404)
    assert.equal((await h.call('DELETE', `/v1/webhooks/${created.body.id as string}`)).status, 404)
  })

  test('bad bodies are 400 and create nothing', async (t) => {
    const h = await setup(t, quick)
    for (const body of [
      { url: 'ftp://example.com/hook', events: ['*'] },
      { url: 'not a url', events: ['*'] },
      { url: 'https://example.com/hook', events: [] },
      { url: 'https://example.com/hook', events: ['article.exploded'] },
      { url: 'https://example.com/hook' },
      { url: 'https://example.com/hook', events: ['*'], secret: 'mine' },
      { url: 'https://example.com/hook', events: ['*'], active: false },
    ]) {
      const res = await h.call('POST', '/v1/webhooks', { body })
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.match(String(res.headers['content-type']), /problem\+json/)
    }
    assert.equal((await h.call('GET', '/v1/webhooks')).body.data.length, 0)
  })

  test('the OpenAPI document describes every event under its top-level webhooks, with the body schema', async (t) => {
    const h = await setup(t)
    const spec = (await h.app.inject({ url: '/openapi.json' })).json() as { webhooks: Record<string, any>, components: { schemas: Record<string, any> } }
    assert.deepEqual(Object.keys(spec.webhooks).sort(), [...EVENT_TYPES].sort())
    for (const [name, item] of Object.entries(spec.webhooks)) {
      const ref = item.post.requestBody.content['application/json'].schema.$ref as string
      const schema = spec.components.schemas[ref.replace('#/components/schemas/', '')]
      assert.deepEqual(schema.properties.type, { type: 'string', const: name }, name)
      assert.deepEqual(item.post.parameters.map((p: { name: string }) => p.name), ['webhook-id', 'webhook-timestamp', 'webhook-signature'])
    }
  })
})

describe('webhooks: addresses', () => {
  test('URLs whose hosts are not public are refused at creation and on a change of URL, unless allowed', async (t) => {
    const h = await setup(t)
    for (const url of [
      'http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data', 'http://100.64.0.1/', 'http://224.0.0.1/', 'http://0.0.0.0/', 'http://[::1]/',
      'http://[::ffff:127.0.0.1]/', 'http://[::ffff:10.0.0.1]/', 'http://[fc00::1]/', 'http://[fe80::1]/', 'http://[::]/', 'http://[ff02::1]/',
      'http://2130706433/', 'http://0x7f.1/',
    ]) {
      const res = await h.call('POST', '/v1/webhooks', { body: { url, events: ['*'] } })
      assert.equal(res.status, 400, url)
      assert.equal(res.body.code, 'WEBHOOK_URL_REFUSED', url)
    }
    const ok = await h.call('POST', '/v1/webhooks', { body: { url: 'https://93.184.215.14/hook', events: ['*'] } })
    assert.equal(ok.status, 201)
    const moved = await h.call('PATCH', `/v1/webhooks/${ok.body.id as string}`, { body: { url: 'http://192.168.0.10/hook' } })
    assert.equal(moved.status, 400)
    assert.equal((await h.call('GET', `/v1/webhooks/${ok.body.id as string}`)).body.url, 'https://93.184.215.14/hook')
    assert.equal((await h.call('GET', '/v1/webhooks')).body.data.length, 1)

    const allowed = await setup(t, { webhookAllowPrivate: true })
    assert.equal((await allowed.call('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:8080/hook', events: ['*'] } })).status, 201)
  })

  test('isPublicAddress: only global unicast, IPv4-mapped forms unwrapped', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111']) assert.equal(isPublicAddress(address), true, address)
    for (const address of ['127.0.0.1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.1.1', '100.64.0.1', '100.127.255.254',
      '224.0.0.251', '255.255.255.255', '0.0.0.0', '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1',
      '::ffff:192.168.1.1', '::ffff:7f00:1', 'not-an-ip']) {
      assert.equal(isPublicAddress(address), false, address)
    }
  })

  test('the address is checked again when connecting, and the socket goes to the address checked', async (t) => {
    const receiver = await startReceiver(t)
    // A name that resolved to a public address at creation and resolves to loopback now (DNS rebinding).
    const rebinding = async () => [{ address: '127.0.0.1', family: 4 }]
    const strict = createSender({ allowPrivate: false, timeoutMs: 1000, resolve: rebinding })
    const url = `http://hooks.example.test:${receiver.port}/hook`
    const refused = await strict({ url, eventId: 'msg_1', body: '{}', secrets: ['whsec_' + Buffer.alloc(32, 1).toString('base64')] })
    assert.equal(refused.statusCode, null)
    assert.match(refused.error!, /127\.0\.0\.1, which is not a public address/)
    await sleep(100)
    assert.equal(receiver.received.length, 0, 'never connected')
    // Allowed, it connects to exactly what the resolver said: the name exists nowhere else.
    const allowed = createSender({ allowPrivate: true, timeoutMs: 1000, resolve: rebinding })
    const sent = await allowed({ url, eventId: 'msg_2', body: '{}', secrets: ['whsec_' + Buffer.alloc(32, 1).toString('base64')] })
    assert.equal(sent.statusCode, 204)
    assert.equal(receiver.received.length, 1)
  })
})

describe('webhooks: deliveries', () => {
  test('every event of a write reaches its subscribers, signed as Standard Webhooks says, with a viewer’s data', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    const all = await subscribe(h, receiver.url('/all'))
    const tagsOnly = await subscribe(h, receiver.url('/tags'), ['tag.*'])
    const article = (await h.call('POST', '/v1/articles', { body: { ...fullArticle, status: 'published' } })).body
    const received = await receiver.until(5, 10_000, '/all')
    const bodies = received.map((entry) => verified(entry, all.secret))
    assert.deepEqual(bodies.map((b) => b.type).sort(), ['article.created', 'article.published', 'tag.created', 'tag.created', 'tag.created'])
    const published = bodies.find((b) => b.type === 'article.published')!
    const { body: _body, bodyHtml: _html, ...viewerData } = (await h.call('GET', `/v1/articles/${article.id as string}`)).body
    assert.deepEqual(published.data, viewerData)
    // When the write appended it, in the write's transaction.
    assert.ok(published.timestamp >= article.updatedAt && Date.parse(published.timestamp) - Date.parse(article.updatedAt) < 1000)
    const entry = received.find((r) => r.body.includes('"article.published"'))!
    assert.equal(entry.headers['content-type'], 'application/json')
    assert.ok(Math.abs(Number(entry.headers['webhook-timestamp']) - Date.now() / 1000) < 30)
    assert.match(String(entry.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/)
    assert.throws(() => new Verifier(tagsOnly.secret).verify(entry.body, entry.headers as Record<string, string>), 'another webhook’s secret does not verify it')
    assert.deepEqual(eventsOf(await receiver.until(3, 10_000, '/tags')), ['tag.created', 'tag.created', 'tag.created'])

    await h.call('PATCH', `/v1/articles/${article.id as string}`, { body: { status: 'draft' } })
    await h.call('DELETE', `/v1/articles/${article.id as string}`)
    await h.call('POST', `/v1/articles/${article.id as string}/restore`)
    await h.call('DELETE', `/v1/articles/${article.id as string}?permanent=true`)
    await h.call('PATCH', `/v1/tags/${article.tags[0].id as string}`, { body: { description: 'Новости отрасли' } })
    await h.call('DELETE', `/v1/tags/${article.tags[0].id as string}`)
    const later = (await receiver.until(12, 10_000, '/all')).slice(5).map((r) => verified(r, all.secret))
    assert.deepEqual(later.map((b) => b.type).sort(),
      ['article.deleted', 'article.purged', 'article.restored', 'article.unpublished', 'article.updated', 'tag.deleted', 'tag.updated'])
    assert.deepEqual(later.find((b) => b.type === 'article.purged')!.data, { id: article.id })
    assert.deepEqual(later.find((b) => b.type === 'tag.deleted')!.data, { id: article.tags[0].id })
    // webhook-id is the event's id: one per event, the same for every webhook that gets it.
    const ids = received.map((r) => r.headers['webhook-id'])
    assert.equal(new Set(ids).size, ids.length)
  })

  test('a failed attempt is retried after each configured delay (± 10 %), and the log shows every attempt', async (t) => {
    const h = await setup(t, { ...quick, webhookRetryDelaysMs: [700, 200] })
    const receiver = await startReceiver(t)
    let calls = 0
    receiver.answer((_request, response) => { response.statusCode = ++calls <= 2 ? 500 : 200; response.end() })
    const hook = await subscribe(h, receiver.url(), ['tag.created'])
    await h.call('POST', '/v1/tags', { body: { name: 'Выборы' } })
    const received = await receiver.until(3)
    const gaps = [received[1]!.at - received[0]!.at, received[2]!.at - received[1]!.at]
    // Each delay, less 10 % at most, plus a tick of the delivery loop (250 ms) and the attempt itself.
    assert.ok(gaps[0]! >= 630 && gaps[0]! < 1300, `first retry after ${gaps[0]!} ms`)
    assert.ok(gaps[1]! >= 180 && gaps[1]! < 700, `second retry after ${gaps[1]!} ms`)
    assert.equal(new Set(received.map((r) => r.headers['webhook-id'])).size, 1, 'the same webhook-id on every attempt')
    const [delivery] = await settled(h, hook.id, 1)
    assert.deepEqual([delivery.status, delivery.attempts, delivery.lastStatusCode, delivery.nextAttemptAt], ['succeeded', 3, 200, null])
    const detail = await h.call('GET', `/v1/webhooks/${hook.id}/deliveries/${delivery.id as string}`)
    assert.deepEqual(detail.body.attempts.map((a: { statusCode: number }) => a.statusCode), [500, 500, 200])
    assert.deepEqual(detail.body.attempts.map((a: { error: string | null }) => a.error === null), [false, false, true])
    assert.ok(detail.body.attempts.every((a: { durationMs: number }) => Number.isInteger(a.durationMs)))
    assert.equal(detail.body.eventId, received[0]!.headers['webhook-id'])
  })

  test('retry times are the delay ± 10 %, spread out', () => {
    const samples = Array.from({ length: 2000 }, () => retryAt(10_000, 0))
    assert.ok(samples.every((at) => at >= 9000 && at <= 11_000))
    assert.ok(Math.min(...samples) < 9200 && Math.max(...samples) > 10_800, 'the jitter uses the whole ± 10 %')
  })

  test('after the last delay the delivery is failed; redeliver makes one more attempt; the status filter finds it', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    receiver.answer((_request, response) => { response.statusCode = 503; response.end() })
    const hook = await subscribe(h, receiver.url(), ['tag.created'])
    await h.call('POST', '/v1/tags', { body: { name: 'Погода' } })
    const [failed] = await settled(h, hook.id, 1)
    assert.deepEqual([failed.status, failed.attempts, failed.lastStatusCode], ['failed', 3, 503])
    assert.equal(receiver.received.length, 3)
    assert.deepEqual((await deliveriesOf(h, hook.id, '?status=failed')).map((d) => d.id), [failed.id])
    assert.deepEqual(await deliveriesOf(h, hook.id, '?status=pending'), [])

    receiver.answer((_request, response) => { response.statusCode = 200; response.end() })
    const again = await h.call('POST', `/v1/webhooks/${hook.id}/deliveries/${failed.id as string}/redeliver`)
    assert.equal(again.status, 202)
    await receiver.until(4)
    const [succeeded] = await settled(h, hook.id, 1)
    assert.deepEqual([succeeded.status, succeeded.attempts], ['succeeded', 4])
    assert.equal((await h.call('POST', `/v1/webhooks/${hook.id}/deliveries/01JDOESNOTEXIST0000000000/redeliver`)).status, 404)
  })

  test('410 switches the webhook off; a redirect is a failure and is never followed; a slow receiver times out', async (t) => {
    const h = await setup(t, { ...quick, webhookRetryDelaysMs: [] })
    const receiver = await startReceiver(t)
    receiver.answer((request, response) => {
      switch (request.path) {
        case '/gone':
          response.statusCode = 410
          return response.end()
        case '/moved':
          response.statusCode = 302
          response.setHeader('Location', '/elsewhere')
          return response.end()
        case '/slow':
          setTimeout(() => response.end(), 3000)
          return
        default:
          response.end()
      }
    })
    const gone = await subscribe(h, receiver.url('/gone'), ['tag.created'])
    const moved = await subscribe(h, receiver.url('/moved'), ['tag.created'])
    const slow = await subscribe(h, receiver.url('/slow'), ['tag.created'])
    await h.call('POST', '/v1/tags', { body: { name: 'Транспорт' } })
    const [goneDelivery] = await settled(h, gone.id, 1)
    assert.deepEqual([goneDelivery.status, goneDelivery.lastStatusCode], ['failed', 410])
    assert.equal((await h.call('GET', `/v1/webhooks/${gone.id}`)).body.active, false)
    const [movedDelivery] = await settled(h, moved.id, 1)
    assert.deepEqual([movedDelivery.status, movedDelivery.lastStatusCode], ['failed', 302])
    const [slowDelivery] = await settled(h, slow.id, 1)
    const slowDetail = await h.call('GET', `/v1/webhooks/${slow.id}/deliveries/${slowDelivery.id as string}`)
    assert.deepEqual([slowDelivery.status, slowDetail.body.attempts[0].statusCode], ['failed', null])
    assert.match(slowDetail.body.attempts[0].error, /No answer within 1000 ms/)
    assert.ok(!receiver.received.some((r) => r.path === '/elsewhere'), 'the redirect was not followed')

    // Switched off, it gets nothing more; switched on again, it gets what comes next.
    await h.call('POST', '/v1/tags', { body: { name: 'Культура' } })
    await settled(h, moved.id, 2)
    assert.equal(receiver.received.filter((r) => r.path === '/gone').length, 1)
  })

  test('a rotated secret: for 24 hours every delivery carries signatures with the new and the old secret', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    const hook = await subscribe(h, receiver.url(), ['tag.created'])
    const rotated = await h.call('POST', `/v1/webhooks/${hook.id}/secret`)
    assert.equal(rotated.status, 200)
    assert.notEqual(rotated.body.secret, hook.secret)
    assert.match(rotated.body.secret, /^whsec_/)
    assert.equal(rotated.headers['cache-control'], 'no-store')
    await h.call('POST', '/v1/tags', { body: { name: 'Медицина' } })
    const [entry] = await receiver.until(1)
    assert.equal(String(entry!.headers['webhook-signature']).split(' ').length, 2)
    verified(entry!, rotated.body.secret)
    verified(entry!, hook.secret)
    // Past the overlap, only the new one signs.
    await h.sql('UPDATE webhooks SET previous_secret_until = ? WHERE id = ?', new Date(Date.now() - 1000).toISOString(), hook.id)
    await h.call('POST', '/v1/tags', { body: { name: 'Образование' } })
    const [, second] = await receiver.until(2)
    assert.equal(String(second!.headers['webhook-signature']).split(' ').length, 1)
    verified(second!, rotated.body.secret)
    assert.throws(() => new Verifier(hook.secret).verify(second!.body, second!.headers as Record<string, string>))
  })

  test('ping sends a webhook.ping now', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    const hook = await subscribe(h, receiver.url(), ['article.created'])
    const started = Date.now()
    assert.equal((await h.call('POST', `/v1/webhooks/${hook.id}/ping`)).status, 202)
    const [entry] = await receiver.until(1)
    assert.ok(Date.now() - started < 2000)
    assert.deepEqual(verified(entry!, hook.secret).data, { id: hook.id })
    assert.equal((await h.call('POST', '/v1/webhooks/01JDOESNOTEXIST0000000000/ping')).status, 404)
  })

  test('at most 16 attempts in flight; an attempt’s time limit starts when it is sent, not while it waits its turn', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    // Every answer takes 600 ms: within the 1000 ms limit, but two turns of waiting would not be.
    let open = 0
    let most = 0
    receiver.answer((_request, response) => {
      most = Math.max(most, ++open)
      setTimeout(() => { open--; response.statusCode = 204; response.end() }, 600)
    })
    const hook = await subscribe(h, receiver.url(), ['tag.created'])
    const names = Array.from({ length: 40 }, (_, i) => `Рубрика № ${i + 1}`)
    for (const name of names) assert.equal((await h.call('POST', '/v1/tags', { body: { name } })).status, 201)
    const deliveries = await settled(h, hook.id, names.length)
    assert.equal(most, 16, 'sixteen at once, no more')
    assert.deepEqual(deliveries.map((d) => [d.status, d.attempts]), names.map(() => ['succeeded', 1]), 'each delivered at its first attempt')
    const got = receiver.received.map((entry) => (JSON.parse(entry.body) as { data: { name: string } }).data.name)
    assert.deepEqual([...got].sort(), [...names].sort(), 'every event delivered once')
  })

  test('a scheduled article coming due is an article.published delivery within 5 s of its instant', async (t) => {
    const h = await setup(t, quick)
    const receiver = await startReceiver(t)
    const hook = await subscribe(h, receiver.url(), ['article.published'])
    const at = new Date(Date.now() + 1500).toISOString()
    const article = (await h.call('POST', '/v1/articles', { body: { title: latestHeadlines[7], status: 'published', publishedAt: at } })).body
    const [entry] = await receiver.until(1, 8000)
    assert.ok(entry!.at - Date.parse(at) < 5000 && entry!.at >= Date.parse(at), `${entry!.at - Date.parse(at)} ms after its instant`)
    const body = verified(entry!, hook.secret)
    assert.deepEqual([body.type, body.data.id, body.data.status], ['article.published', article.id, 'published'])
  })
})
