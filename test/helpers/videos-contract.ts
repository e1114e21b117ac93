import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS; its default export arrives wrapped when loaded from ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv

interface Operation { responses: Record<string, { content?: Record<string, { schema: object }> }> }
interface OpenApi {
  paths: Record<string, Record<string, Operation>>
  components: Record<string, unknown>
}

/** The project's copy of the videos contract (signed URLs, keys, webhook). */
export const videosContract = JSON.parse(readFileSync(fileURLToPath(new URL('../../contract/stream-videos.openapi.json', import.meta.url)), 'utf8')) as OpenApi

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addSchema({ $id: 'videos', components: videosContract.components })
const cache = new Map<string, ValidateFunction>()

/** The contract's path template of a signed-URL, keys or webhook path (`/client/v4` optional). */
export function videosOperationPath (path: string): string {
  const bare = (path.split('?')[0] as string).replace(/^\/client\/v4/, '')
  if (/\/stream\/keys\/[^/]+$/.test(bare)) return '/accounts/{account_id}/stream/keys/{identifier}'
  if (/\/stream\/keys$/.test(bare)) return '/accounts/{account_id}/stream/keys'
  if (/\/stream\/webhook$/.test(bare)) return '/accounts/{account_id}/stream/webhook'
  return '/accounts/{account_id}/stream/{identifier}/token'
}

/** A schema of the contract, for a validator of payloads (the webhook's body, its signature header). */
export function videosValidator (ref: string): ValidateFunction {
  return ajv.compile({ $ref: `videos#/components/schemas/${ref}` })
}

/** Problems of an answer against the videos contract: its 200 schema, else the failure schema. */
export function videosContractProblems (method: string, path: string, statusCode: number, body: unknown): string[] {
  const template = videosOperationPath(path)
  const operations = videosContract.paths[template] as Record<string, Operation>
  const operation = operations[method.toLowerCase()] ?? Object.values(operations)[0] as Operation
  const key = statusCode === 200 ? '200' : '4XX'
  const schema = (operation.responses[key] as { content: Record<string, { schema: object }> }).content['application/json']?.schema as object
  const cacheKey = `${method} ${template} ${key}`
  let validate = cache.get(cacheKey)
  if (validate === undefined) {
    validate = ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"videos#/components/')) as object)
    cache.set(cacheKey, validate)
  }
  const problems = validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`)
  if (statusCode !== 200 && !((body as { errors?: unknown[] })?.errors?.length)) problems.push('a failure must carry at least one error')
  return problems
}
