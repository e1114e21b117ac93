import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startMock } from '../src/index.js'

// Every example of the README that can run here runs as written, in README order, on one server,
// so that state one example leaves behind shows in the next. The only change made to an example
// is its base url: `http://127.0.0.1:8787` becomes the test server's, which listens on a free port.
// Shell blocks run with bash (`set -euo pipefail`, so a failing `curl -f` fails the test);
// TypeScript blocks run as a user's `example.mts`, by tsx, in a project made by `npm init -y`
// (CommonJS by default), with `cloudflare`, `tsx` and this package installed.

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

interface Block { section: string, lang: string, code: string }

/** The fenced code blocks of each `## ` section, in order. */
const blocks: Block[] = readme.split('\n## ').slice(1).flatMap((text) => {
  const section = text.slice(0, text.indexOf('\n'))
  return [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => ({ section, lang: match[1] as string, code: match[2] as string }))
})

/** The sections whose examples run; in them, every `sh` and `ts` block runs but the quick start's first (npm ci, npm start). */
const RUN_SECTIONS = new Set(['Quick start', 'Pointing the SDKs at it', 'Scenarios', 'The admin client', 'Signed URLs and webhooks'])
const runnable = blocks.filter((block, index) =>
  RUN_SECTIONS.has(block.section) && (block.lang === 'sh' || block.lang === 'ts') && !(block.section === 'Quick start' && blocks.findIndex((other) => other.section === 'Quick start') === index))
const setup = runnable.find((block) => block.section === 'Scenarios' && block.code.includes('MOCK=${MOCK'))

/** What each runnable block's output must show, in order, by the block's first line. */
const EXPECTED: Array<[first: RegExp, shows: RegExp[]]> = [
  [/^API=/, [/"result":"ok"/, /"default":\{"status":"inprogress","percentComplete":0,/, /"default":\{"status":"inprogress","percentComplete":\d+(\.\d)?,/]],
  [/^import Cloudflare/, [/^inprogress \d+/m, /audio: \{\s+status: 'inprogress',\s+percentComplete: 0,/]],
  [/^import \{ startMock \}/, [/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/m]],
  [/^MOCK=/, []],
  [/^curl .*reset.*\n.*clock\/freeze/, [/"status":"inprogress","percentComplete":0,/, /"status":"inprogress","percentComplete":40,/, /"status":"ready","percentComplete":100,/]],
  [/^curl .*reset.*\n.*faults/, [/"code":10503/, /"status":503/, /"status":200/]],
  [/^curl .*reset.*\n.*on-create\/audio/, [/"audio":\{"status":"error","percentComplete":60,/, /"default":\{"status":"error"/]],
  [/^WORKER=/, [/"frozen":true/, /"transitions":1,/, /"reset":"0000000000000000000000000000000a"/]],
  [/^import \{ startMock \}/, []],
  [/^curl .*reset.*\n.*clock\/freeze.*\n.*downloads.*\n.*__mock\/wait/, [/"already":(true|false)/, /"code":10408/, /"neverCalled":\[/]],
  [/^curl .*reset.*\n.*clock\/freeze.*\nVIDEO=/, [/"state":"downloading"/, /"code":10409/, /"readyToStream":true/, /"status":"inprogress"/, /15106$/m, /"bytes":15\d\d\d/, /"state":"queued"/]],
  [/^import \{ startMock \}/, [/^\{\}$/m, /^8$/m, /speed: 50/, /scope: 'global'/, /^1\n0$/m, /pollsByMethod/, /^stream-downloads-mock admin API$/m, /reset: '023e105f4ecef8ad9ca31a8372d0c353'/]],
  [/^import Cloudflare/, [/^ready 100$/m]],
  [/^import \{ startMock \}/, [/^ready: (when the wait began|by the step)$/m, /'HEAD downloads'/]],
  [/^MOCK=/, [/401$/m, /^200 video\/mp4$/m]],
  [/^import \{ createHmac/, [/^webhook verified: 5d5bc37ffcf54c9b82e996823bffbb81$/m]],
  [/^import Cloudflare/, [/^ready ready 200 15106$/m]]
]

const run = async (command: string, args: string[], options: { cwd?: string, env?: Record<string, string> } = {}): Promise<{ code: number, stdout: string, stderr: string }> =>
  await new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (typeof error.code === 'number' ? error.code : 1), stdout, stderr })
    })
  })

/** A scratch project as a user makes one: `npm init -y`, then the packages the examples import. */
async function userProject (dir: string): Promise<void> {
  const init = await run('npm', ['init', '-y'], { cwd: dir })
  if (init.code !== 0) throw new Error(`npm init -y failed: ${init.stderr}`)
  const modules = join(dir, 'node_modules')
  mkdirSync(modules)
  for (const name of ['cloudflare', 'tsx']) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name))
  // The package as its users import it, from its TypeScript source (so no build is needed here).
  const self = join(modules, 'stream-downloads-mock')
  mkdirSync(self)
  writeFileSync(join(self, 'package.json'), JSON.stringify({ name: 'stream-downloads-mock', type: 'module', exports: './index.ts' }))
  writeFileSync(join(self, 'index.ts'), `export * from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))}\n`)
}

t.test('every runnable README example has its expectations, in order', async (t) => {
  t.ok(setup !== undefined, 'the Scenarios section has its setup block')
  t.equal(runnable.length, EXPECTED.length, 'each runnable block has its expectations')
  runnable.forEach((block, index) => { t.match(block.code, EXPECTED[index]?.[0] ?? /^$/, `block ${index + 1} (${block.section}) is the one expected`) })
})

t.test('the README examples run as written, in order, on one server', async (t) => {
  const mock = await startMock({ port: 0 })
  t.teardown(() => mock.close())
  const dir = t.testdir()
  await userProject(dir)
  t.equal(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).type ?? 'commonjs', 'commonjs', 'npm init -y made a CommonJS project')
  const local = (code: string): string => code.replaceAll('http://127.0.0.1:8787', mock.url)
  // The quick start runs twice: it must show progress whenever it is run.
  const quickStart = runnable[0] as Block
  const order = [quickStart, ...runnable]

  for (const [position, block] of order.entries()) {
    const index = position === 0 ? 0 : position - 1
    const name = `${position === 0 ? 'quick start, first run' : `block ${index + 1}`} (${block.section}): ${block.code.split('\n')[0]?.slice(0, 60) ?? ''}`
    let result
    if (block.lang === 'sh') {
      // The recipes after the setup block use its variables.
      const script = block.section === 'Scenarios' && block !== setup ? `${(setup as Block).code}\n${block.code}` : block.code
      result = await run('bash', ['-c', `set -euo pipefail\n${local(script)}`], { cwd: dir })
    } else {
      writeFileSync(join(dir, 'example.mts'), local(block.code))
      // The child reports no coverage, which tap could not merge.
      result = await run('node', ['--import', 'tsx', 'example.mts'], { cwd: dir, env: { _TAPJS_PROCESSINFO_COVERAGE_: '0' } })
    }
    t.equal(result.code, 0, `${name} exits 0`, { stderr: result.stderr })
    let rest = result.stdout
    for (const pattern of EXPECTED[index]?.[1] ?? []) {
      const at = rest.search(pattern)
      t.ok(at >= 0, `${name}: output shows ${String(pattern)}`, at >= 0 ? {} : { stdout: result.stdout })
      rest = rest.slice(Math.max(at, 0))
    }
  }
})
