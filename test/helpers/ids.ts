// The ids of the bundled fixtures, apart from build.ts: that one loads tap, whose root timeout
// (30 s) would end a long `npm run fuzz` that imports them (scripts/fuzz.ts runs outside tap).

/** Ids of the bundled default fixtures, named by the scenario each stands for. */
/** Ids of the bundled default fixtures, named by the scenario each stands for. */
export const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353'
export const VIDEOS = {
  ready: 'ea95132c15732412d22c1476fa83f27a',
  inProgress: '5d5bc37ffcf54c9b82e996823bffbb81',
  failing: '6b9e68b07dfee8cc2d116e4c51d6a957',
  empty: '9c3f0c4a2a6e4d6fb0a1c2d3e4f50607',
  failsOnCreate: '3f6e2d1c0b9a48a7b6c5d4e3f2a1b0c9',
  failed: '0ad1c2b3e4f5a6b7c8d9e0f1a2b3c4d5'
} as const
export const OTHER_ACCOUNT = 'ffffffffffffffffffffffffffffffff'
export const UNKNOWN_VIDEO = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'
