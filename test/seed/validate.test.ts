import t from 'tap'
import { Type } from '@sinclair/typebox'
import { FixtureError } from '../../src/seed/fixture-error.js'
import { assertMatches, findForbiddenKey } from '../../src/seed/validate.js'

function message (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof FixtureError ? error.message : `not a FixtureError: ${String(error)}`
  }
  return undefined
}

t.test('forbidden keys are found at any depth', async (t) => {
  t.equal(findForbiddenKey(JSON.parse('{"videos":[],"__proto__":{}}')), '/__proto__')
  t.equal(findForbiddenKey({ a: [{ b: { prototype: 1 } }] }), '/a/0/b/prototype')
  t.equal(findForbiddenKey({ 'x/y': { '~': { constructor: 1 } } }), '/x~1y/~0/constructor', 'pointer escapes')
  t.equal(findForbiddenKey({ a: [1, 'two', null, { b: true }] }), undefined)
  t.equal(findForbiddenKey(null), undefined)
  t.equal(findForbiddenKey('text'), undefined)
})

t.test('assertMatches describes the first problem', async (t) => {
  const schema = Type.Object({
    code: Type.Optional(Type.String({ pattern: '^[a-z]+$' })),
    id: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'digits only' })),
    kind: Type.Optional(Type.Union([Type.Literal('a'), Type.Literal('b')])),
    mixed: Type.Optional(Type.Union([Type.Literal('a'), Type.Number()])),
    items: Type.Optional(Type.Record(Type.String({ pattern: '^k[0-9]$' }), Type.Number(), { additionalProperties: false }))
  }, { additionalProperties: false })
  t.equal(message(() => assertMatches(schema, { code: 'abc', id: '12', kind: 'b', mixed: 3, items: { k1: 1 } }, 'f')), undefined, 'valid')
  t.equal(message(() => assertMatches(schema, { code: 'ABC' }, 'f')), 'f: $.code: must match ^[a-z]+$ (got "ABC")', 'a pattern without a description')
  t.equal(message(() => assertMatches(schema, { id: 'x' }, 'f')), 'f: $.id: digits only (got "x")', 'a pattern with a description')
  t.equal(message(() => assertMatches(schema, { id: 5 }, 'f')), 'f: $.id: expected string (got 5)', 'a pattern, but not a string')
  t.equal(message(() => assertMatches(schema, { kind: 'c' }, 'f')), 'f: $.kind: expected one of "a", "b" (got "c")')
  t.equal(message(() => assertMatches(schema, { mixed: 'c' }, 'f')), 'f: $.mixed: expected union value (got "c")', 'a union that is not a choice of words')
  t.equal(message(() => assertMatches(schema, { items: { k1: 1, other: { deep: 1 } } }, 'f')), 'f: $.items.other: unknown property', 'a record key named by its own path')
  t.equal(message(() => assertMatches(schema, { extra: { deep: 1 } }, 'f')), 'f: $.extra: unknown property', 'an object value does not lead the path astray')
  t.equal(message(() => assertMatches(schema, { code: 'x'.repeat(200) + 'A' }, 'f')), `f: $.code: must match ^[a-z]+$ (got "${'x'.repeat(79)}…)`, 'long values are cut, and marked so')
  t.equal(message(() => assertMatches(Type.Object({ a: Type.String() }), {}, 'f')), 'f: $.a: missing required property')
})
