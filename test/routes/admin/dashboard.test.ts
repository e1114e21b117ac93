import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DASHBOARD_BYTE_BUDGET, dashboardFiles, progressModuleSource } from '../../../src/routes/admin/dashboard.js'
import { build } from '../../helpers/build.js'

t.test('the page, its script, styles and progress module are served without the admin token', async (t) => {
  const app = await build(t, { config: { adminToken: 's3cret' } })
  const page = await app.inject({ method: 'GET', url: '/__mock/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'none'.*connect-src 'self'/, 'the page may talk to this server only')
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  t.match(page.body, /<script type="module" src="dashboard.js">/)
  for (const [name, type] of [['dashboard.js', /^text\/javascript/], ['dashboard.css', /^text\/css/], ['progress.js', /^text\/javascript/]] as const) {
    const res = await app.inject({ method: 'GET', url: `/__mock/${name}` })
    t.equal(res.statusCode, 200, name)
    t.match(res.headers['content-type'], type, name)
  }
  const head = await app.inject({ method: 'HEAD', url: '/__mock/' })
  t.equal(head.statusCode, 200, 'HEAD too')
  const data = await app.inject({ method: 'GET', url: '/__mock/videos' })
  t.equal(data.statusCode, 401, 'the data is not: the admin API still wants the token')
  const other = await app.inject({ method: 'GET', url: '/__mock/index.html' })
  t.equal(other.statusCode, 401, 'nothing else is public under /__mock')
})

t.test('/__mock redirects to /__mock/, whose links are relative', async (t) => {
  const app = await build(t)
  for (const url of ['/__mock', '/__mock?x=1']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 308, url)
    t.equal(res.headers.location, '/__mock/', url)
  }
})

t.test('MOCK_ADMIN=off: no dashboard either', async (t) => {
  const app = await build(t, { config: { admin: 'off' } })
  const res = await app.inject({ method: 'GET', url: '/__mock/' })
  t.not(res.statusCode, 200)
  t.notMatch(res.body, /<html/)
})

t.test('the shell keeps to its byte budget and names no other host', async (t) => {
  const files = dashboardFiles()
  t.strictSame([...files.keys()].sort(), ['dashboard.css', 'dashboard.js', 'index.html', 'progress.js'])
  const bytes = [...files.values()].reduce((sum, text) => sum + Buffer.byteLength(text), 0)
  t.ok(bytes <= DASHBOARD_BYTE_BUDGET, `${bytes} bytes <= ${DASHBOARD_BYTE_BUDGET}`)
  for (const [name, text] of files) t.notMatch(text, /(src|href)="(https?:)?\/\//, `${name} loads nothing from another host`)
})

t.test('the progress module: stripped TypeScript from src/, the compiled JavaScript when there is one', async (t) => {
  const fromSource = progressModuleSource()
  t.match(fromSource, /export function stateAt \(record/, 'types stripped, code kept')
  t.notMatch(fromSource, /: DownloadRecord/)
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-'))
  writeFileSync(join(dir, 'progress.js'), 'export const compiled = true\n//# sourceMappingURL=progress.js.map')
  t.equal(progressModuleSource(new URL('progress', pathToFileURL(`${dir}/`))), 'export const compiled = true\n')
  const module = await import(`data:text/javascript,${encodeURIComponent(fromSource)}`)
  t.strictSame(module.stateAt({ status: 'inprogress', percent: 10, since: 0, model: 'time', speed: 10, step: 25 }, 2000), { status: 'inprogress', percentComplete: 30 }, 'the page gets the server\'s own rule')
})
