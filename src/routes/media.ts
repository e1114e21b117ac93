import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { parseRange } from '../domain/byte-range.js'
import { Errors } from '../domain/errors.js'
import { noneMatchHits, rangeStillValid } from '../domain/etag.js'
import { DOWNLOAD_TYPES, MEDIA_FILE_NAMES, isCloudflareId, isMediaFilename } from '../domain/ids.js'

interface MediaFile { bytes: Buffer, etag: string, contentType: string, extension: string }

const CONTENT_TYPES = { default: 'video/mp4', audio: 'audio/mp4' } as const

/**
 * The download urls: GET and HEAD serve the bundled MP4 or M4A once the download is ready, with
 * no credentials (as Cloudflare's signed-less download links), Range requests and an ETag.
 */
const mediaRoutes: FastifyPluginAsyncTypebox<{ assetsDir: string }> = async (app, options) => {
  const files = new Map<string, MediaFile>()
  for (const type of DOWNLOAD_TYPES) {
    const name = MEDIA_FILE_NAMES[type]
    const bytes = await readFile(join(options.assetsDir, name))
    const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`
    files.set(type, { bytes, etag, contentType: CONTENT_TYPES[type], extension: name.slice(name.lastIndexOf('.')) })
  }

  for (const type of DOWNLOAD_TYPES) {
    const file = files.get(type) as MediaFile
    app.get(`/:identifier/downloads/${MEDIA_FILE_NAMES[type]}`, {
      schema: {
        summary: `The ${type} download's media`,
        params: Type.Object({ identifier: Type.String() }),
        querystring: Type.Object({ filename: Type.Optional(Type.String()) })
      }
    }, async (request, reply) => {
      const { identifier } = request.params
      const state = isCloudflareId(identifier) ? app.mock.store.stateOf(identifier, type) : undefined
      if (state?.status !== 'ready') {
        // The delivery domain answers 424 for a video in error (release note of 2024-06-11).
        throw isCloudflareId(identifier) && app.mock.store.videoFailed(identifier) ? Errors.mediaOfFailedVideo() : Errors.mediaNotReady()
      }
      const filename = request.query.filename
      if (filename !== undefined && !isMediaFilename(filename)) throw Errors.badMediaFilename()
      reply.header('accept-ranges', 'bytes')
        .header('access-control-allow-origin', '*')
        .header('etag', file.etag)
        .header('cache-control', 'public, max-age=0, must-revalidate')
        .header('content-disposition', `attachment; filename="${filename ?? identifier}${file.extension}"`)
        .type(file.contentType)
      // RFC 9110 §13.1.2: `*`, or any tag of the list by weak comparison, means "not modified".
      if (noneMatchHits(request.headers['if-none-match'], file.etag)) return reply.code(304).send()
      // A Range that names another version (If-Range without the same strong ETag) gets the whole file.
      const range = rangeStillValid(request.headers['if-range'], file.etag) ? parseRange(request.headers.range, file.bytes.length) : { kind: 'full' as const }
      if (range.kind === 'unsatisfiable') throw Errors.rangeNotSatisfiable(file.bytes.length)
      if (range.kind === 'partial') {
        return reply.code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${file.bytes.length}`)
          .send(file.bytes.subarray(range.start, range.end + 1))
      }
      return reply.send(file.bytes)
    })
  }
}

export default mediaRoutes
