import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { parseRange } from '../domain/byte-range.js'
import { Errors, MockError } from '../domain/errors.js'
import { DOWNLOAD_TYPES, MEDIA_FILE_NAMES, isCloudflareId } from '../domain/ids.js'

interface MediaFile { bytes: Buffer, etag: string, contentType: string, extension: string }

const CONTENT_TYPES = { default: 'video/mp4', audio: 'audio/mp4' } as const

/** Cloudflare's rule for `?filename=`: letters, digits, `-` and `_`, at most 120; the extension is added. */
const FILENAME = /^[A-Za-z0-9_-]{1,120}$/

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
      const state = isCloudflareId(identifier) ? app.store.stateOf(identifier, type) : undefined
      if (state?.status !== 'ready') throw Errors.mediaNotReady()
      const filename = request.query.filename
      if (filename !== undefined && !FILENAME.test(filename)) {
        throw new MockError(400, [{ code: 10400, message: 'filename may hold only letters, digits, - and _ (at most 120 characters); the extension is added' }])
      }
      reply.header('accept-ranges', 'bytes')
        .header('etag', file.etag)
        .header('cache-control', 'public, max-age=0, must-revalidate')
        .header('content-disposition', `attachment; filename="${filename ?? identifier}${file.extension}"`)
        .type(file.contentType)
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
      // A Range that names another version (If-Range with another ETag) gets the whole file.
      const ifRange = request.headers['if-range']
      const range = ifRange === undefined || ifRange === file.etag ? parseRange(request.headers.range, file.bytes.length) : { kind: 'full' as const }
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
