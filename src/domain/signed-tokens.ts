/**
 * Signed URL tokens as Cloudflare Stream issues and accepts them, as pure rules: the claims of an
 * issued token, the check of a verified token's claims (numbers or numeric strings: the API
 * issues `exp` and `nbf` as strings, clients sign numbers), and the access rules. Signatures are
 * the JOSE library's (cloudflare/signed-urls.ts); nothing here reads a clock or a key.
 */
import { BlockList, isIP } from 'node:net'
import type { FieldProblem } from './errors.js'
import { isCloudflareId } from './ids.js'

/** A token of `POST /token` with no `exp` is valid this long after issue (s); `nbf` defaults to as long before. */
export const DEFAULT_TOKEN_TTL_S = 3600

/** The furthest `exp` of `POST /token` may lie after issue (s): 24 h, as Cloudflare documents. */
export const MAX_TOKEN_TTL_S = 24 * 3600

/** Most access rules a token carries (Cloudflare's documented limit). */
export const MAX_ACCESS_RULES = 5

/** Most IP ranges or countries one access rule lists (the mock's bound). */
export const MAX_RULE_ENTRIES = 100

/**
 * Longest token taken in place of a video id (characters; the mock's bound). An RS256 token
 * with five rules of a few ranges each is about 1,500.
 */
export const MAX_TOKEN_LENGTH = 8192

/** One access rule: first match decides (`allow` or `block`); no match allows. */
export interface AccessRule {
  type: 'any' | 'ip.src' | 'ip.geoip.country'
  action: 'allow' | 'block'
  ip?: string[]
  country?: string[]
}

/** The fields of a `POST /token` body (its schema checked their types). */
export interface TokenRequest {
  id?: string
  pem?: string
  exp?: number
  nbf?: number
  downloadable?: boolean
  accessRules?: AccessRule[]
}

/** The claims a verified token grants. */
export interface TokenGrant {
  video: string
  downloadable: boolean
  accessRules: AccessRule[]
}

/** Why a token is refused. */
export type TokenRefusal = 'malformed' | 'expired' | 'not yet valid' | 'wrong video' | 'revoked' | 'bad signature'

/** What a token's claims say, checked: a grant, or why not. */
export type ClaimsCheck = { ok: true, grant: TokenGrant } | { ok: false, reason: TokenRefusal }

/** A claim that is a whole number of seconds, written as a number or a numeric string; undefined when absent, NaN when bad. */
function seconds (value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : Number.NaN
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value)
  return Number.NaN
}

/** Problems of a `POST /token` body beyond its types, at `nowS` (the wall time, in s). */
export function tokenRequestProblems (request: TokenRequest, nowS: number): FieldProblem[] {
  const problems: FieldProblem[] = []
  if ((request.id === undefined) !== (request.pem === undefined)) {
    problems.push({ field: request.id === undefined ? 'body.id' : 'body.pem', problem: 'id and pem go together: give both to sign with your own key, or neither' })
  }
  if (request.exp !== undefined && request.exp > nowS + MAX_TOKEN_TTL_S) {
    problems.push({ field: 'body.exp', problem: `must be at most 24 hours after now (${nowS + MAX_TOKEN_TTL_S})` })
  }
  const exp = request.exp ?? nowS + DEFAULT_TOKEN_TTL_S
  if (request.nbf !== undefined && request.nbf >= exp) problems.push({ field: 'body.nbf', problem: 'must be before exp' })
  for (const [index, rule] of (request.accessRules ?? []).entries()) {
    const problem = ruleProblem(rule)
    if (problem !== undefined) problems.push({ field: `body.accessRules.${index}`, problem })
  }
  return problems
}

/** What is wrong with one access rule, or undefined. */
export function ruleProblem (rule: AccessRule): string | undefined {
  if (rule.type === 'ip.src') {
    if (rule.ip === undefined || rule.ip.length === 0) return 'an ip.src rule lists its ranges in ip'
    const bad = rule.ip.find((range) => parseRange(range) === undefined)
    if (bad !== undefined) return `${JSON.stringify(bad)} is not an IP address or CIDR range`
  }
  if (rule.type === 'ip.geoip.country' && (rule.country === undefined || rule.country.length === 0)) return 'an ip.geoip.country rule lists its countries in country'
  return undefined
}

/**
 * The claims of a token the API issues: `sub` the video, `kid`, `exp` and `nbf` as strings (as
 * Cloudflare's), and `downloadable` and `accessRules` when given.
 */
export function issuedClaims (video: string, kid: string, request: TokenRequest, nowS: number): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: video,
    kid,
    exp: String(request.exp ?? nowS + DEFAULT_TOKEN_TTL_S),
    nbf: String(request.nbf ?? nowS - DEFAULT_TOKEN_TTL_S)
  }
  if (request.downloadable === true) claims.downloadable = true
  if (request.accessRules !== undefined && request.accessRules.length > 0) claims.accessRules = request.accessRules
  return claims
}

/** An access rule as a token carries it, checked; undefined when it is not one. */
function ruleFrom (value: unknown): AccessRule | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const { type, action, ip, country } = value as Record<string, unknown>
  if (type !== 'any' && type !== 'ip.src' && type !== 'ip.geoip.country') return undefined
  if (action !== 'allow' && action !== 'block') return undefined
  const rule: AccessRule = { type, action }
  const list = (entries: unknown): string[] | undefined =>
    Array.isArray(entries) && entries.length <= MAX_RULE_ENTRIES && entries.every((entry) => typeof entry === 'string') ? entries : undefined
  if (ip !== undefined) {
    const ranges = list(ip)
    if (ranges === undefined) return undefined
    rule.ip = ranges
  }
  if (country !== undefined) {
    const countries = list(country)
    if (countries === undefined) return undefined
    rule.country = countries
  }
  return ruleProblem(rule) === undefined ? rule : undefined
}

/**
 * Checks the claims of a token whose signature verified, at `nowS` (the wall time, in s): `sub`
 * a video id, `exp` required and not passed, `nbf` (optional) reached, a `kid` claim (optional)
 * equal to the header's, `accessRules` well-formed and at most five.
 */
export function checkClaims (payload: unknown, headerKid: string, nowS: number): ClaimsCheck {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return { ok: false, reason: 'malformed' }
  const claims = payload as Record<string, unknown>
  const exp = seconds(claims.exp)
  const nbf = seconds(claims.nbf)
  if (!isCloudflareId(claims.sub) || exp === undefined || Number.isNaN(exp) || Number.isNaN(nbf)) return { ok: false, reason: 'malformed' }
  if (claims.kid !== undefined && claims.kid !== headerKid) return { ok: false, reason: 'malformed' }
  const rawRules = claims.accessRules ?? []
  if (!Array.isArray(rawRules) || rawRules.length > MAX_ACCESS_RULES) return { ok: false, reason: 'malformed' }
  const accessRules: AccessRule[] = []
  for (const raw of rawRules) {
    const rule = ruleFrom(raw)
    if (rule === undefined) return { ok: false, reason: 'malformed' }
    accessRules.push(rule)
  }
  if (nowS >= exp) return { ok: false, reason: 'expired' }
  if (nbf !== undefined && nowS < nbf) return { ok: false, reason: 'not yet valid' }
  return { ok: true, grant: { video: claims.sub, downloadable: claims.downloadable === true, accessRules } }
}

/** An address or CIDR range, parsed; undefined when it is neither. */
function parseRange (range: string): { address: string, prefix: number, family: 'ipv4' | 'ipv6' } | undefined {
  const slash = range.indexOf('/')
  const address = slash === -1 ? range : range.slice(0, slash)
  const version = isIP(address)
  if (version === 0) return undefined
  const max = version === 4 ? 32 : 128
  const prefixText = slash === -1 ? String(max) : range.slice(slash + 1)
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' }
}

/** Whether `ip` lies in one of `ranges`. An IPv4-mapped IPv6 address counts as its IPv4 one. */
function inRanges (ip: string, ranges: readonly string[]): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const address = mapped === null ? ip : mapped[1] as string
  const version = isIP(address)
  if (version === 0) return false
  const list = new BlockList()
  // Every range was checked when the token was (ruleFrom, ruleProblem).
  for (const range of ranges) {
    const parsed = parseRange(range) as NonNullable<ReturnType<typeof parseRange>>
    list.addSubnet(parsed.address, parsed.prefix, parsed.family)
  }
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6')
}

/**
 * The access rules' decision for a client, first match deciding; no match allows. `country` is
 * the client's ISO 3166 alpha-2 code when known (the mock reads it from `CF-IPCountry`); with
 * none, no `ip.geoip.country` rule matches.
 */
export function accessAllowed (rules: readonly AccessRule[], client: { ip: string, country?: string }): boolean {
  for (const rule of rules) {
    const matches = rule.type === 'any' ||
      (rule.type === 'ip.src' && inRanges(client.ip, rule.ip ?? [])) ||
      (rule.type === 'ip.geoip.country' && client.country !== undefined && (rule.country ?? []).some((code) => code.toUpperCase() === client.country?.toUpperCase()))
    if (matches) return rule.action === 'allow'
  }
  return true
}
