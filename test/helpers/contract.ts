import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS; its default export arrives wrapped when loaded from ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>
  components: { schemas: Record<string, object> }
}

function readContract (name: string): OpenApi {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../contract/${name}`, import.meta.url)), 'utf8')) as OpenApi
}

/** The project's copy of Cloudflare's downloads contract. */
export const contract = readContract('stream-downloads.openapi.json')

/** The project's copy of Cloudflare's videos contract (list, details, edit, delete, copy, direct upload). */
export const videosContract = readContract('stream-videos.openapi.json')

// strict off: the contract carries OpenAPI keywords (nullable, example, x-*) that are not JSON Schema.
const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addSchema({ $id: 'contract', components: contract.components })
ajv.addSchema({ $id: 'videos', components: videosContract.components })

function rewriteRefs (schema: unknown, id: string): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, `"${id}#/components/`))
}

const cache = new Map<string, ValidateFunction>()

function validatorFor (schema: object, key: string): ValidateFunction {
  let validate = cache.get(key)
  if (validate === undefined) {
    validate = ajv.compile(rewriteRefs(schema, key.includes('/downloads') ? 'contract' : 'videos') as object)
    cache.set(key, validate)
  }
  return validate
}

/** The contract's path template for a concrete API path (`/client/v4` prefix optional). */
export function operationPath (path: string): string {
  const bare = path.split('?')[0]!.replace(/^\/client\/v4/, '')
  if (/\/downloads\/[^/]+$/.test(bare)) return '/accounts/{account_id}/stream/{identifier}/downloads/{download_type}'
  if (bare.endsWith('/downloads')) return '/accounts/{account_id}/stream/{identifier}/downloads'
  if (/\/stream\/?$/.test(bare)) return '/accounts/{account_id}/stream'
  if (bare.endsWith('/stream/copy')) return '/accounts/{account_id}/stream/copy'
  if (bare.endsWith('/stream/direct_upload')) return '/accounts/{account_id}/stream/direct_upload'
  if (/\/stream\/keys\/[^/]+$/.test(bare)) return '/accounts/{account_id}/stream/keys/{identifier}'
  if (bare.endsWith('/stream/keys')) return '/accounts/{account_id}/stream/keys'
  if (bare.endsWith('/stream/webhook')) return '/accounts/{account_id}/stream/webhook'
  if (bare.endsWith('/token')) return '/accounts/{account_id}/stream/{identifier}/token'
  return '/accounts/{account_id}/stream/{identifier}'
}

/** A schema of the videos contract, for a validator of payloads (the webhook's body, its signature header). */
export function videosValidator (ref: string): ValidateFunction {
  return ajv.compile({ $ref: `videos#/components/schemas/${ref}` })
}

/**
 * Validates a response body against the contract: the operation's 200 schema for a 200, its
 * 4XX schema (Cloudflare's failure envelope) for anything else; failures must also carry at
 * least one error. Returns the list of problems (empty when valid).
 */
export function contractProblems (method: string, path: string, statusCode: number, body: unknown): string[] {
  const template = operationPath(path)
  const operations = (template.includes('/downloads') ? contract : videosContract).paths[template]!
  // Methods a path lacks (405) and 5xx answers have no operation of their own: use the failure shape.
  const operation = operations[method.toLowerCase()] ?? operations.post ?? operations.get ?? Object.values(operations)[0]!
  const key = statusCode === 200 ? '200' : '4XX'
  const schema = operation.responses[key]!.content!['application/json']!.schema
  const validate = validatorFor(schema, `${method} ${template} ${key}`)
  // One known deviation: the contract's messages schema says codes are at least 1000, yet its
  // own 429 example (Cloudflare's real rate-limit answer) carries 971, which the mock sends too.
  const rateLimitCode = (path: string): boolean => template.includes('/downloads') && /^\/errors\/\d+\/code$/.test(path) && (body as { errors: Array<{ code: number }> }).errors[Number(path.split('/')[2])]?.code === 971
  const problems = validate(body)
    ? []
    : (validate.errors ?? []).filter((error) => !(error.keyword === 'minimum' && rateLimitCode(error.instancePath))).map((error) => `${error.instancePath} ${error.message ?? ''}`)
  if (statusCode !== 200) {
    const errors = (body as { errors?: unknown[] }).errors
    if (!Array.isArray(errors) || errors.length === 0) problems.push('a failure must carry at least one error')
  }
  return problems
}
