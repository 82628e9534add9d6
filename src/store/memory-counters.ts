import type { CounterStore, WindowCount } from './store.js'

/** Counters in this process's memory: the whole truth where one process serves (SQLite). */
export function createMemoryCounters (): CounterStore {
  const windows = new Map<string, WindowCount>()
  const current = (key: string, at: number) => {
    const window = windows.get(key)
    if (window && window.resetAt <= at) windows.delete(key)
    return windows.get(key)
  }
  let sweptAt = 0
  // Ended windows are dropped as calls pass by, so the map holds only keys counting right now.
  const sweep = (at: number, windowMs: number) => {
    if (at - sweptAt < windowMs) return
    sweptAt = at
    for (const [key, window] of windows) if (window.resetAt <= at) windows.delete(key)
  }
  const watchers: Array<{ prefix: string, listener: (key: string) => void }> = []
  return {
    async add (hits, windowMs) {
      const at = Date.now()
      sweep(at, windowMs)
      const counts = new Map<string, WindowCount>()
      for (const [key, n] of hits) {
        let window = current(key, at)
        if (window) window.hits += n
        else windows.set(key, (window = { hits: n, resetAt: at + windowMs }))
        counts.set(key, { ...window })
        for (const { prefix, listener } of watchers) if (key.startsWith(prefix)) listener(key)
      }
      return counts
    },
    async get (keys, _windowMs) {
      const at = Date.now()
      const counts = new Map<string, WindowCount>()
      for (const key of keys) {
        const window = current(key, at)
        if (window) counts.set(key, { ...window })
      }
      return counts
    },
    async watch (prefix, _windowMs, listener) {
      watchers.push({ prefix, listener })
      const at = Date.now()
      for (const key of windows.keys()) if (key.startsWith(prefix) && current(key, at)) listener(key)
    },
  }
}
