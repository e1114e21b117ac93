import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// The package's types as a user's app sees them: the declarations built from src/ (as
// `npm run build` makes them), imported through node_modules by a small project that has its own
// Fastify app, with its own `config` (as @fastify/env decorates it) and its own `mock`, the name
// the mock keeps its additions under. That project compiles with the repository's tsc: nothing of
// the package augments Fastify's types, and the handle is typed as documented.

// Two runs of tsc: about 12 s of CPU, more on a loaded machine.
t.setTimeout(120_000)

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

const run = async (args: string[]): Promise<{ code: number, output: string }> =>
  await new Promise((resolve) => {
    execFile(process.execPath, [TSC, ...args], { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : 1, output: `${stdout}${stderr}` })
    })
  })

const CONSUMER = `import Fastify from 'fastify'
import { AdminApiError, buildApp, startMock, type AdvanceResult, type ClockView, type RunningMock } from 'stream-downloads-mock'

declare module 'fastify' {
  interface FastifyInstance {
    config: { PORT: number }
    mock: { calls: string[] }
  }
}

const app = Fastify()
app.decorate('config', { PORT: 3000 })
app.decorate('mock', { calls: [] })
export const port: number = app.config.PORT
export const calls: string[] = app.mock.calls

const mock: RunningMock = await startMock({ port: 0, autoTick: false, fixtures: { videos: [] } })
export const urls: string[] = [mock.url, mock.apiUrl, mock.admin.baseUrl]
export const advanced: AdvanceResult = await mock.clock.advance(1000, { account: 'x' })
export const global: number = (await mock.clock.advance(1000)).clock.nowMs
export const views: ClockView[] = [
  await mock.clock.freeze({ account: 'x' }), await mock.clock.freeze(),
  await mock.clock.resume({ account: 'x' }), await mock.clock.resume(),
  await mock.clock.setRate(10, { account: 'x' }), await mock.clock.setRate(1)
]
export const clock: ClockView = await mock.admin.clock()
// @ts-expect-error the handle holds no Fastify instance
export const internals = mock.app
// @ts-expect-error the clock's methods take the account in an object
await mock.clock.freeze('x')
await mock.close()
export const failed = new AdminApiError(400, [{ code: 10400, message: 'no' }]).status

const built = await buildApp({ autoTick: false, logger: false })
export const health: number = (await built.inject({ method: 'GET', url: '/healthz' })).statusCode
await built.close()
`

t.test('a user\'s Fastify app with its own config and mock decorators compiles against the built package', async (t) => {
  const dir = t.testdir({
    consumer: {
      'package.json': JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023'],
          types: ['node'],
          strict: true,
          noEmit: true,
          // The package's declarations are checked too: an augmentation clash would show there.
          skipLibCheck: false
        },
        files: ['app.ts']
      }),
      'app.ts': CONSUMER
    }
  })
  // The package as npm installs it: its package.json beside dist/, and its dependencies.
  const pkg = join(dir, 'package')
  mkdirSync(pkg)
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'))
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'))
  const built = await run(['-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist'), '--emitDeclarationOnly', '--sourceMap', 'false'])
  t.equal(built.code, 0, 'the package builds', { output: built.output })
  const declarations = readdirSync(join(pkg, 'dist'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'))
  t.ok(declarations.includes('index.d.ts'), 'with its declarations')
  t.same(declarations.filter((file) => readFileSync(join(pkg, 'dist', file), 'utf8').includes('declare module')), [], 'none of which augments a module')

  const modules = join(dir, 'consumer', 'node_modules')
  mkdirSync(join(modules, '@types'), { recursive: true })
  symlinkSync(pkg, join(modules, 'stream-downloads-mock'))
  symlinkSync(join(ROOT, 'node_modules', 'fastify'), join(modules, 'fastify'))
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(modules, '@types', 'node'))
  const compiled = await run(['-p', join(dir, 'consumer', 'tsconfig.json')])
  t.equal(compiled.code, 0, 'the consumer compiles', { output: compiled.output })
})
