import t from 'tap'
import { accessAllowed, checkClaims, issuedClaims, ruleProblem, tokenRequestProblems } from '../../src/domain/signed-tokens.js'

const VIDEO = 'ea95132c15732412d22c1476fa83f27a'
const KID = 'f'.repeat(32)

t.test('issued claims: exp and nbf as strings, defaults one hour either side', async (t) => {
  t.same(issuedClaims(VIDEO, KID, {}, 1000), { sub: VIDEO, kid: KID, exp: '4600', nbf: '-2600' })
  t.same(issuedClaims(VIDEO, KID, { exp: 2000, nbf: 900, downloadable: true, accessRules: [{ type: 'any', action: 'allow' }] }, 1000),
    { sub: VIDEO, kid: KID, exp: '2000', nbf: '900', downloadable: true, accessRules: [{ type: 'any', action: 'allow' }] })
  t.same(issuedClaims(VIDEO, KID, { downloadable: false, accessRules: [] }, 0), { sub: VIDEO, kid: KID, exp: '3600', nbf: '-3600' })
})

t.test('token request problems', async (t) => {
  t.same(tokenRequestProblems({}, 0), [])
  t.same(tokenRequestProblems({ exp: 86_400 }, 0), [], '24 h exactly is allowed')
  t.equal(tokenRequestProblems({ exp: 100, nbf: 100 }, 0).length, 1)
  t.same(ruleProblem({ type: 'any', action: 'block' }), undefined)
  t.match(ruleProblem({ type: 'ip.src', action: 'block', ip: ['1.2.3.4/33'] }), /not an IP address/)
  t.match(ruleProblem({ type: 'ip.src', action: 'block', ip: ['1.2.3.4/x'] }), /not an IP address/)
  t.same(ruleProblem({ type: 'ip.src', action: 'block', ip: ['::1/128', '10.0.0.1'] }), undefined)
})

t.test('claims check: numbers or numeric strings; exp required; nbf optional; kid, rules', async (t) => {
  const ok = (payload: unknown, now = 100): unknown => checkClaims(payload, KID, now)
  t.same(ok({ sub: VIDEO, exp: 200 }), { ok: true, grant: { video: VIDEO, downloadable: false, accessRules: [] } })
  t.same(ok({ sub: VIDEO, exp: '200', nbf: '50', kid: KID, downloadable: true }), { ok: true, grant: { video: VIDEO, downloadable: true, accessRules: [] } })
  t.same(ok({ sub: VIDEO, exp: 100 }), { ok: false, reason: 'expired' }, 'exp is the first second refused')
  t.same(ok({ sub: VIDEO, exp: 200, nbf: 101 }), { ok: false, reason: 'not yet valid' })
  for (const bad of [null, [], 'x', { sub: VIDEO }, { sub: VIDEO, exp: 1.5 }, { sub: VIDEO, exp: 200, nbf: true }, { sub: VIDEO, exp: 200, accessRules: {} },
    { sub: VIDEO, exp: 200, accessRules: Array(6).fill({ type: 'any', action: 'allow' }) }, { sub: VIDEO, exp: 200, accessRules: [null] },
    { sub: VIDEO, exp: 200, accessRules: [{ type: 'other', action: 'allow' }] }, { sub: VIDEO, exp: 200, accessRules: [{ type: 'any', action: 'maybe' }] },
    { sub: VIDEO, exp: 200, accessRules: [{ type: 'ip.src', action: 'allow', ip: 'x' }] }, { sub: VIDEO, exp: 200, accessRules: [{ type: 'ip.src', action: 'allow', ip: [1] }] },
    { sub: VIDEO, exp: 200, accessRules: [{ type: 'ip.src', action: 'allow', ip: ['nope'] }] }, { sub: VIDEO, exp: 200, accessRules: [{ type: 'ip.geoip.country', action: 'allow', country: 'US' }] }]) {
    t.same(ok(bad), { ok: false, reason: 'malformed' }, JSON.stringify(bad))
  }
  t.same(ok({ sub: VIDEO, exp: 200, accessRules: [{ type: 'ip.geoip.country', action: 'block', country: ['US'] }, { type: 'ip.src', action: 'allow', ip: ['10.0.0.0/8'] }] }),
    { ok: true, grant: { video: VIDEO, downloadable: false, accessRules: [{ type: 'ip.geoip.country', action: 'block', country: ['US'] }, { type: 'ip.src', action: 'allow', ip: ['10.0.0.0/8'] }] } })
})

t.test('access rules: first match decides, no match allows; IPv6, IPv4-mapped addresses, country', async (t) => {
  const block = (ip: string[]) => [{ type: 'ip.src' as const, action: 'block' as const, ip }]
  t.equal(accessAllowed([], { ip: '1.2.3.4' }), true)
  t.equal(accessAllowed(block(['1.2.3.0/24']), { ip: '1.2.3.4' }), false)
  t.equal(accessAllowed(block(['1.2.3.0/24']), { ip: '::ffff:1.2.3.4' }), false, 'an IPv4-mapped address counts as its IPv4 one')
  t.equal(accessAllowed(block(['2400:cb00::/32']), { ip: '2400:cb00::1' }), false)
  t.equal(accessAllowed(block(['2400:cb00::/32']), { ip: 'not-an-ip' }), true, 'an address that is none matches no range')
  t.equal(accessAllowed([{ type: 'ip.src', action: 'allow' }, { type: 'any', action: 'block' }], { ip: '1.2.3.4' }), false, 'a rule without ranges matches nothing')
  t.equal(accessAllowed([{ type: 'ip.geoip.country', action: 'allow' }, { type: 'any', action: 'block' }], { ip: '1.2.3.4', country: 'US' }), false)
  t.equal(accessAllowed([{ type: 'ip.geoip.country', action: 'allow', country: ['us'] }, { type: 'any', action: 'block' }], { ip: '1.2.3.4', country: 'US' }), true)
})
