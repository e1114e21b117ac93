/** What well-formed Cloudflare identifiers and download types look like. Pure, no I/O. */

/** Cloudflare account and video ids: 32 lowercase hexadecimal characters. */
export const ID_PATTERN = '^[0-9a-f]{32}$'
const ID_REGEX = new RegExp(ID_PATTERN)

/** The download types Stream offers, in the order a downloads object lists them. */
export const DOWNLOAD_TYPES = ['default', 'audio'] as const
export type DownloadType = (typeof DOWNLOAD_TYPES)[number]

/** File name of each download type's media, as Cloudflare names it in the download url. */
export const MEDIA_FILE_NAMES: Readonly<Record<DownloadType, string>> = {
  default: 'default.mp4',
  audio: 'audio.m4a'
}

/** True when `value` is a well-formed Cloudflare id (account or video). */
export function isCloudflareId (value: unknown): value is string {
  return typeof value === 'string' && ID_REGEX.test(value)
}

/** True when `value` names a download type Stream offers. */
export function isDownloadType (value: unknown): value is DownloadType {
  return value === 'default' || value === 'audio'
}

/**
 * Cloudflare's rule for a media `?filename=`: letters, digits, `-` and `_`, at most 120. (One
 * bounded character class between anchors: linear, whatever the length of the input.)
 */
const MEDIA_FILENAME = /^[A-Za-z0-9_-]{1,120}$/

/** True when `value` may name a media file (the extension is added to it). */
export function isMediaFilename (value: string): boolean {
  return MEDIA_FILENAME.test(value)
}
