// The media library's costs (issue #19): upload throughput against sharp's re-encode alone (the floor
// an upload cannot go below), a variant's first request against serving it once made, a burst of first
// requests (the bounded queue at work), and the server's peak RSS through it all.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import sharp from 'sharp'
import { encodeUpload } from '../src/lib/image-work.js'
import { median } from './load.js'

export interface MediaBenchDeps {
  /** Starts the app with these extra variables on a port, ready at /healthz. */
  startApp: (env: Record<string, string>, port: number) => Promise<{ base: string, pid: number, stop: () => Promise<void> }>
  /** Loads the app with GETs of these paths for the run's duration (wrk or autocannon): req/s and p50. */
  loadPaths: (base: string, paths: string[]) => Promise<{ rps: number, p50: number }>
  peakRssMb: (pid: number) => number
  token: string
  seconds: number
}

/** A newsroom photo's size and texture: 3000 × 2000, noisy enough that JPEG works for its bytes. */
const photo = () => sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 120, g: 110, b: 100 }, noise: { type: 'gaussian', mean: 120, sigma: 40 } } })
  .jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer()

/** Runs `job` `concurrency` at a time until `seconds` pass; how many a second, and each one's time. */
async function throughput (seconds: number, concurrency: number, job: () => Promise<void>) {
  const times: number[] = []
  const started = performance.now()
  const until = started + seconds * 1000
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      const at = performance.now()
      await job()
      times.push(performance.now() - at)
    }
  }))
  return { perSecond: Number((times.length / ((performance.now() - started) / 1000)).toFixed(2)), p50: Number(median(times).toFixed(1)), count: times.length }
}

export async function mediaBench ({ startApp, loadPaths, peakRssMb, token, seconds }: MediaBenchDeps): Promise<Record<string, number>> {
  const bytes = await photo()
  console.log(`\nmedia: a ${Math.round(bytes.byteLength / 1024)} KB 3000 × 2000 JPEG`)
  // The floor: sharp's decode, rotate and re-encode of the same photo in this process, two at a time
  // (as the server's image queue runs them).
  const floor = await throughput(seconds, 2, async () => { await encodeUpload(bytes, 50_000_000) })
  console.log(`media: re-encode alone, 2 at a time: ${floor.perSecond}/s, p50 ${floor.p50} ms`)

  const folder = mkdtempSync(join(tmpdir(), 'cms-bench-media-'))
  const database = join(folder, 'media.db')
  const app = await startApp({ DATABASE_URL: `file:${database}`, CMS_MEDIA_STORAGE: `file:${join(folder, 'files')}` }, 4130)
  try {
    const ids: string[] = []
    const upload = async () => {
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'photo.jpg')
      form.append('alt', 'Ледоход на Волге у Ярославля')
      form.append('credit', 'Фото: бенчмарк')
      const res = await fetch(`${app.base}/v1/media`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`)
      ids.push(((await res.json()) as { id: string }).id)
    }
    const uploads = await throughput(seconds, 4, upload)
    console.log(`media: uploads, 4 clients: ${uploads.perSecond}/s, p50 ${uploads.p50} ms (${uploads.count} photos)`)

    // A variant's first request (made from the master, stored), one at a time, then the same variants again.
    const variant = (id: string) => `/v1/media/${id}/file?width=960&format=webp`
    const firsts: number[] = []
    for (const id of ids.slice(0, 20)) {
      const at = performance.now()
      const res = await fetch(app.base + variant(id))
      await res.arrayBuffer()
      if (res.status !== 200) throw new Error(`variant answered ${res.status}`)
      firsts.push(performance.now() - at)
    }
    const again: number[] = []
    for (const id of ids.slice(0, 20)) {
      const at = performance.now()
      await (await fetch(app.base + variant(id))).arrayBuffer()
      again.push(performance.now() - at)
    }
    const firstP50 = Number(median(firsts).toFixed(1))
    const againP50 = Number(median(again).toFixed(2))
    console.log(`media: a 960 px WebP variant, one request at a time: first p50 ${firstP50} ms, once made p50 ${againP50} ms`)
    // A burst of first requests for 60 variants at once: two are made at a time, twenty wait, the rest get 503.
    const burst = await Promise.all(ids.slice(0, 30).flatMap((id) => ['avif', 'png'].map(async (format) => {
      const res = await fetch(`${app.base}/v1/media/${id}/file?width=1280&format=${format}`)
      await res.arrayBuffer()
      return res.status
    })))
    const served = burst.filter((status) => status === 200).length
    const refused = burst.filter((status) => status === 503).length
    // wrk runs synchronously: after it, this process's idle keep-alive sockets may be closed under it, so fetches come first.
    const cached = await loadPaths(app.base, ids.slice(0, 20).map(variant))
    const master = await loadPaths(app.base, ids.slice(0, 20).map((id) => `/v1/media/${id}/file`))
    console.log(`media: the variants once made, under load: ${cached.rps} req/s, p50 ${cached.p50.toFixed(2)} ms; the 3000 px masters: ${master.rps} req/s`)

    const rss = peakRssMb(app.pid)
    console.log(`media: a burst of ${burst.length} first requests: ${served} made, ${refused} refused with 503; peak RSS ${rss} MB`)
    return {
      mediaUploadsPerSecond: uploads.perSecond,
      mediaUploadVsReencode: Number((uploads.perSecond / floor.perSecond).toFixed(2)),
      mediaVariantFirstP50Ms: firstP50,
      mediaVariantCachedRps: cached.rps,
      mediaVariantFirstVsCachedP50: Number((firstP50 / Math.max(0.01, againP50)).toFixed(1)),
      mediaBurstServed: served,
      mediaBurstRefused: refused,
      mediaPeakRssMb: rss,
    }
  } finally {
    await app.stop()
    rmSync(folder, { recursive: true, force: true })
  }
}
