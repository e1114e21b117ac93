import t from 'tap'
import { FixtureError, pointerToJsonPath } from '../../src/seed/fixture-error.js'

t.test('pointerToJsonPath turns JSON pointers into JSON paths', async (t) => {
  t.equal(pointerToJsonPath(''), '$', 'the whole document')
  t.equal(pointerToJsonPath('/videos/0/id'), '$.videos[0].id', 'names and indexes')
  t.equal(pointerToJsonPath('/videos/12/downloads/default/percentComplete'), '$.videos[12].downloads.default.percentComplete')
  t.equal(pointerToJsonPath('/a~1b'), '$["a/b"]', '~1 is a slash')
  t.equal(pointerToJsonPath('/a~0b'), '$["a~b"]', '~0 is a tilde')
  t.equal(pointerToJsonPath('/~01'), '$["~1"]', '~01 is a tilde then 1, not a slash')
  t.equal(pointerToJsonPath('/a b/c'), '$["a b"].c', 'keys that are not identifiers are quoted')
  t.equal(pointerToJsonPath('/1a'), '$["1a"]')
  t.equal(pointerToJsonPath('/"q"'), '$["\\"q\\""]', 'quotes are escaped')
  t.equal(pointerToJsonPath('/'), '$[""]', 'the empty key')
  t.equal(pointerToJsonPath('/_x$1/$schema'), '$._x$1.$schema', 'identifiers may hold _ and $')
})

t.test('FixtureError keeps file, path and problem', async (t) => {
  const error = new FixtureError('a.json', '$.videos', 'expected array')
  t.type(error, Error)
  t.equal(error.name, 'FixtureError')
  t.equal(error.message, 'a.json: $.videos: expected array')
  t.same([error.file, error.jsonPath, error.problem], ['a.json', '$.videos', 'expected array'])
})
