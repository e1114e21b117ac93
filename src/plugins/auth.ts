import type { IncomingHttpHeaders } from 'node:http'
import { bearerToken } from '../domain/credentials.js'
import { Errors, type MockError } from '../domain/errors.js'

/** How credentials are checked: on or off, and the accepted Bearer tokens (empty: any). */
export interface AuthSettings {
  auth: 'on' | 'off'
  apiTokens: readonly string[]
}

/** A credential header's value; blank counts as absent. (Node joins repeated ones into one string.) */
function header (headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/**
 * Checks a request's credentials as Cloudflare does: `Authorization: Bearer <token>`, or both
 * `X-Auth-Email` and `X-Auth-Key`. Returns the error to answer with, or undefined when they pass.
 */
export function checkCredentials (headers: IncomingHttpHeaders, settings: AuthSettings): MockError | undefined {
  if (settings.auth === 'off') return undefined
  const authorization = header(headers, 'authorization')
  if (authorization !== undefined) {
    const token = bearerToken(authorization)
    if (token === undefined) return Errors.malformedAuthorization()
    if (settings.apiTokens.length > 0 && !settings.apiTokens.includes(token)) return Errors.invalidToken()
    return undefined
  }
  if (header(headers, 'x-auth-email') !== undefined && header(headers, 'x-auth-key') !== undefined) return undefined
  return Errors.missingCredentials()
}

/**
 * `checkCredentials` for one app's settings, remembering the last Authorization it accepted:
 * a client sends the same one on every request, and the answer depends on nothing else.
 */
export function credentialCheck (settings: AuthSettings): (headers: IncomingHttpHeaders) => MockError | undefined {
  let accepted: string | undefined
  return (headers) => {
    const authorization = headers.authorization
    if (authorization !== undefined && authorization === accepted) return undefined
    const failure = checkCredentials(headers, settings)
    // Only an Authorization that decided alone: a blank one falls back to the X-Auth headers.
    if (failure === undefined && header(headers, 'authorization') !== undefined) accepted = authorization
    return failure
  }
}
