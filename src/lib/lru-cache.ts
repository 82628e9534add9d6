/** What an entry costs beyond its own bytes: the Map slot, the object, the key's and headers' strings. */
const ENTRY_OVERHEAD = 256

export interface CachedResponse {
  body: Buffer
  /** Its own headers as name, value, name, value…: ready to be written with the shared ones. */
  head: string[]
  etag: string
  /** The generation seen before the body was read: the entry is good only while it is still current. */
  generation: string
}

/**
 * Cached responses by URL, bounded by count and by memory (body, key, headers and overhead all
 * counted), least recently used out first.
 */
export function createResponseStore ({ maxBytes, maxEntries }: { maxBytes: number, maxEntries: number }) {
  const entries = new Map<string, CachedResponse & { cost: number }>()
  let bytes = 0

  const costOf = (key: string, entry: CachedResponse) => {
    let cost = ENTRY_OVERHEAD + entry.body.length + key.length * 2 + entry.generation.length * 2
    for (const part of entry.head) cost += part.length * 2
    return cost
  }

  function remove (key: string): void {
    const entry = entries.get(key)
    if (!entry) return
    entries.delete(key)
    bytes -= entry.cost
  }

  return {
    get (key: string): CachedResponse | undefined {
      const entry = entries.get(key)
      if (!entry) return undefined
      // Most recently used last: Map keeps insertion order.
      entries.delete(key)
      entries.set(key, entry)
      return entry
    },

    /** Stores an entry unless it alone would take more than a sixteenth of the budget. */
    set (key: string, entry: CachedResponse): void {
      remove(key)
      const cost = costOf(key, entry)
      if (cost > maxBytes / 16) return
      entries.set(key, { ...entry, cost })
      bytes += cost
      for (const [oldest] of entries) {
        if (bytes <= maxBytes && entries.size <= maxEntries) break
        remove(oldest)
      }
    },

    clear (): void {
      entries.clear()
      bytes = 0
    },

    stats: () => ({ entries: entries.size, bytes }),
  }
}
