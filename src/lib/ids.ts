import { monotonicFactory } from 'ulid'

const nextUlid = monotonicFactory()

/** A new opaque, time-sortable id (ULID, monotonic within a millisecond). */
export function newId (): string {
  return nextUlid()
}

/** The current instant as the API writes it: ISO 8601, UTC, milliseconds, Z. */
export function now (): string {
  return new Date().toISOString()
}
