import { mediaFilePath } from '../../domain/article-view.js'
import type { MediaData } from '../../domain/change-log.js'
import type { Media } from './media.schemas.js'

/** A media item with its file's absolute URL, from CMS_PUBLIC_URL: added where the response is built, never stored. */
export const withMediaUrl = (media: MediaData, publicUrl: string): Media => ({ ...media, url: publicUrl + mediaFilePath(media.id) })
