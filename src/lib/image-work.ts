import type { Sharp, SharpOptions } from 'sharp'
import { MEDIA_TYPES, type MediaType } from '../domain/records.js'
import { AppError } from './errors.js'

// Everything done to image bytes: recognising them, re-encoding an upload without its metadata, and
// making variants. sharp (libvips) does the work off the event loop; the media routes' work queue
// bounds how much of it runs at once.

// sharp (libvips, a native library) and file-type are loaded on first use, not at start. libvips'
// operation cache holds decoded images for reuse: not worth its memory for images seen once.
let loaded: Promise<{ sharp: (input?: Buffer, options?: SharpOptions) => Sharp, fileTypeFromBuffer: typeof import('file-type').fileTypeFromBuffer }> | undefined
const libraries = () => (loaded ??= Promise.all([import('sharp'), import('file-type')]).then(([{ default: sharp }, { fileTypeFromBuffer }]) => {
  sharp.cache(false)
  return { sharp, fileTypeFromBuffer }
}))

const TYPE_OF = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', avif: 'image/avif', gif: 'image/gif' } as const satisfies Record<string, MediaType>
export type ImageFormat = keyof typeof TYPE_OF
const FORMAT_OF = Object.fromEntries(Object.entries(TYPE_OF).map(([format, type]) => [type, format])) as Record<MediaType, ImageFormat>

// The name sharp's metadata gives each type's decoder (AVIF is read by libheif).
const DECODER_OF: Record<MediaType, string> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'heif', 'image/gif': 'gif' }

/** The media type of a format, and the format of a media type. */
export const typeOfFormat = (format: ImageFormat): MediaType => TYPE_OF[format]
export const formatOf = (type: MediaType): ImageFormat => FORMAT_OF[type]

/**
 * The encoder settings of each format: sharp writes no metadata unless asked, so none is kept. Chosen
 * for time as well as bytes (a noisy 3000 × 2000 photo, bench/media.ts): mozjpeg's trellis search took
 * 2.6 s for 20 % fewer bytes than plain libjpeg-turbo's 0.16 s, AVIF effort 3 three times effort 2's
 * 0.7 s for the same bytes.
 */
function encode (image: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpeg': return image.jpeg({ quality: 82, progressive: true })
    case 'png': return image.png({ compressionLevel: 6 })
    case 'webp': return image.webp({ quality: 80 })
    case 'avif': return image.avif({ quality: 55, effort: 2 })
    case 'gif': return image.gif()
  }
}

export class UnsupportedImageError extends AppError {
  constructor (message: string) {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', message)
  }
}

export class ImageTooLargeError extends AppError {
  constructor (message: string) {
    super(413, 'PAYLOAD_TOO_LARGE', message)
  }
}

/** What an upload became: the file that is stored and served (never the upload itself), and its facts. */
export interface EncodedImage {
  data: Buffer
  mimeType: MediaType
  width: number
  height: number
  /** A blurred 16-pixel preview as a data: URI. */
  placeholder: string
}

/** The image type of these bytes, from their content alone; undefined for anything else (SVG, HTML, PDF…). */
export async function imageTypeOf (bytes: Uint8Array): Promise<MediaType | undefined> {
  const { fileTypeFromBuffer } = await libraries()
  const type = (await fileTypeFromBuffer(bytes))?.mime
  return MEDIA_TYPES.find((known) => known === type)
}

/**
 * Decodes an upload and encodes it again in its own format, turned upright by its EXIF orientation:
 * EXIF, GPS, XMP, IPTC and ICC data stay behind. Refuses what is not one of the five formats (415),
 * cannot be decoded (415), or has more than `maxPixels` pixels (413, before decoding it).
 */
export async function encodeUpload (bytes: Buffer, maxPixels: number): Promise<EncodedImage> {
  const mimeType = await imageTypeOf(bytes)
  if (!mimeType) throw new UnsupportedImageError('Only JPEG, PNG, WebP, AVIF and GIF images are accepted, recognised from their bytes')
  const { sharp } = await libraries()
  const animated = mimeType === 'image/gif' || mimeType === 'image/webp'
  let pixels: number
  try {
    const meta = await sharp(bytes, { animated }).metadata()
    // libvips picks its decoder from the bytes too: it must be the one for the type recognised.
    if (DECODER_OF[mimeType] !== meta.format) throw new Error(`decoded as ${meta.format}`)
    pixels = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0) * (meta.pages ?? 1)
  } catch {
    throw new UnsupportedImageError('The file could not be decoded as the image it claims to be')
  }
  if (pixels > maxPixels) throw new ImageTooLargeError(`The image has ${pixels} pixels; at most ${maxPixels} are accepted`)
  try {
    const { data, info } = await encode(sharp(bytes, { animated, limitInputPixels: maxPixels }).rotate(), FORMAT_OF[mimeType])
      .toBuffer({ resolveWithObject: true })
    return { data, mimeType, width: info.width, height: info.pageHeight ?? info.height, placeholder: await placeholderOf(sharp(data)) }
  } catch {
    throw new UnsupportedImageError('The file could not be decoded as the image it claims to be')
  }
}

async function placeholderOf (image: Sharp): Promise<string> {
  const preview = await image.resize(16, 16, { fit: 'inside' }).blur(1).webp({ quality: 40 }).toBuffer()
  return `data:image/webp;base64,${preview.toString('base64')}`
}

/** A variant of a stored image: `width` wide at most (never wider than the image), in `format`. */
export async function makeVariant (master: Buffer, masterType: MediaType, width: number | undefined, format: ImageFormat): Promise<Buffer> {
  // Animated GIF and WebP stay animated in formats that can be.
  const { sharp } = await libraries()
  const animated = (masterType === 'image/gif' || masterType === 'image/webp') && (format === 'gif' || format === 'webp')
  const image = sharp(master, { animated })
  return encode(width ? image.resize({ width, withoutEnlargement: true }) : image, format).toBuffer()
}
