import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { parseRange } from '../domain/byte-range.js'
import { Errors } from '../domain/errors.js'
import { noneMatchHits, rangeStillValid } from '../domain/etag.js'
import { DOWNLOAD_TYPES, MEDIA_FILE_NAMES, isCloudflareId, isMediaFilename } from '../domain/ids.js'
import { named } from '../plugins/named.js'
import { bundledAssets, type MediaFile } from './bundled-assets.js'
import { accessAllowed } from '../domain/signed-tokens.js'

const MediaParamsSchema = Type.Object({ identifier: Type.String() })
const MediaQuerySchema = Type.Object({ filename: Type.Optional(Type.String()) })

/** What a JWS compact token looks like: three base64url parts (checked for real by the verifier). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * The download urls: GET and HEAD serve the bundled MP4 or M4A once the download is ready, with
 * no credentials (as Cloudflare's links), Range requests and an ETag. A signed token may stand in
 * place of the video id (it names the video in `sub`); a video with `requireSignedURLs` is served
 * only so, to a token with `downloadable` whose access rules let the client through.
 */
const mediaRoutes: FastifyPluginAsyncTypebox<{ assetsDir: string }> = async (app, options) => {
  const files = (await bundledAssets(options.assetsDir)).media

  for (const type of DOWNLOAD_TYPES) {
    const file = files.get(type) as MediaFile
    app.get(`/:identifier/downloads/${MEDIA_FILE_NAMES[type]}`, {
      exposeHeadRoute: true,
      schema: { summary: `The ${type} download's media`, params: MediaParamsSchema, querystring: MediaQuerySchema }
    }, async (request, reply) => {
      const { identifier } = request.params
      let videoId: string | undefined
      if (isCloudflareId(identifier)) {
        if (app.mock.store.videoById(identifier)?.requireSignedURLs === true) throw Errors.signedUrlRequired()
        videoId = identifier
      } else if (TOKEN_SHAPE.test(identifier)) {
        const check = await app.mock.tokens.verify(identifier)
        if (!check.ok) throw Errors.signedTokenRefused(check.reason)
        if (!check.grant.downloadable) throw Errors.tokenNotDownloadable()
        const country = request.headers['cf-ipcountry']
        if (!accessAllowed(check.grant.accessRules, { ip: request.ip, country: typeof country === 'string' ? country : undefined })) throw Errors.accessRuleBlocked()
        videoId = check.grant.video
      }
      const state = videoId === undefined ? undefined : app.mock.store.stateOf(videoId, type)
      if (state?.status !== 'ready') {
        // The delivery domain answers 424 for a video in error (release note of 2024-06-11).
        throw videoId !== undefined && app.mock.store.videoFailed(videoId) ? Errors.mediaOfFailedVideo() : Errors.mediaNotReady()
      }
      const filename = request.query.filename
      if (filename !== undefined && !isMediaFilename(filename)) throw Errors.badMediaFilename()
      reply.header('accept-ranges', 'bytes')
        .header('access-control-allow-origin', '*')
        .header('etag', file.etag)
        .header('cache-control', 'public, max-age=0, must-revalidate')
        .header('content-disposition', `attachment; filename="${filename ?? videoId as string}${file.extension}"`)
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

export default named('media-routes', mediaRoutes)
