import { z } from 'zod'
import { MEDIA_TYPES } from '../../domain/records.js'
import { Cursor, Id, Limit, page, Timestamp } from '../../lib/schemas.js'
import { text } from '../../lib/text.js'

/** The widths a variant may have, and the formats it may be in (API.md, Media). */
export const VARIANT_WIDTHS = [160, 320, 640, 960, 1280, 1920] as const
export const VARIANT_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const
export type VariantFormat = typeof VARIANT_FORMATS[number]

const FocalPoint = z.object({
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
}).describe('Where the subject is, from the top left corner (0, 0) to the bottom right (1, 1): crops keep it in view')

export const Media = z.object({
  id: Id,
  url: z.string().describe('Absolute URL of the image file'),
  mimeType: z.enum(MEDIA_TYPES),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int().describe('Size of the file at `url`'),
  alt: z.string(),
  caption: z.string().nullable(),
  credit: z.string().nullable(),
  focalPoint: FocalPoint.nullable(),
  placeholder: z.string().describe('A tiny blurred preview as a data: URI (at most 2 KB), to show while the image loads'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Media' })
export type Media = z.infer<typeof Media>

export const MediaPage = page(Media).meta({ id: 'MediaPage' })

const Alt = text({ max: 500 })
const Caption = text({ max: 2000, multiline: true }).nullable()
const Credit = text({ max: 300 }).nullable()

/** The text fields of an upload's form, beside its `file` part. */
export const MediaFields = z.strictObject({
  alt: Alt.default(''),
  caption: Caption.default(null),
  credit: Credit.default(null),
})
export type MediaFields = z.infer<typeof MediaFields>

export const MediaUpload = z.object({
  file: z.string().meta({ format: 'binary' }).describe('JPEG, PNG, WebP, AVIF or GIF, recognised from its bytes'),
  alt: Alt.optional().describe('Text for readers who cannot see the image'),
  caption: Caption.optional(),
  credit: Credit.optional().describe('Photographer or agency, e.g. «Фото: Иван Петров / ТАСС»'),
}).meta({ id: 'MediaUpload' })

export const MediaPatch = z.strictObject({
  alt: Alt.optional(),
  caption: Caption.optional(),
  credit: Credit.optional(),
  focalPoint: FocalPoint.nullable().optional(),
}).meta({ id: 'MediaPatch' })
export type MediaPatch = z.infer<typeof MediaPatch>

export const MediaListQuery = z.strictObject({ limit: Limit, cursor: Cursor })

export const MediaFileQuery = z.strictObject({
  width: z.enum(VARIANT_WIDTHS.map(String) as [string, ...string[]]).transform(Number).optional()
    .describe('One of 160, 320, 640, 960, 1280, 1920, not wider than the image'),
  format: z.enum(VARIANT_FORMATS).optional().describe('The variant’s format; the image’s own when absent'),
})
export type MediaFileQuery = z.infer<typeof MediaFileQuery>
