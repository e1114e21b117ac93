/**
 * The Video object a webhook delivers, as far as this mock knows a video: its uid, its state and
 * `requireSignedURLs`. The video lifecycle builds the full object (it then calls
 * `deliverVideoEvent` with that one instead).
 */
import type { VideoRecord } from '../schemas/store.js'

/** A video's state as a webhook announces it. */
export type VideoEventState = 'ready' | 'error'

/** The (partial) Video object of a video that reached `state`, at `at` (ISO 8601). */
export function videoEventObject (uid: string, video: VideoRecord, state: VideoEventState, at: string): { uid: string } & Record<string, unknown> {
  return {
    uid,
    readyToStream: state === 'ready',
    status: {
      state,
      pctComplete: state === 'ready' ? '100.000000' : '0.000000',
      errorReasonCode: state === 'error' ? 'ERR_NON_VIDEO' : '',
      errorReasonText: state === 'error' ? 'The file was not recognized as a valid video file.' : ''
    },
    requireSignedURLs: video.requireSignedURLs === true,
    modified: at
  }
}
