import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { setupStore } from './helpers/app.js'

// The delivery loop's steps, asked of the store itself (no app, so no loop of its own claims
// anything meanwhile), on both engines.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const leaseUntil = () => new Date(Date.now() + 60_000).toISOString()

async function newsroom (t: Parameters<typeof setupStore>[0]) {
  const h = await setupStore(t)
  const site = await h.store.webhooks.create({ url: 'http://127.0.0.1:9/site', events: ['*'], description: 'Сборка сайта' }, SECRET)
  const search = await h.store.webhooks.create({ url: 'http://127.0.0.1:9/search', events: ['tag.*'], description: 'Поисковый индекс' }, SECRET)
  return { h, site, search }
}

/** Notes every UPDATE of a delivery row in a table of its own (a trigger, as each engine writes one). */
async function countUpdates (h: Awaited<ReturnType<typeof setupStore>>) {
  await h.sql('CREATE TABLE delivery_updates (id text)')
  if (h.engine === 'sqlite') {
    await h.sql('CREATE TRIGGER note_update AFTER UPDATE ON webhook_deliveries BEGIN INSERT INTO delivery_updates VALUES (NEW.id); END')
  } else {
    await h.sql('CREATE FUNCTION note_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO delivery_updates VALUES (NEW.id); RETURN NEW; END $$')
    await h.sql('CREATE TRIGGER note_update AFTER UPDATE ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION note_update()')
  }
}

describe('webhook delivery steps', () => {
  test('a fresh event’s deliveries are claimed as they are made: no second write of their rows to claim them', async (t) => {
    const { h, site, search } = await newsroom(t)
    await countUpdates(h)
    await h.store.tags.create({ name: 'Экономика' })
    const step = await h.store.webhooks.step({ outcomes: [], fanOut: 200, claim: 16, leaseUntil: leaseUntil() })
    assert.deepEqual(step.claimed.map((c) => [c.delivery.type, c.url]).sort(), [['tag.created', search.url], ['tag.created', site.url]])
    assert.equal(step.handedOut, 1)
    assert.deepEqual(await h.sql('SELECT id FROM delivery_updates'), [], 'no delivery row written again to claim it')
    const rows = await h.sql('SELECT lease_until FROM webhook_deliveries')
    assert.equal(rows.length, 2)
    assert.ok(rows.every((row) => typeof row.lease_until === 'string'), 'both made with their lease')
  })

  test('due deliveries come first; fresh events fill what is left of a step, the deliveries beyond it wait; each is claimed once, in order', async (t) => {
    const { h, site, search } = await newsroom(t)
    for (const name of ['Экономика', 'Культура', 'Спорт', 'Наука', 'Общество']) await h.store.tags.create({ name })
    await h.store.webhooks.ping(site.id)
    const first = await h.store.webhooks.step({ outcomes: [], fanOut: 200, claim: 4, leaseUntil: leaseUntil() })
    // The ping was due before; then three events fit a step of four (one delivery left over, waiting).
    assert.equal(first.claimed[0]!.delivery.type, 'webhook.ping')
    assert.deepEqual(first.claimed.slice(1).map((c) => c.url), [site.url, search.url, site.url])
    assert.equal(first.handedOut, 3)
    const waiting = await h.sql("SELECT id FROM webhook_deliveries WHERE status = 'pending' AND lease_until IS NULL")
    assert.equal(waiting.length, 3, 'the second delivery of the second event and both of the third')

    const claimed = [...first.claimed]
    for (let step = 0; step < 10; step++) {
      const next = await h.store.webhooks.step({ outcomes: [], fanOut: 200, claim: 4, leaseUntil: leaseUntil() })
      if (next.claimed.length === 0) break
      claimed.push(...next.claimed)
    }
    const ids = claimed.map((c) => c.delivery.id)
    assert.equal(new Set(ids).size, ids.length, 'no delivery claimed twice')
    assert.equal(ids.length, 1 + 5 * 2, 'the ping and every event for both webhooks')
    const events = claimed.slice(1).map((c) => c.delivery.eventId)
    const order = [...new Set(events)]
    assert.deepEqual(events, order.flatMap((eventId) => [eventId, eventId]), 'each event’s deliveries together, events in the log’s order')
    const rows = await h.sql('SELECT count(*) AS n FROM webhook_deliveries WHERE lease_until IS NULL')
    assert.equal(Number(rows[0]!.n), 0, 'every delivery is claimed')
  })
})
