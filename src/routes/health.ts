import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { named } from '../plugins/named.js'

const HealthSchema = Type.Object({ status: Type.Literal('ok'), videos: Type.Integer(), mockTimeMs: Type.Number() })

/** `GET /healthz`: 200 once the fixtures are loaded (the app is not ready before). Not Cloudflare's. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', {
    exposeHeadRoute: true,
    schema: {
      summary: 'Liveness and readiness',
      response: { 200: HealthSchema }
    }
  }, async () => ({ status: 'ok' as const, videos: app.mock.store.videoCount, mockTimeMs: app.mock.clock.nowMs }))
}

export default named('health-routes', healthRoutes)
