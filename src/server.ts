#!/usr/bin/env node
/**
 * The command-line entry point: load the configuration, start the server, and close gracefully
 * on SIGTERM or SIGINT (stop the ticker, finish requests, flush the store, exit 0).
 */
import { helpText, parseCli } from './cli.js'
import { ConfigError, loadConfig } from './config.js'
import { startMock } from './index.js'
import { FixtureError } from './seed/fixture-error.js'
import { DataFileError } from './store/download-store.js'

/** Errors that are the user's input, shown as one line without a stack. */
function isInputError (error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof FixtureError || error instanceof DataFileError
}

async function main (): Promise<void> {
  const request = parseCli(process.argv.slice(2))
  if (request.help) {
    process.stdout.write(helpText())
    return
  }
  const config = loadConfig(process.env, request.flags)
  const mock = await startMock({ config, logger: { level: config.logLevel }, port: config.port, host: config.host })
  mock.app.log.info({ url: mock.url, api: `${mock.url}/client/v4`, fixtures: config.fixtures }, 'stream-downloads-mock is listening')

  let closing = false
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return
    closing = true
    mock.app.log.info({ signal }, 'closing')
    mock.close().then(() => process.exit(0), (error: unknown) => {
      mock.app.log.error({ err: error }, 'error while closing')
      process.exit(1)
    })
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}

main().catch((error: unknown) => {
  if (isInputError(error)) {
    process.stderr.write(`stream-downloads-mock: ${error.message}\n`)
  } else {
    process.stderr.write(`stream-downloads-mock: cannot start: ${error instanceof Error ? error.message : String(error)}\n`)
  }
  process.exit(1)
})
