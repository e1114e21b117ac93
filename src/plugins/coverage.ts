import { rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { CoverageBook, type CoverageReport } from '../domain/coverage.js'
import { addMockPart } from './mock-parts.js'

/** The format line of a coverage file. */
export const COVERAGE_FORMAT = 'stream-downloads-mock/coverage@1'

/** A coverage file's content: the report, with when it was written. */
export interface CoverageFile extends CoverageReport {
  format: typeof COVERAGE_FORMAT
  writtenAt: string
}

/**
 * Writes the report to `file` whole: into a temporary file beside it, then renamed over it, so a
 * reader (a CI step) never sees half a report.
 */
export async function writeCoverage (file: string, report: CoverageReport): Promise<void> {
  const content: CoverageFile = { format: COVERAGE_FORMAT, writtenAt: new Date().toISOString(), ...report }
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`)
  await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`)
  await rename(temp, file)
}

export interface CoveragePluginOptions {
  /** MOCK_COVERAGE_FILE: where the report is written when the app closes. */
  file?: string
}

/**
 * Decorates the app with the coverage counters (`app.mock.coverage`), which the journal's
 * `recordRequest` feeds; with a file, writes the report there when the app closes (on SIGTERM,
 * SIGINT and `mock.close()`). A write that fails is logged; the close goes on.
 */
export default fp(async function coveragePlugin (app: FastifyInstance, options: CoveragePluginOptions) {
  const coverage = new CoverageBook()
  addMockPart(app, 'coverage', coverage)
  const file = options.file
  if (file === undefined) return
  app.addHook('onClose', async () => {
    try {
      await writeCoverage(file, coverage.report())
      app.log.info({ file }, 'coverage report written')
    } catch (error) {
      app.log.error({ err: error, file }, 'cannot write the coverage report')
    }
  })
}, { name: 'coverage' })
