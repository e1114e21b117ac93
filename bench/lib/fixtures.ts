/** Fixture documents of the bench: many downloads in progress, with chosen stop times. */
import type { FixtureDocument } from '../../src/index.js'

/** The bench's videos spread over this many accounts. */
export const ACCOUNTS = 100

/** A 32-hex-character id: a 4-digit prefix, then the index. */
export function hexId (prefix: number, index: number): string {
  return prefix.toString(16).padStart(4, '0') + index.toString(16).padStart(28, '0')
}

/** The account of the bench's video `index`. */
export function benchAccount (index: number): string {
  return hexId(0xacc0, index % ACCOUNTS)
}

/** The id of the bench's video `index`. */
export function benchVideo (index: number): string {
  return hexId(0xbe00, index)
}

/**
 * One video per entry of `finishAt`, each with a `default` download in progress at 0 % whose speed
 * makes it reach 100 % at finishAt[i] ms of mock time (1000 ms at the least: speed is at most 100 %/s).
 */
export function fixtureFinishingAt (finishAt: number[]): FixtureDocument {
  return {
    description: 'bench: downloads in progress with chosen stop times',
    videos: finishAt.map((at, index) => ({
      id: benchVideo(index),
      account: benchAccount(index),
      downloads: { default: { status: 'inprogress' as const, percentComplete: 0, speed: 100_000 / at } }
    }))
  }
}
