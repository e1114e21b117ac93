/**
 * The surface's fast path: the one module where the GET of a video's downloads skips work that
 * Fastify, the credential check or the store would redo on every request. Everything else on the
 * surface reads as plain Fastify.
 *
 * Each trick is kept for a measurement of the bench's throughput probe (bench/run.ts, `npm run
 * bench` with BENCH_ONLY=throughput): the server's CPU time per GET, against bare Fastify's
 * measured in the same run (the least noisy figure on the shared machine), the mock with the
 * trick and without it, on the same machine, one after the other.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyReply } from 'fastify'
import type { MockError } from '../domain/errors.js'
import type { DownloadType } from '../domain/ids.js'
import type { DownloadStatus } from '../domain/progress.js'
import type { VideoRecord } from '../schemas/store.js'
import { checkCredentials, credentialHeader, type AuthSettings } from './credentials.js'

/**
 * `checkCredentials` for one app's settings, remembering the last Authorization it accepted:
 * a client sends the same one on every request, and the answer depends on nothing else.
 */
export function rememberingCredentials (settings: AuthSettings): (headers: IncomingHttpHeaders) => MockError | undefined {
  let accepted: string | undefined
  return (headers) => {
    const authorization = headers.authorization
    if (authorization !== undefined && authorization === accepted) return undefined
    const failure = checkCredentials(headers, settings)
    // Only an Authorization that decided alone: a blank one falls back to the X-Auth headers.
    if (failure === undefined && credentialHeader(headers, 'authorization') !== undefined) accepted = authorization
    return failure
  }
}

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
