import { LRUCache } from 'lru-cache'

/** What an entry costs beyond its own bytes: the map slot, the object, the key's and headers' strings. */
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
 * counted), least recently used out first; an entry that alone would take more than a sixteenth of
 * the budget is not kept. `lru-cache` keeps recency in its own linked list: a hit moves no Map entry
 * (deleting and re-adding a key in a Map of 10,000 costs ~30 µs in V8, more than the rest of a hit).
 */
export function createResponseStore ({ maxBytes, maxEntries }: { maxBytes: number, maxEntries: number }) {
  const costOf = (entry: CachedResponse, key: string) => {
    let cost = ENTRY_OVERHEAD + entry.body.length + key.length * 2 + entry.generation.length * 2
    for (const part of entry.head) cost += part.length * 2
    return cost
  }
  // A budget of 0 turns the cache off (lru-cache itself needs positive bounds).
  const off = maxBytes === 0 || maxEntries === 0
  const entries = new LRUCache<string, CachedResponse>({
    max: Math.max(1, maxEntries),
    maxSize: Math.max(1, maxBytes),
    maxEntrySize: Math.max(1, maxBytes / 16),
    sizeCalculation: costOf,
  })

  return {
    get: (key: string): CachedResponse | undefined => entries.get(key),
    set: (key: string, entry: CachedResponse): void => { if (!off) entries.set(key, entry) },
    clear: (): void => { entries.clear() },
    stats: () => ({ entries: entries.size, bytes: entries.calculatedSize }),
  }
}
