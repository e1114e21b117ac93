import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { ACCOUNT, VIDEOS, downloadsPath } from '../helpers/build.js'

// A data file's writer may still be busy in its folder as a test ends (a snapshot after a
// start): tap keeps the folder rather than race it (it clears it before the next run).
t.beforeEach((t) => { t.saveFixture = true })

// "Shown to a client" is kept on the download record and saved in the data file: after a
// restart, the POST that follows an error a client saw still starts the download over.

const AUTH = { authorization: 'Bearer t' }

t.test('an error shown before a restart is still shown after it', async (t) => {
  const dataFile = join(t.testdir(), 'state.json')
  const post = async (app: Awaited<ReturnType<typeof buildApp>>): Promise<{ status: string, percentComplete: number }> =>
    (await app.inject({ method: 'POST', url: downloadsPath(VIDEOS.failed, ACCOUNT), headers: AUTH })).json().result.default

  const first = await buildApp({ logger: false, autoTick: false, config: { dataFile } })
  t.match(await post(first), { status: 'error', percentComplete: 75 }, 'shown once')
  await first.close()

  const second = await buildApp({ logger: false, autoTick: false, config: { dataFile } })
  t.equal(second.mock.store.getVideo(VIDEOS.failed)?.downloads.default?.status, 'error')
  t.match(await post(second), { status: 'inprogress', percentComplete: 0 }, 'the mark survived: this POST is the retry')
  // Closed here, not at teardown: tap removes the test folder first, and the final write would fail.
  await second.close()
})
