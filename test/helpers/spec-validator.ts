import assert from 'node:assert/strict'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { ValidateFunction } from 'ajv'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

interface Spec {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown>, headers?: Record<string, { $ref: string }> }> }>>
  components?: { headers?: Record<string, { required?: boolean }> }
}

export interface CheckedResponse {
  statusCode: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
}

/**
 * Checks responses against the served OpenAPI document: the status must be declared for the
 * operation, and the body must match the schema declared for that status and content type.
 */
export function createSpecValidator (spec: Spec) {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema(spec as object, 'spec')
  const cache = new Map<string, ValidateFunction>()

  const escape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1')
  // Static segments first, so /v1/tags/slug/{slug} wins over /v1/tags/{id}.
  const templates = Object.keys(spec.paths)
    .map((path) => ({ path, regex: new RegExp('^' + path.replace(/\{[^}]+\}/g, '[^/]+') + '$'), params: (path.match(/\{/g) ?? []).length }))
    .sort((a, b) => a.params - b.params)

  function validatorFor (pointer: string): ValidateFunction {
    let validate = cache.get(pointer)
    if (!validate) {
      validate = ajv.compile({ $ref: `spec#${pointer}` })
      cache.set(pointer, validate)
    }
    return validate
  }

  return function check (method: string, url: string, res: CheckedResponse): void {
    const pathname = decodeURIComponent(url.split('?')[0]!)
    const template = templates.find((t) => t.regex.test(pathname))
    const contentType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim()
    if (!template) {
      assert.equal(contentType, 'application/problem+json', `${method} ${url}: unknown routes answer with a problem`)
      const validate = validatorFor('/components/schemas/Problem')
      assert.ok(validate(JSON.parse(res.body)), `${method} ${url}: ${ajv.errorsText(validate.errors)}`)
      return
    }
    const operation = spec.paths[template.path]?.[method.toLowerCase()]
    assert.ok(operation, `${method} ${template.path} is not in the OpenAPI document`)
    const response = operation.responses?.[String(res.statusCode)]
    assert.ok(response, `${method} ${template.path}: status ${res.statusCode} is not declared (body: ${res.body.slice(0, 300)})`)
    // Headers the document promises on every such response are there.
    for (const [name, { $ref }] of Object.entries(response.headers ?? {})) {
      const declared = spec.components?.headers?.[$ref.split('/').at(-1)!]
      if (declared?.required) assert.ok(res.headers[name.toLowerCase()] !== undefined, `${method} ${url} ${res.statusCode}: the document promises ${name}`)
    }
    if (!response.content) {
      assert.equal(res.body, '', `${method} ${template.path} ${res.statusCode} declares no body`)
      return
    }
    assert.ok(response.content[contentType], `${method} ${template.path} ${res.statusCode}: content type ${contentType} not declared`)
    const pointer = ['', 'paths', escape(template.path), method.toLowerCase(), 'responses', String(res.statusCode), 'content', escape(contentType), 'schema'].join('/')
    const validate = validatorFor(pointer)
    const ok = validate(/json/.test(contentType) ? JSON.parse(res.body) : res.body)
    assert.ok(ok, `${method} ${url} ${res.statusCode} does not match its schema: ${ajv.errorsText(validate.errors)}`)
  }
}
