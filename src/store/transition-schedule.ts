import type { DownloadType } from '../domain/ids.js'
import { MinHeap } from '../domain/min-heap.js'
import type { DownloadRecord } from '../domain/progress.js'
import type { VideoLife } from '../domain/video-progress.js'

/**
 * A download's next stop on its clock's schedule, or (type `video`) a video's next transition or
 * expiry. `record` is the record it was scheduled for: records are replaced, never changed in
 * place, so an entry whose record is no longer the download's (or video's) own is stale.
 */
export type DueTransition =
  | { at: number, videoId: string, type: DownloadType, record: DownloadRecord }
  | { at: number, videoId: string, type: 'video', record: VideoLife }

/**
 * A clock's schedule is compacted (stale entries dropped) once it holds twice its live entries at
 * the last compaction plus this many: the cost stays O(1) per change amortized (a schedule filled
 * with 100,000 live entries at start is compacted about 7 times, not once every 1,024 entries, which
 * cost 1.3 s of a 3 s open), and memory stays proportional to the live downloads however many
 * come and go while a clock is frozen.
 */
export const COMPACT_SLACK = 1024

/** The key a schedule orders by. */
const dueAt = (due: DueTransition): number => due.at

/**
 * For each clock (by key), the mock times at which its downloads reach their next stop point, so
 * that a tick costs what is due (O(k log n)), never the number of downloads or clocks. Whether an
 * entry still stands is the caller's to say (`isLive`): the schedule knows no videos.
 */
export class TransitionSchedule {
  private readonly heaps = new Map<string, MinHeap<DueTransition>>()
  /** Per clock, the size above which its schedule is compacted next. */
  private readonly compactAt = new Map<string, number>()
  private readonly isLive: (entry: DueTransition, key: string) => boolean

  constructor (isLive: (entry: DueTransition, key: string) => boolean) {
    this.isLive = isLive
  }

  /** Schedules an entry on the clock `key`, compacting that clock's schedule when it is due. */
  add (key: string, entry: DueTransition): void {
    let heap = this.heaps.get(key)
    if (heap === undefined) this.heaps.set(key, heap = new MinHeap<DueTransition>(dueAt))
    heap.push(entry)
    if (heap.size > (this.compactAt.get(key) ?? COMPACT_SLACK)) {
      heap.retain((due) => this.isLive(due, key))
      this.compactAt.set(key, 2 * heap.size + COMPACT_SLACK)
    }
  }

  /**
   * Replaces every schedule with the entries `fill` adds (each with its clock's key), where
   * nothing is stale yet: each clock's heap is ordered once, in O(n), rather than entry by entry.
   * Entries are added by a callback, not listed by an iterator: at the open of 100,000 videos an
   * iterator's pair and result objects were 200,000 allocations more.
   */
  rebuild (fill: (add: (key: string, entry: DueTransition) => void) => void): void {
    this.clear()
    const byKey = new Map<string, DueTransition[]>()
    fill((key, entry) => {
      const list = byKey.get(key)
      if (list === undefined) byKey.set(key, [entry])
      else list.push(entry)
    })
    for (const [key, list] of byKey) {
      this.heaps.set(key, new MinHeap<DueTransition>(dueAt, list))
      this.compactAt.set(key, 2 * list.length + COMPACT_SLACK)
    }
  }

  /** Removes and returns the live entries of clock `key` due by mock time `now`, in time order. */
  takeDue (key: string, now: number): DueTransition[] {
    const heap = this.heaps.get(key)
    const due: DueTransition[] = []
    if (heap === undefined) return due
    for (let entry = heap.peek(); entry !== undefined && entry.at <= now; entry = heap.peek()) {
      heap.pop()
      if (this.isLive(entry, key)) due.push(entry)
    }
    return due
  }

  /** The keys of the clocks that have a schedule. */
  keys (): string[] {
    return [...this.heaps.keys()]
  }

  /** How many entries are scheduled (stale ones included until they come due or are compacted). */
  get size (): number {
    let count = 0
    for (const heap of this.heaps.values()) count += heap.size
    return count
  }

  /** Empties every schedule. */
  clear (): void {
    this.heaps.clear()
    this.compactAt.clear()
  }
}
