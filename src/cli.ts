import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, ConfigSchema, SETTINGS } from './config.js'
import { PACKAGE_ROOT } from './paths.js'

/** What the command line asked for: the help text, the version, or a run with flag values for loadConfig. */
export type CliRequest = { kind: 'help' } | { kind: 'version' } | { kind: 'run', flags: Record<string, string> }

/** The `--version` line: the package's version, read from its package.json. */
export function versionText (): string {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
  return `${manifest.version}\n`
}

/** The `--help` text, generated from the configuration schema so it cannot drift. */
export function helpText (): string {
  const lines = [
    'stream-downloads-mock: a mock of Cloudflare Stream\'s downloads API',
    '',
    'Usage: stream-downloads-mock [options]',
    '',
    'Every option can also be set by the environment variable named beside it; flags win.',
    ''
  ]
  const flagWidth = Math.max(...Object.values(SETTINGS).map((setting) => setting.flag.length)) + 2
  const envWidth = Math.max(...Object.values(SETTINGS).map((setting) => setting.env.length))
  for (const [key, setting] of Object.entries(SETTINGS)) {
    // Every setting's schema has a description (the help test checks each line).
    const schema = ConfigSchema.properties[key as keyof typeof SETTINGS] as { description: string, default?: unknown }
    const fallback = schema.default === undefined || (Array.isArray(schema.default) && schema.default.length === 0)
      ? ''
      : ` (default: ${key === 'fixtures' ? 'the bundled fixtures' : String(schema.default)})`
    lines.push(`  ${`--${setting.flag}`.padEnd(flagWidth)} ${setting.env.padEnd(envWidth)} ${schema.description}${fallback}`)
  }
  lines.push(
    `  ${'--help'.padEnd(flagWidth)} ${''.padEnd(envWidth)} Print this text and exit`,
    `  ${'--version'.padEnd(flagWidth)} ${''.padEnd(envWidth)} Print the version and exit`,
    ''
  )
  return lines.join('\n')
}

/** Parses the command line (`--help` wins over `--version`); throws a ConfigError for an unknown flag or a missing value. */
export function parseCli (argv: string[]): CliRequest {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' } }
  for (const setting of Object.values(SETTINGS)) options[setting.flag] = { type: 'string' }
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    // Node's messages may span lines; a command-line error is reported on one.
    throw new ConfigError(`${(error as Error).message.replace(/\s*\n\s*/g, ' ')} (see --help)`)
  }
  if (values.help === true) return { kind: 'help' }
  if (values.version === true) return { kind: 'version' }
  const flags: Record<string, string> = {}
  for (const [name, value] of Object.entries(values)) if (typeof value === 'string') flags[name] = value
  return { kind: 'run', flags }
}
