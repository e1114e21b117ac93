import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { DATA_FORMAT } from '../../src/schemas/store.js'
import type { FixtureDocument } from '../../src/schemas/fixture.js'
import { savedState } from '../helpers/saved-state.js'
import { ACCOUNT, AUTH, VIDEOS } from '../helpers/build.js'

t.beforeEach((t) => { t.saveFixture = true })

const DECLARED = '0000000000000000000000000000acc1'
const CHANGED = '0000000000000000000000000000acc2'
const ADDED = '0000000000000000000000000000acc3'
const FIXTURES: FixtureDocument = {
  accounts: [{ id: DECLARED, description: 'empty' }, { id: CHANGED }],
  videos: [{ id: VIDEOS.ready, account: ACCOUNT }]
}

const open = async (dataFile: string): Promise<FastifyInstance> => await buildApp({ logger: false, autoTick: false, flushDelayMs: 0, fixtures: FIXTURES, config: { dataFile } })
const admin = async (app: FastifyInstance, method: string, url: string, payload?: object): Promise<{ statusCode: number, body: any }> => {
  const answer = await app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload }) })
  return { statusCode: answer.statusCode, body: answer.json() }
}
const ids = async (app: FastifyInstance): Promise<string[]> => (await admin(app, 'GET', '/__mock/accounts')).body.result.accounts.map((account: { id: string }) => account.id)

t.test('declared accounts and their settings survive a restart, through the snapshot and the change log', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await open(dataFile)
  await first.close()
  t.same(JSON.parse(readFileSync(dataFile, 'utf8').split('\n', 1)[0] + '}}').accounts, { [DECLARED]: { description: 'empty' }, [CHANGED]: {} }, 'the first snapshot holds the fixtures\' accounts')

  const second = await open(dataFile)
  await admin(second, 'PUT', `/__mock/accounts/${ADDED}`, { progression: { model: 'manual' } })
  await admin(second, 'PUT', `/__mock/accounts/${CHANGED}`, { progression: { failAt: 'queued', errorReasonCode: 'ERR_UNKNOWN' } })
  await admin(second, 'DELETE', `/__mock/accounts/${DECLARED}`)
  await second.close()
  const lines = readdirSync(join(dataFile, '..')).filter((name) => name.endsWith('.log')).flatMap((name) => readFileSync(join(dataFile, '..', name), 'utf8').split('\n'))
  t.ok(lines.some((line) => line.includes(`"account":{"id":"${DECLARED}","record":null}`)), 'a removed declaration is a line with no record')
  t.same(savedState(dataFile).accounts, { [CHANGED]: { progression: { failAt: 'queued', errorReasonCode: 'ERR_UNKNOWN' } }, [ADDED]: { progression: { model: 'manual' } } })

  // The data file wins over the fixtures: the removed one stays removed.
  const third = await open(dataFile)
  t.same(await ids(third), [CHANGED, ADDED])
  t.match((await admin(third, 'GET', `/__mock/accounts/${ADDED}`)).body.result, { declared: true, videos: 0, videoDefaults: { model: 'manual' } })
  t.equal((await third.inject({ method: 'GET', url: `/client/v4/accounts/${DECLARED}/stream`, headers: AUTH })).statusCode, 404)
  const copy = (await third.inject({ method: 'POST', url: `/client/v4/accounts/${CHANGED}/stream/copy`, headers: AUTH, payload: { url: 'https://example.com/a.mp4' } })).json().result
  await admin(third, 'POST', '/__mock/clock/advance', { ms: 3000 })
  t.match((await third.inject({ method: 'GET', url: `/client/v4/accounts/${CHANGED}/stream/${copy.uid as string}`, headers: AUTH })).json().result.status, { state: 'error', errorReasonCode: 'ERR_UNKNOWN' }, 'a video created after the restart follows the saved settings')

  // An account's reset: back to the fixture's settings (a line), or gone.
  await admin(third, 'DELETE', `/__mock/videos/${copy.uid as string}`)
  await admin(third, 'POST', '/__mock/reset', { account: CHANGED })
  await admin(third, 'POST', '/__mock/reset', { account: ADDED })
  await third.close()
  t.same(savedState(dataFile).accounts, { [CHANGED]: {} })

  // A reset of everything: the snapshot holds the fixtures' accounts again.
  const fourth = await open(dataFile)
  t.same(await ids(fourth), [CHANGED])
  await admin(fourth, 'POST', '/__mock/reset')
  await fourth.close()
  t.same(savedState(dataFile).accounts, { [DECLARED]: { description: 'empty' }, [CHANGED]: {} })
})

t.test('a data@3 file written before accounts were declared opens with none; the head keeps none while none are', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  writeFileSync(dataFile, JSON.stringify({ format: DATA_FORMAT, epochMs: 1_000_000, log: 0, elapsedMs: 0, clock: { nowMs: 0 }, videos: { [VIDEOS.ready]: { account: ACCOUNT, downloads: {}, onCreate: {} } } }))
  const app = await buildApp({ logger: false, autoTick: false, flushDelayMs: 0, config: { dataFile } })
  t.same(await ids(app), [])
  t.match((await admin(app, 'GET', `/__mock/accounts/${ACCOUNT}`)).body.result, { declared: false, videos: 1 })
  await app.close()
  t.notOk('accounts' in JSON.parse(readFileSync(dataFile, 'utf8').split('\n', 1)[0] + '}}'), 'no accounts key in the snapshot')
})

t.test('a log line with a bad account record stops the start, naming the log file and line', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await open(dataFile)
  await first.close()
  writeFileSync(`${dataFile}.9.log`, `{"f":0,"open":1}\n{"f":1,"account":{"id":"${ADDED}","record":{"progression":{"model":"fast"}}}}\n{"f":2}\n`)
  await t.rejects(open(dataFile), /data\.json\.9\.log:2: \$\.account\.record/)
})
