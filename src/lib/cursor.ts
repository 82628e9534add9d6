import { BadRequestError } from './errors.js'

type Key = Array<string | number | null>

/** An opaque keyset cursor: the sort's name and the last row's sort key. */
export function encodeCursor (sort: string, key: Key): string {
  return Buffer.from(JSON.stringify([sort, ...key])).toString('base64url')
}

/** The key inside a cursor made for this sort and key shape; 400 for anything else. */
export function decodeCursor (cursor: string, sort: string, shape: Array<'string' | 'number' | 'nullable-string'>): Key {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const fits = Array.isArray(parsed) && parsed.length === shape.length + 1 && parsed[0] === sort &&
    shape.every((type, i) => {
      const value: unknown = parsed[i + 1]
      // Offsets and versions: whole, non-negative, exact (1.5 or 1e309 would reach SQL as a mismatch).
      if (type === 'number') return Number.isSafeInteger(value) && (value as number) >= 0
      // Keys are ids, timestamps and folded names: never a control character (PostgreSQL refuses a NUL outright).
      return (typeof value === 'string' && !/[^\x20-\uffff]/.test(value)) || (type === 'nullable-string' && value === null)
    })
  if (!fits) throw new BadRequestError('The cursor is not valid for this list; start again without it', 'INVALID_CURSOR')
  return (parsed as Key).slice(1)
}
