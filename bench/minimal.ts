// Reference 2: the least a Fastify + better-sqlite3 server does for the same reads — prepared
// statements, JSON.stringify, no validation, auth, ETags or tags.
import Database from 'better-sqlite3'
import Fastify from 'fastify'

const db = new Database(process.env.DATABASE_PATH!, { readonly: true })
const bySlug = db.prepare('SELECT * FROM articles WHERE slug = ?')
const newest = db.prepare("SELECT id, slug, title, lead, published_at, updated_at, lang FROM articles WHERE status = 'published' AND deleted_at IS NULL AND published_at <= ? ORDER BY published_at DESC, id DESC LIMIT 20")

const app = Fastify({ logger: false })
app.get('/articles/:slug', async (request, reply) => {
  const row = bySlug.get((request.params as { slug: string }).slug)
  return row ?? reply.code(404).send({ error: 'not found' })
})
app.get('/feed', async () => ({ data: newest.all(new Date().toISOString()) }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
