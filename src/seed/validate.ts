import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { describeIssue, jsonPath, typeBoxIssue } from '../domain/schema-errors.js'
import { FixtureError, pointerToJsonPath } from './fixture-error.js'

/** Keys that would reach an object's prototype if copied carelessly; refused in any input file. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** What a message says of a forbidden key, after its file and JSON path. */
export const FORBIDDEN_KEY_PROBLEM = 'forbidden key (prototype keys are refused)'

/**
 * Finds a forbidden key anywhere in parsed JSON; returns its JSON pointer, or undefined. Walks
 * depth-first in key order with its own stack, not recursion, so a body nested 100 000 levels
 * deep (well within the 1 MiB limit) cannot overflow the call stack.
 */
export function findForbiddenKey (value: unknown, pointer = ''): string | undefined {
  // Entries are visited in the order recursion would visit them: a key, then everything under it.
  const stack: Array<{ key?: string, value: unknown, pointer: string }> = [{ value, pointer }]
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    if (entry.key !== undefined && FORBIDDEN_KEYS.has(entry.key)) return entry.pointer
    if (entry.value === null || typeof entry.value !== 'object') continue
    const keys = Object.keys(entry.value)
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string
      stack.push({ key, value: (entry.value as Record<string, unknown>)[key], pointer: `${entry.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}` })
    }
  }
  return undefined
}

/**
 * Checks parsed JSON against a schema; throws a FixtureError naming the file, the JSON path of
 * the first problem, and the problem. Unknown properties are named by their own path.
 */
export function assertMatches<T extends TSchema> (schema: T, value: unknown, file: string): void {
  const forbidden = findForbiddenKey(value)
  if (forbidden !== undefined) {
    throw new FixtureError(file, pointerToJsonPath(forbidden), FORBIDDEN_KEY_PROBLEM)
  }
  const first = Value.Errors(schema, value).First()
  if (first === undefined) return
  const issue = typeBoxIssue(first)
  throw new FixtureError(file, jsonPath(issue.path), describeIssue(issue))
}
