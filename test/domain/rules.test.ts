import t from 'tap'
import { statusPercentProblem } from '../../src/domain/rules.js'

t.test('a ready download is at 100, an inprogress one below 100; anything goes for error', async (t) => {
  t.equal(statusPercentProblem('ready', 100), undefined)
  t.equal(statusPercentProblem('ready', undefined), undefined)
  t.equal(statusPercentProblem('ready', 50), 'a ready download is at 100 (got 50)')
  t.equal(statusPercentProblem('inprogress', 99), undefined)
  t.match(statusPercentProblem('inprogress', 100), /^an inprogress download is below 100/)
  t.equal(statusPercentProblem('error', 100), undefined)
  t.equal(statusPercentProblem(undefined, 100), undefined)
})
