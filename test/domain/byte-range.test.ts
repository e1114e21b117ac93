import t from 'tap'
import { parseRange } from '../../src/domain/byte-range.js'

t.test('single byte ranges', async (t) => {
  t.same(parseRange(undefined, 100), { kind: 'full' })
  t.same(parseRange('bytes=0-9', 100), { kind: 'partial', start: 0, end: 9 })
  t.same(parseRange(' bytes=90- ', 100), { kind: 'partial', start: 90, end: 99 })
  t.same(parseRange('bytes=50-500', 100), { kind: 'partial', start: 50, end: 99 }, 'an end past the file is clamped')
  t.same(parseRange('bytes=-10', 100), { kind: 'partial', start: 90, end: 99 })
  t.same(parseRange('bytes=-500', 100), { kind: 'partial', start: 0, end: 99 })
})

t.test('unsatisfiable and ignored ranges', async (t) => {
  t.same(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' })
  t.same(parseRange('bytes=9-3', 100), { kind: 'unsatisfiable' })
  t.same(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' })
  t.same(parseRange('bytes=-', 100), { kind: 'full' })
  t.same(parseRange('bytes=0-1,5-6', 100), { kind: 'full' }, 'multiple ranges: the whole file, as RFC 9110 allows')
  t.same(parseRange('items=0-1', 100), { kind: 'full' })
})
