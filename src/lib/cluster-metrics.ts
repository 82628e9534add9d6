import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'

// With CMS_WORKERS the workers share the port, so any of them may get the scrape. It asks the primary,
// which serves no requests; the primary gathers the figures of every worker that listens, adds them up
// with prom-client's aggregation and answers. A worker still starting (a replacement, say) served
// nothing yet and is not asked: it could not answer before it loads, and the scrape would wait for it.

const ASK = 'cms:metrics?'
const ANSWER = 'cms:metrics'
const COLLECT = 'cms:metrics-json?'
const COLLECTED = 'cms:metrics-json'
const TIMEOUT_MS = 5_000

interface Message { type: string, id: number, text?: string, json?: object[], error?: string }

/** Sends `id`-numbered requests over IPC and settles each with its answer, or rejects it after TIMEOUT_MS. */
function requests<T> () {
  let next = 0
  const waiting = new Map<number, { settle: (answer: T) => void, timer: NodeJS.Timeout }>()
  return {
    ask (send: (id: number) => void): Promise<T> {
      return new Promise((resolve, reject) => {
        const id = next++
        const timer = setTimeout(() => {
          waiting.delete(id)
          reject(new Error('no answer in time'))
        }, TIMEOUT_MS)
        waiting.set(id, { settle: resolve, timer })
        send(id)
      })
    },
    answer (id: number, answer: T): void {
      const entry = waiting.get(id)
      if (!entry) return
      clearTimeout(entry.timer)
      waiting.delete(id)
      entry.settle(answer)
    },
  }
}

/** In the primary: answers a worker's request with the metrics of the listening workers (the supervisor's), aggregated. */
export function serveClusterMetrics (listening: () => Worker[]): void {
  const collections = requests<Message>()

  const gather = async (): Promise<string> => {
    const answers = await Promise.all(listening().filter((worker) => worker.isConnected())
      .map((worker) => collections.ask((id) => worker.send({ type: COLLECT, id }))))
    const failed = answers.find((answer) => answer.json === undefined)
    if (failed) throw new Error(failed.error ?? 'no metrics')
    return AggregatorRegistry.aggregate(answers.map((answer) => answer.json!)).metrics()
  }

  cluster.on('message', (worker, message: Partial<Message> | undefined) => {
    if (message?.id === undefined) return
    if (message.type === COLLECTED) collections.answer(message.id, message as Message)
    else if (message.type === ASK) {
      const id = message.id
      gather().then(
        (text) => worker.send({ type: ANSWER, id, text }),
        (error: Error) => worker.send({ type: ANSWER, id, error: error.message }))
    }
  })
}

/**
 * In a worker: answers the primary's requests for this worker's figures and returns how to ask the
 * primary for the whole cluster's text.
 */
export function clusterScrape (registry: Registry): () => Promise<string> {
  const scrapes = requests<Message>()
  process.on('message', (message: Partial<Message> | undefined) => {
    if (message?.id === undefined) return
    const id = message.id
    if (message.type === ANSWER) scrapes.answer(id, message as Message)
    else if (message.type === COLLECT) {
      registry.getMetricsAsJSON().then(
        (json) => process.send!({ type: COLLECTED, id, json }),
        (error: Error) => process.send!({ type: COLLECTED, id, error: error.message }))
    }
  })
  return async () => {
    const answer = await scrapes.ask((id) => process.send!({ type: ASK, id }))
    if (answer.text === undefined) throw new Error(answer.error ?? 'no metrics')
    return answer.text
  }
}
