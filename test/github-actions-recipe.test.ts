import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { ConfigError, SETTINGS, loadConfig } from '../src/config.js'
import { build } from './helpers/build.js'

// The README's GitHub Actions recipe is not run (there is no Actions runner here): this checks
// that what it uses of the mock is real. The build context is the mock's checkout and holds the
// Dockerfile, the port is the image's, the variables given to the mock's container are settings
// that load, each request to the mock is a route it serves with that method (and the admin token
// it was given), and the ref and the image tag are this version's.

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string
const section = readme.slice(readme.indexOf('\n### GitHub Actions\n'), readme.indexOf('\n## Test-runner helpers\n'))
const [workflowText, serviceText] = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] as string)

interface Step { uses?: string, with?: Record<string, unknown>, run?: string, env?: Record<string, string>, name?: string }
const SETTING_ENVS = new Set<string>(Object.values(SETTINGS).map((setting) => setting.env))
const MOCK = 'http://127.0.0.1:8787'

/** The `-e NAME=value` pairs of a docker run command. */
const dockerEnv = (command: string): Record<string, string> =>
  Object.fromEntries([...command.matchAll(/-e ([A-Z_]+)=(\S+)/g)].map((match) => [match[1] as string, match[2] as string]))

/** The settings a mock container gets: each a setting's variable, and they load. */
function checkSettings (t: Test, env: Record<string, string>, where: string): void {
  for (const name of Object.keys(env)) t.ok(SETTING_ENVS.has(name), `${where}: ${name} is a setting`)
  let error: unknown
  try { loadConfig(env) } catch (caught) { error = caught }
  t.notOk(error instanceof ConfigError, `${where}: the settings load`, { error })
}

t.test('the README has the workflow and the service variant', async (t) => {
  t.ok(workflowText !== undefined && serviceText !== undefined, 'two yaml blocks')
})

t.test('the workflow builds the mock from its checkout, runs it with real settings, and waits for its health', async (t) => {
  const workflow = parse(workflowText as string) as { jobs: { test: { steps: Step[] } } }
  const steps = workflow.jobs.test.steps
  const checkout = steps.find((step) => step.with?.repository !== undefined) as Step
  t.ok(checkout, 'the mock\'s repository is checked out')
  t.equal(checkout.with?.ref, `v${version}`, 'at this version\'s tag')
  const path = checkout.with?.path as string
  const buildStep = steps.find((step) => step.run?.startsWith('docker build')) as Step
  const context = /docker build -t (\S+) (\S+)/.exec(buildStep.run as string)
  t.equal(context?.[2], path, 'the build context is the checkout')
  t.ok(existsSync(join(ROOT, 'Dockerfile')), 'which holds the Dockerfile')
  const image = context?.[1] as string

  const runStep = steps.find((step) => step.run?.startsWith('docker run')) as Step
  const run = runStep.run as string
  t.match(run, new RegExp(`--name mock -p 8787:8787 .* ${image}$`), 'the built image, published on 8787')
  t.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /^EXPOSE 8787$/m, 'the image\'s port')
  const env = dockerEnv(run)
  checkSettings(t, env, 'docker run')
  t.ok(steps.some((step) => step.run?.includes('docker inspect -f \'{{.State.Health.Status}}\' mock')), 'a step waits for the container\'s health')
  t.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /^HEALTHCHECK /m, 'which the image has')

  // Every request to the mock: a route it serves, with the admin token it was given.
  const app = await build(t)
  const requests = steps.flatMap((step) => [...(step.run ?? '').matchAll(/curl ((?:-\S+ )*)(?:-X (\w+) )?(http:\/\/127\.0\.0\.1:8787\S*)([^\n]*(?:\n[^\n]*)*)/g)])
  t.ok(requests.length > 0, 'the workflow calls the mock')
  for (const request of requests) {
    const method = request[2] ?? 'GET'
    const url = (request[3] as string).slice(MOCK.length)
    t.ok(app.hasRoute({ method: method as 'GET', url }), `${method} ${url} is a route`)
    if (url.startsWith('/__mock')) t.match(request[4], new RegExp(`X-Mock-Admin-Token: ${env.MOCK_ADMIN_TOKEN}`), `${url} carries the admin token`)
  }
  const fixtures = requests.find((request) => (request[3] as string).endsWith('/__mock/fixtures'))
  t.match(fixtures?.[4], /-H 'Content-Type: application\/json'/, 'the fixtures go as JSON')

  // The tests' environment points at the mock as the compose example's app does.
  const tests = steps.find((step) => step.run === 'npm test') as Step
  t.equal(tests.env?.CLOUDFLARE_BASE_URL, `${MOCK}/client/v4`)
  t.equal(tests.env?.CLOUDFLARE_API_TOKEN, env.MOCK_API_TOKENS, 'a token the mock accepts')
  t.equal(tests.env?.MOCK_ADMIN_TOKEN, env.MOCK_ADMIN_TOKEN)
  t.ok(steps.some((step) => step.run === 'docker logs mock' && (step as Record<string, unknown>).if === 'failure()'), 'the mock\'s log on failure')
})

t.test('the service variant: this version\'s image, real settings, health options docker takes', async (t) => {
  const service = (parse(serviceText as string) as { services: { mock: { image: string, ports: string[], env: Record<string, string>, options: string } } }).services.mock
  t.match(service.image, new RegExp(`:${version.replaceAll('.', '\\.')}$`))
  t.same(service.ports, ['8787:8787'])
  checkSettings(t, service.env, 'services.mock.env')
  for (const option of service.options.split(/\s+(?=--)/)) t.match(option, /^--health-(interval|timeout|retries) \w+$/, option)
})
