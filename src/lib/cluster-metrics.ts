import cluster from 'node:cluster'
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client'

// With CMS_WORKERS the workers share the port, so any of them may get the scrape; the primary, which
// serves no requests, gathers every worker's figures through prom-client's aggregator over IPC.

const ASK = 'cms:metrics?'
const ANSWER = 'cms:metrics'
const TIMEOUT_MS = 5_000

interface Answer { type: string, id: number, text?: string, error?: string }

let aggregator: AggregatorRegistry<PrometheusContentType> | undefined

/** In the primary: answers a worker's request with the metrics of all workers, aggregated. */
export function serveClusterMetrics (): void {
  aggregator ??= new AggregatorRegistry()
  const registry = aggregator
  cluster.on('message', (worker, message: Partial<Answer> | undefined) => {
    if (message?.type !== ASK) return
    registry.clusterMetrics().then(
      (text: string) => worker.send({ type: ANSWER, id: message.id, text }),
      (error: Error) => worker.send({ type: ANSWER, id: message.id, error: error.message }))
  })
}

/**
 * In a worker: offers the registry to the primary's aggregation (prom-client answers its requests)
 * and returns how to ask the primary for the whole cluster's text.
 */
export function clusterScrape (registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry])
  aggregator ??= new AggregatorRegistry()
  let next = 0
  const waiting = new Map<number, (answer: Answer) => void>()
  process.on('message', (message: Partial<Answer> | undefined) => {
    if (message?.type === ANSWER && message.id !== undefined) waiting.get(message.id)?.(message as Answer)
  })
  return () => new Promise((resolve, reject) => {
    const id = next++
    const timer = setTimeout(() => {
      waiting.delete(id)
      reject(new Error('the primary did not answer in time'))
    }, TIMEOUT_MS)
    waiting.set(id, (answer) => {
      clearTimeout(timer)
      waiting.delete(id)
      if (answer.text === undefined) reject(new Error(answer.error ?? 'no metrics'))
      else resolve(answer.text)
    })
    process.send!({ type: ASK, id })
  })
}
