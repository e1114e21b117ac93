import type { VideoRecord } from '../schemas/store.js'

/** The `onCreate` of every video that has none of its own: shared, so it is frozen. */
export const NO_SETTINGS: VideoRecord['onCreate'] = Object.freeze({})

/** Whether an object has no own keys, without listing them (a store opens 100,000 of these). */
function isEmpty (object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return false
  return true
}

/**
 * The videos, by id and by account: the only copy of the records (the indexes hold the same
 * objects). Ids are unique across accounts: a video put under an id another account holds moves
 * to the new account. Shares what many videos hold alike: each account's id as one string, and
 * one empty `onCreate` (about 100 bytes a video less at 100,000).
 */
export class VideoTable {
  private readonly byId = new Map<string, VideoRecord>()
  /** Each account holding videos: its id (the one string its videos share) and its videos. */
  private readonly byAccount = new Map<string, { id: string, videos: Map<string, VideoRecord> }>()

  /** How many videos there are. */
  get size (): number {
    return this.byId.size
  }

  /** The video of that id, in any account. */
  get (videoId: string): VideoRecord | undefined {
    return this.byId.get(videoId)
  }

  /** The video of that id when `account` holds it. */
  in (account: string, videoId: string): VideoRecord | undefined {
    return this.byAccount.get(account)?.videos.get(videoId)
  }

  /** Whether `account` holds any video. */
  hasAccount (account: string): boolean {
    return this.byAccount.has(account)
  }

  /** The videos of one account, by id (empty for an account with none). */
  ofAccount (account: string): ReadonlyMap<string, VideoRecord> {
    return this.byAccount.get(account)?.videos ?? new Map()
  }

  /** Every video with its id, in the order they came in. */
  entries (): IterableIterator<[string, VideoRecord]> {
    return this.byId.entries()
  }

  /** Calls `fn` with every video and its id, in the order they came in (no pair allocated for each). */
  forEach (fn: (video: VideoRecord, videoId: string) => void): void {
    this.byId.forEach(fn)
  }

  /** Puts a video under `videoId`, replacing the one there (whatever its account). */
  put (videoId: string, video: VideoRecord): void {
    this.delete(videoId)
    let account = this.byAccount.get(video.account)
    if (account === undefined) this.byAccount.set(video.account, account = { id: video.account, videos: new Map() })
    video.account = account.id
    if (video.onCreate !== NO_SETTINGS && isEmpty(video.onCreate)) video.onCreate = NO_SETTINGS
    account.videos.set(videoId, video)
    this.byId.set(videoId, video)
  }

  /** Deletes the video of that id; the deleted one, or undefined when there was none. */
  delete (videoId: string): VideoRecord | undefined {
    const video = this.byId.get(videoId)
    if (video === undefined) return undefined
    this.byId.delete(videoId)
    const account = this.byAccount.get(video.account) as { videos: Map<string, VideoRecord> }
    account.videos.delete(videoId)
    if (account.videos.size === 0) this.byAccount.delete(video.account)
    return video
  }

  /** Empties the table. */
  clear (): void {
    this.byId.clear()
    this.byAccount.clear()
  }
}
