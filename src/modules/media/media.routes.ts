import multipart from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { MediaRecord } from '../../domain/records.js'
import { AppError, BadRequestError, NotFoundError, ValidationError } from '../../lib/errors.js'
import { etagMatches } from '../../lib/etag.js'
import { newId, now } from '../../lib/ids.js'
import { encodeUpload, formatOf, makeVariant, typeOfFormat, type ImageFormat } from '../../lib/image-work.js'
import type { MediaStorage } from '../../lib/media-storage.js'
import { listPage } from '../../lib/pagination.js'
import { IdParams, NoContent, NotModified, problems } from '../../lib/schemas.js'
import { workQueue } from '../../lib/work-queue.js'
import { toMedia } from '../../store/shapes.js'
import type { MediaStore } from '../../store/store.js'
import { Media, MediaFields, MediaFileQuery, MediaListQuery, MediaPage, MediaPatch, MediaUpload } from './media.schemas.js'
import { withMediaUrl } from './media.view.js'

export interface MediaRouteOptions {
  media: MediaStore
  storage: MediaStorage
  publicUrl: string
  maxBytes: number
  maxPixels: number
}

// The master file's name: what is served without parameters. Variants are named by width and format.
const MASTER = 'master'
const fileKey = (id: string, name: string) => `${id}/${name}`
const variantName = (width: number | undefined, format: string) => `${width ?? 'full'}.${format}`

const ImageFile = z.any().describe('The image bytes')

/**
 * An upload's `file` part and text fields. The parser's limits stand (413); anything else it cannot
 * read (no boundary, a body cut short, a `__proto__` field, a field declared JSON that is not) is 400.
 */
async function readForm (request: FastifyRequest): Promise<{ upload: Buffer | undefined, fields: Record<string, string> }> {
  if (!request.isMultipart()) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the image as multipart/form-data with a `file` part')
  let upload: Buffer | undefined
  const fields: Record<string, string> = {}
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw new ValidationError([{ path: part.fieldname, message: 'the image goes in the part named `file`' }])
        upload = await part.toBuffer()
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value
      }
    }
  } catch (error) {
    if (error instanceof AppError || (error as { statusCode?: number }).statusCode === 413) throw error
    throw new BadRequestError(`The multipart body could not be read: ${(error as Error).message}`, 'MALFORMED_MULTIPART')
  }
  return { upload, fields }
}

export const mediaRoutes: FastifyPluginAsyncZod<MediaRouteOptions> = async (app, { media, storage, publicUrl, maxBytes, maxPixels }) => {
  const tags = ['Media']
  // Two images decoded at once, twenty more waiting; beyond that 503, not a queue that eats the memory.
  const imageWork = workQueue({ concurrency: 2, waiting: 20 })
  // Concurrent first requests for one variant make it once.
  const making = new Map<string, Promise<Buffer>>()

  await app.register(multipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 3, parts: 4, fieldSize: 16 * 1024, headerPairs: 100 },
  })

  const shown = (record: MediaRecord) => withMediaUrl(toMedia(record), publicUrl)

  app.post('/media', {
    config: { role: 'editor', multipartBody: MediaUpload },
    schema: {
      operationId: 'uploadMedia',
      tags,
      summary: 'Upload an image (multipart/form-data: `file`, and `alt`, `caption`, `credit`); it is stored re-encoded, without its metadata',
      response: { 201: Media, ...problems(401, 403, 413, 415, 503) },
    },
  }, async (request, reply) => {
    const { upload, fields } = await readForm(request)
    if (!upload) throw new ValidationError([{ path: 'file', message: 'is required: the image' }])
    const parsed = MediaFields.safeParse(fields)
    if (!parsed.success) throw new ValidationError(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })))
    const bytes = upload
    const image = await imageWork(() => encodeUpload(bytes, maxPixels))
    const at = now()
    const record: MediaRecord = {
      id: newId(),
      mimeType: image.mimeType,
      width: image.width,
      height: image.height,
      bytes: image.data.byteLength,
      ...parsed.data,
      focalX: null,
      focalY: null,
      placeholder: image.placeholder,
      createdAt: at,
      updatedAt: at,
    }
    // The file first: a record never points at a file that is not there. A failed insert leaves a
    // file nobody refers to, removed at once.
    await storage.put(fileKey(record.id, MASTER), image.data, image.mimeType)
    try {
      await media.create(record)
    } catch (error) {
      await storage.removeAll(record.id).catch(() => {})
      throw error
    }
    return reply.code(201).header('Location', `${publicUrl}/v1/media/${record.id}`).send(shown(record))
  })

  app.get('/media', {
    config: { role: 'viewer' },
    schema: {
      operationId: 'listMedia',
      tags,
      summary: 'The media library, newest first',
      querystring: MediaListQuery,
      response: { 200: MediaPage, 304: NotModified, ...problems(401, 403) },
    },
  }, async (request, reply) => {
    const page = await media.list(request.query.limit, request.query.cursor)
    return listPage(request, reply, publicUrl, request.query.limit, { ...page, items: page.items.map(shown) })
  })

  const existing = async (id: string) => {
    const record = await media.byId(id)
    if (!record) throw new NotFoundError('No media with this id')
    return record
  }

  app.get('/media/:id', {
    schema: {
      operationId: 'getMedia',
      tags,
      summary: 'One image’s record: its URL, size, alt, caption, credit and placeholder',
      params: IdParams,
      response: { 200: Media, 304: NotModified, ...problems(401, 404) },
    },
  }, async (request) => shown(await existing(request.params.id)))

  app.patch('/media/:id', {
    config: { role: 'editor' },
    schema: {
      operationId: 'updateMedia',
      tags,
      summary: 'Change an image’s alt, caption, credit or focal point; covers made of it show the new credit (and alt, where it was the image’s)',
      params: IdParams,
      body: MediaPatch,
      response: { 200: Media, ...problems(401, 403, 404, 413, 415) },
    },
  }, async (request) => {
    const { focalPoint, ...text } = request.body
    const changes = focalPoint === undefined ? text : { ...text, focalX: focalPoint?.x ?? null, focalY: focalPoint?.y ?? null }
    return shown(await media.update(request.params.id, changes))
  })

  app.delete('/media/:id', {
    config: { role: 'editor' },
    schema: {
      operationId: 'deleteMedia',
      tags,
      summary: 'Delete an image and its files; 409 while an article that is not purged has it as its cover',
      params: IdParams,
      response: { 204: NoContent, ...problems(401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await media.remove(request.params.id)
    await storage.removeAll(request.params.id)
    return reply.code(204).send()
  })

  /** A variant's bytes: from storage, or made from the master once and stored. */
  async function variant (record: MediaRecord, width: number | undefined, format: ImageFormat): Promise<Buffer> {
    const key = fileKey(record.id, variantName(width, format))
    const stored = await storage.get(key)
    if (stored) return stored
    let made = making.get(key)
    if (!made) {
      made = imageWork(async () => {
        const master = await storage.get(fileKey(record.id, MASTER))
        if (!master) throw new NotFoundError('The image’s file is missing from media storage')
        const bytes = await makeVariant(master, record.mimeType, width, format)
        await storage.put(key, bytes, typeOfFormat(format))
        return bytes
      }).finally(() => making.delete(key))
      making.set(key, made)
    }
    return made
  }

  app.get('/media/:id/file', {
    config: { responseCache: false, immutable: true },
    schema: {
      operationId: 'getMediaFile',
      tags,
      summary: 'The image file, or a variant of it by width and format (made on first request, then kept)',
      params: IdParams,
      querystring: MediaFileQuery,
      response: {
        200: { description: 'The image', content: Object.fromEntries(['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'].map((type) => [type, { schema: ImageFile }])) },
        304: NotModified,
        ...problems(401, 404, 503),
      },
    },
  }, async (request, reply) => {
    const record = await existing(request.params.id)
    const { width } = request.query
    if (width !== undefined && width > record.width) {
      throw new ValidationError([{ path: 'querystring.width', message: `must not exceed the image’s own width, ${record.width}` }])
    }
    const format = request.query.format ?? formatOf(record.mimeType)
    const plain = width === undefined && format === formatOf(record.mimeType)
    // The name of what is sent: files never change, so it is all an ETag needs.
    const etag = `"${record.id}.${plain ? MASTER : variantName(width, format)}"`
    reply.header('ETag', etag)
    // Nothing to read or make for a client that has it: the caching hook answers 304.
    const ifNoneMatch = request.headers['if-none-match']
    if (ifNoneMatch && etagMatches(ifNoneMatch, etag, 'weak')) return reply.send()
    const bytes = plain ? await storage.get(fileKey(record.id, MASTER)) : await variant(record, width, format)
    if (!bytes) throw new NotFoundError('The image’s file is missing from media storage')
    return reply.type(typeOfFormat(format)).send(bytes)
  })
}
