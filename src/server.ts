#!/usr/bin/env node
/**
 * The command-line entry point: load the configuration, start the server, and close gracefully
 * on SIGTERM or SIGINT (stop the ticker, finish requests, flush the store, exit 0; exit 1 with
 * one line on stderr when the data file's last write fails).
 */
import { helpText, parseCli, versionText } from './cli.js'
import { ConfigError, SETTINGS, loadConfig, settingName } from './config.js'
import { FixtureError, FixturePathError } from './seed/fixture-error.js'
import { startApp } from './start.js'
import { DataFileError } from './store/download-store.js'

/** Errors that are the user's input, shown as one line without a stack. */
function isInputError (error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof FixtureError || error instanceof DataFileError
}

/** The one line for an input error: a path that names no fixtures, or no usable data file, names its setting too. */
function inputErrorLine (error: Error): string {
  if (error instanceof FixturePathError) return `${settingName(SETTINGS.fixtures)}: ${error.message}`
  if (error instanceof DataFileError) return `${settingName(SETTINGS.dataFile)}: ${error.message}`
  return error.message
}

async function main (): Promise<void> {
  const request = parseCli(process.argv.slice(2))
  if (request.kind === 'help') {
    process.stdout.write(helpText())
    return
  }
  if (request.kind === 'version') {
    process.stdout.write(versionText())
    return
  }
  const config = loadConfig(process.env, request.flags)
  const { app, url, close } = await startApp({ config, logger: { level: config.logLevel }, port: config.port, host: config.host })

  // The first SIGTERM or SIGINT closes gracefully; both listeners go at once, so a second
  // signal (Ctrl-C pressed again) ends the process the default way, without waiting.
  const shutdown = (signal: NodeJS.Signals): void => {
    process.off('SIGTERM', shutdown)
    process.off('SIGINT', shutdown)
    app.log.info({ signal }, 'closing')
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        // The last write of the data file failed (the store logged it): changes are lost, and
        // whoever runs the server learns it from the exit status and one line naming the file.
        if (error instanceof DataFileError) process.stderr.write(`stream-downloads-mock: ${error.message}\n`)
        /* c8 ignore next -- only a bug gets here: the store's close fails with a DataFileError alone */
        else app.log.error({ err: error }, 'error while closing')
        process.exit(1)
      })
  }
  // Listen for signals before announcing the url: whoever waits for that line may signal at once.
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  app.log.info({ url, api: `${url}/client/v4`, fixtures: config.fixtures }, 'stream-downloads-mock is listening')
}

main().catch((error: unknown) => {
  if (isInputError(error)) {
    process.stderr.write(`stream-downloads-mock: ${inputErrorLine(error)}\n`)
  } else {
    // Anything else (a port in use, an interface that does not exist) is still one line.
    process.stderr.write(`stream-downloads-mock: cannot start: ${(error as Error).message}\n`)
  }
  process.exit(1)
})
