import { FixtureSchema } from '../schemas/fixture.js'

/** The fixture format as a JSON Schema document (draft 2020-12), for `$schema` in fixture files. */
export function fixtureJsonSchema (): string {
  // JSON.stringify drops TypeBox's symbol keys, leaving plain JSON Schema.
  const schema = JSON.parse(JSON.stringify(FixtureSchema)) as Record<string, unknown>
  return JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...schema }, null, 2) + '\n'
}
