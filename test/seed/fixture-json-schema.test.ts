import t from 'tap'
import { fixtureJsonSchema } from '../../src/seed/fixture-json-schema.js'

t.test('the JSON Schema of fixture files', async (t) => {
  const text = fixtureJsonSchema()
  const schema = JSON.parse(text) as Record<string, unknown>
  t.equal(Object.keys(schema)[0], '$schema', '$schema comes first')
  t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
  t.equal(schema.title, 'stream-downloads-mock fixture')
  t.ok(text.endsWith('}\n'), 'ends with a newline')
  t.notMatch(text, /Symbol|\[Kind\]/, 'no TypeBox internals')
  // test/fixture-schema-file.test.ts checks that schemas/fixture.schema.json matches this text.
})
