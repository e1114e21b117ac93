import { Errors, MockError } from '../../domain/errors.js'
import { FixtureError } from '../../seed/fixture-error.js'
import { StoreChangeError } from '../../store/download-store.js'

/** The envelope error for a refused admin change: a 400 naming the field, or a 404. */
export function adminError (error: unknown): unknown {
  /* c8 ignore next -- the changes attempted throw nothing else; anything else is a bug, for the envelope's 500 */
  if (!(error instanceof FixtureError) && !(error instanceof StoreChangeError)) return error
  if (error instanceof FixtureError) return Errors.forStatus(400, `${error.file}: ${error.jsonPath}: ${error.problem}`)
  return error.kind === 'not-found' ? Errors.forStatus(404, error.message) : Errors.forStatus(400, `${error.field}: ${error.message}`)
}

/** Runs an admin change, turning its refusals into envelope errors. */
export function attempt<T> (change: () => T): T {
  try {
    return change()
  } catch (error) {
    throw adminError(error)
  }
}

/** The 404 for an unknown video. */
export function noVideo (video: string): MockError {
  return Errors.forStatus(404, `no video ${video}`)
}
