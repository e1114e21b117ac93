import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

interface TapLike { teardown: (fn: () => unknown) => void }

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH overrides it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Headless Chromium with a fresh profile and nothing of its own on the network (no updates, no
 * sync, no QUIC), closed and its profile removed when the test ends.
 */
export async function launchBrowser (t: TapLike & { comment: (message: string) => void }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'))
  const started = performance.now()
  // Playwright passes the profile as --user-data-dir itself (it refuses the flag in args).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  // Said in the output: a fresh machine's first launch can be much slower than the tests themselves.
  t.comment(`Chromium launched in ${Math.round(performance.now() - started)} ms`)
  t.teardown(async () => {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return browser
}

export interface WatchedPage {
  page: Page
  /** Script errors and console errors (but Chromium's line for each failed answer: see `failed`). */
  errors: string[]
  /** Requests to any other origin. */
  foreign: string[]
  /** Answers of 400 or more, as "status path". */
  failed: string[]
}

/**
 * A new tab whose script errors, requests to other hosts and failed answers are collected; closed
 * when the test ends (a tab left open goes on reading its server, and a background tab's timers are
 * throttled).
 */
export async function openPage (t: TapLike, browser: BrowserContext, origin: string): Promise<WatchedPage> {
  const page = await browser.newPage()
  t.teardown(() => page.close())
  const watched: WatchedPage = { page, errors: [], foreign: [], failed: [] }
  page.on('pageerror', (error) => { watched.errors.push(error.message) })
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) watched.errors.push(message.text())
  })
  page.on('request', (request) => { if (!request.url().startsWith(origin)) watched.foreign.push(request.url()) })
  page.on('response', (response) => {
    if (response.status() >= 400) watched.failed.push(`${response.status()} ${new URL(response.url()).pathname}`)
  })
  return watched
}

/**
 * An expression's value in the page. Written as text, not as a function: the test files are type
 * checked without the DOM's types, which would otherwise be on for the whole project.
 */
export async function inPage (page: Page, expression: string): Promise<unknown> {
  return await page.evaluate(expression)
}
