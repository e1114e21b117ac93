import { Errors, MockError, RefusedChange } from '../../domain/errors.js'
import { FixtureError } from '../../seed/fixture-error.js'

/**
 * The envelope error for a refused admin change: 400 naming the field (after `fieldPrefix`, e.g.
 * `body.` for a domain object that names its own fields), 409 for a full bound, 404 for a missing target.
 */
export function adminError (error: unknown, fieldPrefix = ''): unknown {
  if (error instanceof FixtureError) return Errors.forStatus(400, `${error.file}: ${error.jsonPath}: ${error.problem}`)
  /* c8 ignore next -- the changes attempted throw nothing else; anything else is a bug, for the envelope's 500 */
  if (!(error instanceof RefusedChange)) return error
  if (error.kind === 'not-found') return Errors.forStatus(404, error.message)
  if (error.kind === 'full') return Errors.forStatus(409, error.message)
  // The store names plain fields; what it refuses in a 400 came in the body.
  const prefix = fieldPrefix !== '' || error.field.includes('.') ? fieldPrefix : 'body.'
  return Errors.forStatus(400, `${prefix}${error.field}: ${error.message}`)
}

/** Runs an admin change, turning its refusals into envelope errors. */
export function attempt<T> (change: () => T, fieldPrefix = ''): T {
  try {
    return change()
  } catch (error) {
    throw adminError(error, fieldPrefix)
  }
}

/** The 404 for an unknown video. */
export function noVideo (video: string): MockError {
  return Errors.forStatus(404, `no video ${video}`)
}
