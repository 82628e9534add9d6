import { monotonicFactory, ulidToUUID } from 'ulid'

const nextUlid = monotonicFactory()

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
