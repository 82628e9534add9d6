import fc from 'fast-check'

type Schema = Record<string, any>

/** Random values shaped by a JSON Schema (the subset our OpenAPI document uses), $refs resolved. */
export function arbitraryFor (schema: Schema, components: Record<string, Schema>, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return arbitraryFor(components[String(schema.$ref).split('/').pop()!]!, components, depth)
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => arbitraryFor(s, components, depth)))
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]))
  switch (schema.type) {
    case 'null': return fc.constant(null)
    case 'boolean': return fc.boolean()
    case 'integer': return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 })
    case 'number': return fc.double({ noNaN: true, min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 })
    case 'string':
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString())
      if (schema.format === 'uri') return fc.webUrl()
      if (schema.pattern === '^[a-z0-9]+(-[a-z0-9]+)*$') return fc.stringMatching(/^[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}$/)
      return fc.oneof(
        fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }),
        fc.constantFrom('Турция', '«Ёлки» — тире', 'ru', 'en-GB', 'Экономика'),
      )
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(arbitraryFor(schema.items ?? {}, components, depth + 1), { maxLength: Math.min(schema.maxItems ?? 5, 5) })
    case 'object': {
      if (depth > 3 || !schema.properties) return fc.constant({})
      const shape = Object.fromEntries(Object.entries(schema.properties as Record<string, Schema>).map(([k, v]) => [k, arbitraryFor(v, components, depth + 1)]))
      return fc.record(shape, { requiredKeys: schema.required ?? [] })
    }
    default: return fc.jsonValue()
  }
}

/** Near-valid: a valid value with one field broken (wrong type, too long, null, missing, extra, prototype keys). */
export function nearValid (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const breakage = fc.oneof(
    fc.constant(null), fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}),
    fc.constant('я'.repeat(300_001).slice(0, 5000)), fc.constant('\u0000\u0001'), fc.constant('🔥'),
  )
  return fc.tuple(valid, fc.nat(), breakage, fc.constantFrom('replace', 'remove', 'extra', 'proto')).map(([value, n, bad, how]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad
    const copy: Record<string, unknown> = { ...value }
    const keys = Object.keys(copy)
    const key = keys.length > 0 ? keys[n % keys.length]! : 'x'
    if (how === 'replace') copy[key] = bad
    else if (how === 'remove') delete copy[key]
    else if (how === 'extra') copy.unexpected = bad
    else return JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, ${JSON.stringify(copy).slice(1)}`.replace(/, }$/, '}'))
    return copy
  })
}
