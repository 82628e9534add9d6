import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { describe, test, type TestContext } from 'node:test'
import exifReader from 'exif-reader'
import S3rver from 's3rver'
import sharp from 'sharp'
import { pino } from 'pino'
import { folderStorage, s3Storage, type MediaStorage } from '../src/lib/media-storage.js'
import { prepareStore } from '../src/prepare.js'
import { BusyError, workQueue } from '../src/lib/work-queue.js'
import { setup, ADMIN_TOKEN, type Harness } from './helpers/app.js'

// The media library: what an upload becomes (never the upload itself), variants, storage in a folder
// or S3, and the places media show up — article covers, feeds, webhooks and /v1/changes.

const SERIAL = 'CAM-SERIAL-0042917'
const XMP_CITY = 'XMP-SECRET-CITY'

/** A photo as a source's camera leaves it: GPS position, camera make and serial, XMP, turned by EXIF orientation 6. */
async function sourcePhoto ({ width = 2000, height = 1000 } = {}): Promise<Buffer> {
  const plain = await sharp({ create: { width, height, channels: 3, background: { r: 180, g: 40, b: 40 } } })
    .composite([{ input: { create: { width: Math.round(width / 4), height, channels: 3, background: { r: 20, g: 20, b: 200 } } }, left: 0, top: 0 }])
    .jpeg()
    .withExif({
      IFD0: { Make: 'Canon', Model: 'EOS R5', Artist: 'Источник редакции' },
      IFD2: { BodySerialNumber: SERIAL },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '55/1 45/1 2100/100', GPSLongitudeRef: 'E', GPSLongitude: '37/1 37/1 1200/100' },
    })
    .withXmp(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="${XMP_CITY}"/></rdf:RDF></x:xmpmeta>`)
    .toBuffer()
  return sharp(plain).withMetadata({ orientation: 6 }).keepExif().keepXmp().toBuffer()
}

const png = (width = 400, height = 300) => sharp({ create: { width, height, channels: 4, background: '#2a6' } }).png().toBuffer()

const createToken = async (h: Harness, role: 'viewer' | 'editor') =>
  (await h.call('POST', '/v1/tokens', { body: { name: `Токен ${role}`, role } })).body.token as string

/** Where a test's media files go, and what is in there: a folder, or a bucket of a local S3-compatible server. */
interface StorageUnderTest {
  storage: MediaStorage
  /** Every file's key, `<mediaId>/<name>`. */
  keys: () => Promise<string[]>
}

const storages: Record<'folder' | 'S3', (t: TestContext) => Promise<StorageUnderTest>> = {
  async folder (t) {
    const folder = mkdtempSync(join(tmpdir(), 'cms-media-'))
    t.after(() => rmSync(folder, { recursive: true, force: true }))
    return { storage: folderStorage(folder), keys: async () => readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(folder, join(e.parentPath, e.name))).sort() }
  },
  async S3 (t) {
    const directory = mkdtempSync(join(tmpdir(), 'cms-s3-'))
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'newsroom', configs: [] }] })
    const { port } = await server.run()
    t.after(async () => { await server.close(); rmSync(directory, { recursive: true, force: true }) })
    const endpoint = `http://127.0.0.1:${port}`
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
    return {
      storage: s3Storage({ kind: 's3', bucket: 'newsroom', prefix: 'media/', endpoint, region: 'us-east-1' }, credentials),
      keys: async () => ((await client.send(new ListObjectsV2Command({ Bucket: 'newsroom' }))).Contents ?? []).map((o) => o.Key!.replace(/^media\//, '')).sort(),
    }
  },
}

/** A harness whose media files live in the given storage. */
async function setupWith (t: TestContext, kind: keyof typeof storages, overrides: Parameters<typeof setup>[1] = {}, wrap = (storage: MediaStorage) => storage) {
  const under = await storages[kind](t)
  return { h: await setup(t, overrides, ':memory:', wrap(under.storage)), ...under }
}

interface Upload { status: number, body: any, headers: Record<string, string> }

/** A multipart upload, as a browser form or curl -F sends it; the answer is checked against the document. */
async function upload (h: Harness, file: Buffer | undefined, { name = 'photo.jpg', type = 'image/jpeg', fields = {} as Record<string, string>, token = ADMIN_TOKEN as string | null } = {}): Promise<Upload> {
  let request = h.request().post('/v1/media')
  if (token) request = request.set('Authorization', `Bearer ${token}`)
  for (const [key, value] of Object.entries(fields)) request = request.field(key, value)
  if (file) request = request.attach('file', file, { filename: name, contentType: type })
  const res = await request
  h.check('POST', '/v1/media', { statusCode: res.status, headers: res.headers, body: res.text })
  return { status: res.status, body: res.body, headers: res.headers as Record<string, string> }
}

/** GET of a file, its bytes as a Buffer. */
async function file (h: Harness, url: string, headers: Record<string, string> = {}) {
  const path = url.replace(/^https?:\/\/[^/]+/, '')
  let request = h.request().get(path).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('end', () => done(null, Buffer.concat(chunks)))
  })
  for (const [key, value] of Object.entries(headers)) request = request.set(key, value)
  const res = await request
  return { status: res.status, headers: res.headers as Record<string, string>, bytes: res.body as Buffer }
}

/** Nothing a source's camera wrote survives in these bytes. */
async function assertClean (bytes: Buffer, what: string) {
  const text = bytes.toString('latin1')
  for (const secret of [SERIAL, XMP_CITY, 'Canon', 'EOS R5']) assert.ok(!text.includes(secret), `${what} carries ${secret}`)
  const meta = await sharp(bytes).metadata()
  assert.equal(meta.exif, undefined, `${what} carries EXIF`)
  assert.equal(meta.xmp, undefined, `${what} carries XMP`)
  assert.equal(meta.iptc, undefined, `${what} carries IPTC`)
  assert.equal(meta.orientation, undefined, `${what} still needs turning`)
}

for (const kind of Object.keys(storages) as Array<keyof typeof storages>) {
  describe(`uploads and variants, media in ${kind === 'S3' ? 'an S3-compatible store' : 'a folder'}`, () => {
    test('an upload is stored re-encoded and upright: no GPS, camera serial, XMP or orientation in any served or stored byte', async (t) => {
      const { h, storage, keys } = await setupWith(t, kind)
      const original = await sourcePhoto()
      // The test photo really carries what must not leave.
      const exif = exifReader((await sharp(original).metadata()).exif!)
      assert.deepEqual(exif.GPSInfo?.GPSLatitude, [55, 45, 21])
      assert.equal(exif.Photo?.BodySerialNumber, SERIAL)
      assert.equal((await sharp(original).metadata()).orientation, 6)

      const res = await upload(h, original, { fields: { alt: 'Ледоход на Волге', caption: '«Лёд тронулся», — сказал дежурный', credit: 'Фото: Иван Петров' } })
      assert.equal(res.status, 201)
      assert.equal(res.headers.location, `http://localhost:3000/v1/media/${res.body.id}`)
      assert.equal(res.body.mimeType, 'image/jpeg')
      // Orientation 6 turns a 2000 × 1000 sensor image into a 1000 × 2000 photo.
      assert.deepEqual([res.body.width, res.body.height], [1000, 2000])
      assert.equal(res.body.alt, 'Ледоход на Волге')
      assert.equal(res.body.credit, 'Фото: Иван Петров')
      assert.match(res.body.placeholder, /^data:image\/webp;base64,/)
      assert.ok(res.body.placeholder.length <= 2048, `placeholder is ${res.body.placeholder.length} bytes`)

      const master = await file(h, res.body.url)
      assert.equal(master.status, 200)
      assert.equal(master.bytes.byteLength, res.body.bytes)
      assert.ok(!master.bytes.equals(original), 'the upload itself is never served')
      await assertClean(master.bytes, 'the file')
      const turned = await sharp(master.bytes).metadata()
      assert.deepEqual([turned.width, turned.height], [1000, 2000])
      // Upright: the blue quarter the camera put on the left of its sensor is now at the top.
      const { data } = await sharp(master.bytes).resize(10, 20, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true })
      assert.ok(data[2]! > 150 && data[0]! < 100, 'the top left pixel is blue')

      for (const query of ['width=640&format=webp', 'width=320&format=avif', 'width=960', 'format=png']) {
        const variant = await file(h, `${res.body.url}?${query}`)
        assert.equal(variant.status, 200, query)
        await assertClean(variant.bytes, `the ${query} variant`)
      }
      // Nothing of the upload is kept either: storage holds what is served, and nothing carries the serial.
      const stored = await keys()
      assert.deepEqual(stored, [`${res.body.id}/320.avif`, `${res.body.id}/640.webp`, `${res.body.id}/960.jpeg`, `${res.body.id}/full.png`, `${res.body.id}/master`])
      for (const key of stored) await assertClean((await storage.get(key))!, `stored ${key}`)
    })

    test('the type comes from the bytes: SVG, HTML, PDF and a file that only claims to be an image are 415, and nothing is stored', async (t) => {
      const { h, keys } = await setupWith(t, kind)
      // An SVG that libvips would happily decode: only recognising the bytes keeps it out.
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" onload="alert(1)"><rect width="300" height="200" fill="red"/><script>alert(document.cookie)</script></svg>')
      assert.equal((await sharp(svg).metadata()).format, 'svg')
      const refused: Array<[string, Buffer, string, string]> = [
        ['SVG', svg, 'photo.svg', 'image/svg+xml'],
        ['SVG named .jpg', svg, 'photo.jpg', 'image/jpeg'],
        ['HTML', Buffer.from('<!doctype html><html><script>alert(1)</script></html>'), 'photo.png', 'image/png'],
        ['PDF', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF'), 'photo.jpg', 'image/jpeg'],
        ['JPEG magic then garbage', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]), 'photo.jpg', 'image/jpeg'],
      ]
      for (const [what, bytes, name, type] of refused) {
        const res = await upload(h, bytes, { name, type })
        assert.equal(res.status, 415, what)
        assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE', what)
      }
      assert.equal((await h.call('GET', '/v1/media')).body.meta.total, 0)
      assert.deepEqual(await keys(), [])
      // A PNG sent as a GIF is a PNG.
      const res = await upload(h, await png(), { name: 'photo.gif', type: 'image/gif' })
      assert.equal(res.status, 201)
      assert.equal(res.body.mimeType, 'image/png')
      assert.equal((await file(h, res.body.url)).headers['content-type'], 'image/png')
    })

    test('limits: a file over CMS_MEDIA_MAX_BYTES or an image over CMS_MEDIA_MAX_PIXELS is 413; a second file, no file, a bad field are 4xx; nothing is stored', async (t) => {
      const { h, keys } = await setupWith(t, kind, { mediaMaxBytes: 200_000, mediaMaxPixels: 1_000_000 })
      const big = Buffer.concat([await png(100, 100), Buffer.alloc(300_000)])
      const tooBig = await upload(h, big, { name: 'a.png', type: 'image/png' })
      assert.equal(tooBig.status, 413)
      assert.equal(tooBig.body.code, 'PAYLOAD_TOO_LARGE')
      // 2000 × 1000 pixels, small in bytes.
      const wide = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#fff' } }).png().toBuffer()
      assert.ok(wide.byteLength < 200_000)
      const tooWide = await upload(h, wide, { name: 'a.png', type: 'image/png' })
      assert.equal(tooWide.status, 413)
      assert.match(tooWide.body.detail, /2000000 pixels/)
      assert.equal((await upload(h, undefined, { fields: { alt: 'без файла' } })).status, 400)
      assert.equal((await upload(h, await png(), { fields: { alt: 'x'.repeat(501) } })).status, 400)
      assert.equal((await upload(h, await png(), { fields: { unknown: 'x' } })).status, 400)
      const two = await h.request().post('/v1/media').set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .attach('file', await png(), 'a.png').attach('file', await png(), 'b.png')
      assert.equal(two.status, 413)
      const json = await h.call('POST', '/v1/media', { body: { file: 'not multipart' } })
      assert.equal(json.status, 415)
      assert.equal((await h.call('GET', '/v1/media')).body.meta.total, 0)
      assert.deepEqual(await keys(), [])
    })

    test('a variant is made on first request, once for concurrent requests, then served from storage with immutable caching, ETag and 304', async (t) => {
      const puts: string[] = []
      const spy = (inner: MediaStorage): MediaStorage => ({ ...inner, put: (key, data, type) => { puts.push(key); return inner.put(key, data, type) } })
      const { h } = await setupWith(t, kind, {}, spy)
      const { body: photo } = await upload(h, await sourcePhoto())
      puts.length = 0
      const url = `${photo.url}?width=640&format=webp`
      const answers = await Promise.all(Array.from({ length: 6 }, () => file(h, url)))
      assert.deepEqual(puts, [`${photo.id}/640.webp`], 'six concurrent first requests make the variant once')
      for (const answer of answers) assert.ok(answer.bytes.equals(answers[0]!.bytes))
      const first = answers[0]!
      assert.equal(first.headers['content-type'], 'image/webp')
      assert.equal(first.headers['cache-control'], 'public, max-age=31536000, immutable')
      assert.equal(first.headers['x-content-type-options'], 'nosniff')
      const meta = await sharp(first.bytes).metadata()
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 640, 1280])

      const again = await file(h, url, { authorization: `Bearer ${ADMIN_TOKEN}` })
      assert.ok(again.bytes.equals(first.bytes))
      assert.equal(again.headers['cache-control'], 'public, max-age=31536000, immutable', 'the same for every caller')
      assert.deepEqual(puts, [`${photo.id}/640.webp`], 'later requests read what was stored')
      const notModified = await file(h, url, { 'if-none-match': first.headers.etag! })
      assert.equal(notModified.status, 304)
      assert.equal(notModified.bytes.byteLength, 0)
      assert.equal(notModified.headers.etag, first.headers.etag)
      assert.notEqual((await file(h, `${photo.url}?width=320&format=webp`)).headers.etag, first.headers.etag)
    })

    test('media in use by an article that is not purged cannot be deleted (409); after the purge it can, and its files are gone', async (t) => {
      const { h, keys } = await setupWith(t, kind)
      const { body: photo } = await upload(h, await png())
      await file(h, `${photo.url}?width=320&format=webp`)
      const article = (await h.call('POST', '/v1/articles', { body: { title: 'С обложкой', coverImage: { mediaId: photo.id } } })).body
      assert.equal((await h.call('DELETE', `/v1/media/${photo.id}`)).status, 409)
      await h.call('DELETE', `/v1/articles/${article.id}`)
      const inTrash = await h.call('DELETE', `/v1/media/${photo.id}`)
      assert.equal(inTrash.status, 409, 'the trash still uses it')
      assert.equal(inTrash.body.code, 'MEDIA_IN_USE')
      assert.equal((await file(h, photo.url)).status, 200)
      await h.call('DELETE', `/v1/articles/${article.id}?permanent=true`)
      assert.equal((await h.call('DELETE', `/v1/media/${photo.id}`)).status, 204)
      assert.equal((await h.get(`/v1/media/${photo.id}`)).status, 404)
      assert.equal((await h.get(`/v1/media/${photo.id}/file`)).status, 404)
      assert.deepEqual(await keys(), [], 'the master and its variants are gone')
    })
  })
}

describe('formats', () => {
  test('JPEG, PNG, WebP, AVIF and GIF (animated too) are taken and served in their own type', async (t) => {
    const h = await setup(t)
    const base = () => sharp({ create: { width: 320, height: 240, channels: 3, background: '#c33' } })
    const frame = (background: string) => sharp({ create: { width: 64, height: 48, channels: 3, background } }).png().toBuffer()
    const animated = await sharp([await frame('#c33'), await frame('#36c')], { join: { animated: true } }).gif({ delay: [200, 200] }).toBuffer()
    const samples: Array<[string, Buffer]> = [
      ['image/jpeg', await base().jpeg().toBuffer()],
      ['image/png', await base().png().toBuffer()],
      ['image/webp', await base().webp().toBuffer()],
      ['image/avif', await base().avif().toBuffer()],
      ['image/gif', await base().gif().toBuffer()],
      ['image/gif', animated],
    ]
    for (const [type, bytes] of samples) {
      const res = await upload(h, bytes, { name: 'photo.bin', type: 'application/octet-stream' })
      assert.equal(res.status, 201, `${type}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.mimeType, type)
      const served = await file(h, res.body.url)
      assert.equal(served.headers['content-type'], type)
      assert.equal((await file(h, `${res.body.url}?format=webp`)).headers['content-type'], 'image/webp')
    }
    // The animation survives: two frames of 64 × 48, in the GIF and in its WebP variant.
    const { body: gif } = await upload(h, animated, { name: 'anim.gif', type: 'image/gif' })
    assert.deepEqual([gif.width, gif.height], [64, 48])
    for (const url of [gif.url, `${gif.url}?format=webp`]) {
      const meta = await sharp((await file(h, url)).bytes, { animated: true }).metadata()
      assert.deepEqual([meta.pages, meta.pageHeight], [2, 48], url)
    }
  })
})

describe('malformed uploads', () => {
  test('a multipart body that cannot be read — no boundary, another boundary, cut short, bad fields — is 400, not 500, and stores nothing', async (t) => {
    const h = await setup(t)
    const part = '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG'
    const bodies: Array<[string, string, string]> = [
      ['no boundary', 'multipart/form-data', 'abc'],
      ['another boundary', 'multipart/form-data; boundary=xyz', `${part}\r\n--abc--\r\n`],
      ['cut short', 'multipart/form-data; boundary=abc', part],
      ['a field declared JSON that is not', 'multipart/form-data; boundary=abc',
        '--abc\r\nContent-Disposition: form-data; name="alt"\r\nContent-Type: application/json\r\n\r\n{не json\r\n--abc--\r\n'],
      ['a __proto__ field', 'multipart/form-data; boundary=abc', '--abc\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\nx\r\n--abc--\r\n'],
    ]
    for (const [what, type, body] of bodies) {
      const res = await h.call('POST', '/v1/media', { body, headers: { 'content-type': type } })
      assert.equal(res.status, 400, `${what}: ${res.raw}`)
      assert.equal(res.body.code, 'MALFORMED_MULTIPART', what)
    }
    assert.equal((await h.call('GET', '/v1/media')).body.meta.total, 0)
  })
})

describe('media by role', () => {
  test('roles: uploading and editing need an editor, the library a viewer; one image’s record and file are public', async (t) => {
    const h = await setup(t)
    const viewer = await createToken(h, 'viewer')
    assert.equal((await upload(h, await png(), { token: null })).status, 401)
    assert.equal((await upload(h, await png(), { token: viewer })).status, 403)
    const created = (await upload(h, await png())).body
    assert.equal((await h.get('/v1/media')).status, 401)
    assert.equal((await h.call('GET', '/v1/media', { token: viewer })).body.data[0].id, created.id)
    assert.equal((await h.get(`/v1/media/${created.id}`)).body.id, created.id)
    assert.equal((await file(h, created.url)).status, 200)
    assert.equal((await h.call('PATCH', `/v1/media/${created.id}`, { token: viewer, body: { alt: 'x' } })).status, 403)
    assert.equal((await h.call('DELETE', `/v1/media/${created.id}`, { token: viewer })).status, 403)
  })
})

describe('variants', () => {
  test('a width off the list, wider than the image, or an unknown format is 400; an unknown id is 404', async (t) => {
    const h = await setup(t)
    const { body: small } = await upload(h, await png(400, 300))
    for (const query of ['width=500', 'width=640', 'width=abc', 'format=svg', 'format=gif', 'quality=10']) {
      const res = await h.get(`/v1/media/${small.id}/file?${query}`)
      assert.equal(res.status, 400, query)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, query)
    }
    assert.equal((await h.get(`/v1/media/${small.id}/file?width=320`)).status, 200)
    assert.equal((await h.get('/v1/media/01JDZQ0000000000000000000Z/file')).status, 404)
    assert.equal((await h.get('/v1/media/01JDZQ0000000000000000000Z')).status, 404)
  })

  test('image work is bounded: beyond the jobs running and waiting, a job is refused at once with 503', async () => {
    const run = workQueue({ concurrency: 1, waiting: 1 })
    let release!: () => void
    const blocker = new Promise<void>((resolve) => { release = resolve })
    const order: string[] = []
    const first = run(async () => { await blocker; order.push('first') })
    const second = run(async () => { order.push('second') })
    await assert.rejects(run(async () => { order.push('third') }), (error: unknown) => error instanceof BusyError && error.status === 503)
    release()
    await Promise.all([first, second])
    assert.deepEqual(order, ['first', 'second'])
    // Its slots are back: more work runs.
    assert.equal(await run(async () => 'again'), 'again')
  })
})

describe('media in articles, feeds, webhooks and changes', () => {
  test('an article’s cover from media reads { mediaId, url, alt, width, height, credit }; an unknown mediaId is 400', async (t) => {
    const h = await setup(t)
    const { body: photo } = await upload(h, await sourcePhoto(), { fields: { alt: 'Ледоход', credit: 'Фото: ТАСС' } })
    const res = await h.call('POST', '/v1/articles', { body: { title: 'Ледоход на Волге', status: 'published', coverImage: { mediaId: photo.id } } })
    assert.equal(res.status, 201)
    assert.deepEqual(res.body.coverImage, { mediaId: photo.id, url: photo.url, alt: 'Ледоход', width: 1000, height: 2000, credit: 'Фото: ТАСС' })
    const own = await h.call('PATCH', `/v1/articles/${res.body.id}`, { body: { coverImage: { mediaId: photo.id, alt: 'Льдины у причала' } } })
    assert.equal(own.body.coverImage.alt, 'Льдины у причала')
    const unknown = await h.call('POST', '/v1/articles', { body: { title: 'Без фото', coverImage: { mediaId: '01JDZQ0000000000000000000Z' } } })
    assert.equal(unknown.status, 400)
    assert.equal(unknown.body.errors[0].path, 'coverImage.mediaId')
    assert.equal((await h.call('GET', '/v1/articles?status=all')).body.meta.total, 1, 'the refused write changed nothing')
    // An external cover still works as before.
    const external = await h.call('POST', '/v1/articles', { body: { title: 'Внешнее фото', coverImage: { url: 'https://cdn.example.ru/a b.jpg' } } })
    assert.deepEqual(external.body.coverImage, { url: 'https://cdn.example.ru/a%20b.jpg', alt: '' })
  })

  test('changing a media’s credit and alt shows on the covers made of it (alt only where it was the media’s), with a new article ETag', async (t) => {
    const h = await setup(t)
    const { body: photo } = await upload(h, await png(), { fields: { alt: 'Старый alt', credit: 'Фото: старое' } })
    const plain = (await h.call('POST', '/v1/articles', { body: { title: 'Своя подпись нет', status: 'published', coverImage: { mediaId: photo.id } } }))
    const ownAlt = (await h.call('POST', '/v1/articles', { body: { title: 'Своя подпись есть', status: 'published', coverImage: { mediaId: photo.id, alt: 'Своя' } } })).body
    const cursor = (await h.get('/v1/changes')).body.meta.nextCursor as string
    // Read anonymously first, so that the answers are in the response cache: the edit must let them go.
    assert.equal((await h.get(`/v1/media/${photo.id}`)).body.alt, 'Старый alt')
    assert.equal((await h.get(`/v1/articles/${plain.body.id}`)).body.coverImage.credit, 'Фото: старое')
    const patched = await h.call('PATCH', `/v1/media/${photo.id}`, { body: { alt: 'Новый alt', credit: 'Фото: новое', focalPoint: { x: 0.25, y: 0.75 } } })
    assert.equal(patched.status, 200)
    assert.deepEqual(patched.body.focalPoint, { x: 0.25, y: 0.75 })
    assert.equal((await h.get(`/v1/media/${photo.id}`)).body.alt, 'Новый alt')
    const read = await h.get(`/v1/articles/${plain.body.id}`)
    assert.equal(read.body.coverImage.alt, 'Новый alt')
    assert.equal(read.body.coverImage.credit, 'Фото: новое')
    assert.notEqual(read.headers.etag, plain.headers.etag)
    // Sync clients are told to look again at both published articles, and see the new credit.
    const changed = (await h.get(`/v1/changes?cursor=${cursor}`)).body.data as Array<{ type: string, id: string, data: any }>
    assert.deepEqual(changed.map((c) => c.id).sort(), [plain.body.id, ownAlt.id].sort())
    for (const change of changed) assert.equal(change.data.coverImage.credit, 'Фото: новое')
    const other = (await h.get(`/v1/articles/${ownAlt.id}`)).body
    assert.equal(other.coverImage.alt, 'Своя')
    assert.equal(other.coverImage.credit, 'Фото: новое')
    // An edit no cover shows (the caption) touches no article: the media's own write lets its cached answer go.
    await h.call('PATCH', `/v1/media/${photo.id}`, { body: { caption: 'Подпись к снимку' } })
    assert.equal((await h.get(`/v1/media/${photo.id}`)).body.caption, 'Подпись к снимку')
  })

  test('feeds carry a media cover: RSS enclosure, Atom link rel="enclosure", JSON Feed image', async (t) => {
    const h = await setup(t)
    const { body: photo } = await upload(h, await png())
    await h.call('POST', '/v1/articles', { body: { title: 'С фото', status: 'published', coverImage: { mediaId: photo.id } } })
    await h.call('POST', '/v1/articles', { body: { title: 'Без фото', status: 'published' } })
    const rss = (await h.get('/v1/feed.rss')).raw
    assert.equal(rss.match(/<enclosure /g)?.length, 1)
    assert.ok(rss.includes(`<enclosure url="${photo.url}" length="${photo.bytes}" type="image/png"/>`), rss)
    const atom = (await h.get('/v1/feed.atom')).raw
    assert.ok(atom.includes(`<link rel="enclosure" type="image/png" length="${photo.bytes}" href="${photo.url}"/>`), atom)
    const json = (await h.get('/v1/feed.json')).body
    assert.deepEqual(json.items.map((item: any) => item.image), [undefined, photo.url])
  })

  test('media events reach webhooks and /v1/changes (viewer+ only): created, updated, deleted', async (t) => {
    const h = await setup(t)
    const viewer = await createToken(h, 'viewer')
    const start = (await h.call('GET', '/v1/changes', { token: viewer })).body.meta.nextCursor
    const publicStart = (await h.get('/v1/changes')).body.meta.nextCursor
    const { body: photo } = await upload(h, await png(), { fields: { alt: 'Первый' } })
    const first = await h.call('GET', `/v1/changes?cursor=${start}`, { token: viewer })
    assert.deepEqual(first.body.data.map((c: any) => [c.op, c.type, c.id]), [['upsert', 'media', photo.id]])
    assert.equal(first.body.data[0].data.url, photo.url)
    await h.call('PATCH', `/v1/media/${photo.id}`, { body: { alt: 'Второй' } })
    const second = await h.call('GET', `/v1/changes?cursor=${first.body.meta.nextCursor}`, { token: viewer })
    assert.equal(second.body.data[0].data.alt, 'Второй')
    await h.call('DELETE', `/v1/media/${photo.id}`)
    const third = await h.call('GET', `/v1/changes?cursor=${second.body.meta.nextCursor}`, { token: viewer })
    assert.deepEqual(third.body.data.map((c: any) => [c.op, c.type, c.id, c.data]), [['delete', 'media', photo.id, null]])
    assert.deepEqual((await h.get(`/v1/changes?cursor=${publicStart}`)).body.data, [], 'the public never learns of the library')
    // A viewer's initial sync lists the library too.
    const { body: kept } = await upload(h, await png())
    const initial = await h.call('GET', '/v1/changes', { token: viewer })
    assert.deepEqual(initial.body.data.filter((c: any) => c.type === 'media').map((c: any) => c.id), [kept.id])
    const events = await h.sql('SELECT event, data FROM change_log WHERE type = ? ORDER BY position', 'media')
    assert.deepEqual(events.map((row) => row.event), ['media.created', 'media.updated', 'media.deleted', 'media.created'])
  })
})

describe('media with several servers', () => {
  test('a start on PostgreSQL with media in a local folder warns that several servers need one shared folder or S3; with S3 or on SQLite it does not', async (t) => {
    const h = await setup(t)
    const lines: string[] = []
    const log = pino({ level: 'info' }, { write: (line: string) => { lines.push(line) } })
    const warnings = async (config: Parameters<typeof prepareStore>[1]) => {
      lines.length = 0
      await prepareStore(h.store, config, log)
      return lines.filter((line) => JSON.parse(line).level === 40).map((line) => JSON.parse(line).msg as string)
    }
    const postgres = { engine: 'postgres' as const, url: 'postgres://db.internal/newsroom', poolMax: 10 }
    const [warning] = await warnings({ ...h.config, database: postgres })
    assert.match(warning ?? '', /several servers.*one folder they all share.*CMS_MEDIA_STORAGE=s3:/)
    assert.deepEqual(await warnings({ ...h.config, database: postgres, mediaStorage: { kind: 's3', bucket: 'newsroom', prefix: '', endpoint: undefined, region: 'us-east-1' } }), [])
    assert.deepEqual(await warnings({ ...h.config, database: { engine: 'sqlite', path: ':memory:' } }), [])
  })
})
