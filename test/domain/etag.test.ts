import t from 'tap'
import { noneMatchHits, rangeStillValid } from '../../src/domain/etag.js'

const ETAG = '"abc"'

t.test('If-None-Match: *, a list holding the tag, weak comparison', async (t) => {
  for (const header of ['*', ' * ', '"abc"', 'W/"abc"', '"a", "abc", "b"', '"a",W/"abc"', '"x,y", "abc"', 'junk, "abc"', 'W/junk, "abc"', '"a", *']) {
    t.ok(noneMatchHits(header, ETAG), header)
  }
  t.ok(noneMatchHits('"abc"', 'W/"abc"'), 'a weak current tag matches too')
  for (const header of [undefined, '', '"ab"', '"abcd"', '"a", "b"', 'abc', '"abc', 'W/abc', 'junk', '"a', ', ,', '"x,"abc"']) {
    t.notOk(noneMatchHits(header, ETAG), String(header))
  }
})

t.test('If-Range: strong comparison only', async (t) => {
  t.ok(rangeStillValid(undefined, ETAG), 'no If-Range: the Range applies')
  t.ok(rangeStillValid('"abc"', ETAG))
  for (const header of ['W/"abc"', '"other"', 'Tue, 01 Dec 2026 00:00:00 GMT', ['"abc"', '"abc"']]) t.notOk(rangeStillValid(header, ETAG), String(header))
  t.notOk(rangeStillValid('W/"abc"', 'W/"abc"'), 'a weak tag never matches strongly')
})
