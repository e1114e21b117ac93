import t from 'tap'
import { contractProblems, operationPath } from './helpers/contract.js'

const path = '/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/stream/ea95132c15732412d22c1476fa83f27a/downloads'

t.test('the contract validator rejects what Cloudflare would not send', async (t) => {
  t.same(contractProblems('GET', path, 200, { result: { default: { status: 'ready', percentComplete: 100, url: 'http://x/y' } }, success: true, errors: [], messages: [] }), [])
  t.not(contractProblems('GET', path, 200, { result: { default: { status: 'done', percentComplete: 100 } }, success: true, errors: [], messages: [] }).length, 0, 'unknown status')
  t.not(contractProblems('GET', path, 200, { result: { default: { status: 'ready', percentComplete: 150 } }, success: true, errors: [], messages: [] }).length, 0, 'percent above 100')
  t.not(contractProblems('GET', path, 200, { result: {}, success: true, messages: [] }).length, 0, 'missing errors')
  t.not(contractProblems('GET', path, 200, { result: { default: { status: 'ready', percentComplete: 100, url: 'not a url' } }, success: true, errors: [], messages: [] }).length, 0, 'url must be a uri')
  t.not(contractProblems('DELETE', path, 200, { result: 5, success: true, errors: [], messages: [] }).length, 0, 'deleted result is a string')
  t.same(contractProblems('GET', path, 404, { result: null, success: false, errors: [{ code: 10003, message: 'x' }], messages: [] }), [])
  t.same(contractProblems('GET', path, 404, { result: null, success: false, errors: [], messages: [] }), ['a failure must carry at least one error'])
  t.not(contractProblems('GET', path, 400, { result: null, success: true, errors: [{ code: 7003, message: 'x' }], messages: [] }).length, 0, 'success must be false')
  t.not(contractProblems('GET', path, 400, { success: false, errors: [{ code: 7003, message: 'x' }], messages: [] }).length, 0, 'result is required')
  t.not(contractProblems('GET', path, 400, { result: null, success: false, errors: [{ code: 7, message: 'x' }], messages: [] }).length, 0, 'codes are at least 1000')
  t.same(contractProblems('GET', path, 429, { result: null, success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }], messages: [] }), [], 'but for Cloudflare\'s rate-limit code, as in the contract\'s own example')
  t.not(contractProblems('GET', path, 429, { result: null, success: false, errors: [{ code: 971, message: 'x' }, { code: 972, message: 'y' }], messages: [] }).length, 0, 'only 971 is let through')
})

t.test('operation paths', async (t) => {
  t.equal(operationPath(`${path}/audio?x=1`), '/accounts/{account_id}/stream/{identifier}/downloads/{download_type}')
  t.equal(operationPath(path.replace('/client/v4', '')), '/accounts/{account_id}/stream/{identifier}/downloads')
})
