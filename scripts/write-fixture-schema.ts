/**
 * Writes schemas/fixture.schema.json, the JSON Schema of fixture files, from the TypeBox schema
 * (src/schemas/fixture.ts). A test checks the committed file matches: run `npm run schema`.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fixtureJsonSchema } from '../src/seed/fixture-json-schema.js'

const target = fileURLToPath(new URL('../schemas/fixture.schema.json', import.meta.url))
writeFileSync(target, fixtureJsonSchema())
process.stdout.write(`wrote ${target}\n`)
