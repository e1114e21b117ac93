import t, { type Test } from 'tap'
import AxeBuilder from '@axe-core/playwright'
import type { FastifyInstance } from 'fastify'
import { EventEmitter, once } from 'node:events'
import type { Page } from 'playwright-core'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from '../helpers/build.js'
import { inPage, launchBrowser, openPage } from '../helpers/browser.js'
import type { BuildOptions } from '../../src/app.js'

const TOKEN = 'dashboard-s3cret'
const admin = { 'x-mock-admin-token': TOKEN }

/** The app on a free port, with the admin token set and no wall-clock ticker: the page's controls move mock time. */
async function serve (t: Test, options: BuildOptions = {}): Promise<{ app: FastifyInstance, origin: string }> {
  const app = await build(t, { ...options, config: { adminToken: TOKEN } })
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, origin }
}

/** Opens the dashboard and gives it the token. */
async function unlocked (page: Page, origin: string): Promise<void> {
  await page.goto(`${origin}/__mock/`)
  await page.getByLabel('Admin token').fill(TOKEN)
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await page.locator(`[data-video="${VIDEOS.inProgress}"] progress`).first().waitFor()
}

const bar = (page: Page, video: string, type = 'default'): ReturnType<Page['locator']> =>
  page.locator(`[data-video="${video}"] [data-type="${type}"] progress`)

/** The pager's "Page n of m", once it says `text`. */
const pageInfo = (page: Page, text: string): ReturnType<Page['locator']> => page.locator('#page-info', { hasText: text })

const browser = await launchBrowser(t)

t.test('the token prompt: nothing is shown without it, a wrong one is refused, the right one opens the board', async (t) => {
  const { origin } = await serve(t)
  const { page, errors, foreign, failed } = await openPage(t, browser, origin)
  await page.goto(`${origin}/__mock/`)
  await page.getByLabel('Admin token').waitFor()
  t.ok(await inPage(page, 'document.activeElement.id === "token"'), 'the prompt has the focus')
  t.notOk(await page.locator('#board').isVisible(), 'no board')
  t.notMatch(await page.content(), new RegExp(VIDEOS.inProgress), 'no data on the page')

  await page.getByLabel('Admin token').fill('wrong')
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await page.getByText('The admin token was refused.').waitFor()
  t.notMatch(await page.content(), new RegExp(VIDEOS.inProgress), 'still no data')

  await page.getByLabel('Admin token').fill(TOKEN)
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await bar(page, VIDEOS.inProgress).waitFor()
  t.equal(await inPage(page, 'sessionStorage.getItem("stream-downloads-mock:admin-token")'), TOKEN, 'kept for the session')
  await page.reload()
  await bar(page, VIDEOS.inProgress).waitFor()
  t.pass('asked once: a reload opens the board')
  await page.getByRole('button', { name: 'Forget token' }).click()
  await page.getByLabel('Admin token').waitFor()
  t.equal(await page.locator('[data-video]').count(), 0, 'forgetting the token clears the board')
  t.strictSame(errors, [], 'no script errors')
  t.strictSame(foreign, [], 'no request to another host')
  t.ok(failed.every((answer) => answer.startsWith('401 ') || answer === '404 /__mock/events'), `only the refusals and the absent event stream failed: ${failed.join(', ')}`)
})

t.test('a download\'s bar moves as the clock is stepped from the page', async (t) => {
  const { origin } = await serve(t)
  const { page, errors } = await openPage(t, browser, origin)
  await unlocked(page, origin)
  const before = Number(await bar(page, VIDEOS.inProgress).getAttribute('value'))
  t.equal(before, 40, 'the fixture\'s 40 %')
  const account = page.locator(`[data-account="${ACCOUNT}"]`)
  await account.getByLabel('Step by').fill('3')
  await account.getByRole('button', { name: `Step (clock of account ${ACCOUNT})` }).click()
  // (A locator waits: the page's policy refuses the string functions of waitForFunction.)
  await page.locator(`[data-video="${VIDEOS.inProgress}"] [data-type="default"] progress[value="70"]`).waitFor()
  t.pass('the bar moved from 40 to 70: 3 s at 10 %/s')
  await page.getByText('Stepped the clock of').waitFor()

  await account.getByLabel('Step by').fill('1')
  await account.getByLabel('Step unit').selectOption('min')
  await account.getByRole('button', { name: `Step (clock of account ${ACCOUNT})` }).click()
  await page.locator(`[data-video="${VIDEOS.inProgress}"] [data-type="default"] [data-role="status"]`).getByText('ready 100 %').waitFor()
  t.pass('a minute later it is ready')
  t.strictSame(errors, [])
})

t.test('per download: hold here, release, fail now, make ready, delete; reset the account', async (t) => {
  const { app, origin } = await serve(t)
  const { page, errors } = await openPage(t, browser, origin)
  await unlocked(page, origin)
  const video = VIDEOS.inProgress
  const name = `MP4 download of video ${video}`
  const status = page.locator(`[data-video="${video}"] [data-type="default"] [data-role="status"]`)
  const stored = async (): Promise<unknown> => (await app.inject({ method: 'GET', url: `/__mock/videos/${video}`, headers: admin })).json().result.downloads.default
  const account = page.locator(`[data-account="${ACCOUNT}"]`)
  const step = async (seconds: string): Promise<void> => {
    await account.getByLabel('Step by').fill(seconds)
    await account.getByRole('button', { name: `Step (clock of account ${ACCOUNT})` }).click()
  }

  await page.getByRole('button', { name: `Hold here (${name})` }).click()
  await page.getByText('holds at 40 %').waitFor()
  await step('10')
  await page.getByText('Stepped the clock of').waitFor()
  t.match(await stored(), { status: 'inprogress', percentComplete: 40, holdAt: 40 }, 'held where it was shown')
  await page.getByRole('button', { name: `Release (${name})` }).click()
  await page.getByText('Released the').waitFor()
  await step('1')
  await status.getByText('inprogress 50 %').waitFor()
  t.pass('released, it moves on')

  await page.getByRole('button', { name: `Fail now (${name})` }).click()
  await status.getByText('error 50 %').waitFor()
  t.match(await stored(), { status: 'error', percentComplete: 50 })
  await page.getByRole('button', { name: `Make ready (${name})` }).click()
  await status.getByText('ready 100 %').waitFor()
  await page.getByRole('button', { name: `Delete (${name})` }).click()
  await page.locator(`[data-video="${video}"]`).getByText('No downloads').waitFor()
  t.equal(await stored(), undefined, 'deleted')

  await account.getByRole('button', { name: `Reset account (${ACCOUNT})` }).click()
  await status.getByText('inprogress 40 %').waitFor()
  t.pass('the account is back to its fixtures')
  t.strictSame(errors, [])
})

t.test('a fault rule added from the page fails the next API call', async (t) => {
  const { app, origin } = await serve(t)
  const { page, errors } = await openPage(t, browser, origin)
  await unlocked(page, origin)
  await page.getByLabel('Method').selectOption('GET')
  await page.getByLabel('Status').fill('503')
  await page.getByLabel('Times').fill('1')
  await page.getByRole('button', { name: 'Add rule' }).click()
  await page.getByRole('button', { name: 'Delete (fault rule f1)' }).waitFor()
  const rules = (await app.inject({ method: 'GET', url: '/__mock/faults', headers: admin })).json().result.rules
  t.match(rules, [{ id: 'f1', match: { method: 'GET' }, status: 503, times: 1 }])

  const url = `${origin}${downloadsPath(VIDEOS.ready)}`
  const failed = await fetch(url, { headers: AUTH })
  t.equal(failed.status, 503, 'the next call fails')
  t.equal((await fetch(url, { headers: AUTH })).status, 200, 'once')
  t.strictSame(errors, [])
})

t.test('keyboard only: Tab to an account\'s Freeze and press Enter', async (t) => {
  const { app, origin } = await serve(t)
  const { page, errors } = await openPage(t, browser, origin)
  await unlocked(page, origin)
  const name = `Freeze (clock of account ${ACCOUNT})`
  let found = false
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('Tab')
    found = await inPage(page, `document.activeElement?.getAttribute('aria-label') === ${JSON.stringify(name)}`) === true
  }
  t.ok(found, 'reached by Tab')
  const outline = await inPage(page, 'getComputedStyle(document.activeElement).outlineStyle')
  t.equal(outline, 'solid', 'the focus is visible')
  await page.keyboard.press('Enter')
  await page.getByText(`Froze the clock of ${ACCOUNT}.`).waitFor()
  const clock = (await app.inject({ method: 'GET', url: `/__mock/clock?account=${ACCOUNT}`, headers: admin })).json().result
  t.match(clock, { scope: 'account', frozen: true }, 'the account\'s clock is frozen')
  t.strictSame(errors, [])
})

t.test('lists are paged: 260 videos, 50 a page, turned by keyboard; the last page shows the rest; axe finds nothing', async (t) => {
  const ids = Array.from({ length: 260 }, (_, index) => (0x1000 + index).toString(16).padStart(32, 'c'))
  const { app, origin } = await serve(t, { fixtures: { videos: ids.map((id) => ({ id, account: ACCOUNT, downloads: { default: { percentComplete: 10 } } })) } })
  const { page, errors } = await openPage(t, browser, origin)
  await page.goto(`${origin}/__mock/`)
  await page.getByLabel('Admin token').fill(TOKEN)
  await page.getByRole('button', { name: 'Open the dashboard' }).click()
  await page.locator(`[data-video="${ids[0]}"]`).waitFor()
  await pageInfo(page, 'Page 1 of 6').waitFor()
  t.equal(await page.locator('[data-video]').count(), 50, 'the first page: 50 videos')
  t.equal(await page.locator('#counts').textContent(), '260 videos; 1–50 shown, with 50 downloads')
  t.ok(await page.getByRole('button', { name: 'Previous page' }).isDisabled(), 'no page before the first')
  await page.locator('#account-filter').focus()
  let found = false
  for (let i = 0; i < 5 && !found; i++) {
    await page.keyboard.press('Tab')
    found = await inPage(page, 'document.activeElement?.id === "page-next"') === true
  }
  t.ok(found, 'Next page is reached by Tab, before the videos')
  for (let next = 1; next < 6; next++) {
    await page.keyboard.press('Enter')
    await pageInfo(page, `Page ${next + 1} of 6`).waitFor()
    await page.locator(`[data-video="${ids[next * 50]}"]`).waitFor()
  }
  t.equal(await page.locator(`[data-video="${ids[249]}"]`).count(), 0, 'the page before is gone')
  t.equal(await page.locator('[data-video]').count(), 10, 'the last page holds the rest')
  t.equal(await page.locator('#counts').textContent(), '260 videos; 251–260 shown, with 10 downloads')
  t.ok(await page.getByRole('button', { name: 'Next page' }).isDisabled(), 'no page after the last')
  t.ok(await inPage(page, 'document.activeElement?.id === "page-prev"'), 'the focus stays in the pager, on Previous page')
  const paged = await new AxeBuilder({ page }).analyze()
  t.strictSame(paged.violations.map((violation) => `${violation.id}: ${violation.help}`), [], 'no violations on a later page')
  // The last page emptied elsewhere: the page goes back to the last one that has videos.
  for (const id of ids.slice(250)) await app.inject({ method: 'DELETE', url: `/__mock/videos/${id}`, headers: admin })
  await pageInfo(page, 'Page 5 of 5').waitFor()
  await page.locator(`[data-video="${ids[249]}"]`).waitFor()
  await page.keyboard.press('Enter')
  await pageInfo(page, 'Page 4 of 5').waitFor()
  await page.locator(`[data-video="${ids[150]}"]`).waitFor()
  t.pass('Previous page by keyboard')
  t.strictSame(errors, [])
})

t.test('no accessibility violations (axe-core), with data shown; the README\'s screenshot', async (t) => {
  const { app, origin } = await serve(t)
  const { page } = await openPage(t, browser, origin)
  await page.goto(`${origin}/__mock/`)
  const locked = await new AxeBuilder({ page }).analyze()
  t.strictSame(locked.violations.map((violation) => `${violation.id}: ${violation.help}`), [], 'the token prompt')
  await unlocked(page, origin)
  // Something in every part: a fault rule, a client's polls in the journal, a clock stepped.
  await app.inject({ method: 'POST', url: '/__mock/faults', headers: admin, payload: { match: { method: 'POST', account: ACCOUNT }, status: 429, retryAfter: 2, times: 3 } })
  for (let i = 0; i < 3; i++) await fetch(`${origin}${downloadsPath(VIDEOS.inProgress)}`, { headers: AUTH })
  await app.inject({ method: 'POST', url: '/__mock/clock/advance', headers: admin, payload: { ms: 2000, account: ACCOUNT } })
  await page.getByRole('button', { name: 'Delete (fault rule f1)' }).waitFor()
  await page.locator(`[data-video="${VIDEOS.inProgress}"] [data-type="default"] progress[value="60"]`).waitFor()
  await page.locator(`[data-video="${VIDEOS.inProgress}"] [data-action="polling"]`).click()
  await page.getByText('Polling report of').waitFor()
  const open = await new AxeBuilder({ page }).analyze()
  t.strictSame(open.violations.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).slice(0, 3).join('; ')})`), [], 'the board')
  const shot = process.env.DASHBOARD_SCREENSHOT
  if (shot !== undefined && shot !== '') {
    await page.screenshot({ path: shot, fullPage: true })
    t.comment(`screenshot written to ${shot}`)
  }
})

t.test('live through the server\'s event stream: a change made elsewhere reaches the page by an event', async (t) => {
  const { app, origin } = await serve(t)
  const { page, errors } = await openPage(t, browser, origin)
  await unlocked(page, origin)
  await page.getByText('Live: event stream').waitFor()
  // Made outside the page, which does not re-read on a timer while the stream is open.
  await app.inject({ method: 'POST', url: '/__mock/clock/advance', headers: admin, payload: { ms: 2000, account: ACCOUNT } })
  await page.locator(`[data-video="${VIDEOS.inProgress}"] [data-type="default"] progress[value="60"]`).waitFor()
  await app.inject({ method: 'PATCH', url: `/__mock/videos/${VIDEOS.inProgress}/downloads/default`, headers: admin, payload: { status: 'ready' } })
  await page.locator(`[data-video="${VIDEOS.inProgress}"] [data-type="default"] progress[value="100"]`).waitFor()
  t.pass('a clock step and an admin change, each shown by its event')
  t.strictSame(errors, [])
})

t.test('a stream that ends: the page reconnects with Last-Event-ID, the token in a header', async (t) => {
  const { origin } = await serve(t)
  const { page, errors } = await openPage(t, browser, origin)
  // The browser's requests for the stream are answered here: each answer is a whole body, so the
  // stream ends after it and the page must reconnect, saying which event it saw last.
  const asked: Array<{ lastEventId: string | undefined, token: string | undefined, url: string }> = []
  const reconnected = new EventEmitter()
  await page.route('**/__mock/events*', async (route) => {
    const headers = route.request().headers()
    asked.push({ lastEventId: headers['last-event-id'], token: headers['x-mock-admin-token'], url: route.request().url() })
    const event = { type: 'download.transition', account: ACCOUNT, video: VIDEOS.inProgress, downloadType: 'default', status: 'inprogress', percentComplete: 90, mockMs: 0, cause: 'admin', model: 'manual', speed: 10, id: 7, at: new Date().toISOString() }
    const body = asked.length === 1 ? `retry: 200\n\n: heartbeat\n\nid: 7\nevent: download.transition\ndata: ${JSON.stringify(event)}\n\n` : 'retry: 60000\n\n'
    if (asked.length === 2) reconnected.emit('again')
    await route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' }, body })
  })
  const again = once(reconnected, 'again')
  await unlocked(page, origin)
  await again
  t.match(asked[0], { token: TOKEN, lastEventId: undefined }, 'the token in a header, not the URL')
  t.notMatch(asked[0]?.url ?? '', TOKEN, 'nor in the query')
  t.equal(asked[1]?.lastEventId, '7', 'the reconnect resumes after the last event')
  t.strictSame(errors, [])
})
