import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { Ajv } from 'ajv'
import t from 'tap'
import { PREVIEW_LENGTH } from '../../src/domain/json-preview.js'
import {
  ajvIssues, describeIssue, dottedField, jsonPath, pointerSegments, problemsByField, typeBoxIssue, type AjvIssue, type SchemaIssue
} from '../../src/domain/schema-errors.js'

/** The issue of the first TypeBox error of a value. */
function firstIssue (schema: Parameters<typeof Value.Errors>[0], value: unknown): SchemaIssue {
  const first = Value.Errors(schema, value).First()
  if (first === undefined) throw new Error('expected an error')
  return typeBoxIssue(first)
}

t.test('describeIssue: the words of each problem, in each voice', async (t) => {
  const at = (problem: SchemaIssue['problem'], voice: SchemaIssue['voice'], value?: unknown): SchemaIssue => ({ path: ['x'], problem, voice, value })
  t.equal(describeIssue(at({ kind: 'unknown-property' }, 'expected')), 'unknown property')
  t.equal(describeIssue(at({ kind: 'unknown-property' }, 'must')), 'must NOT have additional properties')
  t.equal(describeIssue(at({ kind: 'missing-property', property: 'ms' }, 'expected')), 'missing required property')
  t.equal(describeIssue(at({ kind: 'missing-property', property: 'ms' }, 'must')), 'must have required property \'ms\'')
  t.equal(describeIssue(at({ kind: 'choice', allowed: ['a', 'b'] }, 'expected', 'c')), 'expected one of "a", "b" (got "c")')
  t.equal(describeIssue(at({ kind: 'choice', allowed: ['a', 1, null] }, 'must')), 'must be one of "a", 1, null')
  t.equal(describeIssue(at({ kind: 'pattern', pattern: '^a$', description: 'an a' }, 'expected', 'b')), 'an a (got "b")')
  t.equal(describeIssue(at({ kind: 'pattern', pattern: '^a$', description: undefined }, 'expected', 'b')), 'must match ^a$ (got "b")')
  t.equal(describeIssue(at({ kind: 'other', message: 'expected integer' }, 'expected', 1.5)), 'expected integer (got 1.5)')
})

t.test('describeIssue: the value, parenthesized or after a comma, only when there is one', async (t) => {
  const issue: SchemaIssue = { path: [], problem: { kind: 'other', message: 'expected integer' }, voice: 'expected', value: 1.5 }
  t.equal(describeIssue(issue, 'parenthesized'), 'expected integer (got 1.5)')
  t.equal(describeIssue(issue, 'comma'), 'expected integer, got 1.5')
  t.equal(describeIssue({ ...issue, value: undefined }, 'comma'), 'expected integer')
  t.equal(describeIssue({ ...issue, value: null }), 'expected integer (got null)', 'null is a value')
  t.equal(describeIssue({ ...issue, value: 'y'.repeat(1000) }), `expected integer (got "${'y'.repeat(PREVIEW_LENGTH - 1)}…)`, 'a long value is cut')
})

t.test('describeIssue: a value nested 100,000 levels deep is previewed, never walked', async (t) => {
  let deep: unknown = 1
  for (let level = 0; level < 100_000; level++) deep = [deep]
  const message = describeIssue(firstIssue(Type.String(), deep))
  t.equal(message, `expected string (got ${'['.repeat(PREVIEW_LENGTH)}…)`)
})

t.test('paths: pointer segments, JSON paths and dotted fields', async (t) => {
  t.strictSame(pointerSegments(''), [])
  t.strictSame(pointerSegments('/videos/0/id'), ['videos', '0', 'id'])
  t.strictSame(pointerSegments('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1'], 'unescaped, ~1 before ~0')
  t.equal(jsonPath([]), '$')
  t.equal(jsonPath(['videos', '0', 'id']), '$.videos[0].id')
  t.equal(jsonPath(['odd key', '$ok', '_x1']), '$["odd key"].$ok._x1')
  t.equal(dottedField('body', ['match', 'account']), 'body.match.account')
  t.equal(dottedField('body', []), 'body')
  t.equal(dottedField('', ['status']), 'status')
})

t.test('typeBoxIssue: TypeBox errors in the mock\'s words', async (t) => {
  const schema = Type.Object({
    id: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'digits only' })),
    code: Type.Optional(Type.String({ pattern: '^[a-z]+$' })),
    kind: Type.Optional(Type.Union([Type.Literal('a'), Type.Literal('b')])),
    mixed: Type.Optional(Type.Union([Type.Literal('a'), Type.Number()])),
    tag: Type.Optional(Type.Literal('ABC')),
    inner: Type.Optional(Type.Object({ n: Type.Integer() }, { additionalProperties: false }))
  }, { additionalProperties: false })
  const cases: Array<[unknown, string[], string]> = [
    [{ id: 'x' }, ['id'], 'digits only (got "x")'],
    [{ code: 'ABC' }, ['code'], 'must match ^[a-z]+$ (got "ABC")'],
    [{ id: 5 }, ['id'], 'expected string (got 5)'],
    [{ kind: 'c' }, ['kind'], 'expected one of "a", "b" (got "c")'],
    [{ mixed: 'c' }, ['mixed'], 'expected union value (got "c")'],
    [{ tag: 'abc' }, ['tag'], 'expected \'ABC\' (got "abc")'],
    [{ colour: 'red' }, ['colour'], 'unknown property'],
    [{ inner: {} }, ['inner', 'n'], 'missing required property'],
    [{ inner: { n: 1.5 } }, ['inner', 'n'], 'expected integer (got 1.5)'],
    ['x', [], 'expected object (got "x")']
  ]
  for (const [value, path, message] of cases) {
    const issue = firstIssue(schema, value)
    t.strictSame(issue.path, path, JSON.stringify(value))
    t.equal(issue.voice, 'expected')
    t.equal(describeIssue(issue), message, JSON.stringify(value))
  }
  t.equal(firstIssue(schema, { colour: 'red' }).value, undefined, 'an unknown property is wrong by its name: its value is not shown')
})

t.test('ajvIssues: Ajv\'s errors in Ajv\'s words, a choice among constants as one issue', async (t) => {
  const ajv = new Ajv({ allErrors: true, strict: false })
  const schema = Type.Object({
    ms: Type.Integer({ minimum: 0 }),
    model: Type.Optional(Type.Union([Type.Literal('time'), Type.Literal('polls')])),
    failAt: Type.Optional(Type.Union([Type.Number(), Type.Null()]))
  }, { additionalProperties: false })
  const validate = ajv.compile(schema)
  validate({ model: 'x', failAt: 'y', extra: 1 })
  const issues = ajvIssues(validate.errors as AjvIssue[])
  t.strictSame(problemsByField(issues, (path) => dottedField('body', path)), [
    { field: 'body.ms', problems: ['must have required property \'ms\''] },
    { field: 'body.extra', problems: ['must NOT have additional properties'] },
    { field: 'body.model', problems: ['must be one of "time", "polls"'] },
    { field: 'body.failAt', problems: ['must be number', 'must be null'] }
  ])
  t.ok(issues.every((issue) => issue.voice === 'must' && issue.value === undefined), 'Fastify\'s errors carry no value')
})

t.test('ajvIssues: order, merging and fallbacks', async (t) => {
  const issues = ajvIssues([
    { keyword: 'type', instancePath: '/a', params: {}, message: 'must be string' },
    { keyword: 'const', instancePath: '/a', params: { allowedValue: 'x' }, message: 'must be equal to constant' },
    { keyword: 'const', instancePath: '/a', params: { allowedValue: 'y' }, message: 'must be equal to constant' },
    { keyword: 'anyOf', instancePath: '/a', params: {}, message: 'must match a schema in anyOf' },
    { keyword: 'custom', instancePath: '/b', params: {} },
    { keyword: 'type', instancePath: '/a', params: {}, message: 'must be string' }
  ])
  t.strictSame(problemsByField(issues, (path) => dottedField('q', path)), [
    { field: 'q.a', problems: ['must be one of "x", "y"', 'must be string'] },
    { field: 'q.b', problems: ['custom'] }
  ], 'the choice first for its path, a problem said once, the keyword when Ajv gives no message')
  t.strictSame(ajvIssues([]), [])
  t.strictSame(ajvIssues([{ keyword: 'anyOf', instancePath: '', params: {} }]), [], 'an anyOf alone says nothing of its own')
})
