import t, { type Test } from 'tap'
import AxeBuilder from '@axe-core/playwright'
import type { FastifyInstance } from 'fastify'
import type { Page } from 'playwright-core'
import { ACCOUNT, AUTH, VIDEOS, build, downloadsPath } from '../helpers/build.js'
import { inPage, launchBrowser, openPage } from '../helpers/browser.js'

const TOKEN = 'dashboard-s3cret'
const admin = { 'x-mock-admin-token': TOKEN }

/** The app on a free port, with the admin token set and no wall-clock ticker: the page's controls move mock time. */
async function serve (t: Test): Promise<{ app: FastifyInstance, origin: string }> {
  const app = await build(t, { config: { adminToken: TOKEN } })
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

const browser = await launchBrowser(t)

t.test('the token prompt: nothing is shown without it, a wrong one is refused, the right one opens the board', async (t) => {
  const { origin } = await serve(t)
  const { page, errors, foreign, failed } = await openPage(browser, origin)
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
  const { page, errors } = await openPage(browser, origin)
  await unlocked(page, origin)
  const before = Number(await bar(page, VIDEOS.inProgress).getAttribute('value'))
  t.equal(before, 40, 'the fixture\'s 40 %')
  const account = page.locator(`[data-account="${ACCOUNT}"]`)
  await account.getByLabel('Step by').fill('3')
  await account.getByRole('button', { name: `Step (clock of account ${ACCOUNT})` }).click()
  await page.waitForFunction(`document.querySelector('[data-video="${VIDEOS.inProgress}"] [data-type="default"] progress').value > 40`)
  t.equal(Number(await bar(page, VIDEOS.inProgress).getAttribute('value')), 70, '3 s at 10 %/s')
  await page.getByText('Stepped the clock of').waitFor()

  await account.getByLabel('Step by').fill('1')
  await account.getByLabel('Step unit').selectOption('min')
  await account.getByRole('button', { name: `Step (clock of account ${ACCOUNT})` }).click()
  await page.locator(`[data-video="${VIDEOS.inProgress}"] [data-type="default"] [data-role="status"]`).getByText('ready 100 %').waitFor()
  t.pass('a minute later it is ready')
  t.strictSame(errors, [])
})

t.test('a fault rule added from the page fails the next API call', async (t) => {
  const { app, origin } = await serve(t)
  const { page, errors } = await openPage(browser, origin)
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
  const { page, errors } = await openPage(browser, origin)
  await unlocked(page, origin)
  const name = `Freeze (clock of account ${ACCOUNT})`
  let found = false
  for (let i = 0; i < 40 && !found; i++) {
    await page.keyboard.press('Tab')
    found = true === await inPage(page, `document.activeElement?.getAttribute('aria-label') === ${JSON.stringify(name)}`)
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

t.test('no accessibility violations (axe-core), with data shown', async (t) => {
  const { origin } = await serve(t)
  const { page } = await openPage(browser, origin)
  await page.goto(`${origin}/__mock/`)
  const locked = await new AxeBuilder({ page }).analyze()
  t.strictSame(locked.violations.map((violation) => `${violation.id}: ${violation.help}`), [], 'the token prompt')
  await unlocked(page, origin)
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
