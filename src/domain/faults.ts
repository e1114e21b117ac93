/**
 * Fault injection: rules that make matching requests fail, wait or lose their connection, and the
 * `Prefer: code=...` override. Pure: no Fastify, no I/O; the plugin applies what `take` decides.
 */
import { Value } from '@sinclair/typebox/value'
import { FaultRuleInputSchema, type FaultRule, type FaultRuleInput } from '../schemas/fault.js'
import { Errors, RefusedChange, type CloudflareErrorItem, type MockError } from './errors.js'
import { describeIssue, dottedField, typeBoxIssue } from './schema-errors.js'

/** The seed of a rule that names none, so runs without a seed are reproducible too. */
const DEFAULT_SEED = 1

/** A seeded PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
export function mulberry32 (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A fault rule refused: invalid (naming its field, dotted from the rule; '' for the whole rule), or the book is full. */
export class FaultRuleError extends RefusedChange {}

/** What the request a rule matched must suffer. */
export interface FaultAction {
  /** The rule that decided it, for the request's note. */
  ruleId: string
  /** Answer with this status (unless `drop`). */
  status?: number
  /** The failure envelope's errors, when `status` is set. */
  errors?: CloudflareErrorItem[]
  /** Retry-After / retry-after-ms, when `status` is set. */
  headers: Record<string, string>
  /** Wait this long first. */
  latencyMs?: number
  /** Destroy the connection without an answer. */
  drop?: boolean
  /** A webhook delivery: sent this many more times. */
  duplicate?: number
}

/** What a request looks like to the rules' `match`. */
export interface FaultRequestInfo {
  method: string
  /** The request path; a query string is ignored. */
  path: string
  account?: string
  video?: string
  type?: string
  /** What is asked: a request of the surface (default), or a webhook delivery's try. */
  target?: 'api' | 'webhook'
}

interface Entry {
  rule: FaultRule
  random: () => number
}

/** The first schema problem of an input, naming its field dotted from the rule (`match.account`). */
function schemaProblem (input: unknown): FaultRuleError | undefined {
  const first = Value.Errors(FaultRuleInputSchema, input).First()
  if (first === undefined) return undefined
  const issue = typeBoxIssue(first)
  return new FaultRuleError(dottedField('', issue.path), describeIssue(issue))
}

/** The checks JSON Schema does not express: what a rule does, and fields that need a status. */
function semanticProblem (input: FaultRuleInput): FaultRuleError | undefined {
  if (input.duplicate !== undefined && input.target !== 'webhook') {
    return new FaultRuleError('duplicate', 'duplicate needs target: webhook (only a delivery can be sent again)')
  }
  if (input.status === undefined && input.latencyMs === undefined && input.drop !== true && input.duplicate === undefined) {
    return new FaultRuleError('status', input.target === 'webhook'
      ? 'a webhook fault rule needs at least one of status, latencyMs, drop: true or duplicate'
      : 'a fault rule needs at least one of status, latencyMs or drop: true')
  }
  if (input.status === undefined) {
    // These only shape an error answer; without a status they would silently do nothing.
    for (const field of ['error', 'retryAfter', 'retryAfterMs'] as const) {
      if (input[field] !== undefined) return new FaultRuleError(field, `${field} needs status: it only shapes an error answer`)
    }
  }
  return undefined
}

/** Retry-After and retry-after-ms for an error answer; a bare 429 gets `Retry-After: 1`, as Cloudflare's rate limit does. */
function retryHeaders (status: number, retryAfter?: number, retryAfterMs?: number): Record<string, string> {
  const headers: Record<string, string> = {}
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter)
  if (retryAfterMs !== undefined) headers['retry-after-ms'] = String(retryAfterMs)
  if (status === 429 && retryAfter === undefined && retryAfterMs === undefined) headers['retry-after'] = '1'
  return headers
}

/** True when every field of the rule's `match` fits the request. */
function matches (rule: FaultRule, info: FaultRequestInfo, path: string): boolean {
  if ((rule.target ?? 'api') !== (info.target ?? 'api')) return false
  const match = rule.match
  if (match === undefined) return true
  return (match.method === undefined || match.method === info.method) &&
    (match.account === undefined || match.account === info.account) &&
    (match.video === undefined || match.video === info.video) &&
    (match.type === undefined || match.type === info.type) &&
    (match.path === undefined || path.includes(match.path))
}

/** The action a rule prescribes. */
function actionOf (rule: FaultRule): FaultAction {
  const action: FaultAction = { ruleId: rule.id, headers: {} }
  if (rule.latencyMs !== undefined) action.latencyMs = rule.latencyMs
  if (rule.drop === true) action.drop = true
  if (rule.duplicate !== undefined) action.duplicate = rule.duplicate
  if (rule.status !== undefined) {
    action.status = rule.status
    action.errors = rule.error !== undefined ? [{ ...rule.error }] : Errors.forStatus(rule.status).errors
    action.headers = retryHeaders(rule.status, rule.retryAfter, rule.retryAfterMs)
  }
  return action
}

/**
 * The fault rules, in creation order. Each rule has its own seeded PRNG, drawn only when the
 * rule matches, so the same requests in the same order meet the same decisions.
 */
export class FaultBook {
  private readonly entries = new Map<string, Entry>()
  private nextId = 1
  readonly maxRules: number

  constructor (maxRules = 100) {
    this.maxRules = maxRules
  }

  /** Adds a rule; throws a FaultRuleError when it is invalid or the book is full. */
  add (input: FaultRuleInput): FaultRule {
    const problem = schemaProblem(input) ?? semanticProblem(input)
    if (problem !== undefined) throw problem
    if (this.entries.size >= this.maxRules) {
      throw new FaultRuleError('', `the fault book is full (${this.maxRules} rules); delete some first`, 'full')
    }
    const id = `f${this.nextId++}`
    // A copy, so the caller's object can't change a rule behind the book's back.
    const rule: FaultRule = { id, ...structuredClone(input), hits: 0, remaining: input.times ?? null }
    this.entries.set(id, { rule, random: mulberry32(input.seed ?? DEFAULT_SEED) })
    return structuredClone(rule)
  }

  /** The rules in creation order; with `account`, only those whose match names that account. */
  list (account?: string): FaultRule[] {
    return [...this.entries.values()]
      .filter((entry) => account === undefined || entry.rule.match?.account === account)
      .map((entry) => structuredClone(entry.rule))
  }

  /** Deletes a rule; false when there is none with that id. */
  remove (id: string): boolean {
    return this.entries.delete(id)
  }

  /** Deletes every rule, or with `account` only those whose match names it; returns how many. */
  clear (account?: string): number {
    let cleared = 0
    for (const [id, entry] of this.entries) {
      if (account === undefined || entry.rule.match?.account === account) {
        this.entries.delete(id)
        cleared++
      }
    }
    return cleared
  }

  /**
   * The first rule, in creation order, that matches the request and whose probability draw
   * passes, and what it prescribes. Counts the hit, and removes a rule that has run out.
   */
  take (info: FaultRequestInfo): { rule: FaultRule, action: FaultAction } | undefined {
    // The common case, on every request: no rules, nothing to split or match.
    if (this.entries.size === 0) return undefined
    const path = info.path.split('?', 1)[0] as string
    for (const [id, entry] of this.entries) {
      const { rule } = entry
      if (!matches(rule, info, path)) continue
      if (rule.probability !== undefined && !(entry.random() < rule.probability)) continue
      rule.hits++
      if (rule.remaining !== null) {
        rule.remaining--
        if (rule.remaining === 0) this.entries.delete(id)
      }
      return { rule: structuredClone(rule), action: actionOf(rule) }
    }
    return undefined
  }
}

/** True for the whitespace `\s` matches, as `trim` removes it. */
function isSpace (text: string, index: number): boolean {
  const char = text[index]
  return char !== undefined && char.trim() === ''
}

/** The index of the first non-space character of `text` at or after `from`. */
function skipSpaces (text: string, from: number): number {
  let index = from
  while (isSpace(text, index)) index++
  return index
}

/**
 * The value of one preference when it is `code` (`code=503`, `CODE = "503"`, `code=503;x=y`),
 * trimmed and unquoted; undefined when the preference is another one or is not well formed.
 * Plain scanning, each character looked at a bounded number of times: a regular expression with
 * adjacent quantifiers over spaces backtracked in cubic time on `code=` and 1,600 spaces.
 */
function codePreference (preference: string): string | undefined {
  let index = skipSpaces(preference, 0)
  if (preference.slice(index, index + 4).toLowerCase() !== 'code') return undefined
  index = skipSpaces(preference, index + 4)
  if (preference[index] !== '=') return undefined
  // The value runs to the first `;` (the preference's parameters, which do not concern us).
  const semicolon = preference.indexOf(';', index + 1)
  let value = preference.slice(index + 1, semicolon === -1 ? preference.length : semicolon).trim()
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"')) return undefined
    value = value.slice(1, -1)
  }
  return value.includes('"') ? undefined : value.trim()
}

/** Three ASCII digits, the first 4 or 5. */
function isErrorStatus (code: string): boolean {
  if (code.length !== 3 || (code[0] !== '4' && code[0] !== '5')) return false
  return isDigit(code.charCodeAt(1)) && isDigit(code.charCodeAt(2))
}

function isDigit (charCode: number): boolean {
  return charCode >= 48 && charCode <= 57
}

/**
 * The status an RFC 7240-style `Prefer` header asks for (`code=503`, also among other
 * preferences), when it is a 4xx or 5xx; undefined otherwise. The first `code` preference
 * decides. Linear in the header's length.
 */
export function preferredStatus (header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined
  const list = Array.isArray(header) ? header.join(',') : header
  for (const preference of list.split(',')) {
    const code = codePreference(preference)
    if (code === undefined) continue
    return isErrorStatus(code) ? Number(code) : undefined
  }
  return undefined
}

/** The catalogue's error for a forced status; a 429 carries `Retry-After: 1`, as Cloudflare's rate limit does. */
export function forcedError (status: number): MockError {
  return Errors.forced(status, retryHeaders(status))
}
