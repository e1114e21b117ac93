import t from 'tap'
import { readFileSync } from 'node:fs'
import { helpText, parseCli, versionText } from '../src/cli.js'
import { ConfigError, ConfigSchema, SETTINGS } from '../src/config.js'

function cliError (argv: string[]): string {
  try {
    parseCli(argv)
  } catch (error) {
    return error instanceof ConfigError ? error.message : `not a ConfigError: ${String(error)}`
  }
  return 'no error'
}

t.test('flags become values for loadConfig', async (t) => {
  t.strictSame(parseCli([]), { kind: 'run', flags: {} })
  t.strictSame(parseCli(['--port', '9000', '--data-file=state.json', '--api-tokens', 'a,b']), {
    kind: 'run',
    flags: { port: '9000', 'data-file': 'state.json', 'api-tokens': 'a,b' }
  })
  const every = Object.values(SETTINGS).flatMap((setting) => [`--${setting.flag}`, `value-of-${setting.flag}`])
  t.strictSame(parseCli(every), {
    kind: 'run',
    flags: Object.fromEntries(Object.values(SETTINGS).map((setting) => [setting.flag, `value-of-${setting.flag}`]))
  }, 'every setting has a flag')
  t.strictSame(parseCli(['--port', '1', '--port', '2']), { kind: 'run', flags: { port: '2' } }, 'the last one wins')
  t.strictSame(parseCli(['--port=']), { kind: 'run', flags: { port: '' } }, 'an empty value is kept for loadConfig to judge')
})

t.test('--help', async (t) => {
  t.strictSame(parseCli(['--help']), { kind: 'help' })
  t.strictSame(parseCli(['--port', '1', '--help']), { kind: 'help' }, 'help wins over other flags')
})

t.test('--version', async (t) => {
  t.strictSame(parseCli(['--version']), { kind: 'version' })
  t.strictSame(parseCli(['--version', '--help']), { kind: 'help' }, 'help wins')
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(versionText(), `${manifest.version}\n`, 'the package version, alone on its line')
})

t.test('command lines that cannot be used', async (t) => {
  t.equal(cliError(['--nope']), 'Unknown option \'--nope\' (see --help)')
  t.equal(cliError(['--port']), 'Option \'--port <value>\' argument missing (see --help)')
  t.equal(cliError(['serve']), 'Unexpected argument \'serve\'. This command does not take positional arguments (see --help)')
  t.equal(cliError(['--help=yes']), 'Option \'--help\' does not take an argument (see --help)')
  t.equal(cliError(['--port', '-1']),
    'Option \'--port\' argument is ambiguous. Did you forget to specify the option argument for \'--port\'? To specify an option argument starting with a dash use \'--port=-XYZ\'. (see --help)',
    'one line, though Node writes it on three')
})

t.test('the help text names every flag and environment variable', async (t) => {
  const text = helpText()
  t.ok(text.startsWith('stream-downloads-mock: a mock of Cloudflare Stream\'s downloads API\n'))
  t.ok(text.endsWith('\n'))
  for (const env of ['PORT', 'HOST', 'MOCK_FIXTURES', 'MOCK_DATA_FILE', 'MOCK_TICK_MS', 'MOCK_SPEED', 'MOCK_PUBLIC_URL', 'MOCK_AUTH', 'MOCK_API_TOKENS', 'LOG_LEVEL']) {
    t.match(text, new RegExp(`^  --[a-z-]+ +${env} +\\S`, 'm'), env)
  }
  for (const setting of Object.values(SETTINGS)) {
    t.match(text, new RegExp(`^  --${setting.flag} +${setting.env} +\\S`, 'm'), `${setting.flag} and ${setting.env} on one line`)
  }
  t.match(text, /--port +PORT +TCP port \(0 picks a free one\) \(default: 8787\)$/m)
  t.match(text, /--fixtures +MOCK_FIXTURES +Fixture file or folder \(default: the bundled fixtures\)$/m, 'no machine-specific path')
  t.match(text, /--data-file +MOCK_DATA_FILE +JSON file that keeps state across restarts$/m, 'no default shown when there is none')
  t.match(text, /--api-tokens +MOCK_API_TOKENS +Accepted Bearer tokens; empty accepts any$/m, 'an empty list is no default')
  t.match(text, /--auth +MOCK_AUTH +Credential checking \(default: on\)$/m)
  t.match(text, /^ {2}--help +Print this text and exit$/m)
  const lines = text.split('\n')
  const columns = Object.values(ConfigSchema.properties).map((schema) => {
    const description = (schema as { description: string }).description
    return lines.find((line) => line.includes(description))!.indexOf(description)
  })
  columns.push(lines.find((line) => line.startsWith('  --help'))!.indexOf('Print'))
  t.equal(new Set(columns).size, 1, 'descriptions line up')
  t.equal(text.split('\n').filter((line) => line.startsWith('  --')).length, Object.keys(SETTINGS).length + 2, 'every setting, --help and --version')
})
