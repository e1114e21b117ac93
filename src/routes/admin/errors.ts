import type { FastifyError, FastifyRequest } from 'fastify'
import { Errors, RefusedChange, type MockError } from '../../domain/errors.js'
import { FixtureError } from '../../seed/fixture-error.js'

/** The parts of a request a refusal's field may already name. */
const REQUEST_PARTS = ['body.', 'params.', 'querystring.']

/**
 * The request field a refused change names, as Fastify's validation names fields. The domain
 * names its own (`video`, `percentComplete`, or `match.account`, dotted within a fault rule): a
 * field whose first segment is one of the route's path parameters is `params.<field>`, any other
 * one is in the body (`body.<field>`; `body` for the whole of it). A field that names its request
 * part already (`params.video`) is kept as it is.
 */
export function requestField (field: string, params: unknown): string {
  if (REQUEST_PARTS.some((part) => field.startsWith(part))) return field
  if (field === '') return 'body'
  const head = field.split('.', 1)[0] as string
  const isParam = typeof params === 'object' && params !== null && Object.hasOwn(params, head)
  return `${isParam ? 'params' : 'body'}.${field}`
}

/**
 * The envelope error of a refusal of the domain met in an admin route, or undefined for any other
 * error. A FixtureError is a 400 naming the document and the JSON path (a 409 on a route that
 * reads the fixture files: they no longer load); a RefusedChange (the store's, the fault book's)
 * a 404 when its target is missing, a 409 when a bound is reached, else a 400 naming its field.
 */
export function refusalError (error: unknown, request: FastifyRequest): MockError | undefined {
  if (error instanceof FixtureError) {
    return request.routeOptions.config.readsFixtureFiles === true ? Errors.resetRefused(error) : Errors.invalidDocument(error)
  }
  if (!(error instanceof RefusedChange)) return undefined
  switch (error.kind) {
    case 'not-found':
      return Errors.targetNotFound(error.message)
    case 'full':
    case 'conflict':
      return Errors.boundReached(error.message)
    default:
      return Errors.invalidInput({ field: requestField(error.field, request.params), problem: error.message })
  }
}

/**
 * The admin scope's error handler: a refusal of the domain becomes its envelope error, and every
 * error then goes on, thrown, to the envelope plugin's handler, which answers (and logs) it as
 * it answers any other. So the admin routes call the domain and return; they catch nothing.
 */
export function adminErrorHandler (error: FastifyError, request: FastifyRequest): never {
  throw refusalError(error, request) ?? error
}
