import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply } from 'fastify'
import { Errors } from '../domain/errors.js'
import { MEDIA_FILE_NAMES, isCloudflareId } from '../domain/ids.js'
import { FailureEnvelopeSchema, SuccessEnvelopeSchema, ok } from '../schemas/envelope.js'
import { BUNDLED_INPUT, UPLOAD_PATH } from '../cloudflare/video-answers.js'
import { named } from '../plugins/named.js'
import { bundledAssets } from './bundled-assets.js'

/** Most bytes a direct upload may carry: Cloudflare's bound for a direct creator upload (200 MB). */
export const UPLOAD_LIMIT = 200 * 1024 * 1024

/** Every delivery url answers any origin: a browser uploads, and plays, from another origin. */
function allowAnyOrigin (reply: FastifyReply): FastifyReply {
  return reply.header('access-control-allow-origin', '*')
}

/** A CORS preflight's answer: any origin, the url's methods, any request header, cached a day. */
function preflight (reply: FastifyReply, methods: string): FastifyReply {
  return allowAnyOrigin(reply).code(204)
    .header('access-control-allow-methods', methods)
    .header('access-control-allow-headers', '*')
    .header('access-control-max-age', '86400')
    .send()
}

const UidParamsSchema = Type.Object({ uid: Type.String() })
const IdentifierParamsSchema = Type.Object({ identifier: Type.String() })

/**
 * The delivery side of videos beside the download media (media.ts): the one-time url of a direct
 * upload (a multipart POST, streamed and counted, never kept), the thumbnail (one bundled
 * image), the playback manifests and preview page (out of scope: a 404 envelope), and the CORS
 * preflights of the upload and media urls.
 */
const deliveryRoutes: FastifyPluginAsyncTypebox<{ assetsDir: string }> = async (app, options) => {
  const { thumbnail } = await bundledAssets(options.assetsDir)

  // The upload's bytes are counted as they arrive and dropped: the bundled media stay what is
  // served, and no upload is ever held in memory whole. Past UPLOAD_LIMIT the upload is refused
  // (413; the rest of it is read and discarded, or the connection closed: see sendFailure).
  app.addContentTypeParser('multipart/form-data', (_request, payload, done) => {
    let bytes = 0
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length
      if (bytes <= UPLOAD_LIMIT) return
      stop()
      done(Errors.uploadTooLarge(UPLOAD_LIMIT), undefined)
    }
    const onEnd = (): void => {
      stop()
      done(null, { bytes })
    }
    const stop = (): void => {
      payload.off('data', onData)
      payload.off('end', onEnd)
    }
    payload.on('data', onData)
    payload.on('end', onEnd)
  })

  const uploadUrl = `${UPLOAD_PATH}/:uid`
  app.post(uploadUrl, {
    bodyLimit: UPLOAD_LIMIT,
    schema: {
      summary: 'A direct creator upload (multipart/form-data)',
      params: UidParamsSchema,
      response: { 200: SuccessEnvelopeSchema(Type.Object({ uid: Type.String(), bytes: Type.Integer() })), '4xx': FailureEnvelopeSchema }
    },
    // Before the body is read: an upload to a url that takes none is refused at once.
    onRequest: async (request, reply) => {
      allowAnyOrigin(reply)
      const uid = (request.params as { uid: string }).uid
      const known = isCloudflareId(uid) ? app.mock.store.videoById(uid) : undefined
      const lookup = known === undefined ? undefined : app.mock.store.lookupVideo(known.account, uid)
      if (lookup?.found !== true) throw Errors.uploadUrlUnknown()
      if (app.mock.store.lifeOf(lookup.video).state !== 'pendingupload') throw Errors.uploadUrlUsed()
      // Only a form is an upload: another body (JSON among them) would be parsed, not counted.
      const type = request.headers['content-type']
      if (type !== undefined && !/^multipart\/form-data(?:\s*;|\s*$)/i.test(type)) throw Errors.uploadNotMultipart(type)
    }
  }, async (request) => {
    const upload = request.body as { bytes: number } | undefined
    if (upload === undefined || upload.bytes === 0) throw Errors.emptyUpload()
    const { uid } = request.params
    const video = app.mock.store.videoById(uid)
    // The reservation was checked before the body was read; it may have run out since (a slow upload).
    if (video === undefined || !app.mock.store.upload(uid, video, upload.bytes, BUNDLED_INPUT.duration)) throw Errors.uploadUrlUnknown()
    request.log.info({ video: uid, bytes: upload.bytes }, 'direct upload received')
    return ok({ uid, bytes: upload.bytes })
  })
  app.options(uploadUrl, { schema: { hide: true, params: UidParamsSchema } }, async (_request, reply) => preflight(reply, 'POST, OPTIONS'))

  for (const file of Object.values(MEDIA_FILE_NAMES)) {
    app.options(`/:identifier/downloads/${file}`, { schema: { hide: true, params: IdentifierParamsSchema } }, async (_request, reply) => preflight(reply, 'GET, HEAD, OPTIONS'))
  }

  app.get('/:identifier/thumbnails/thumbnail.jpg', {
    exposeHeadRoute: true,
    schema: { summary: 'A video\'s thumbnail (one bundled image for every video)', params: IdentifierParamsSchema }
  }, async (request, reply) => {
    const { identifier } = request.params
    const video = isCloudflareId(identifier) ? app.mock.store.videoById(identifier) : undefined
    if (video === undefined) throw Errors.videoNotFound()
    if (app.mock.store.lifeOf(video).state === 'error') throw Errors.mediaOfFailedVideo()
    return allowAnyOrigin(reply).type('image/jpeg').header('cache-control', 'public, max-age=0, must-revalidate').send(thumbnail)
  })
  app.options('/:identifier/thumbnails/thumbnail.jpg', { schema: { hide: true, params: IdentifierParamsSchema } }, async (_request, reply) => preflight(reply, 'GET, HEAD, OPTIONS'))

  for (const [path, what] of [['manifest/video.m3u8', 'The HLS manifest'], ['manifest/video.mpd', 'The DASH manifest'], ['watch', 'The preview page']] as const) {
    app.get(`/:identifier/${path}`, { exposeHeadRoute: true, schema: { hide: true, params: IdentifierParamsSchema } }, async () => { throw Errors.notServed(what) })
  }
}

export default named('delivery-routes', deliveryRoutes)
