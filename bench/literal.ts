// Reference 3 (L): bare Fastify sending the app's own feed bytes with the app's own response headers,
// captured from the app in the same run (LITERAL_RESPONSE: a JSON file of { headers, body (base64) }).
// The gap between L and a cache hit is what our hooks cost; the gap between L and hello world is what
// the bytes and headers cost.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const { headers, body } = JSON.parse(readFileSync(process.env.LITERAL_RESPONSE!, 'utf8')) as { headers: Record<string, string>, body: string }
const bytes = Buffer.from(body, 'base64')

const app = Fastify({ logger: false })
app.get('/v1/feed', (_request, reply) => { reply.headers(headers).send(bytes) })
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
