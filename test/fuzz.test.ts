import fc from 'fast-check'
import t from 'tap'
import { AUTH, VIDEOS, build, downloadsPath } from './helpers/build.js'
import { FuzzHarness, FuzzStats, fuzzProperty } from './helpers/fuzz.js'

// The bounded version of `npm run fuzz` (FUZZ_RUNS, default 20,000): a fixed seed, so a failure
// here is reproducible as is; 200 runs, about 5 s, to keep `npm test` short.
const SEED = 20_251_129
const RUNS = 200
const STEPS = 20

t.test('random request sequences keep every invariant', async (t) => {
  const app = await build(t)
  const stats = new FuzzStats()
  const harness = new FuzzHarness(app, stats)
  await harness.init()
  const details = await fc.check(fuzzProperty(harness, STEPS), { seed: SEED, numRuns: RUNS })
  const error = details.errorInstance
  t.notOk(details.failed, details.failed ? `${fc.defaultReportMessage(details) ?? ''}\n${error instanceof Error ? error.message : String(error)}` : `${RUNS} runs`)
  // The generators reach every part of the server, so a change to them cannot quietly make the fuzzing hollow.
  t.ok(stats.requests >= RUNS * 4, `${stats.requests} requests`)
  for (const target of ['cloudflare', 'videos', 'upload', 'admin', 'media', 'other']) t.ok((stats.byTarget[target] ?? 0) > 0, `requests on ${target}`)
  // The video paths are reached past their checks: each kind of change happened, and was checked.
  for (const action of ['add', 'read', 'edit', 'delete', 'upload']) t.ok((stats.videoChanges[action] ?? 0) > 0, `${stats.videoChanges[action] ?? 0} successful video ${action}s`)
  t.ok(stats.unknownAccounts > 0, `${stats.unknownAccounts} answers of the account's 404, each for an account neither declared nor holding videos`)
  t.ok(stats.contractChecks >= 100, `${stats.contractChecks} successful Cloudflare answers checked against the contract`)
  t.ok((stats.byStatus['206'] ?? 0) + (stats.byStatus['200'] ?? 0) > 0, 'media and successful answers')
  t.ok(stats.forced5xx > 0, `${stats.forced5xx} 5xx answers that a Prefer header or a fault rule asked for`)
  t.ok(stats.faultsAdded > 0, `${stats.faultsAdded} fault rules added`)
  t.ok(stats.lowering > 0, `${stats.lowering} admin writes that may lower progress`)
})

// Found by the fuzzer: the admin API's prototype-key check recursed once per nesting level, so a
// body nested some thousands of levels deep (far below the 1 MiB limit) overflowed the stack: 500.
t.test('deeply nested admin bodies are refused with a 4xx, never a 500', async (t) => {
  const app = await build(t)
  const depth = 100_000
  const cases: Array<[string, string, string]> = [
    ['POST', '/__mock/fixtures', '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)],
    ['PUT', '/__mock/defaults', '{"a":' + '['.repeat(depth) + ']'.repeat(depth) + '}'],
    ['POST', '/__mock/videos', '{"a":' + '[{"b":'.repeat(depth) + '1' + '}]'.repeat(depth) + '}']
  ]
  for (const [method, url, payload] of cases) {
    const res = await app.inject({ method: method as 'POST', url, headers: { 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, `${method} ${url} nested ${depth} deep`)
    t.equal(res.json().success, false)
  }
  // A forbidden key deep down is still found, and named by its path.
  const deep = '{"videos":[' + '{"a":'.repeat(5000) + '{"x":1,"__proto__":{}}' + '}'.repeat(5000) + ']}'
  const res = await app.inject({ method: 'POST', url: '/__mock/fixtures', headers: { 'content-type': 'application/json' }, payload: deep })
  t.equal(res.statusCode, 400)
  t.match(res.json().errors[0].message, /^body: \$\.videos\[0\](\.a){5000}\.__proto__: forbidden key/)
})

// Found by the fuzzer: a read stored a `polls` download's percent rounded down to a tenth, so a
// step under 0.1 never moved it (and 0.15 moved it by 0.1). It is now kept unrounded until the stop.
t.test('a polls download moves by its step, however small', async (t) => {
  const app = await build(t)
  const video = VIDEOS.empty
  const poll = async (): Promise<number> => (await app.inject({ method: 'GET', url: downloadsPath(video), headers: AUTH })).json().result.default.percentComplete
  for (const [step, polls, shown] of [[0.05, 4, 0.2], [0.15, 3, 0.4], [33.33, 3, 99.9]] as const) {
    const set = await app.inject({ method: 'PUT', url: `/__mock/videos/${video}/downloads/default`, payload: { model: 'polls', step } })
    t.equal(set.statusCode, 200)
    let percent = 0
    for (let i = 0; i < polls; i++) percent = await poll()
    t.equal(percent, shown, `${polls} polls of step ${step} show ${shown}`)
  }
  t.equal(await poll(), 100, 'and the step past the end makes it ready')
})
