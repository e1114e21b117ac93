import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { fixtureJsonSchema } from '../src/seed/fixture-json-schema.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const published = readFileSync(`${root}schemas/fixture.schema.json`, 'utf8')

t.test('schemas/fixture.schema.json is the TypeBox schema (run `npm run schema` after changing it)', async (t) => {
  t.equal(published, fixtureJsonSchema())
})

t.test('the bundled fixtures name the published schema and validate against it', async (t) => {
  const validate = new Ajv2020({ strict: false }).compile(JSON.parse(published) as object)
  for (const file of readdirSync(`${root}fixtures`).filter((name) => name.endsWith('.json'))) {
    const document = JSON.parse(readFileSync(`${root}fixtures/${file}`, 'utf8')) as { $schema?: string }
    t.equal(document.$schema, '../schemas/fixture.schema.json', file)
    t.ok(validate(document), `${file}: ${JSON.stringify(validate.errors)}`)
  }
  t.notOk(validate({ videos: [{ id: 'x', account: 'y' }] }), 'and the schema does refuse bad fixtures')
})
