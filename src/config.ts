import { resolve } from 'node:path'
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { describeIssue, typeBoxIssue } from './domain/schema-errors.js'
import { BUNDLED_FIXTURES } from './paths.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** The whole configuration: one schema, filled from the environment and CLI flags. */
export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8787, description: 'TCP port (0 picks a free one)' }),
  host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to listen on' }),
  fixtures: Type.String({ minLength: 1, default: BUNDLED_FIXTURES, description: 'Fixture file or folder' }),
  dataFile: Type.Optional(Type.String({ minLength: 1, description: 'JSON file that keeps state across restarts' })),
  tickMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 1000, description: 'Ticker period in ms of real time' }),
  speed: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 10, description: 'Default percent per second of mock time' }),
  publicUrl: Type.Optional(Type.String({ minLength: 1, description: 'Base of download urls; default http://<Host header>' })),
  auth: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on', description: 'Credential checking' }),
  apiTokens: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Accepted Bearer tokens; empty accepts any' }),
  logLevel: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)), { default: 'info', description: 'Pino log level' }),
  admin: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on', description: 'The admin API under /__mock and the Prefer override' }),
  adminToken: Type.Optional(Type.String({ minLength: 1, description: 'Token the admin API and the Prefer override require in X-Mock-Admin-Token' })),
  autoCreate: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'off', description: 'Any well-formed unknown video id exists on first use' }),
  journalSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Requests the journal keeps' }),
  maxVideos: Type.Integer({ minimum: 1, maximum: 100_000, default: 100_000, description: 'Most videos the store holds, however they come in' }),
  closeTimeoutMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 5000, description: 'How long a graceful close waits for requests in flight before it ends their connections (ms)' }),
  headersTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000, description: 'How long a client may take to send the request headers, in ms; then 408' }),
  coverageFile: Type.Optional(Type.String({ minLength: 1, description: 'JSON file the coverage report is written to when the server stops' })),
  webhookRetryMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: 1000, description: 'Wait before a webhook delivery\'s first retry, in ms; doubled for each later one' }),
  webhookTries: Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'Tries of a webhook delivery in all, the first included' }),
  webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000, description: 'How long a webhook receiver may take to answer, in ms' }),
  rateLimit: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'off', description: 'Enforce the API rate limit (429, code 971, Retry-After); off: the headers are sent, nothing is refused' }),
  rateLimitBudget: Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 1200, description: 'Requests per window, per credential and account (Cloudflare: 1200)' }),
  rateLimitWindowS: Type.Integer({ minimum: 1, maximum: 86_400, default: 300, description: 'The rate limit\'s window, in seconds of wall time (Cloudflare: 300)' })
}, { additionalProperties: false })
export type Config = Static<typeof ConfigSchema>

/** A setting that cannot be used; the message names the variable or flag and the problem. */
export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** Each setting: its environment variable, its CLI flag, and how its text becomes a value. */
export const SETTINGS = {
  port: { env: 'PORT', flag: 'port', parse: 'integer' },
  host: { env: 'HOST', flag: 'host', parse: 'string' },
  fixtures: { env: 'MOCK_FIXTURES', flag: 'fixtures', parse: 'path' },
  dataFile: { env: 'MOCK_DATA_FILE', flag: 'data-file', parse: 'path' },
  tickMs: { env: 'MOCK_TICK_MS', flag: 'tick-ms', parse: 'integer' },
  speed: { env: 'MOCK_SPEED', flag: 'speed', parse: 'number' },
  publicUrl: { env: 'MOCK_PUBLIC_URL', flag: 'public-url', parse: 'url' },
  auth: { env: 'MOCK_AUTH', flag: 'auth', parse: 'string' },
  apiTokens: { env: 'MOCK_API_TOKENS', flag: 'api-tokens', parse: 'list' },
  logLevel: { env: 'LOG_LEVEL', flag: 'log-level', parse: 'string' },
  admin: { env: 'MOCK_ADMIN', flag: 'admin', parse: 'string' },
  adminToken: { env: 'MOCK_ADMIN_TOKEN', flag: 'admin-token', parse: 'string' },
  autoCreate: { env: 'MOCK_AUTO_CREATE', flag: 'auto-create', parse: 'string' },
  journalSize: { env: 'MOCK_JOURNAL_SIZE', flag: 'journal-size', parse: 'integer' },
  maxVideos: { env: 'MOCK_MAX_VIDEOS', flag: 'max-videos', parse: 'integer' },
  closeTimeoutMs: { env: 'MOCK_CLOSE_TIMEOUT_MS', flag: 'close-timeout-ms', parse: 'integer' },
  headersTimeoutMs: { env: 'MOCK_HEADERS_TIMEOUT_MS', flag: 'headers-timeout-ms', parse: 'integer' },
  coverageFile: { env: 'MOCK_COVERAGE_FILE', flag: 'coverage-file', parse: 'path' },
  webhookRetryMs: { env: 'MOCK_WEBHOOK_RETRY_MS', flag: 'webhook-retry-ms', parse: 'integer' },
  webhookTries: { env: 'MOCK_WEBHOOK_TRIES', flag: 'webhook-tries', parse: 'integer' },
  webhookTimeoutMs: { env: 'MOCK_WEBHOOK_TIMEOUT_MS', flag: 'webhook-timeout-ms', parse: 'integer' },
  rateLimit: { env: 'MOCK_RATE_LIMIT', flag: 'rate-limit', parse: 'string' },
  rateLimitBudget: { env: 'MOCK_RATE_LIMIT_BUDGET', flag: 'rate-limit-budget', parse: 'integer' },
  rateLimitWindowS: { env: 'MOCK_RATE_LIMIT_WINDOW_S', flag: 'rate-limit-window-s', parse: 'integer' }
} as const satisfies Record<keyof Config, { env: string, flag: string, parse: string }>

type Parse = (typeof SETTINGS)[keyof typeof SETTINGS]['parse']

/** How messages name a setting: `PORT (--port)`. */
export function settingName (setting: { env: string, flag: string }): string {
  return `${setting.env} (--${setting.flag})`
}

/** A decimal number as people write one; `Number()` alone would also take `0x10`, `1_0` or `Infinity`. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function parseText (text: string, parse: Parse, name: string): unknown {
  switch (parse) {
    case 'integer':
    case 'number': {
      if (!DECIMAL.test(text.trim())) throw new ConfigError(`${name}: expected a number, got ${JSON.stringify(text)}`)
      return Number(text)
    }
    case 'path':
      return resolve(text)
    case 'url': {
      let url: URL
      try {
        url = new URL(text)
      } catch {
        throw new ConfigError(`${name}: expected an absolute http(s) URL, got ${JSON.stringify(text)}`)
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name}: expected an http or https URL, got ${JSON.stringify(text)}`)
      return text.replace(/\/+$/, '')
    }
    case 'list':
      return text.split(',').map((token) => token.trim()).filter((token) => token !== '')
    default:
      return text
  }
}

/**
 * Builds the configuration from environment variables and CLI flag values (flags win), applies
 * defaults, and validates it. Throws a ConfigError naming the setting. The only reader of env.
 */
export function loadConfig (env: NodeJS.ProcessEnv, flags: Partial<Record<string, string>> = {}): Config {
  const raw: Record<string, unknown> = {}
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const flagValue = flags[setting.flag]
    const envValue = env[setting.env]
    // Named as the schema's errors name a setting: its variable and its flag, whichever was used.
    const name = settingName(setting)
    if (flagValue !== undefined) raw[key] = parseText(flagValue, setting.parse, name)
    else if (envValue !== undefined && envValue !== '') raw[key] = parseText(envValue, setting.parse, name)
  }
  const config = Value.Default(ConfigSchema, raw) as Config
  const first = Value.Errors(ConfigSchema, config).First()
  if (first !== undefined) {
    const issue = typeBoxIssue(first)
    // Every key of `raw` is a setting (additional properties cannot arise), so the first
    // segment of the error path always names one.
    const setting = SETTINGS[issue.path[0] as keyof Config]
    throw new ConfigError(`${settingName(setting)}: ${describeIssue(issue, 'comma')}`)
  }
  return config
}

/** A complete configuration from a partial one, with defaults: for tests and the programmatic API. */
export function configWithDefaults (partial: Partial<Config> = {}): Config {
  const config = Value.Default(ConfigSchema, structuredClone(partial)) as Config
  // Checked first, as most configurations pass: the errors' iterator costs more (every build runs this).
  if (Value.Check(ConfigSchema, config)) return config
  const first = Value.Errors(ConfigSchema, config).First()
  /* c8 ignore next -- Check and Errors agree: a configuration that fails Check has a first error */
  if (first === undefined) return config
  const issue = typeBoxIssue(first)
  throw new ConfigError(`${issue.path.length === 0 ? 'config' : issue.path.join('.')}: ${describeIssue(issue, 'comma')}`)
}
