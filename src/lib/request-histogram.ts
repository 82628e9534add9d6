import type { Metric } from 'prom-client'

interface Series {
  labels: Record<string, string>
  counts: number[]
  sum: number
  count: number
}

/**
 * A Prometheus histogram that prom-client's registry formats and its cluster aggregator sums, built
 * for the hot path: an observation is one Map lookup by a short string, a walk of
 * 14 bounds and three additions. (prom-client's own Histogram hashes a label object on every
 * observation: a few microseconds of a cached read.)
 */
export function createRequestHistogram (name: string, help: string, buckets: number[]) {
  const series = new Map<string, Series>()

  /** One request's duration, under the OpenTelemetry HTTP labels. */
  function observe (method: string, route: string, status: number, value: number): void {
    const key = `${method} ${route} ${status}`
    let s = series.get(key)
    if (!s) {
      s = { labels: { http_request_method: method, http_route: route, http_response_status_code: String(status) }, counts: buckets.map(() => 0), sum: 0, count: 0 }
      series.set(key, s)
    }
    let i = 0
    while (i < buckets.length && value > buckets[i]!) i++
    if (i < buckets.length) s.counts[i]!++
    s.sum += value
    s.count++
  }

  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    async get () {
      const values = [...series.values()].flatMap(({ labels, counts, sum, count }) => {
        let cumulative = 0
        return [
          ...buckets.map((le, i) => ({ labels: { le, ...labels }, value: (cumulative += counts[i]!), metricName: `${name}_bucket` })),
          { labels: { le: '+Inf', ...labels }, value: count, metricName: `${name}_bucket` },
          { labels, value: sum, metricName: `${name}_sum` },
          { labels, value: count, metricName: `${name}_count` },
        ]
      })
      return { name, help, type: 'histogram', values, aggregator: 'sum' }
    },
  }
  // Structurally what the registry reads of a metric (name, get()); prom-client's type is its class.
  return { observe, metric: metric as unknown as Metric }
}
