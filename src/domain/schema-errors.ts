/**
 * How a schema issue becomes a message, for every schema check of the mock: the settings
 * (`src/config.ts`), fixture and data files (`src/seed/validate.ts`), fault rules
 * (`src/domain/faults.ts`) and Fastify's validation of requests (`src/plugins/envelope.ts`).
 * Each caller frames the message its own way (the setting's name, the file and JSON path,
 * `body.`); the words for one issue are chosen here, once. Pure: no Fastify; values are shown
 * with jsonPreview, never by recursion over the input.
 */
import type { TSchema } from '@sinclair/typebox'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value'
import { jsonPreview } from './json-preview.js'

/** What is wrong, in the terms both validators' issues share. */
export type SchemaProblem =
  | { kind: 'unknown-property' }
  | { kind: 'missing-property', property: string }
  /** A value that must be one of some constants (a union of literals). */
  | { kind: 'choice', allowed: readonly unknown[] }
  /** A string that does not match a pattern; the schema's description says what is expected. */
  | { kind: 'pattern', pattern: string, description: string | undefined }
  /** Anything else, in the validator's own words. */
  | { kind: 'other', message: string }

/**
 * Whose words a message uses. `expected` is the mock's, from TypeBox's checks (settings, files,
 * fault rules); `must` is Ajv's, which Fastify's request validation speaks, so the HTTP answers
 * read as Ajv's own messages do.
 */
export type Voice = 'expected' | 'must'

/** One schema issue, from either validator. */
export interface SchemaIssue {
  /**
   * Property names and array indexes from the checked value's root to the value the issue is
   * about; for an unknown or missing property, the property itself.
   */
  path: string[]
  problem: SchemaProblem
  voice: Voice
  /** The value found there, shown after the problem; undefined when there is none to show. */
  value?: unknown
}

/** How a message shows the value it refuses: ` (got 5)` (files, fault rules) or `, got 5` (settings). */
export type GotStyle = 'parenthesized' | 'comma'

const WORDS: Record<Voice, { unknownProperty: string, missingProperty: (property: string) => string, oneOf: string }> = {
  expected: { unknownProperty: 'unknown property', missingProperty: () => 'missing required property', oneOf: 'expected one of' },
  must: { unknownProperty: 'must NOT have additional properties', missingProperty: (property) => `must have required property '${property}'`, oneOf: 'must be one of' }
}

/** The problem of one issue in words, without the value. */
function problemText (issue: SchemaIssue): string {
  const { problem } = issue
  const words = WORDS[issue.voice]
  switch (problem.kind) {
    case 'unknown-property':
      return words.unknownProperty
    case 'missing-property':
      return words.missingProperty(problem.property)
    case 'choice':
      return `${words.oneOf} ${problem.allowed.map((value) => jsonPreview(value)).join(', ')}`
    case 'pattern':
      return problem.description ?? `must match ${problem.pattern}`
    case 'other':
      return problem.message
  }
}

/**
 * The rule: one issue in words, then the value found (at most PREVIEW_LENGTH characters of
 * its JSON), when the issue has one to show.
 */
export function describeIssue (issue: SchemaIssue, got: GotStyle = 'parenthesized'): string {
  const text = problemText(issue)
  if (issue.value === undefined) return text
  const shown = jsonPreview(issue.value)
  return got === 'comma' ? `${text}, got ${shown}` : `${text} (got ${shown})`
}

/** The segments of a JSON pointer (`/videos/0/id`), unescaped (`~1` is `/`, `~0` is `~`). */
export function pointerSegments (pointer: string): string[] {
  if (pointer === '') return []
  return pointer.split('/').slice(1).map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** A path as a JSON path: `$.videos[0].id`, `$["odd key"]`. */
export function jsonPath (path: readonly string[]): string {
  return '$' + path.map((part) => {
    if (/^\d+$/.test(part)) return `[${part}]`
    return /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`
  }).join('')
}

/** A path as a dotted field, after the part of the request it is in: `body.match.account`. */
export function dottedField (where: string, path: readonly string[]): string {
  return [where, ...path].filter((part) => part !== '').join('.')
}

function lowerFirst (text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}

/** The issue of a TypeBox error (`Value.Errors`), in the mock's words. */
export function typeBoxIssue (error: ValueError): SchemaIssue {
  const path = pointerSegments(error.path)
  const issue = (problem: SchemaProblem): SchemaIssue => ({ path, problem, voice: 'expected', value: error.value })
  // An unknown property is wrong by its name: its value is not shown.
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return { path, problem: { kind: 'unknown-property' }, voice: 'expected' }
  // TypeBox names a missing property by its own path, so the path ends with it.
  if (error.type === ValueErrorType.ObjectRequiredProperty) return issue({ kind: 'missing-property', property: path[path.length - 1] as string })
  const { schema } = error
  if (typeof schema.pattern === 'string' && typeof error.value === 'string') {
    return issue({ kind: 'pattern', pattern: schema.pattern, description: schema.description })
  }
  const choices = (schema.anyOf as TSchema[] | undefined)?.map((option) => option.const as unknown)
  if (choices !== undefined && choices.every((choice) => typeof choice === 'string')) return issue({ kind: 'choice', allowed: choices })
  // TypeBox's messages start with a capital (`Expected integer`); only that letter is lowered,
  // so a pattern or a literal the message quotes keeps its case.
  return issue({ kind: 'other', message: lowerFirst(error.message) })
}

/** What the issues of Ajv (as in Fastify's validation errors) carry. */
export interface AjvIssue {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
  message?: string
}

type ChoiceIssue = SchemaIssue & { problem: { kind: 'choice', allowed: unknown[] } }

/**
 * The issues of an Ajv validation, in Ajv's words. A choice among constants fails on every
 * alternative: its `const` issues become one choice issue (listed first for its path), and the
 * `anyOf` issue that sums them up is dropped. Paths keep the order in which Ajv first named them.
 */
export function ajvIssues (errors: readonly AjvIssue[]): SchemaIssue[] {
  const byPath = new Map<string, { choice?: ChoiceIssue, others: SchemaIssue[] }>()
  for (const error of errors) {
    if (error.keyword === 'anyOf') continue
    const path = pointerSegments(error.instancePath)
    // An unknown or missing property is reported on its parent: the issue names the property.
    const property = error.params.additionalProperty ?? error.params.missingProperty
    if (typeof property === 'string') path.push(property)
    const key = JSON.stringify(path)
    let entry = byPath.get(key)
    if (entry === undefined) byPath.set(key, entry = { others: [] })
    if (error.keyword === 'const') {
      entry.choice ??= { path, voice: 'must', problem: { kind: 'choice', allowed: [] } }
      entry.choice.problem.allowed.push(error.params.allowedValue)
      continue
    }
    const problem: SchemaProblem = error.keyword === 'additionalProperties'
      ? { kind: 'unknown-property' }
      : error.keyword === 'required' ? { kind: 'missing-property', property: property as string } : { kind: 'other', message: error.message ?? error.keyword }
    entry.others.push({ path, voice: 'must', problem })
  }
  return [...byPath.values()].flatMap(({ choice, others }) => choice === undefined ? others : [choice, ...others])
}

/**
 * The issues grouped by field (named by `fieldOf`), in order, each problem said once: what a
 * request's validation answers, one error per invalid field.
 */
export function problemsByField (issues: readonly SchemaIssue[], fieldOf: (path: readonly string[]) => string): Array<{ field: string, problems: string[] }> {
  const byField = new Map<string, string[]>()
  for (const issue of issues) {
    const field = fieldOf(issue.path)
    let problems = byField.get(field)
    if (problems === undefined) byField.set(field, problems = [])
    const text = describeIssue(issue)
    if (!problems.includes(text)) problems.push(text)
  }
  return [...byField].map(([field, problems]) => ({ field, problems }))
}
