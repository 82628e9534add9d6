import { randomFillSync } from 'node:crypto'
import { monotonicFactory, ulidToUUID } from 'ulid'

// ulid's own random source asks the operating system for one byte per character, sixteen calls per id;
// a write makes several ids. The same cryptographic randomness, drawn from a pool.
const pool = new Uint32Array(1024)
let drawn = pool.length
const pooledRandom = () => {
  if (drawn === pool.length) {
    randomFillSync(pool)
    drawn = 0
  }
  return pool[drawn++]! / 0x1_0000_0000
}

const nextUlid = monotonicFactory(pooledRandom)

/** A new opaque, time-sortable id (ULID, monotonic within a millisecond). */
export function newId (): string {
  return nextUlid()
}

/** The current instant as the API writes it: ISO 8601, UTC, milliseconds, Z. */
export function now (): string {
  return new Date().toISOString()
}

/**
 * A feed item's permanent identifier: the id's 128 bits as a `urn:uuid:` IRI, so neither a slug rename
 * nor a new CMS_PUBLIC_URL ever shows a story to a reader twice.
 */
export function itemUrn (id: string): string {
  return `urn:uuid:${ulidToUUID(id).toLowerCase()}`
}
