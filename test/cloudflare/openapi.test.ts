import t from 'tap'
import { Ajv } from 'ajv'
import { contract, videosContract } from '../helpers/contract.js'
import { ACCOUNT, AUTH, VIDEOS, build, sharedApp } from '../helpers/build.js'

interface Parameter { in: string, name: string, required: boolean, schema: object }
interface Document {
  openapi: string
  servers: Array<{ url: string }>
  paths: Record<string, Record<string, { summary: string, parameters: Parameter[] }>>
}

async function surfaceDocument (): Promise<Document> {
  const app = await sharedApp()
  const res = await app.inject({ method: 'GET', url: '/openapi.json' })
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json: ${res.statusCode} ${res.body}`)
  return res.json()
}

t.test('the surface\'s OpenAPI document has the operations of Cloudflare\'s contract, under both base paths', async (t) => {
  const document = await surfaceDocument()
  t.equal(document.openapi, '3.0.3')
  t.same(document.servers, [{ url: '/client/v4' }, { url: '/' }])
  const operations = (paths: Record<string, object>): string[] =>
    Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`)).sort()
  // The videos contract's operations the mock serves: videos, copy, direct upload, signed-URL tokens, keys and webhooks.
  const served = ['/accounts/{account_id}/stream', '/accounts/{account_id}/stream/{identifier}', '/accounts/{account_id}/stream/copy', '/accounts/{account_id}/stream/direct_upload']
  const videoPaths = Object.fromEntries(Object.entries(videosContract.paths).filter(([path]) => served.includes(path) || /\/token$|\/keys|\/webhook$/.test(path)))
  t.same(operations(document.paths), operations({ ...contract.paths, ...videoPaths }), 'the same paths and methods (no HEAD, no 405 routes)')
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      t.ok(operation.summary.length > 0, `${method} ${path}: a summary`)
      const names = operation.parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name).sort()
      t.same(names, [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort(), `${method} ${path}: every path parameter described`)
    }
  }
})

t.test('the params schemas of the document are the rule admission applies, once', async (t) => {
  const document = await surfaceDocument()
  const parameters = document.paths['/accounts/{account_id}/stream/{identifier}/downloads/{download_type}']?.delete?.parameters ?? []
  const schemaOf = (name: string): object => (parameters.find((parameter) => parameter.name === name) as Parameter).schema
  const ajv = new Ajv({ strict: false })
  const validId = ajv.compile(schemaOf('identifier'))
  const validType = ajv.compile(schemaOf('download_type'))
  const app = await build(t)
  const ids = [VIDEOS.ready, VIDEOS.ready.toUpperCase(), `${VIDEOS.ready}0`, VIDEOS.ready.slice(1), 'not-a-video', `${VIDEOS.ready.slice(1)}g`]
  for (const id of ids) {
    for (const type of ['audio', 'default', 'video', 'Audio']) {
      const res = await app.inject({ method: 'DELETE', url: `/client/v4/accounts/${ACCOUNT}/stream/${id}/downloads/${type}`, headers: AUTH })
      const admitted = res.statusCode !== 400
      t.equal(admitted, validId(id) && validType(type), `${id}/${type}: ${res.statusCode}`)
      if (!admitted) t.equal(res.json().errors[0].code, 7003, 'Cloudflare\'s answer to a path it cannot route')
    }
  }
})

t.test('the document is not part of the Cloudflare surface: not journaled, not under /client/v4', async (t) => {
  const app = await build(t, { config: { admin: 'off' } })
  t.equal((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200, 'served with MOCK_ADMIN=off too')
  t.equal((await app.inject({ method: 'GET', url: '/client/v4/openapi.json' })).statusCode, 400)
  t.equal(app.mock.journal.size, 0)
})
