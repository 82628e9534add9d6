import fastJson from 'fast-json-stringify'
import type { FastifySerializerCompiler } from 'fastify/types/schema.js'
import { z } from 'zod'

/**
 * Response serializers compiled by fast-json-stringify from the JSON Schema of each route's Zod
 * response schema — the same schema the OpenAPI document shows. It writes only the declared fields
 * and skips Zod's re-validation of our own output: a third of the cost of encoding with Zod and then
 * JSON.stringify on a feed page. The tests check every response against the served document instead.
 */
const compiled = new WeakMap<z.ZodType, (data: unknown) => string>()

/** Compiled on first use and once per schema (error shapes are shared by every route): start-up stays fast. */
function compile (schema: z.ZodType): (data: unknown) => string {
  let serialize = compiled.get(schema)
  if (!serialize) {
    serialize = fastJson(z.toJSONSchema(schema, { io: 'output', target: 'draft-07', unrepresentable: 'any' }) as Parameters<typeof fastJson>[0])
    compiled.set(schema, serialize)
  }
  return serialize
}

export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  if (schema instanceof z.ZodUndefined) return () => ''
  let serialize: ((data: unknown) => string) | undefined
  return (data) => (serialize ??= compile(schema))(data)
}
