import { z } from 'zod'

// One rule for every text field a client writes. The patterns use explicit ranges, not \p{…}
// escapes, so every tool that compiles them from the OpenAPI document (with or without the `u` flag)
// reads them alike; surrogates are allowed only as pairs, which both modes see the same way.
const FORBIDDEN = '\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\ud800-\\udfff'
const PAIR = '[\\ud800-\\udbff][\\udc00-\\udfff]'
const LINE = new RegExp(`^(?:[^${FORBIDDEN}]|${PAIR})*$`)
const MULTILINE = new RegExp(`^(?:[^${FORBIDDEN}]|[\\t\\n\\r]|${PAIR})*$`)

const MESSAGE = 'must not contain control characters, bidirectional overrides or lone surrogates'

/**
 * A value the API looks up as it is given (an id, a slug, a list of tag slugs): neither normalised nor
 * trimmed, but held to the same characters, so a control character is a 400 on every route and engine
 * (PostgreSQL cannot even be asked about a NUL).
 */
export function lookupText ({ min = 1, max }: { min?: number, max: number }) {
  return z.string().min(min).max(max).regex(LINE, MESSAGE)
}

/**
 * A string field: NFC-normalised and trimmed, then checked. `multiline` allows tab, newline and
 * carriage return (a body, a lead); nothing else below U+0020 is ever stored.
 */
export function text ({ min = 0, max, multiline = false, trim = true }: { min?: number, max: number, multiline?: boolean, trim?: boolean }) {
  const base = trim ? z.string().trim() : z.string()
  const checked = base.normalize('NFC').max(max)
  return (min > 0 ? checked.min(min) : checked).regex(multiline ? MULTILINE : LINE, MESSAGE)
}
