/**
 * Webhook deliveries: when a video reaches `ready` or `error`, its Video object is POSTed to the
 * account's subscription url, signed (`Webhook-Signature`). Deliveries run on the event loop's
 * own time (fetch, timers): nothing waits for them, not the request or tick that caused them. A
 * receiver that fails (not 2xx, no answer within the timeout) is tried again after a backoff
 * that doubles, up to the last try. Every try is journaled; the deliveries are listed, bounded.
 */
import { setTimeout as sleepFor } from 'node:timers/promises'
import type { FaultAction } from '../domain/faults.js'
import { retryDelayMs, webhookSignature } from '../domain/webhook-signature.js'
import type { StoredWebhook } from '../schemas/signing.js'

/** How deliveries are tried. */
export interface DeliverySettings {
  /** The wait before the first retry (ms); each later one waits twice the one before. */
  retryMs: number
  /** Tries in all, the first included. */
  tries: number
  /** How long a receiver may take to answer (ms). */
  timeoutMs: number
  /** Most deliveries pending (default MAX_PENDING_DELIVERIES) and kept for the listing (default MAX_DELIVERIES). */
  maxPending?: number
  maxKept?: number
}

/** Most deliveries kept for the listing (the oldest settled ones go first). */
export const MAX_DELIVERIES = 1000

/** Most deliveries not yet settled (trying or waiting to retry); past it, a new one is dropped and logged. */
export const MAX_PENDING_DELIVERIES = 1000

/** One try of a delivery. */
export interface DeliveryAttempt {
  /** Wall time it was sent, ISO 8601. */
  at: string
  /** The receiver's status; 0 when it gave none (refused, timed out). */
  status: number
  /** How long the receiver took (ms). */
  durationMs: number
  error?: string
  /** The fault rule that acted on the try (failed, delayed, dropped or duplicated it). */
  fault?: string
  /** Copies sent after it by a fault rule's `duplicate`. */
  duplicates?: number
}

/** One delivery and its tries. */
export interface Delivery {
  id: number
  account: string
  video: string
  url: string
  /** pending: trying or waiting to retry; delivered: a 2xx; failed: out of tries; dropped: video deleted or account reset. */
  state: 'pending' | 'delivered' | 'failed' | 'dropped'
  attempts: DeliveryAttempt[]
  /** When the next try is due (wall time, ISO 8601), while pending. */
  nextAt?: string
}

/** What the engine needs of the app. */
export interface DeliveryHost {
  /** The account's subscription, when it has one. */
  subscription: (account: string) => StoredWebhook | undefined
  /** The fault rule (target webhook) that acts on a try, when one matches. */
  fault?: (delivery: Delivery) => FaultAction | undefined
  /** Records a try in the request journal. */
  journal: (delivery: Delivery, attempt: DeliveryAttempt) => void
  log: { info: (obj: object, msg?: string) => void, warn: (obj: object, msg?: string) => void }
  /** Wall time (ms); the signature's `time` is wall time, as receivers compare it with theirs. */
  wallClock?: () => number
}

/** What a failed fetch says: its cause (refused, unknown host, bad port), else its own message. */
function failureText (error: unknown): string {
  const { cause, message } = error as Error & { cause?: Error }
  /* c8 ignore next -- undici's fetch errors always carry their cause; the message is for any other */
  return cause?.message ?? message
}

/** A delivery's working parts, beside what the listing shows. */
interface Work {
  delivery: Delivery
  body: string
  secret: string
  timer: NodeJS.Timeout | undefined
  abort: AbortController | undefined
}

/** The deliveries of an app. */
export class WebhookDeliveries {
  private readonly settings: DeliverySettings
  private readonly host: DeliveryHost
  private readonly wallClock: () => number
  private readonly works = new Map<number, Work>()
  private nextId = 1
  private pending = 0
  /** Tries in flight (a dropped delivery's try still ends, and is recorded). */
  private inFlight = 0
  private closed = false
  private readonly idleWaiters: Array<() => void> = []

  constructor (settings: DeliverySettings, host: DeliveryHost) {
    this.settings = settings
    this.host = host
    this.wallClock = host.wallClock ?? Date.now
  }

  /**
   * Sends a video's webhook to its account's subscription, in the background; returns the
   * delivery, or undefined when the account has no subscription (or too many are pending).
   * `video` is the Video object as the API shows it (`uid` names it). The one entry point of
   * video transitions into `ready` or `error`.
   */
  deliverVideoEvent (account: string, video: { uid: string } & Record<string, unknown>): Delivery | undefined {
    const subscription = this.host.subscription(account)
    if (subscription === undefined || this.closed) return undefined
    const maxPending = this.settings.maxPending ?? MAX_PENDING_DELIVERIES
    if (this.pending >= maxPending) {
      this.host.log.warn({ account, video: video.uid }, `webhook not sent: ${maxPending} deliveries are pending already`)
      return undefined
    }
    const delivery: Delivery = { id: this.nextId++, account, video: video.uid, url: subscription.notificationUrl, state: 'pending', attempts: [] }
    const work: Work = { delivery, body: JSON.stringify(video), secret: subscription.secret, timer: undefined, abort: undefined }
    this.works.set(delivery.id, work)
    this.pending++
    this.trim()
    void this.attempt(work)
    return delivery
  }

  /** Sends a settled delivery again (a new delivery, same body, the subscription's current url and secret). */
  redeliver (id: number): Delivery | undefined {
    const work = this.works.get(id)
    if (work === undefined) return undefined
    return this.deliverVideoEvent(work.delivery.account, JSON.parse(work.body) as { uid: string })
  }

  /** The deliveries, newest first (of one account, when given). */
  list (account?: string): Delivery[] {
    const all = [...this.works.values()].map((work) => structuredClone(work.delivery)).reverse()
    return account === undefined ? all : all.filter((delivery) => delivery.account === account)
  }

  /** One delivery, or undefined. */
  get (id: number): Delivery | undefined {
    const work = this.works.get(id)
    return work === undefined ? undefined : structuredClone(work.delivery)
  }

  /** Drops the pending retries of a video (deleted) or of an account (reset), or all. */
  drop (match: { account?: string, video?: string } = {}): void {
    for (const work of this.works.values()) {
      const { delivery } = work
      if (match.account !== undefined && delivery.account !== match.account) continue
      if (match.video !== undefined && delivery.video !== match.video) continue
      if (delivery.state === 'pending') this.settle(work, 'dropped')
    }
  }

  /** Forgets every delivery (of one account, when given), pending ones dropped first. */
  clear (account?: string): void {
    this.drop({ account })
    for (const [id, work] of this.works) {
      if (account === undefined || work.delivery.account === account) this.works.delete(id)
    }
  }

  /** Resolves once no delivery is pending and no try is in flight (tests wait for it, never for time). */
  async idle (): Promise<void> {
    if (this.pending === 0 && this.inFlight === 0) return
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  /** Stops: pending deliveries are dropped, tries in flight aborted. */
  close (): void {
    this.closed = true
    this.drop()
  }

  /** Keeps the listing within MAX_DELIVERIES: the oldest settled deliveries go first. */
  private trim (): void {
    const maxKept = this.settings.maxKept ?? MAX_DELIVERIES
    for (const [id, work] of this.works) {
      if (this.works.size <= maxKept) return
      if (work.delivery.state !== 'pending') this.works.delete(id)
    }
  }

  private settle (work: Work, state: Delivery['state']): void {
    const { delivery } = work
    delivery.state = state
    delete delivery.nextAt
    clearTimeout(work.timer)
    work.abort?.abort()
    this.pending--
    this.wakeIdle()
  }

  private wakeIdle (): void {
    if (this.pending === 0 && this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve()
  }

  /** One try: POST, signed at the wall time of sending; then settled or a retry scheduled. */
  private async attempt (work: Work): Promise<void> {
    const { delivery } = work
    const started = this.wallClock()
    const abort = (work.abort = new AbortController())
    let timeout: NodeJS.Timeout | undefined
    const attempt: DeliveryAttempt = { at: new Date(started).toISOString(), status: 0, durationMs: 0 }
    this.inFlight++
    const fault = this.host.fault?.(delivery)
    if (fault !== undefined) attempt.fault = fault.ruleId
    try {
      if (fault?.latencyMs !== undefined) await sleepFor(fault.latencyMs, undefined, { signal: abort.signal })
      // The receiver's time starts once a fault's delay is over.
      timeout = setTimeout(() => abort.abort(), this.settings.timeoutMs)
      if (fault?.drop === true) {
        attempt.error = `dropped by fault rule ${fault.ruleId}`
      } else if (fault?.status !== undefined) {
        attempt.status = fault.status
        attempt.error = `failed by fault rule ${fault.ruleId}: not sent`
      } else {
        const post = async (): Promise<number> => {
          const response = await fetch(delivery.url, {
            method: 'POST',
            body: work.body,
            headers: { 'content-type': 'application/json', 'webhook-signature': webhookSignature(work.secret, Math.floor(this.wallClock() / 1000), work.body) },
            redirect: 'manual',
            signal: abort.signal
          })
          // The answer's body is not read, but it must be consumed for the connection to be reused.
          await response.body?.cancel()
          return response.status
        }
        attempt.status = await post()
        // A fault's duplicates: the same body and signature again, as a receiver must tolerate.
        for (let copy = 0; copy < (fault?.duplicate ?? 0); copy++) await post()
        if (fault?.duplicate !== undefined) attempt.duplicates = fault.duplicate
      }
    } catch (error) {
      attempt.error = abort.signal.aborted ? (delivery.state === 'pending' ? `no answer within ${this.settings.timeoutMs} ms` : 'dropped') : failureText(error)
    } finally {
      clearTimeout(timeout)
      work.abort = undefined
    }
    attempt.durationMs = this.wallClock() - started
    delivery.attempts.push(attempt)
    this.host.journal(delivery, attempt)
    this.inFlight--
    // Dropped meanwhile (video deleted, account reset, close): nothing more to do.
    if (delivery.state !== 'pending') {
      this.wakeIdle()
      return
    }
    const delivered = attempt.status >= 200 && attempt.status < 300
    if (delivered || delivery.attempts.length >= this.settings.tries) {
      this.host.log.info({ delivery: delivery.id, account: delivery.account, video: delivery.video, status: attempt.status, tries: delivery.attempts.length }, delivered ? 'webhook delivered' : 'webhook failed: out of tries')
      this.settle(work, delivered ? 'delivered' : 'failed')
      return
    }
    const wait = retryDelayMs(this.settings.retryMs, delivery.attempts.length)
    delivery.nextAt = new Date(this.wallClock() + wait).toISOString()
    // Not unref'd: a pending retry is the app's work, as a request is; the app's close drops it.
    work.timer = setTimeout(() => { void this.attempt(work) }, wait)
  }
}
