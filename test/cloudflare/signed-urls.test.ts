import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { CompactSign, SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose'
import { generateKeyPairSync } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { BUNDLED_ASSETS } from '../../src/paths.js'
import { MAX_KEYS_PER_ACCOUNT } from '../../src/store/signing-keys.js'
import { ACCOUNT, AUTH, OTHER_ACCOUNT, UNKNOWN_VIDEO, VIDEOS, build, downloadsPath } from '../helpers/build.js'
import { contractProblems } from '../helpers/contract.js'

type TapT = Test

const mp4 = readFileSync(`${BUNDLED_ASSETS}/default.mp4`)
const OTHER_VIDEO = 'abcdefabcdefabcdefabcdefabcdef01'

interface Answer { statusCode: number, body: any, headers: Record<string, unknown> }

/** A request to the surface, its body checked against the videos contract. */
async function call (t: TapT, app: FastifyInstance, method: string, path: string, payload?: unknown, headers: Record<string, string> = AUTH): Promise<Answer> {
  const response = await app.inject({ method: method as 'GET', url: path, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
  const body = response.json()
  t.same(contractProblems(method, path, response.statusCode, body), [], `${method} ${path} -> ${response.statusCode} matches the contract`)
  return { statusCode: response.statusCode, body, headers: response.headers }
}

const stream = (rest: string, account = ACCOUNT): string => `/client/v4/accounts/${account}/stream/${rest}`

/** A token of `POST /token` for a video, with the body given. */
async function tokenFor (t: TapT, app: FastifyInstance, video: string, body?: unknown): Promise<string> {
  const answer = await call(t, app, 'POST', stream(`${video}/token`), body)
  t.equal(answer.statusCode, 200, JSON.stringify(answer.body.errors))
  return answer.body.result.token as string
}

const media = async (app: FastifyInstance, id: string, file = 'default.mp4', headers: Record<string, string> = {}): Promise<{ statusCode: number, body: any, raw: Buffer, headers: Record<string, unknown> }> => {
  const response = await app.inject({ method: 'GET', url: `/${id}/downloads/${file}`, headers })
  return { statusCode: response.statusCode, body: response.headers['content-type']?.toString().startsWith('application/json') === true ? response.json() : undefined, raw: response.rawPayload, headers: response.headers }
}

/** The wall clock the app reads token times from (BuildOptions.wallClock): driven here, never real time. */
let wallMs = Date.UTC(2026, 11, 2, 12)
const wallClock = (): number => wallMs

/** The wall time, in unix seconds (token times are real ones). */
const nowS = (_app?: FastifyInstance): number => Math.floor(wallMs / 1000)

let fileApp: Promise<FastifyInstance> | undefined

/** This file's app (as sharedApp, with the wall clock above): built on first use, reset at every later one. */
async function sharedApp (): Promise<FastifyInstance> {
  if (fileApp === undefined) {
    fileApp = build(t, { wallClock })
    return await fileApp
  }
  const app = await fileApp
  const reset = await app.inject({ method: 'POST', url: '/__mock/reset' })
  if (reset.statusCode !== 200) throw new Error(`reset: ${reset.statusCode} ${reset.body}`)
  return app
}

t.test('signing keys: create (with or without a body), list without the private parts, delete revokes', async (t) => {
  const app = await sharedApp()
  const made = await call(t, app, 'POST', stream('keys'))
  t.equal(made.statusCode, 200)
  const { id, pem, jwk, created } = made.body.result
  t.match(id, /^[0-9a-f]{32}$/)
  t.equal(created, new Date(app.mock.store.mockWallMs(ACCOUNT)).toISOString(), 'created on the account\'s mock clock')
  const pemText = Buffer.from(pem, 'base64').toString('utf8')
  t.match(pemText, /^-----BEGIN RSA PRIVATE KEY-----\n/, 'pem: base64 of a PKCS#1 PEM, as Cloudflare\'s')
  t.equal(createPrivateKey(pemText).asymmetricKeyDetails?.modulusLength, 2048)
  const jwkObject = JSON.parse(Buffer.from(jwk, 'base64').toString('utf8'))
  t.match(jwkObject, { kty: 'RSA', kid: id, alg: 'RS256', n: String, e: 'AQAB', d: String })
  const second = await call(t, app, 'POST', `/accounts/${ACCOUNT}/stream/keys`, {})
  t.equal(second.statusCode, 200, 'at the root too, with {}')
  const listed = await call(t, app, 'GET', stream('keys'))
  t.same(listed.body.result, [{ id, created, key_id: id }, { id: second.body.result.id, created: second.body.result.created, key_id: second.body.result.id }], 'oldest first, no pem or jwk; key_id equals id (the mock\'s choice)')
  const deleted = await call(t, app, 'DELETE', stream(`keys/${id}`))
  t.same(deleted.body.result, 'Revoked')
  t.equal((await call(t, app, 'DELETE', stream(`keys/${id}`))).statusCode, 404, 'a deleted key is gone')
  t.same((await call(t, app, 'DELETE', stream(`keys/${second.body.result.id}`, OTHER_ACCOUNT))).body.errors, [{ code: 10003, message: 'Signing key not found' }], 'another account\'s key is not found')
  t.equal((await call(t, app, 'GET', stream('keys'))).body.result.length, 1)
})

t.test('signing keys: admission and bounds', async (t) => {
  const app = await sharedApp()
  t.same((await call(t, app, 'GET', stream('keys', 'abc'))).body.errors[0].code, 7003, 'a malformed account')
  t.same((await call(t, app, 'DELETE', stream('keys/not-a-key'))).body.errors[0].code, 7003, 'a malformed key id')
  const put = await call(t, app, 'PUT', stream('keys'))
  t.equal(put.statusCode, 405)
  t.equal(put.headers.allow, 'GET, POST')
  t.equal((await call(t, app, 'GET', stream('keys'), undefined, {})).body.errors[0].code, 9106, 'credentials are checked')
  t.equal((await call(t, app, 'GET', stream('keys', OTHER_ACCOUNT))).statusCode, 404, 'an account without videos is not found')
  const forced = await call(t, app, 'POST', stream('keys'), undefined, { ...AUTH, prefer: 'code=503' })
  t.equal(forced.statusCode, 503, 'Prefer forces an answer')
  for (let index = 0; index < MAX_KEYS_PER_ACCOUNT; index++) app.mock.store.signing.addKey(ACCOUNT, index.toString(16).padStart(32, '0'), { created: 'x', n: 'AQAB', e: 'AQAB' })
  const full = await call(t, app, 'POST', stream('keys'))
  t.equal(full.statusCode, 409)
  t.match(full.body.errors[0].message, /at most 1000 signing keys/)
  const journal = app.mock.journal.list().filter((entry) => entry.path.includes('/keys'))
  t.ok(journal.length >= 6, 'the requests are journaled')
  t.equal(journal.find((entry) => entry.path.includes('/keys/'))?.video, undefined, 'a key id is not noted as a video')
})

t.test('POST /token without a body: valid 1 h, no downloads; signed by the mock\'s key', async (t) => {
  const app = await sharedApp()
  const token = await tokenFor(t, app, VIDEOS.ready)
  const header = decodeProtectedHeader(token)
  const claims = decodeJwt(token)
  t.equal(header.alg, 'RS256')
  t.equal(header.kid, app.mock.store.signing.tokenKey?.id)
  const now = nowS(app)
  t.same(claims, { sub: VIDEOS.ready, kid: header.kid, exp: String(now + 3600), nbf: String(now - 3600) }, 'exp and nbf as strings, as Cloudflare\'s')
  const refused = await media(app, token)
  t.equal(refused.statusCode, 403)
  t.match(refused.body.errors[0].message, /does not allow downloads/)
  t.equal(await tokenFor(t, app, VIDEOS.ready, {}), token, 'a body of {} is the same (RS256 is deterministic)')
  t.equal((await call(t, app, 'POST', stream(`${UNKNOWN_VIDEO}/token`))).statusCode, 404, 'an unknown video')
  t.equal((await call(t, app, 'POST', stream(`${VIDEOS.ready}/token`, OTHER_ACCOUNT))).statusCode, 404, 'an unknown account')
  t.equal((await call(t, app, 'GET', stream(`${VIDEOS.ready}/token`))).statusCode, 405)
})

t.test('a downloadable token serves the MP4 and the M4A until it expires, on the wall clock', async (t) => {
  const app = await sharedApp()
  const token = await tokenFor(t, app, VIDEOS.ready, { downloadable: true, exp: nowS() + 60 })
  const served = await media(app, token)
  t.equal(served.statusCode, 200)
  t.ok(served.raw.equals(mp4))
  t.equal(served.headers['content-disposition'], `attachment; filename="${VIDEOS.ready}.mp4"`, 'named by the video, not the token')
  t.equal((await media(app, token, 'audio.m4a')).statusCode, 200, 'the audio url too')
  wallMs += 60_000
  const expired = await media(app, token)
  t.equal(expired.statusCode, 401)
  t.same(expired.body.errors, [{ code: 10401, message: 'Signed URL token refused: expired' }])
  const later = await tokenFor(t, app, VIDEOS.ready, { downloadable: true, nbf: nowS() + 10 })
  t.match((await media(app, later)).body.errors[0].message, /not yet valid/)
  wallMs += 10_000
  t.equal((await media(app, later)).statusCode, 200, 'valid once nbf is reached')
  const none = await tokenFor(t, app, VIDEOS.empty, { downloadable: true })
  t.equal((await media(app, none)).statusCode, 404, 'a video without the download: still 404')
})

t.test('stepping the mock clock expires no token, and a token not yet valid stays so', async (t) => {
  const app = await sharedApp()
  const token = await tokenFor(t, app, VIDEOS.ready, { downloadable: true, exp: nowS() + 60 })
  const later = await tokenFor(t, app, VIDEOS.ready, { downloadable: true, nbf: nowS() + 60 })
  app.mock.clock.advance(48 * 3600_000)
  const stepped = await app.inject({ method: 'POST', url: '/__mock/clock/advance', payload: { ms: 48 * 3600_000, account: ACCOUNT } })
  t.equal(stepped.statusCode, 200, 'the account clock stepped through the admin API too')
  t.ok(app.mock.store.mockWallMs(ACCOUNT) > wallMs + 24 * 3600_000, 'the mock clock is two days ahead')
  t.equal((await media(app, token)).statusCode, 200, 'still valid: exp is read on the wall clock')
  t.match((await media(app, later)).body.errors[0].message, /not yet valid/, 'nbf too')
  const issued = decodeJwt(await tokenFor(t, app, VIDEOS.ready))
  t.equal(issued.exp, String(nowS() + 3600), 'POST /token issues from the wall time, not the mock time')
  t.match((await call(t, app, 'POST', stream(`${VIDEOS.ready}/token`), { exp: Math.floor(app.mock.store.mockWallMs(ACCOUNT) / 1000) })).body.errors[0].message, /at most 24 hours after now/, 'the 24 h bound is on the wall clock')
})

t.test('locally signed tokens with past or future times are refused on the wall clock', async (t) => {
  const app = await sharedApp()
  const key = (await call(t, app, 'POST', stream('keys'))).body.result
  const privateKey = await importJWK(JSON.parse(Buffer.from(key.jwk, 'base64').toString('utf8')), 'RS256')
  const sign = async (claims: Record<string, unknown>): Promise<string> =>
    await new SignJWT({ sub: VIDEOS.ready, downloadable: true, ...claims }).setProtectedHeader({ alg: 'RS256', kid: key.id }).sign(privateKey)
  t.match((await media(app, await sign({ exp: nowS() - 1 }))).body.errors[0].message, /expired/, 'exp a second ago')
  t.match((await media(app, await sign({ exp: nowS() + 60, nbf: nowS() + 30 }))).body.errors[0].message, /not yet valid/, 'nbf ahead')
  t.equal((await media(app, await sign({ exp: String(nowS() + 60), nbf: String(nowS()) }))).statusCode, 200, 'numeric strings, valid now')
})

t.test('POST /token refuses a bad body', async (t) => {
  const app = await sharedApp()
  const refused = async (body: unknown): Promise<string[]> => {
    const answer = await call(t, app, 'POST', stream(`${VIDEOS.ready}/token`), body)
    t.equal(answer.statusCode, 400, JSON.stringify(body))
    return answer.body.errors.map((error: { message: string }) => error.message)
  }
  t.match(await refused({ exp: nowS(app) + 24 * 3600 + 1 }), [/^body.exp: must be at most 24 hours after now/])
  t.match(await refused({ id: 'abc' }), [/^body.pem: id and pem go together/])
  t.match(await refused({ pem: 'abc' }), [/^body.id: id and pem go together/])
  t.match(await refused({ nbf: nowS(app) + 7200 }), ['body.nbf: must be before exp'])
  t.match(await refused({ accessRules: Array.from({ length: 6 }, () => ({ type: 'any', action: 'allow' })) }), [/body.accessRules/])
  t.match(await refused({ accessRules: [{ type: 'ip.src', action: 'allow' }] }), [/an ip.src rule lists its ranges/])
  t.match(await refused({ accessRules: [{ type: 'ip.src', action: 'allow', ip: ['300.1.1.1'] }] }), [/is not an IP address or CIDR range/])
  t.match(await refused({ accessRules: [{ type: 'ip.geoip.country', action: 'allow' }] }), [/lists its countries/])
  t.match(await refused({ downloadable: 'yes' }), [/body.downloadable/])
  t.match(await refused({ id: 'f'.repeat(32), pem: 'abc' }), [/^body.id: no signing key/])
  const key = (await call(t, app, 'POST', stream('keys'))).body.result
  t.match(await refused({ id: key.id, pem: 'bm90IGEga2V5' }), [/^body.pem: not the private key of signing key/])
  const other = (await call(t, app, 'POST', stream('keys'))).body.result
  t.match(await refused({ id: key.id, pem: other.pem }), [/^body.pem: not the private key/], 'another key\'s pem')
  const malformed = await app.inject({ method: 'POST', url: stream(`${VIDEOS.ready}/token`), headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{' })
  t.equal(malformed.json().errors[0].code, 6007)
})

t.test('POST /token with id and pem signs with the client\'s key; deleting the key revokes it', async (t) => {
  const app = await sharedApp()
  const key = (await call(t, app, 'POST', stream('keys'))).body.result
  const token = await tokenFor(t, app, VIDEOS.ready, { id: key.id, pem: key.pem, downloadable: true, flags: { original: true } })
  t.equal(decodeProtectedHeader(token).kid, key.id)
  t.equal((await media(app, token)).statusCode, 200)
  const bare = await tokenFor(t, app, VIDEOS.ready, { id: key.id, pem: Buffer.from(key.pem, 'base64').toString('utf8'), downloadable: true })
  t.equal((await media(app, bare)).statusCode, 200, 'a bare PEM is taken too')
  await call(t, app, 'DELETE', stream(`keys/${key.id}`))
  t.same((await media(app, token)).body.errors, [{ code: 10401, message: 'Signed URL token refused: revoked' }])
})

t.test('a token signed locally with a key from /keys, as Cloudflare\'s docs show, is accepted', async (t) => {
  const app = await sharedApp()
  const key = (await call(t, app, 'POST', stream('keys'))).body.result
  const jwk = JSON.parse(Buffer.from(key.jwk, 'base64').toString('utf8'))
  const privateKey = await importJWK(jwk, 'RS256')
  const sign = async (claims: Record<string, unknown>, kid = key.id): Promise<string> =>
    await new SignJWT({ kid, ...claims }).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey)
  const exp = nowS(app) + 3600
  const token = await sign({ sub: VIDEOS.ready, exp, nbf: nowS(app) - 10, downloadable: true })
  const served = await media(app, token)
  t.equal(served.statusCode, 200)
  t.ok(served.raw.equals(mp4))
  t.match((await media(app, await sign({ sub: VIDEOS.ready, downloadable: true }))).body.errors[0].message, /malformed/, 'exp is required')
  t.match((await media(app, await sign({ sub: 'x', exp, downloadable: true }))).body.errors[0].message, /malformed/, 'sub must be a video id')
  t.match((await media(app, await sign({ sub: UNKNOWN_VIDEO, exp, downloadable: true }))).body.errors[0].message, /wrong video/, 'an unknown video')
  t.match((await media(app, await sign({ sub: VIDEOS.ready, exp: 'soon', downloadable: true }))).body.errors[0].message, /malformed/, 'a bad exp')
  t.match((await media(app, await sign({ sub: VIDEOS.ready, exp, kid: 'f'.repeat(32) }))).body.errors[0].message, /malformed/, 'a kid claim unlike the header\'s')
  t.match((await media(app, await sign({ sub: VIDEOS.ready, exp }, 'f'.repeat(32)))).body.errors[0].message, /revoked/, 'an unknown key')
  const [head, payload, signature] = token.split('.') as [string, string, string]
  const forged = `${head}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: VIDEOS.failed })).toString('base64url')}.${signature}`
  t.match((await media(app, forged)).body.errors[0].message, /bad signature/)
  t.match((await media(app, `${head}.${payload}.`)).body.errors[0].message, /malformed|bad signature/)
  t.match((await media(app, 'abc.def.ghi')).body.errors[0].message, /malformed/)
  const none = `${Buffer.from('{"alg":"none","kid":"x"}').toString('base64url')}.${payload}.`
  t.match((await media(app, none)).body.errors[0].message, /malformed/, 'alg none')
  const noKid = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${payload}.${signature}`
  t.match((await media(app, noKid)).body.errors[0].message, /malformed/, 'no kid')
  t.equal((await media(app, `${'a'.repeat(9000)}.b.c`)).body.errors[0].code, 7003, 'past the router\'s segment bound: unroutable')
  t.equal((await media(app, 'not-a-token')).statusCode, 404, 'neither an id nor a token: not found, as before')
  // A key of another account signs none of this account's videos.
  app.mock.store.putVideo({ id: OTHER_VIDEO, account: OTHER_ACCOUNT, downloads: { default: { status: 'ready' } } })
  const foreign = (await call(t, app, 'POST', stream('keys', OTHER_ACCOUNT))).body.result
  const foreignKey = await importJWK(JSON.parse(Buffer.from(foreign.jwk, 'base64').toString('utf8')), 'RS256')
  const crossed = await new SignJWT({ sub: VIDEOS.ready, exp, downloadable: true }).setProtectedHeader({ alg: 'RS256', kid: foreign.id }).sign(foreignKey)
  t.match((await media(app, crossed)).body.errors[0].message, /wrong video/)
})

t.test('requireSignedURLs: plain-id urls are refused, tokens serve; the downloads answer keeps plain urls', async (t) => {
  const app = await sharedApp()
  const put = await app.inject({ method: 'PUT', url: `/__mock/videos/${VIDEOS.ready}`, payload: { account: ACCOUNT, requireSignedURLs: true, downloads: { default: { status: 'ready' } } } })
  t.equal(put.json().result.requireSignedURLs, true, 'the admin view shows it')
  const plain = await media(app, VIDEOS.ready)
  t.equal(plain.statusCode, 401)
  t.same(plain.body.errors, [{ code: 10401, message: 'This video requires a signed URL token in place of its id' }])
  const listed = await app.inject({ method: 'GET', url: downloadsPath(VIDEOS.ready), headers: AUTH })
  t.equal(listed.json().result.default.url, `http://localhost:80/${VIDEOS.ready}/downloads/default.mp4`)
  t.equal((await media(app, await tokenFor(t, app, VIDEOS.ready, { downloadable: true }))).statusCode, 200)
  t.equal((await media(app, await tokenFor(t, app, VIDEOS.ready))).statusCode, 403, 'no downloadable, no download')
})

t.test('accessRules: ip.src against the client address, ip.geoip.country against CF-IPCountry', async (t) => {
  const app = await sharedApp()
  const status = async (rules: unknown[], headers: Record<string, string> = {}): Promise<number> =>
    (await media(app, await tokenFor(t, app, VIDEOS.ready, { downloadable: true, accessRules: rules }), 'default.mp4', headers)).statusCode
  t.equal(await status([{ type: 'ip.src', action: 'block', ip: ['127.0.0.0/8'] }]), 403, 'the client (127.0.0.1) blocked')
  t.equal(await status([{ type: 'ip.src', action: 'allow', ip: ['127.0.0.1'] }, { type: 'any', action: 'block' }]), 200, 'allowed by the first rule')
  t.equal(await status([{ type: 'ip.src', action: 'allow', ip: ['10.0.0.0/8', '2400:cb00::/32'] }, { type: 'any', action: 'block' }]), 403, 'no range matches: any blocks')
  t.equal(await status([{ type: 'ip.src', action: 'block', ip: ['10.0.0.0/8'] }]), 200, 'no rule matches: allowed')
  t.equal(await status([{ type: 'ip.geoip.country', action: 'block', country: ['US', 'MX'] }], { 'cf-ipcountry': 'us' }), 403, 'blocked by country')
  t.equal(await status([{ type: 'ip.geoip.country', action: 'block', country: ['US'] }]), 200, 'no country known: the rule does not match')
})

t.test('the verifier refuses what is not a token\'s claims, and tokens too long', async (t) => {
  const app = await sharedApp()
  const key = (await call(t, app, 'POST', stream('keys'))).body.result
  const privateKey = await importJWK(JSON.parse(Buffer.from(key.jwk, 'base64').toString('utf8')), 'RS256')
  const signed = async (payload: string): Promise<string> => await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'RS256', kid: key.id }).sign(privateKey)
  t.same(await app.mock.tokens.verify(await signed('not json')), { ok: false, reason: 'malformed' })
  t.same(await app.mock.tokens.verify(await signed('null')), { ok: false, reason: 'malformed' })
  t.same(await app.mock.tokens.verify(await signed('{"sub":1,"exp":1}')), { ok: false, reason: 'malformed' })
  t.same(await app.mock.tokens.verify('a'.repeat(9000)), { ok: false, reason: 'malformed' })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
  const refused = await call(t, app, 'POST', stream(`${VIDEOS.ready}/token`), { id: key.id, pem: Buffer.from(ec).toString('base64') })
  t.match(refused.body.errors, [{ message: /^body.pem: not the private key/ }], 'an EC key is not an RSA key')
})

t.test('with MOCK_AUTO_CREATE=on an unknown video comes into being for /token, up to the video bound', async (t) => {
  const app = await build(t, { config: { autoCreate: 'on', maxVideos: 7 } })
  t.equal((await call(t, app, 'POST', stream(`${UNKNOWN_VIDEO}/token`))).statusCode, 200, 'the seventh video')
  const full = await call(t, app, 'POST', stream(`${'d'.repeat(32)}/token`))
  t.equal(full.statusCode, 409)
  t.equal((await call(t, app, 'GET', stream('keys', OTHER_ACCOUNT))).statusCode, 200, 'any account exists')
})
