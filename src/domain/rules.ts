/**
 * The rules a download's state must keep wherever it comes from (a fixture, the admin API, the
 * data file): written once, here, and used by each of them.
 */
import type { DownloadStatus } from './progress.js'

/** What is wrong with a status and percent together, or undefined when they agree (either may be unset). */
export function statusPercentProblem (status: DownloadStatus | undefined, percent: number | undefined): string | undefined {
  if (status === 'ready' && percent !== undefined && percent !== 100) return `a ready download is at 100 (got ${percent})`
  if (status === 'inprogress' && percent === 100) return 'an inprogress download is below 100; use status "ready" for a finished one'
  return undefined
}
