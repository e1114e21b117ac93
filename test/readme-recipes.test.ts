import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startMock } from '../src/index.js'

// The README's Scenarios recipes must run as written: each `sh` block of that section runs with
// bash (`set -e`, so a failing `curl -f` fails the test) against a fresh server.

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const section = readme.split('\n## Scenarios\n')[1]?.split('\n## ')[0] ?? ''
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] as string)
const [setup = '', ...recipes] = blocks

const run = async (script: string, env: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> =>
  await new Promise((resolve) => {
    execFile('bash', ['-c', `set -euo pipefail\n${script}`], { env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (typeof error.code === 'number' ? error.code : 1), stdout, stderr })
    })
  })

/** What each recipe's output must show, in order: the states its comments promise. */
const EXPECTED: RegExp[][] = [
  [/"status":"inprogress","percentComplete":0,/, /"status":"inprogress","percentComplete":40,/, /"status":"ready","percentComplete":100,/],
  [/"code":10503/, /"status":503/, /"status":200/],
  [/"audio":\{"status":"error","percentComplete":60,/, /"default":\{"status":"error"/],
  [/"nowMs":10000/, /"reset":"0000000000000000000000000000000a"/]
]

t.test('the Scenarios section has its setup and recipes', async (t) => {
  t.match(setup, /MOCK=/)
  t.equal(recipes.length, EXPECTED.length, 'each recipe has its expectations')
})

for (const [index, recipe] of recipes.entries()) {
  t.test(`recipe ${index + 1} runs as written: ${recipe.split('\n')[0]?.slice(0, 60) ?? ''}`, async (t) => {
    const mock = await startMock({ port: 0 })
    t.teardown(() => mock.close())
    const result = await run(`${setup}\n${recipe}`, { MOCK: mock.url })
    t.equal(result.code, 0, result.stderr)
    let rest = result.stdout
    for (const pattern of EXPECTED[index] ?? []) {
      const at = rest.search(pattern)
      t.ok(at >= 0, `output shows ${String(pattern)}`)
      rest = rest.slice(Math.max(at, 0))
    }
  })
}

t.test('the Scenarios section\'s TypeScript example runs as written', async (t) => {
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  t.ok(example !== undefined, 'there is one')
  const dir = t.testdir()
  const file = `${dir}/example.mts`
  const entry = fileURLToPath(new URL('../src/index.js', import.meta.url)).replace(/\.js$/, '.ts')
  // The example as a user's module: the package import, then the lines of the README, then a close.
  writeFileSync(file, `import { startMock } from ${JSON.stringify(entry)}\n${example as string}\nawait mock.close()\n`)
  // Run by tsx, not tap's loader: the child reports no coverage, which tap could not merge.
  const result = await run(`node --import tsx ${JSON.stringify(file)}`, { _TAPJS_PROCESSINFO_COVERAGE_: '0' })
  t.equal(result.code, 0, result.stderr)
})
