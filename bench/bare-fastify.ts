/**
 * The bench's baseline: a bare Fastify 5 server with one route at the mock's GET path, answering
 * the same JSON body (BENCH_BODY, the bytes the mock answered) through a TypeBox response schema of
 * the same shape, so that both serialize with fast-json-stringify. Same logger at LOG_LEVEL.
 * Plus GET /healthz, for the time to the first 200. No hooks, no auth, no journal, no store. It
 * sends the rate-limit headers the mock sends (Ratelimit, Ratelimit-Policy), from a counter.
 */
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'

const Download = Type.Object({
  status: Type.Union([Type.Literal('inprogress'), Type.Literal('ready'), Type.Literal('error')]),
  percentComplete: Type.Number({ minimum: 0, maximum: 100 }),
  url: Type.String({ format: 'uri' })
})
const Message = Type.Object({ code: Type.Integer(), message: Type.String() })
const Envelope = Type.Object({
  result: Type.Object({ default: Type.Optional(Download), audio: Type.Optional(Download) }),
  success: Type.Literal(true),
  errors: Type.Array(Message, { maxItems: 0 }),
  messages: Type.Array(Message)
})

const body = JSON.parse(process.env.BENCH_BODY ?? '{"result":{},"success":true,"errors":[],"messages":[]}') as unknown
let count = 0
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })

app.get('/client/v4/accounts/:account_id/stream/:identifier/downloads', {
  schema: { response: { 200: Envelope } }
}, async (_request, reply) => {
  count++
  reply.header('ratelimit', `"default";r=${Math.max(0, 1200 - count)};t=300`).header('ratelimit-policy', '"default";q=1200;w=300')
  return body
})

app.get('/healthz', {
  schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } }
}, async () => ({ status: 'ok' as const }))

const close = (): void => { app.close().then(() => process.exit(0), () => process.exit(1)) }
process.on('SIGTERM', close)
process.on('SIGINT', close)

app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) }).catch((error: unknown) => {
  process.stderr.write(`bare-fastify: ${(error as Error).message}\n`)
  process.exit(1)
})
