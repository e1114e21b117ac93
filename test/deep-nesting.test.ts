import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { FixtureError } from '../src/seed/fixture-error.js'
import { ACCOUNT, build } from './helpers/build.js'

// Input nested 20,000 levels deep (about 40 KB, well within the body limit) where a string is
// expected: describing the error must not recurse over the input (JSON.stringify does, and
// overflows the stack), so the answer is a 400 naming the JSON path, never a 500.
const LEVELS = 20_000
const deep = `${'['.repeat(LEVELS)}"x"${']'.repeat(LEVELS)}`
const document = `{"videos":[{"id":"abababababababababababababababab","account":"${ACCOUNT}","description":${deep}}]}`

t.test('a deeply nested fixture body over the admin API: a 400 naming the path', async (t) => {
  const app = await build(t)
  const before = app.mock.store.videoCount
  const res = await app.inject({ method: 'POST', url: '/__mock/fixtures', headers: { 'content-type': 'application/json' }, payload: document })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.success, false)
  t.match(body.errors[0].message, /videos\/0\/description|videos\[0\]\.description/, 'names the field')
  t.ok(res.body.length < 2000, `a short answer (${res.body.length} bytes)`)
  t.equal(app.mock.store.videoCount, before, 'nothing stored')
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(health.statusCode, 200, 'the server goes on')
})

t.test('a deeply nested fixture file: the start fails naming the file and the path', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'deep.json')
  writeFileSync(file, document)
  const error = await buildApp({ logger: false, autoTick: false, fixtures: file }).then(() => undefined, (caught: unknown) => caught)
  t.type(error, FixtureError)
  const message = (error as FixtureError).message
  t.match(message, /deep\.json: \$\.videos\[0\]\.description: expected string \(got \[\[\[/)
  t.ok(message.length < 300, `one short line (${message.length} characters)`)
})
