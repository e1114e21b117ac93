import t from 'tap'
import { PREVIEW_LENGTH, jsonPreview } from '../../src/domain/json-preview.js'

t.test('short values are their JSON', async (t) => {
  for (const value of [null, true, 0, -1.5, 'x', '', [], {}, [1, 'a', null], { a: 1, b: [2, { c: 'd' }] }, { 'a"b': [] }]) {
    t.equal(jsonPreview(value), JSON.stringify(value), JSON.stringify(value))
  }
  t.equal(jsonPreview(undefined), 'undefined')
})

t.test('long values are cut at the preview length, with an ellipsis', async (t) => {
  const long = 'y'.repeat(1000)
  t.equal(jsonPreview(long), `${JSON.stringify(long).slice(0, PREVIEW_LENGTH)}…`)
  const array = Array.from({ length: 1_000_000 }, (_, index) => index)
  t.equal(jsonPreview(array, 10), '[0,1,2,3,4…')
  t.equal(jsonPreview({ key: 'value' }, 5), '{"key…')
  t.equal(jsonPreview([1, 2], 5), '[1,2]', 'exactly the length: no ellipsis')
  t.equal(jsonPreview([1, 2, 3], 5), '[1,2,…', 'one past it: cut')
})

t.test('deep nesting never overflows the stack', async (t) => {
  let deep: unknown = 'bottom'
  for (let level = 0; level < 200_000; level++) deep = { a: [deep] }
  t.equal(jsonPreview(deep), `${'{"a":['.repeat(20).slice(0, PREVIEW_LENGTH)}…`)
  t.throws(() => JSON.stringify(deep), RangeError, 'where JSON.stringify would')
})
