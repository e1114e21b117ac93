import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../../src/app.js'
import type { Progression } from '../../src/domain/progress.js'
import type { FixtureDocument } from '../../src/schemas/fixture.js'
import { FixtureError } from '../../src/seed/fixture-error.js'
import {
  PARSED_FILE_CACHE_MAX_BYTES, PARSED_FILES_MAX_BYTES, checkFixture, downloadFromFixture, parseFixture, readFixtures, resolveProgression, videosFromFixtures
} from '../../src/seed/load-fixtures.js'

const DATA = fileURLToPath(new URL('../fixtures/seed/', import.meta.url))
const ACCOUNT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const VIDEO = 'dddddddddddddddddddddddddddddddd'
const DEFAULTS: Progression = { model: 'time', speed: 10, step: 25 }

/** A file of the test data, and the name error messages give it (relative to the cwd). */
function data (...parts: string[]): { path: string, name: string } {
  const path = join(DATA, ...parts)
  return { path, name: relative(process.cwd(), path) }
}

/** The error a promise rejects with (or a stand-in that fails the assertions that follow). */
async function rejection (promise: Promise<unknown>): Promise<Error> {
  return await promise.then(() => new Error('did not reject'), (error: unknown) => error as Error)
}

/** The message of JSON.parse's error for `text` (worded differently by each Node version). */
function jsonError (text: string): string {
  return thrown(() => JSON.parse(text)).message
}

function thrown (fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  return new Error('did not throw')
}

t.test('bad fixture files: the message names the file, the JSON path and the problem', async (t) => {
  const cases: Array<[string, string]> = [
    ['invalid-json.json', '$: invalid JSON: Unexpected end of JSON input'],
    ['percent-150.json', '$.videos[0].downloads.default.percentComplete: expected number to be less or equal to 100 (got 150)'],
    ['unknown-property.json', '$.videos[0].colour: unknown property'],
    ['unknown-object-property.json', '$.videos[0].downloads.hd: unknown property'],
    ['malformed-id.json', '$.videos[0].id: 32 lowercase hexadecimal characters (got "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD")'],
    ['proto-key.json', '$.__proto__: forbidden key (prototype keys are refused)'],
    ['ready-at-50.json', '$.videos[0].downloads.default.percentComplete: a ready download is at 100 (got 50)'],
    ['inprogress-at-100.json', '$.videos[0].downloads.audio.percentComplete: an inprogress download is below 100; use status "ready" for a finished one'],
    ['unknown-status.json', '$.videos[0].downloads.default.status: expected one of "inprogress", "ready", "error" (got "done")']
  ]
  for (const [file, problem] of cases) {
    const { path, name } = data('bad', file)
    const error = await rejection(readFixtures(path))
    t.type(error, FixtureError, file)
    t.equal(error.message, `${name}: ${problem}`, file)
  }
  const error = await rejection(readFixtures(data('bad', 'percent-150.json').path)) as FixtureError
  t.equal(error.file, data('bad', 'percent-150.json').name, 'the parts are kept apart too')
  t.equal(error.jsonPath, '$.videos[0].downloads.default.percentComplete')
  t.equal(error.problem, 'expected number to be less or equal to 100 (got 150)')
  t.equal(error.name, 'FixtureError')
})

t.test('a duplicate video id across the files of a folder names both places', async (t) => {
  const a = data('duplicate', 'a.json')
  const b = data('duplicate', 'b.json')
  const fixtures = await readFixtures(data('duplicate').path)
  t.same(fixtures.map((fixture) => fixture.source), [a.name, b.name], 'each file on its own is valid')
  const expected = `${b.name}: $.videos[0].id: duplicate video id eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee (already defined in ${a.name} $.videos[1])`
  t.equal(thrown(() => videosFromFixtures(fixtures, DEFAULTS, 0)).message, expected)
  const error = await rejection(buildApp({ logger: false, autoTick: false, fixtures: data('duplicate').path }))
  t.type(error, FixtureError, 'buildApp fails with the same FixtureError')
  t.equal(error.message, expected)
})

t.test('a folder: its .json files in name order, other files ignored', async (t) => {
  const fixtures = await readFixtures(data('folder').path)
  t.same(fixtures.map((fixture) => fixture.source), [data('folder', '10-first.json').name, data('folder', '20-second.json').name])
  t.same(fixtures.map((fixture) => fixture.document.videos[0]!.id), ['cccccccccccccccccccccccccccccccc', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'])
  const videos = videosFromFixtures(fixtures, DEFAULTS, 0)
  t.same([...videos.keys()], ['cccccccccccccccccccccccccccccccc', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'])

  const single = await readFixtures(data('folder', '20-second.json').path)
  t.same(single.map((fixture) => fixture.source), [data('folder', '20-second.json').name], 'a single file is read as is')
})

t.test('a small fixture file is kept parsed while it stays the same; a changed or large one is read again', async (t) => {
  const video = (id: string) => ({ id, account: ACCOUNT, downloads: { default: { status: 'ready', percentComplete: 100 } } })
  const dir = t.testdir({ 'one.json': JSON.stringify({ videos: [video(VIDEO)] }) })
  const file = join(dir, 'one.json')
  const [first] = await readFixtures(file)
  const [again] = await readFixtures(file)
  t.equal(again?.document, first?.document, 'the same document, from the cache')
  t.ok(Object.isFrozen(first?.document.videos[0]?.downloads), 'shared by every app of the process, so frozen')
  const [fromFolder] = await readFixtures(dir)
  t.equal(fromFolder?.document, first?.document, 'the same file read through its folder')

  const other = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'
  writeFileSync(file, JSON.stringify({ videos: [video(other)] }))
  const [changed] = await readFixtures(file)
  t.equal(changed?.document.videos[0]?.id, other, 'a rewritten file, same size, is read again')
  writeFileSync(file, '{"videos": [')
  const broken = await rejection(readFixtures(file))
  t.ok(broken instanceof FixtureError, 'and validated again')

  // Past the bound, read on every call, and what was kept of the file is dropped.
  const padding = 'x'.repeat(PARSED_FILE_CACHE_MAX_BYTES)
  writeFileSync(file, JSON.stringify({ description: padding, videos: [video(VIDEO)] }))
  const [large] = await readFixtures(file)
  const [largeAgain] = await readFixtures(file)
  t.not(largeAgain?.document, large?.document, 'a large file is parsed on every read')
  t.notOk(Object.isFrozen(large?.document), 'and not shared')
  writeFileSync(file, JSON.stringify({ videos: [video(VIDEO)] }))
  const [small] = await readFixtures(file)
  const [smallAgain] = await readFixtures(file)
  t.equal(smallAgain?.document, small?.document, 'small again: kept again')
})

t.test('the files kept parsed are bounded in bytes: the one kept longest goes first', async (t) => {
  const size = PARSED_FILE_CACHE_MAX_BYTES - 1024
  const count = Math.ceil(PARSED_FILES_MAX_BYTES / size) + 1
  const files: Record<string, string> = {}
  for (let i = 0; i < count; i++) {
    const text = JSON.stringify({ description: '', videos: [{ id: VIDEO, account: ACCOUNT }] })
    files[`f${i}.json`] = text.replace('"description":""', `"description":"${'x'.repeat(size - text.length)}"`)
  }
  const dir = t.testdir(files)
  const read = async (i: number): Promise<unknown> => (await readFixtures(join(dir, `f${i}.json`)))[0]?.document
  const first: unknown[] = []
  for (let i = 0; i < count; i++) first.push(await read(i))
  t.equal(await read(count - 1), first[count - 1], 'the last one read is kept')
  t.not(await read(0), first[0], 'the first was dropped to keep it')
})

t.test('folders and paths that hold no fixtures', async (t) => {
  const dir = t.testdir({ empty: {}, 'only-text': { 'notes.txt': 'hello' }, 'dir-named-json': { 'x.json': {} } })
  const name = (path: string): string => relative(process.cwd(), path)

  let error = await rejection(readFixtures(join(dir, 'empty')))
  t.type(error, FixtureError)
  t.equal(error.message, `${name(join(dir, 'empty'))}: $: the folder holds no .json fixture file`)
  error = await rejection(readFixtures(join(dir, 'only-text')))
  t.equal(error.message, `${name(join(dir, 'only-text'))}: $: the folder holds no .json fixture file`)

  error = await rejection(readFixtures(join(dir, 'missing')))
  t.type(error, FixtureError)
  t.equal(error.message, `${name(join(dir, 'missing'))}: $: cannot read fixtures: ENOENT`)

  error = await rejection(readFixtures(join(dir, 'dir-named-json')))
  t.equal(error.message, `${name(join(dir, 'dir-named-json', 'x.json'))}: $: cannot read file: EISDIR`, 'a folder named *.json')
})

t.test('names: relative below the working directory, absolute elsewhere, "." for the directory itself', async (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'sdm-fixtures-'))
  t.teardown(() => rmSync(outside, { recursive: true, force: true }))
  writeFileSync(join(outside, 'bad.json'), '{"videos": 1}')
  const error = await rejection(readFixtures(outside))
  t.equal(error.message, `${join(outside, 'bad.json')}: $.videos: expected array (got 1)`)

  const here = t.testdir({})
  t.chdir(here)
  t.equal((await rejection(readFixtures('.'))).message, '.: $: the folder holds no .json fixture file')
  mkdirSync(join(here, 'sub'))
  t.equal((await rejection(readFixtures(join(here, 'sub')))).message, 'sub: $: the folder holds no .json fixture file')
})

t.test('documents in memory are validated like files and named fixtures[i]', async (t) => {
  const good: FixtureDocument = { videos: [{ id: VIDEO, account: ACCOUNT }] }
  const bad = { videos: [{ id: VIDEO.toUpperCase(), account: ACCOUNT }] } as FixtureDocument

  let error = await rejection(buildApp({ logger: false, autoTick: false, fixtures: bad }))
  t.type(error, FixtureError)
  t.equal(error.message, `fixtures[0]: $.videos[0].id: 32 lowercase hexadecimal characters (got "${VIDEO.toUpperCase()}")`)

  error = await rejection(buildApp({ logger: false, autoTick: false, fixtures: [good, { videos: [{ id: 'cccccccccccccccccccccccccccccccc', account: ACCOUNT, downloads: { default: { status: 'ready', percentComplete: 50 } } }] }] }))
  t.equal(error.message, 'fixtures[1]: $.videos[0].downloads.default.percentComplete: a ready download is at 100 (got 50)')

  error = await rejection(buildApp({ logger: false, autoTick: false, fixtures: [good, good] }))
  t.equal(error.message, `fixtures[1]: $.videos[0].id: duplicate video id ${VIDEO} (already defined in fixtures[0] $.videos[0])`)

  const app = await buildApp({ logger: false, autoTick: false, fixtures: good })
  t.teardown(() => app.close())
  t.equal(app.mock.store.videoCount, 1, 'a valid document loads')
  t.same(good, { videos: [{ id: VIDEO, account: ACCOUNT }] }, 'the caller\'s document is not modified')
})

t.test('buildApp throws a FixtureError for a bad fixtures path', async (t) => {
  const dir = t.testdir({})
  const missing = join(dir, 'nope.json')
  let error = await rejection(buildApp({ logger: false, autoTick: false, fixtures: missing }))
  t.type(error, FixtureError)
  t.equal(error.message, `${relative(process.cwd(), missing)}: $: cannot read fixtures: ENOENT`)

  error = await rejection(buildApp({ logger: false, autoTick: false, config: { fixtures: data('bad', 'proto-key.json').path } }))
  t.type(error, FixtureError, 'config.fixtures is read the same way')
  t.equal(error.message, `${data('bad', 'proto-key.json').name}: $.__proto__: forbidden key (prototype keys are refused)`)
})

t.test('parseFixture and checkFixture', async (t) => {
  t.same(parseFixture('{"videos":[]}', 'inline'), { videos: [] })
  t.equal(thrown(() => parseFixture('{not json', 'inline')).message, `inline: $: invalid JSON: ${jsonError('{not json')}`)
  t.equal(thrown(() => checkFixture([], 'inline')).message, 'inline: $: expected object (got [])')
  t.equal(thrown(() => checkFixture({}, 'inline')).message, 'inline: $.videos: missing required property')
  t.equal(thrown(() => checkFixture({ videos: [{ id: VIDEO, account: ACCOUNT, onCreate: { default: { constructor: 1 } } }] }, 'inline')).message,
    'inline: $.videos[0].onCreate.default.constructor: forbidden key (prototype keys are refused)')
  const accepted = checkFixture({ videos: [{ id: VIDEO, account: ACCOUNT, downloads: { default: { status: 'ready', percentComplete: 100 }, audio: { status: 'error', percentComplete: 100 } } }] }, 'inline')
  t.equal(accepted.videos.length, 1, 'ready at 100 and error at 100 are consistent')
})

t.test('fixture downloads become stored records', async (t) => {
  t.same(downloadFromFixture({}, DEFAULTS, 7), { ...DEFAULTS, status: 'inprogress', percent: 0, since: 7 }, 'nothing said: inprogress at 0')
  t.same(downloadFromFixture({ percentComplete: 100 }, DEFAULTS, 0), { ...DEFAULTS, status: 'ready', percent: 100, since: 0 }, 'at 100 without a status: ready')
  t.same(downloadFromFixture({ percentComplete: 40 }, DEFAULTS, 0), { ...DEFAULTS, status: 'inprogress', percent: 40, since: 0 })
  t.same(downloadFromFixture({ status: 'ready' }, DEFAULTS, 0), { ...DEFAULTS, status: 'ready', percent: 100, since: 0 })
  t.same(downloadFromFixture({ status: 'error' }, DEFAULTS, 0), { ...DEFAULTS, status: 'error', percent: 0, since: 0 })
  t.same(downloadFromFixture({ status: 'error', percentComplete: 75 }, DEFAULTS, 0), { ...DEFAULTS, status: 'error', percent: 75, since: 0 })
  t.same(downloadFromFixture({ model: 'immediate' }, DEFAULTS, 3), { ...DEFAULTS, model: 'immediate', status: 'ready', percent: 100, since: 3 }, 'immediate: ready at once')
  t.same(downloadFromFixture({ model: 'immediate', failAt: 30 }, DEFAULTS, 3), { ...DEFAULTS, model: 'immediate', failAt: 30, status: 'error', percent: 30, since: 3 })
  t.same(downloadFromFixture({ status: 'inprogress', model: 'polls', step: 50, percentComplete: 10 }, DEFAULTS, 0), { model: 'polls', speed: 10, step: 50, status: 'inprogress', percent: 10, since: 0 })
})

t.test('progression settings fall back to the defaults field by field', async (t) => {
  t.same(resolveProgression(undefined, DEFAULTS), DEFAULTS)
  t.same(resolveProgression({ speed: 5 }, DEFAULTS), { model: 'time', speed: 5, step: 25 })
  t.same(resolveProgression({ model: 'polls', step: 10, failAt: 50, holdAt: 20 }, DEFAULTS), { model: 'polls', speed: 10, step: 10, failAt: 50, holdAt: 20 })
  t.same(resolveProgression({}, { ...DEFAULTS, failAt: 90, holdAt: 80 }), { ...DEFAULTS, failAt: 90, holdAt: 80 }, 'fail and hold points of the defaults too')
  t.notOk('failAt' in resolveProgression({}, DEFAULTS), 'no undefined keys: records stay comparable and serialisable')
})

t.test('videos keep their account, downloads and the settings of later downloads', async (t) => {
  const videos = videosFromFixtures([{
    source: 'inline',
    document: {
      videos: [{
        id: VIDEO,
        account: ACCOUNT,
        description: 'ignored',
        downloads: { audio: { status: 'ready' } },
        onCreate: { default: { failAt: 60 } }
      }]
    }
  }], DEFAULTS, 5)
  t.same(videos.get(VIDEO), {
    account: ACCOUNT,
    downloads: { audio: { ...DEFAULTS, status: 'ready', percent: 100, since: 5 } },
    onCreate: { default: { failAt: 60 } }
  })
})
