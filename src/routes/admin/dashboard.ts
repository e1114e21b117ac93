import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from '@sinclair/typebox'
import { existsSync, readFileSync } from 'node:fs'
import * as nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'
import { BUNDLED_DASHBOARD } from '../../paths.js'
import { named } from '../../plugins/named.js'

/** Most bytes the page's shell (HTML, script, styles, the progress module) may weigh, uncompressed. */
export const DASHBOARD_BYTE_BUDGET = 48 * 1024

/** The page's files and their types; nothing else is served from the folder. */
const SHELL_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8'
} as const

/**
 * The page may load only its own files and talk only to this server: no CDN, no fonts, no other
 * host, even if a value shown on the page held markup.
 */
const HEADERS = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

/**
 * The server's own progress module as a browser module, so the page extrapolates a download's
 * percent by the rule the server uses (written once): the compiled `.js` when running from
 * `dist/`, else the `.ts` source with its types stripped (running from `src/`, under test or tsx).
 */
export function progressModuleSource (base: URL = new URL('../../domain/progress', import.meta.url)): string {
  const js = fileURLToPath(`${base.href}.js`)
  // Its source map is not served (the admin guard would refuse the browser's request for it).
  if (existsSync(js)) return readFileSync(js, 'utf8').replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n')
  const source = readFileSync(fileURLToPath(`${base.href}.ts`), 'utf8')
  // Node prints an experimental-feature warning on the first call; the stripping is Node's own.
  const emitWarning = process.emitWarning
  // Never called under test: the tests' loader has stripped (and muted that once-a-process warning) first.
  /* c8 ignore next */
  process.emitWarning = () => {}
  try {
    return nodeModule.stripTypeScriptTypes(source)
  } finally {
    process.emitWarning = emitWarning
  }
}

/** The shell's files, read once a process, on first use (a few KB). */
let shell: Map<string, string> | undefined

/** The page's files by name, `progress.js` included. */
export function dashboardFiles (): ReadonlyMap<string, string> {
  if (shell === undefined) {
    shell = new Map(Object.keys(SHELL_FILES).map((name) => [name, readFileSync(`${BUNDLED_DASHBOARD}/${name}`, 'utf8')]))
    shell.set('progress.js', progressModuleSource())
  }
  return shell
}

/**
 * The dashboard under /__mock/: a static page (HTML, script, styles and the progress module)
 * that holds no data. It is served without the admin token; everything it shows it reads from
 * the admin API with the token the user gives it, so nothing leaks to a browser without it.
 */
const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const send = (reply: FastifyReply, name: string, type: string): string => {
    reply.headers(HEADERS).type(type)
    return dashboardFiles().get(name) as string
  }
  const schema = { hide: true, response: { 200: Type.String() } }

  app.get('/', { prefixTrailingSlash: 'slash', schema }, async (_request, reply) => send(reply, 'index.html', SHELL_FILES['index.html']))
  // The page's links are relative to /__mock/: without the slash they would miss the folder.
  app.get('', { schema: { hide: true } }, async (_request, reply) => reply.redirect(`${app.prefix}/`, 308))
  for (const [name, type] of Object.entries(SHELL_FILES)) {
    if (name !== 'index.html') app.get(`/${name}`, { schema }, async (_request, reply) => send(reply, name, type))
  }
  app.get('/progress.js', { schema }, async (_request, reply) => send(reply, 'progress.js', SHELL_FILES['dashboard.js']))
}

export default named('dashboard-routes', dashboardRoutes)
