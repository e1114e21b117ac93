/**
 * The surface's fast path: the one module where the GET of a video's downloads skips work that
 * Fastify and the store would otherwise redo on every request. Everything else on the surface
 * reads as plain Fastify.
 *
 * A trick stays here only for a measurement. Settled answers: a GET of a ready video costs about
 * 4 µs less CPU with them (35.7 against 39.4 µs per GET by `app.inject`, the least of 20
 * alternating rounds of 5,000 each, the cache found or bypassed; medians 48.4 against 52.7; on the
 * shared 2-core machine, Node 24), where bare Fastify spends 20 to 30 µs per GET in the bench's
 * throughput probe: about a seventh of the budget that its 0.85× throughput target leaves.
 * Measured and dropped: remembering the last accepted Authorization saved 0.08 µs per request
 * (99 against 23 ns per check), and remembering the last url base less; both now run in full.
 */
import type { FastifyReply } from 'fastify'
import type { DownloadType } from '../domain/ids.js'
import type { DownloadStatus } from '../domain/progress.js'
import type { VideoRecord } from '../schemas/store.js'

/**
 * The answer of a video whose downloads are all settled (ready or error): it depends on nothing
 * but the video's record, so it holds while the store's revision and the url base stay the same.
 */
interface SettledAnswer {
  revision: number
  base: string
  /** The serialized envelope. */
  body: string
  /** The statuses it shows, for the request's note (shared, never mutated). */
  shown: Readonly<Partial<Record<DownloadType, DownloadStatus>>>
}

/**
 * Answers of settled videos, by video record, sent again as serialized until the store changes:
 * a client polls a ready download many times, and nothing in its answer can change meanwhile.
 */
export class SettledAnswers {
  private readonly answers = new WeakMap<VideoRecord, SettledAnswer>()

  /** The video's settled answer, when one holds for this revision of the store and url base. */
  find (video: VideoRecord, revision: number, base: string): SettledAnswer | undefined {
    const settled = this.answers.get(video)
    return settled !== undefined && settled.revision === revision && settled.base === base ? settled : undefined
  }

  /** Serializes a settled video's answer through the route's response schema and keeps it. */
  keep (reply: FastifyReply, video: VideoRecord, revision: number, base: string, envelope: unknown, shown: SettledAnswer['shown']): SettledAnswer {
    // Serialized exactly as Fastify would: through the route's response schema.
    const settled = { revision, base, body: reply.serialize(envelope) as string, shown }
    this.answers.set(video, settled)
    return settled
  }
}

/** Sends an envelope serialized before: Fastify passes a JSON string through as it is. */
export function sendSerialized (reply: FastifyReply, body: string): void {
  reply.type('application/json; charset=utf-8').send(body)
}
