import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Errors } from '../../domain/errors.js'
import {
  DownloadParamsSchema, VideoListQuerySchema, DownloadPatchSchema, VideoInputSchema, VideoLifeChangeSchema, VideoParamsSchema, VideoViewSchema
} from '../../schemas/admin.js'
import { FailureResponses, SuccessEnvelopeSchema, ok } from '../../schemas/envelope.js'
import { DownloadFixtureSchema, ProgressionSettingsSchema, VideoFixtureSchema } from '../../schemas/fixture.js'
import { checkDownloadState, checkVideoStates } from '../../seed/load-fixtures.js'
import { inline } from '../../plugins/named.js'

const tags = ['videos']
const VideoListSchema = Type.Object({
  videos: Type.Array(VideoViewSchema),
  total: Type.Integer({ description: 'Videos in all (of the account, with `account`), whatever the page' })
})
const DeletedSchema = Type.Object({ deleted: Type.String() })
const videoAnswer = { 200: SuccessEnvelopeSchema(VideoViewSchema), ...FailureResponses }

/**
 * Videos and their downloads, over the admin API: list, create, replace and delete videos; set
 * a download's status, percent, progression, fail and hold points; set what created downloads get.
 * Input goes through the fixture schema, so it is checked as fixture files are.
 */
const videoAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** The admin view of a video that must exist. */
  const viewOf = (video: string): ReturnType<typeof app.mock.store.getVideo> & object => {
    const view = app.mock.store.getVideo(video)
    if (view === undefined) throw Errors.noVideo(video)
    return view
  }

  app.get('/videos', {
    schema: { tags, summary: 'List videos', description: 'Every video (of one account with `account`), oldest first, with its downloads\' current state and settings; `offset` and `limit` take a page, and `total` counts them all.', querystring: VideoListQuerySchema, response: { 200: SuccessEnvelopeSchema(VideoListSchema), ...FailureResponses } }
  }, async (request) => {
    const { account, offset, limit } = request.query
    return ok({ videos: app.mock.store.listVideos(account, { offset, limit }), total: app.mock.store.countVideos(account) })
  })

  app.post('/videos', {
    schema: { tags, summary: 'Create a video', description: 'Creates a video from a fixture entry (same fields as in fixture files). 409 when the id exists.', body: VideoFixtureSchema, response: videoAnswer }
  }, async (request) => {
    if (app.mock.store.getVideo(request.body.id) !== undefined) throw Errors.videoExists(request.body.id)
    checkVideoStates(request.body, 'body')
    app.mock.store.putVideo(request.body)
    return ok(viewOf(request.body.id))
  })

  app.get('/videos/:video', {
    schema: { tags, summary: 'Show a video', params: VideoParamsSchema, response: videoAnswer }
  }, async (request) => ok(viewOf(request.params.video)))

  app.put('/videos/:video', {
    schema: { tags, summary: 'Create or replace a video', description: 'The whole video: account, downloads and onCreate, as in a fixture file. Its downloads start again from the given state, at the current mock time.', params: VideoParamsSchema, body: VideoInputSchema, response: videoAnswer }
  }, async (request) => {
    const fixture = { ...request.body, id: request.params.video }
    checkVideoStates(fixture, 'body')
    app.mock.store.putVideo(fixture)
    return ok(viewOf(request.params.video))
  })

  app.delete('/videos/:video', {
    schema: { tags, summary: 'Delete a video', params: VideoParamsSchema, response: { 200: SuccessEnvelopeSchema(DeletedSchema), ...FailureResponses } }
  }, async (request) => {
    if (!app.mock.store.deleteVideo(request.params.video)) throw Errors.noVideo(request.params.video)
    // A deleted video's webhook retries are dropped.
    app.mock.webhooks.drop({ video: request.params.video })
    return ok({ deleted: request.params.video })
  })

  app.patch('/videos/:video/lifecycle', {
    schema: { tags, summary: 'Change a video\'s lifecycle', description: 'Puts the video into any state (`pctComplete` for inprogress), from now on, and changes the fields of its progression given (model, downloadingMs, queuedMs, speed, step, failAt, holdAt, errorReasonCode). A change that takes a ready video with downloads out of ready is a 409 naming them, unless `dropDownloads` is true.', params: VideoParamsSchema, body: VideoLifeChangeSchema, response: videoAnswer }
  }, async (request) => {
    const { errorReasonCode, progression, ...change } = request.body
    app.mock.store.setVideoLife(request.params.video, { ...change, progression: errorReasonCode === undefined ? progression : { ...progression, errorReasonCode } })
    return ok(viewOf(request.params.video))
  })

  app.put('/videos/:video/downloads/:type', {
    schema: { tags, summary: 'Set a download', description: 'Creates or replaces one download: its state (status, percentComplete) and progression (model, speed, step, failAt, holdAt), from now on.', params: DownloadParamsSchema, body: DownloadFixtureSchema, response: videoAnswer }
  }, async (request) => {
    const { video, type } = request.params
    // The fixture checks, so an inconsistent state gets the same message as in a file.
    checkDownloadState(request.body, 'body', '$')
    app.mock.store.setDownload(video, type, request.body)
    return ok(viewOf(video))
  })

  app.patch('/videos/:video/downloads/:type', {
    schema: { tags, summary: 'Change a download', description: 'Changes only the fields given, from now on: e.g. `{"percentComplete": 70}` moves a manual download, `{"holdAt": null}` releases a hold, `{"status": "error"}` fails it now.', params: DownloadParamsSchema, body: DownloadPatchSchema, response: videoAnswer }
  }, async (request) => {
    const { video, type } = request.params
    app.mock.store.patchDownload(video, type, request.body)
    return ok(viewOf(video))
  })

  app.delete('/videos/:video/downloads/:type', {
    schema: { tags, summary: 'Delete a download', params: DownloadParamsSchema, response: videoAnswer }
  }, async (request) => {
    const { video, type } = request.params
    if (!app.mock.store.removeDownload(video, type)) throw Errors.noDownload(video, type)
    return ok(viewOf(video))
  })

  app.put('/videos/:video/on-create/:type', {
    schema: { tags, summary: 'Set how created downloads progress', description: 'The progression a download of this type gets when a client creates it (POST .../downloads).', params: DownloadParamsSchema, body: ProgressionSettingsSchema, response: videoAnswer }
  }, async (request) => {
    app.mock.store.setOnCreate(request.params.video, request.params.type, request.body)
    return ok(viewOf(request.params.video))
  })

  app.delete('/videos/:video/on-create/:type', {
    schema: { tags, summary: 'Forget how created downloads progress', description: 'Created downloads of this type take the global default again.', params: DownloadParamsSchema, response: videoAnswer }
  }, async (request) => {
    app.mock.store.setOnCreate(request.params.video, request.params.type, undefined)
    return ok(viewOf(request.params.video))
  })
}

export default inline('admin-video-routes', videoAdminRoutes)
