import { parseArgs } from 'node:util'
import { ConfigError, ConfigSchema, SETTINGS } from './config.js'

/** What the command line asked for: the help text, or flag values for loadConfig. */
export type CliRequest = { help: true } | { help: false, flags: Record<string, string> }

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
  lines.push(`  ${'--help'.padEnd(flagWidth)} ${''.padEnd(envWidth)} Print this text and exit`, '')
  return lines.join('\n')
}

/** Parses the command line; throws a ConfigError for an unknown flag or a missing value. */
export function parseCli (argv: string[]): CliRequest {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } }
  for (const setting of Object.values(SETTINGS)) options[setting.flag] = { type: 'string' }
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    // Node's messages may span lines; a command-line error is reported on one.
    throw new ConfigError(`${(error as Error).message.replace(/\s*\n\s*/g, ' ')} (see --help)`)
  }
  if (values.help === true) return { help: true }
  const flags: Record<string, string> = {}
  for (const [name, value] of Object.entries(values)) if (typeof value === 'string') flags[name] = value
  return { help: false, flags }
}
