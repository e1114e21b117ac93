/**
 * The `Webhook-Signature` header of Stream's webhook deliveries, as Cloudflare documents it:
 * `time=<unix seconds>,sig1=<hex HMAC-SHA256 of "<time>.<body>" keyed by the secret string>`.
 * Pure (node:crypto's HMAC is a computation), with the receiver's check beside the sender's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** The header's value for a body sent at `timeS` (unix seconds). */
export function webhookSignature (secret: string, timeS: number, body: string): string {
  return `time=${timeS},sig1=${createHmac('sha256', secret).update(`${timeS}.${body}`).digest('hex')}`
}

/**
 * A receiver's check, step by step as the docs give it: split on `,` then `=`, the source
 * string `time.body`, HMAC-SHA256 keyed by the secret, hex, compared in constant time.
 */
export function verifyWebhookSignature (header: string, secret: string, body: string): boolean {
  const parts = new Map(header.split(',').map((part) => {
    const at = part.indexOf('=')
    return [part.slice(0, at), part.slice(at + 1)] as const
  }))
  const time = parts.get('time')
  const sig1 = parts.get('sig1')
  if (time === undefined || sig1 === undefined || !/^\d+$/.test(time) || !/^[0-9a-f]{64}$/.test(sig1)) return false
  const expected = createHmac('sha256', secret).update(`${time}.${body}`).digest()
  return timingSafeEqual(expected, Buffer.from(sig1, 'hex'))
}

/** The wait before retry `attempt` (1 = the first retry): `baseMs` doubled each time, at most an hour. */
export function retryDelayMs (baseMs: number, attempt: number): number {
  return Math.min(baseMs * 2 ** (attempt - 1), 3_600_000)
}
