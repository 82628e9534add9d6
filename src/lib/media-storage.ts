import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { MediaStorageTarget } from '../config.js'

/**
 * Where media files live: the re-encoded master of each image and the variants made from it, under
 * keys `<mediaId>/<name>`. Files never change once written (a variant is made again only if it is gone).
 */
export interface MediaStorage {
  put (key: string, data: Buffer, contentType: string): Promise<void>
  /** The file's bytes, or undefined when there is none. */
  get (key: string): Promise<Buffer | undefined>
  /** Removes every file under `<prefix>/`. */
  removeAll (prefix: string): Promise<void>
}

/** Files in a folder; written to a temporary name and renamed, so a reader never sees half a file. */
export function folderStorage (folder: string): MediaStorage {
  const root = resolve(folder)
  const path = (key: string) => join(root, key)
  return {
    async put (key, data) {
      const target = path(key)
      await mkdir(dirname(target), { recursive: true })
      const temporary = `${target}.${randomUUID()}.tmp`
      await writeFile(temporary, data)
      await rename(temporary, target)
    },
    async get (key) {
      try {
        return await readFile(path(key))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    },
    async removeAll (prefix) {
      await rm(path(prefix), { recursive: true, force: true })
    },
  }
}

/**
 * Objects in an S3-compatible bucket (AWS, MinIO, R2…); credentials from the standard AWS_* variables.
 * The SDK is loaded on first use: a newsroom on a folder never pays its start-up time.
 */
export function s3Storage (target: Extract<MediaStorageTarget, { kind: 's3' }>, credentials?: { accessKeyId: string, secretAccessKey: string }): MediaStorage {
  const sdk = import('@aws-sdk/client-s3').then((s3) => ({
    ...s3,
    client: new s3.S3Client({
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint, forcePathStyle: true } : {}),
      ...(credentials ? { credentials } : {}),
      // Checksums only where S3 requires them: many S3-compatible stores reject the newer default headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  }))
  // Not loaded until used; a failure to load shows in the first use's error instead.
  sdk.catch(() => {})
  const Bucket = target.bucket
  const objectKey = (key: string) => target.prefix + key
  return {
    async put (key, data, contentType) {
      const { client, PutObjectCommand } = await sdk
      await client.send(new PutObjectCommand({ Bucket, Key: objectKey(key), Body: data, ContentType: contentType }))
    },
    async get (key) {
      const { client, GetObjectCommand } = await sdk
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key) }))
        return object.Body ? Buffer.from(await object.Body.transformToByteArray()) : undefined
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined
        throw error
      }
    },
    async removeAll (prefix) {
      const { client, ListObjectsV2Command, DeleteObjectsCommand } = await sdk
      for (;;) {
        const listed = await client.send(new ListObjectsV2Command({ Bucket, Prefix: objectKey(`${prefix}/`) }))
        const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []))
        if (keys.length === 0) return
        await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys } }))
        if (!listed.IsTruncated) return
      }
    },
  }
}

export function openMediaStorage (target: MediaStorageTarget): MediaStorage {
  return target.kind === 'file' ? folderStorage(target.folder) : s3Storage(target)
}
