import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Waits until `condition()` holds, checking every few ms: for a test to wait for the event it
 * needs (a request in its delay, a write done) instead of a fixed time that a loaded machine can
 * outrun. No deadline of its own: tap's per-file timeout ends a wait that never comes.
 */
export async function until (condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(2)
}
