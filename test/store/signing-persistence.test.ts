import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { DATA_FORMAT, DATA_FORMAT_2 } from '../../src/schemas/store.js'
import { savedState } from '../helpers/saved-state.js'
import { ACCOUNT, AUTH, VIDEOS } from '../helpers/build.js'

t.beforeEach((t) => { t.saveFixture = true })

const open = async (dataFile: string): Promise<FastifyInstance> => await buildApp({ logger: false, autoTick: false, flushDelayMs: 0, config: { dataFile } })
const stream = (rest: string): string => `/client/v4/accounts/${ACCOUNT}/stream/${rest}`
const inject = async (app: FastifyInstance, method: string, url: string, payload?: object): Promise<any> =>
  (await app.inject({ method: method as 'GET', url, headers: AUTH, ...(payload === undefined ? {} : { payload }) })).json()

t.test('signing keys, the webhook subscription and the token key survive a restart; tokens still verify', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  const first = await open(dataFile)
  const key = (await inject(first, 'POST', stream('keys'))).result
  const gone = (await inject(first, 'POST', stream('keys'))).result
  await inject(first, 'DELETE', stream(`keys/${gone.id}`))
  const webhook = (await inject(first, 'PUT', stream('webhook'), { notificationUrl: 'http://127.0.0.1:9/hook' })).result
  const mockToken = (await inject(first, 'POST', stream(`${VIDEOS.ready}/token`), { downloadable: true })).result.token
  const ownToken = (await inject(first, 'POST', stream(`${VIDEOS.ready}/token`), { id: key.id, pem: key.pem, downloadable: true })).result.token
  await first.close()
  const saved = savedState(dataFile)
  t.same(Object.keys(saved.signing?.keys?.[ACCOUNT] ?? {}), [key.id], 'the deleted key is not kept')
  t.equal(saved.signing?.webhooks?.[ACCOUNT]?.secret, webhook.secret)

  const second = await open(dataFile)
  t.same((await inject(second, 'GET', stream('keys'))).result, [{ id: key.id, created: key.created, key_id: key.id }])
  t.same((await inject(second, 'GET', stream('webhook'))).result, webhook)
  for (const token of [mockToken, ownToken]) {
    t.equal((await second.inject({ method: 'GET', url: `/${token}/downloads/default.mp4` })).statusCode, 200, 'a token issued before the restart verifies')
  }
  // An account reset forgets the account's keys and subscription (lines with no record).
  await second.inject({ method: 'POST', url: '/__mock/reset', payload: { account: ACCOUNT } })
  await second.close()
  const third = await open(dataFile)
  t.same((await inject(third, 'GET', stream('keys'))).result, [])
  t.same((await inject(third, 'GET', stream('webhook'))).result, {})
  t.equal((await third.inject({ method: 'GET', url: `/${mockToken}/downloads/default.mp4` })).statusCode, 200, 'the mock\'s key stays')
  t.equal((await third.inject({ method: 'GET', url: `/${ownToken}/downloads/default.mp4` })).statusCode, 401, 'the deleted key\'s token is revoked')
  // A global reset: the snapshot holds the token key alone.
  await inject(third, 'POST', stream('keys'))
  await third.inject({ method: 'POST', url: '/__mock/reset' })
  await third.close()
  const snapshot = JSON.parse(readFileSync(dataFile, 'utf8'))
  t.equal(snapshot.format, DATA_FORMAT)
  t.same(Object.keys(savedState(dataFile).signing ?? {}), ['tokenKey'])
})

t.test('a data@2 file opens (no keys, no subscriptions) and is written as data@3', async (t) => {
  const dataFile = join(t.testdir(), 'data.json')
  writeFileSync(dataFile, JSON.stringify({
    format: DATA_FORMAT_2,
    epochMs: 1_000_000,
    log: 0,
    elapsedMs: 0,
    clock: { nowMs: 0 },
    videos: { [VIDEOS.ready]: { account: ACCOUNT, downloads: {}, onCreate: {} } }
  }))
  const app = await open(dataFile)
  t.same((await inject(app, 'GET', stream('keys'))).result, [])
  await app.close()
  const saved = savedState(dataFile)
  t.equal(JSON.parse(readFileSync(dataFile, 'utf8')).format, DATA_FORMAT, 'migrated by the snapshot after the start')
  t.same(saved.signing, {})
  t.same(Object.keys(saved.videos), [VIDEOS.ready])
})
