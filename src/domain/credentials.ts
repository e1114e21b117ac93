/** How Cloudflare credentials are written. Pure, no I/O. */

/** The token of an `Authorization: Bearer <token>` value, or undefined when it is not that form. */
export function bearerToken (authorization: string): string | undefined {
  return /^Bearer +(\S+) *$/.exec(authorization)?.[1]
}
