import t from 'tap'
import { bearerToken, isSecret } from '../../src/domain/credentials.js'

t.test('bearerToken reads the token of a Bearer value only', async (t) => {
  t.equal(bearerToken('Bearer abc123'), 'abc123')
  t.equal(bearerToken('Bearer   abc123  '), 'abc123', 'spaces around the token')
  for (const value of ['Bearer', 'Bearer ', 'bearer abc', 'Token abc', 'Bearer a b', 'Bearerabc']) t.equal(bearerToken(value), undefined, value)
})

t.test('isSecret: only the exact value, of any length; repeated or missing headers never match', async (t) => {
  t.ok(isSecret('s3cret-token', 's3cret-token'))
  for (const given of ['s3cret-toke', 's3cret-token ', 'S3CRET-TOKEN', '', 's3cret-token-and-more']) t.notOk(isSecret(given, 's3cret-token'), JSON.stringify(given))
  t.notOk(isSecret(undefined, 's3cret-token'))
  t.notOk(isSecret(['s3cret-token', 's3cret-token'], 's3cret-token'))
})
