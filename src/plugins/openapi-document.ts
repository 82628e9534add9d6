// The last touches on the generated OpenAPI document, so that generated clients and linters read it
// as we mean it: one schema per shape and direction, and the response headers clients rely on.

interface Schema { $ref?: string }
interface Response { headers?: Record<string, unknown>, content?: Record<string, { schema?: Schema }> }
interface Operation { operationId?: string, responses?: Record<string, Response> }
export interface Document {
  paths?: Record<string, Record<string, Operation>>
  components?: { schemas?: Record<string, unknown>, headers?: Record<string, unknown> }
  [key: string]: unknown
}

// `required` says the header is always there on the responses that list it.
const header = (description: string, required: boolean, example?: string) =>
  ({ description, required, schema: { type: 'string' }, ...(example ? { example } : {}) })
const integerHeader = (description: string, required: boolean) => ({ description, required, schema: { type: 'integer', minimum: 0 } })

const HEADERS = {
  ETag: header('Strong entity tag of this representation; send it back in If-None-Match (304) or If-Match (412 when stale)', true, '"q3Cm2v9hXk0sNwJ4d8L1aA"'),
  CacheControl: header('`public, max-age=…` for anonymous reads, `private, no-cache` when a token may change the answer', true),
  LastModified: header('When the article as shown last changed (HTTP date)', true, 'Sat, 28 Nov 2026 09:30:00 GMT'),
  Location: header('Absolute URL of the resource (on CMS_PUBLIC_URL)', true),
  Link: header('`<absolute URL>; rel="next"` when there is a next page', false),
  RetryAfter: integerHeader('Seconds to wait before trying again', true),
  RateLimitLimit: integerHeader('The request budget of the current window (when rate limits are on)', false),
  RateLimitRemaining: integerHeader('Requests left in the current window (when rate limits are on)', false),
  RateLimitReset: integerHeader('Seconds until the window resets (when rate limits are on)', false),
} as const

type HeaderName = keyof typeof HEADERS
const wireNames: Record<HeaderName, string> = {
  ETag: 'ETag',
  CacheControl: 'Cache-Control',
  LastModified: 'Last-Modified',
  Location: 'Location',
  Link: 'Link',
  RetryAfter: 'Retry-After',
  RateLimitLimit: 'RateLimit-Limit',
  RateLimitRemaining: 'RateLimit-Remaining',
  RateLimitReset: 'RateLimit-Reset',
}
const rateLimitHeaders: HeaderName[] = ['RateLimitLimit', 'RateLimitRemaining', 'RateLimitReset']
const withLastModified = new Set(['getArticle', 'getArticleBySlug'])

/** Which headers a response carries. */
function headersOf (path: string, method: string, status: string, operation: Operation, response: Response): HeaderName[] {
  // A token-carrying request may be throttled anywhere.
  if (!path.startsWith('/v1/')) return status === '429' ? ['RetryAfter'] : []
  const read = method === 'get'
  const found: HeaderName[] = []
  if (status === '200' || status === '201') {
    found.push('ETag')
    if (read) found.push('CacheControl')
    if (read && /Page$/.test(response.content?.['application/json']?.schema?.$ref ?? '')) found.push('Link')
    if (read && withLastModified.has(operation.operationId ?? '')) found.push('LastModified')
  }
  if (status === '304') found.push('ETag', 'CacheControl')
  if (status === '201' || status === '301') found.push('Location')
  if (status === '429') found.push('RetryAfter')
  if (status.startsWith('2') || status === '429') found.push(...rateLimitHeaders)
  return found
}

/** Every `$ref` target under `value`. */
function refsIn (value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found)
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.add(inner)
      else refsIn(inner, found)
    }
  }
  return found
}

const SCHEMA_PREFIX = '#/components/schemas/'

/**
 * A request schema's defaults, moved into its descriptions: generators such as openapi-typescript
 * make a property with a `default` required in named schemas, which is right for what the server
 * sends and wrong for what a client sends.
 */
function describeDefaults (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(describeDefaults)
  if (!value || typeof value !== 'object') return value
  const { default: fallback, ...rest } = value as Record<string, unknown>
  const inner = Object.fromEntries(Object.entries(rest).map(([key, v]) => [key, describeDefaults(v)]))
  if (fallback === undefined) return inner
  const note = `Default: ${JSON.stringify(fallback)}.`
  return { ...inner, description: typeof inner.description === 'string' ? `${inner.description}. ${note}` : note }
}

/**
 * Keeps only the schemas the operations use (the type provider writes each one for input and for
 * output, as `XInput` and `X`), and gives a schema used only as input its plain name: `ArticleCreate`,
 * not `ArticleCreateInput`, whose output twin would list defaulted fields as required.
 */
function pruneSchemas (document: Document): Document {
  const schemas = document.components?.schemas ?? {}
  const used = new Set<string>()
  const queue = [...refsIn(document.paths), ...refsIn(document.webhooks)]
  while (queue.length > 0) {
    const ref = queue.pop()!
    const name = ref.slice(SCHEMA_PREFIX.length)
    if (!ref.startsWith(SCHEMA_PREFIX) || used.has(name)) continue
    used.add(name)
    queue.push(...refsIn(schemas[name]))
  }
  const renames = new Map<string, string>()
  for (const name of used) {
    const plain = name.replace(/Input$/, '')
    if (plain !== name && !used.has(plain)) renames.set(`${SCHEMA_PREFIX}${name}`, `${SCHEMA_PREFIX}${plain}`)
  }
  const kept = Object.fromEntries(Object.entries(schemas)
    .filter(([name]) => used.has(name))
    .map(([name, schema]) => [renames.get(`${SCHEMA_PREFIX}${name}`)?.slice(SCHEMA_PREFIX.length) ?? name,
      name.endsWith('Input') ? describeDefaults(schema) : schema]))
  const renamed = JSON.parse(JSON.stringify({ ...document, components: { ...document.components, schemas: kept } }),
    (key, value) => key === '$ref' && typeof value === 'string' ? renames.get(value) ?? value : value) as Document
  return renamed
}

/** The document's top-level `webhooks` (OpenAPI 3.1): one POST per event, its body the event's schema. */
export interface WebhookEvent {
  name: string
  schema: string
  summary: string
}

const DELIVERY_HEADERS = [
  ['webhook-id', 'The event’s id: the same on every attempt; deduplicate by it'],
  ['webhook-timestamp', 'Unix seconds of this attempt'],
  ['webhook-signature', '`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, several space-separated during a secret rotation'],
] as const

function webhooksOf (events: WebhookEvent[]): Record<string, unknown> {
  return Object.fromEntries(events.map(({ name, schema, summary }) => [name, {
    post: {
      operationId: `on${schema}`,
      summary,
      description: 'A delivery as the Standard Webhooks specification says; verify it with any Standard Webhooks library and the webhook’s secret.',
      tags: ['Webhooks'],
      // Sent by us to the receiver: no bearer token, the signature headers instead.
      security: [],
      parameters: DELIVERY_HEADERS.map(([name, description]) => ({ in: 'header', name, required: true, description, schema: { type: 'string' } })),
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: `${SCHEMA_PREFIX}${schema}` } } } },
      responses: { '2XX': { description: 'Received: any 2xx within CMS_WEBHOOK_TIMEOUT_MS. 410 switches the webhook off; anything else is retried.' } },
    },
  }]))
}

export function finishDocument (generated: Document, events: WebhookEvent[] = []): Document {
  const document = pruneSchemas({ ...generated, webhooks: webhooksOf(events) })
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const headers = headersOf(path, method, status, operation, response)
        if (headers.length === 0) continue
        response.headers = Object.fromEntries(headers.map((name) => [wireNames[name], { $ref: `#/components/headers/${name}` }]))
      }
    }
  }
  document.components = { ...document.components, headers: HEADERS }
  return document
}
