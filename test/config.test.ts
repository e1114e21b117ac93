import t from 'tap'
import { resolve } from 'node:path'
import { ConfigError, SETTINGS, configWithDefaults, loadConfig, type Config } from '../src/config.js'
import { BUNDLED_FIXTURES } from '../src/paths.js'

const DEFAULTS: Config = {
  port: 8787,
  host: '127.0.0.1',
  fixtures: BUNDLED_FIXTURES,
  tickMs: 1000,
  speed: 10,
  auth: 'on',
  apiTokens: [],
  logLevel: 'info',
  admin: 'on',
  autoCreate: 'off',
  journalSize: 1000,
  maxVideos: 100_000,
  closeTimeoutMs: 5000,
  headersTimeoutMs: 10_000,
  webhookRetryMs: 1000,
  webhookTries: 5,
  webhookTimeoutMs: 5000,
  rateLimit: 'off',
  rateLimitBudget: 1200,
  rateLimitWindowS: 300
}

interface TapLike {
  type: (found: unknown, type: abstract new (...args: any[]) => unknown) => unknown
  equal: (found: unknown, wanted: unknown) => unknown
}

/** The message of the ConfigError `fn` throws. */
function configError (t: TapLike, fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    t.type(error, ConfigError)
    t.equal((error as Error).name, 'ConfigError')
    return (error as Error).message
  }
  return undefined
}

t.test('defaults', async (t) => {
  t.strictSame(loadConfig({}), DEFAULTS)
  t.notOk('dataFile' in loadConfig({}), 'no data file: state lives in memory')
  t.notOk('publicUrl' in loadConfig({}), 'no public url: download urls follow the Host header')
  t.notOk('adminToken' in loadConfig({}), 'no admin token')
})

t.test('every environment variable is read', async (t) => {
  const config = loadConfig({
    PORT: '9000',
    HOST: '0.0.0.0',
    MOCK_FIXTURES: 'some/fixtures',
    MOCK_DATA_FILE: 'state/data.json',
    MOCK_TICK_MS: '250',
    MOCK_SPEED: '2.5',
    MOCK_PUBLIC_URL: 'https://mock.example.test/base/',
    MOCK_AUTH: 'off',
    MOCK_API_TOKENS: ' one, two ,,three ',
    LOG_LEVEL: 'debug',
    MOCK_ADMIN: 'off',
    MOCK_ADMIN_TOKEN: 'secret',
    MOCK_AUTO_CREATE: 'on',
    MOCK_JOURNAL_SIZE: '50',
    MOCK_MAX_VIDEOS: '500',
    MOCK_CLOSE_TIMEOUT_MS: '250',
    MOCK_HEADERS_TIMEOUT_MS: '2500',
    MOCK_WEBHOOK_RETRY_MS: '20',
    MOCK_WEBHOOK_TRIES: '3',
    MOCK_WEBHOOK_TIMEOUT_MS: '400',
    MOCK_RATE_LIMIT: 'on',
    MOCK_RATE_LIMIT_BUDGET: '7',
    MOCK_RATE_LIMIT_WINDOW_S: '30'
  })
  t.strictSame(config, {
    port: 9000,
    host: '0.0.0.0',
    fixtures: resolve('some/fixtures'),
    dataFile: resolve('state/data.json'),
    tickMs: 250,
    speed: 2.5,
    publicUrl: 'https://mock.example.test/base',
    auth: 'off',
    apiTokens: ['one', 'two', 'three'],
    logLevel: 'debug',
    admin: 'off',
    adminToken: 'secret',
    autoCreate: 'on',
    journalSize: 50,
    maxVideos: 500,
    closeTimeoutMs: 250,
    headersTimeoutMs: 2500,
    webhookRetryMs: 20,
    webhookTries: 3,
    webhookTimeoutMs: 400,
    rateLimit: 'on',
    rateLimitBudget: 7,
    rateLimitWindowS: 30
  })
  t.equal(loadConfig({ MOCK_FIXTURES: '/abs/fixtures' }).fixtures, '/abs/fixtures', 'an absolute path stays')
  t.equal(loadConfig({ MOCK_PUBLIC_URL: 'http://localhost:9000///' }).publicUrl, 'http://localhost:9000', 'every trailing slash goes')
  t.equal(loadConfig({ MOCK_PUBLIC_URL: 'http://localhost:9000' }).publicUrl, 'http://localhost:9000')
  t.strictSame(loadConfig({ MOCK_API_TOKENS: ' , ' }).apiTokens, [], 'a list of nothing')
  t.equal(loadConfig({ PORT: ' 80 ' }).port, 80, 'spaces around a number')
  t.equal(loadConfig({ PORT: '0' }).port, 0, 'port 0 picks a free port')
  t.equal(loadConfig({ MOCK_SPEED: '1e1' }).speed, 10, 'exponent notation')
  t.equal(loadConfig({ MOCK_SPEED: '.5' }).speed, 0.5)
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
    t.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level)
  }
})

t.test('empty environment values count as unset', async (t) => {
  t.strictSame(loadConfig(Object.fromEntries(Object.values(SETTINGS).map((setting) => [setting.env, '']))), DEFAULTS)
  t.equal(loadConfig({ PORT: '' }, { port: '9001' }).port, 9001)
})

t.test('flags win over the environment', async (t) => {
  const env = { PORT: '9000', HOST: '0.0.0.0', MOCK_AUTH: 'off', MOCK_API_TOKENS: 'env', MOCK_DATA_FILE: 'env.json', LOG_LEVEL: 'debug' }
  const config = loadConfig(env, {
    port: '9100',
    host: '::1',
    fixtures: 'flag-fixtures',
    'data-file': 'flag.json',
    'tick-ms': '50',
    speed: '100',
    'public-url': 'http://flag.test/',
    auth: 'on',
    'api-tokens': 'a,b',
    'log-level': 'warn',
    admin: 'off',
    'admin-token': 'flag-secret',
    'auto-create': 'on',
    'journal-size': '7',
    'max-videos': '9',
    'close-timeout-ms': '0',
    'headers-timeout-ms': '400',
    'webhook-retry-ms': '10',
    'webhook-tries': '2',
    'webhook-timeout-ms': '300',
    'rate-limit': 'on',
    'rate-limit-budget': '5',
    'rate-limit-window-s': '60'
  })
  t.strictSame(config, {
    port: 9100,
    host: '::1',
    fixtures: resolve('flag-fixtures'),
    dataFile: resolve('flag.json'),
    tickMs: 50,
    speed: 100,
    publicUrl: 'http://flag.test',
    auth: 'on',
    apiTokens: ['a', 'b'],
    logLevel: 'warn',
    admin: 'off',
    adminToken: 'flag-secret',
    autoCreate: 'on',
    journalSize: 7,
    maxVideos: 9,
    closeTimeoutMs: 0,
    headersTimeoutMs: 400,
    webhookRetryMs: 10,
    webhookTries: 2,
    webhookTimeoutMs: 300,
    rateLimit: 'on',
    rateLimitBudget: 5,
    rateLimitWindowS: 60
  })
  t.equal(loadConfig(env, { 'tick-ms': '20' }).port, 9000, 'the environment fills what flags leave')
  t.equal(loadConfig({}, { nope: 'x' }).port, 8787, 'flags that are not settings are ignored (parseCli refuses them)')
})

t.test('settings that cannot be used', async (t) => {
  const cases: Array<[NodeJS.ProcessEnv, string]> = [
    [{ PORT: 'abc' }, 'PORT (--port): expected a number, got "abc"'],
    [{ PORT: '0x10' }, 'PORT (--port): expected a number, got "0x10"'],
    [{ PORT: 'Infinity' }, 'PORT (--port): expected a number, got "Infinity"'],
    [{ PORT: ' ' }, 'PORT (--port): expected a number, got " "'],
    [{ PORT: '70000' }, 'PORT (--port): expected integer to be less or equal to 65535, got 70000'],
    [{ PORT: '-1' }, 'PORT (--port): expected integer to be greater or equal to 0, got -1'],
    [{ PORT: '80.5' }, 'PORT (--port): expected integer, got 80.5'],
    [{ MOCK_TICK_MS: '5' }, 'MOCK_TICK_MS (--tick-ms): expected integer to be greater or equal to 10, got 5'],
    [{ MOCK_SPEED: '0' }, 'MOCK_SPEED (--speed): expected number to be greater than 0, got 0'],
    [{ MOCK_SPEED: '101' }, 'MOCK_SPEED (--speed): expected number to be less or equal to 100, got 101'],
    [{ MOCK_AUTH: 'maybe' }, 'MOCK_AUTH (--auth): expected one of "on", "off", got "maybe"'],
    [{ MOCK_PUBLIC_URL: 'ftp://x' }, 'MOCK_PUBLIC_URL (--public-url): expected an http or https URL, got "ftp://x"'],
    [{ MOCK_PUBLIC_URL: 'not a url' }, 'MOCK_PUBLIC_URL (--public-url): expected an absolute http(s) URL, got "not a url"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL (--log-level): expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"'],
    [{ MOCK_ADMIN: 'yes' }, 'MOCK_ADMIN (--admin): expected one of "on", "off", got "yes"'],
    [{ MOCK_AUTO_CREATE: '1' }, 'MOCK_AUTO_CREATE (--auto-create): expected one of "on", "off", got "1"'],
    [{ MOCK_JOURNAL_SIZE: '0' }, 'MOCK_JOURNAL_SIZE (--journal-size): expected integer to be greater or equal to 1, got 0'],
    [{ MOCK_MAX_VIDEOS: '100001' }, 'MOCK_MAX_VIDEOS (--max-videos): expected integer to be less or equal to 100000, got 100001'],
    [{ MOCK_HEADERS_TIMEOUT_MS: '50' }, 'MOCK_HEADERS_TIMEOUT_MS (--headers-timeout-ms): expected integer to be greater or equal to 100, got 50']
  ]
  for (const [env, expected] of cases) t.equal(configError(t, () => loadConfig(env)), expected, JSON.stringify(env))

  t.equal(configError(t, () => loadConfig({}, { port: 'abc' })), 'PORT (--port): expected a number, got "abc"', 'a flag is named with its variable, as every setting is')
  t.equal(configError(t, () => loadConfig({}, { port: '' })), 'PORT (--port): expected a number, got ""', 'an empty flag is a value, not unset')
  t.equal(configError(t, () => loadConfig({}, { host: '' })), 'HOST (--host): expected string length greater or equal to 1, got ""')
  t.equal(configError(t, () => loadConfig({}, { 'public-url': 'mailto:a@b.test' })), 'MOCK_PUBLIC_URL (--public-url): expected an http or https URL, got "mailto:a@b.test"')
})

t.test('configWithDefaults: a partial configuration for tests and the programmatic API', async (t) => {
  t.strictSame(configWithDefaults(), DEFAULTS)
  t.strictSame(configWithDefaults({ port: 0, dataFile: '/tmp/x.json' }), { ...DEFAULTS, port: 0, dataFile: '/tmp/x.json' })
  const partial = { apiTokens: ['a'] }
  const config = configWithDefaults(partial)
  config.apiTokens.push('b')
  t.strictSame(partial.apiTokens, ['a'], 'the caller\'s object is copied, not filled in')
  configWithDefaults().apiTokens.push('x')
  t.strictSame(configWithDefaults().apiTokens, [], 'defaults are not shared between configurations')

  t.equal(configError(t, () => configWithDefaults({ port: -1 })), 'port: expected integer to be greater or equal to 0, got -1')
  t.equal(configError(t, () => configWithDefaults({ auth: 'maybe' as Config['auth'] })), 'auth: expected one of "on", "off", got "maybe"')
  t.equal(configError(t, () => configWithDefaults({ colour: 'red' } as Partial<Config>)), 'colour: unknown property')
  t.equal(configError(t, () => configWithDefaults(null as unknown as Partial<Config>)), 'config: expected object, got null')
})
