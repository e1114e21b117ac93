/** How Cloudflare credentials are written, and how a secret is compared. Pure, no I/O. */
import { createHash, timingSafeEqual } from 'node:crypto'

/** The token of an `Authorization: Bearer <token>` value, or undefined when it is not that form. */
export function bearerToken (authorization: string): string | undefined {
  return /^Bearer +(\S+) *$/.exec(authorization)?.[1]
}

/**
 * True when a header value is the expected secret. Compared in constant time over SHA-256
 * digests, so the time an answer takes tells nothing about how much of a guess was right.
 */
export function isSecret (given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false
  return timingSafeEqual(digest(given), digest(expected))
}

/** The SHA-256 digest of a text: the same length whatever the text, as timingSafeEqual needs. */
function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}
