import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'

const booleanString = z.enum(['true', 'false']).transform((value) => value === 'true')

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)/, 'must look like file:path/to/cms.db, file::memory: or postgres://user:password@host/database')
    .default('file:data/cms.db'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  CMS_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  CMS_METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  CMS_DEMO_CONTENT: booleanString.default(true),
  CMS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CMS_SITE_NAME: z.string().trim().min(1).max(200).default('Newsroom'),
  CMS_CACHE_MAX_AGE: z.coerce.number().int().min(0).max(86400).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(10),
  AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  RATE_LIMIT_READS_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_WRITES_PER_MINUTE: z.coerce.number().int().min(0).default(0),
  TRUST_PROXY: z.string().regex(/^(true|false|[\w.:/]+(,[\w.:/]+)*)$/, 'must be true, false or a comma-separated list of proxy addresses').default('false'),
  CORS_ORIGINS: z.string().default('').transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ })]))),
  CMS_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  RESPONSE_CACHE_MB: z.coerce.number().int().min(0).max(16_384).default(32),
  RESPONSE_CACHE_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(10_000),
  MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  CMS_CHANGES_RETENTION_DAYS: z.coerce.number().positive().max(36_500).default(90),
  CMS_WEBHOOK_ALLOW_PRIVATE: booleanString.default(false),
  CMS_WEBHOOK_RETRY_SECONDS: z.string()
    .regex(/^\s*\d+(\.\d+)?\s*(,\s*\d+(\.\d+)?\s*)*$/, 'must be seconds, comma-separated, e.g. 5,300,1800')
    .default('5,300,1800,7200,18000,36000,36000').transform((v) => v.split(',').map(Number)),
  CMS_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(15_000),
  CMS_MEDIA_STORAGE: z.string().regex(/^(file:.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/, 'must be file:<folder> or s3://<bucket>/<prefix>')
    .default('file:data/media'),
  CMS_S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  CMS_S3_REGION: z.string().min(1).default('us-east-1'),
  CMS_MEDIA_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
  CMS_MEDIA_MAX_PIXELS: z.coerce.number().int().min(1).max(1_000_000_000).default(50_000_000),
}).refine((e) => e.CMS_WORKERS === 1 || e.DATABASE_URL !== 'file::memory:', {
  path: ['CMS_WORKERS'], message: 'more than one worker needs a database file, not file::memory:',
})

/** Where media files live: a folder (one server, or one folder every server shares), or an S3-compatible bucket. */
export type MediaStorageTarget =
  | { kind: 'file', folder: string }
  | { kind: 's3', bucket: string, prefix: string, endpoint: string | undefined, region: string }

/** The media storage a CMS_MEDIA_STORAGE value names. */
export function mediaStorageTarget (value: string, endpoint: string | undefined, region: string): MediaStorageTarget {
  if (value.startsWith('file:')) return { kind: 'file', folder: value.slice('file:'.length) }
  const [bucket, ...prefix] = value.slice('s3://'.length).split('/')
  const joined = prefix.filter(Boolean).join('/')
  return { kind: 's3', bucket: bucket!, prefix: joined ? `${joined}/` : '', endpoint, region }
}

/** Where the newsroom lives: one SQLite file (or memory), or a PostgreSQL database any number of servers share. */
export type DatabaseTarget =
  | { engine: 'sqlite', /** A file path, or ':memory:'. */ path: string }
  | { engine: 'postgres', url: string, /** Connections each process keeps at most. */ poolMax: number }

/** The database a DATABASE_URL names. */
export function databaseTarget (url: string, poolMax = 10): DatabaseTarget {
  return url.startsWith('file:') ? { engine: 'sqlite', path: url.slice('file:'.length) } : { engine: 'postgres', url, poolMax }
}

export interface Config {
  port: number
  host: string
  database: DatabaseTarget
  adminToken: string | undefined
  /** The bearer token GET /metrics answers to; unset, metrics are off and /metrics is 404. */
  metricsToken: string | undefined
  demoContent: boolean
  /** Base URL for links, without a trailing slash. */
  publicUrl: string
  /** The publication's name: feed titles and the feeds' publisher author. */
  siteName: string
  cacheMaxAge: number
  /** How long a client may take to send a whole request; slower ones get 408 and are cut off. */
  requestTimeoutMs: number
  /** Failed authentications per client IP per window before token-carrying requests get 429. */
  authFailureLimit: number
  authFailureWindowMs: number
  /** Requests a minute per IP (anonymous) or per token; 0 is off. */
  rateLimitReads: number
  rateLimitWrites: number
  /** Whether, or which, proxies' X-Forwarded-For to believe for the client IP. */
  trustProxy: boolean | string[]
  /** Origins allowed by CORS; empty means no CORS headers. */
  corsOrigins: string[]
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL']
  /** Server processes sharing the port and the database file. */
  workers: number
  /** Bounds of the in-memory cache of anonymous answers, per process. */
  responseCacheMaxBytes: number
  responseCacheMaxEntries: number
  /** Open sockets one process accepts; beyond it new connections are refused, so idle ones cannot exhaust file descriptors. */
  maxConnections: number
  /** How long /v1/changes keeps entries (and so how old a cursor may be), in ms. */
  changesRetentionMs: number
  /** Whether webhooks may point at loopback, private and other non-public addresses. */
  webhookAllowPrivate: boolean
  /** Delays between delivery attempts, in ms: one more attempt than delays in all. */
  webhookRetryDelaysMs: number[]
  /** Time a receiver has to answer one attempt. */
  webhookTimeoutMs: number
  mediaStorage: MediaStorageTarget
  /** The largest upload, in bytes, and the largest image, in pixels: beyond either, 413. */
  mediaMaxBytes: number
  mediaMaxPixels: number
}

function parseTrustProxy (value: string): boolean | string[] {
  if (value === 'true' || value === 'false') return value === 'true'
  return value.split(',')
}

export class ConfigError extends Error {}

/** Parses the environment; throws one ConfigError naming every bad variable. */
export function loadConfig (env: NodeJS.ProcessEnv): Config {
  // An empty variable means "not set", as in most twelve-factor apps.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''))
  const parsed = EnvSchema.safeParse(present)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`)
  }
  const e = parsed.data
  return {
    port: e.PORT,
    host: e.HOST,
    database: databaseTarget(e.DATABASE_URL, e.DATABASE_POOL_MAX),
    adminToken: e.CMS_ADMIN_TOKEN,
    metricsToken: e.CMS_METRICS_TOKEN,
    demoContent: e.CMS_DEMO_CONTENT,
    publicUrl: (e.CMS_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    siteName: e.CMS_SITE_NAME,
    cacheMaxAge: e.CMS_CACHE_MAX_AGE,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    authFailureLimit: e.AUTH_FAILURE_LIMIT,
    authFailureWindowMs: e.AUTH_FAILURE_WINDOW_SECONDS * 1000,
    rateLimitReads: e.RATE_LIMIT_READS_PER_MINUTE,
    rateLimitWrites: e.RATE_LIMIT_WRITES_PER_MINUTE,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    workers: e.CMS_WORKERS,
    responseCacheMaxBytes: e.RESPONSE_CACHE_MB * 1024 * 1024,
    responseCacheMaxEntries: e.RESPONSE_CACHE_ENTRIES,
    maxConnections: e.MAX_CONNECTIONS,
    changesRetentionMs: e.CMS_CHANGES_RETENTION_DAYS * 86_400_000,
    webhookAllowPrivate: e.CMS_WEBHOOK_ALLOW_PRIVATE,
    webhookRetryDelaysMs: e.CMS_WEBHOOK_RETRY_SECONDS.map((seconds) => seconds * 1000),
    webhookTimeoutMs: e.CMS_WEBHOOK_TIMEOUT_MS,
    mediaStorage: mediaStorageTarget(e.CMS_MEDIA_STORAGE, e.CMS_S3_ENDPOINT, e.CMS_S3_REGION),
    mediaMaxBytes: e.CMS_MEDIA_MAX_BYTES,
    mediaMaxPixels: e.CMS_MEDIA_MAX_PIXELS,
  }
}

/** A config for tests and tools: in-memory database, media in a temporary folder, no demo content, quiet logs. */
export function testConfig (overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ DATABASE_URL: 'file::memory:', CMS_DEMO_CONTENT: 'false', LOG_LEVEL: 'silent', CMS_MEDIA_STORAGE: `file:${join(tmpdir(), `newsroom-media-${process.pid}`)}` }),
    ...overrides,
  }
}
