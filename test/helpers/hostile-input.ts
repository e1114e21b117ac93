/**
 * Worst-case request text for each parser of the mock: long runs of what its grammar repeats
 * (spaces, quotes, commas, `=`, dashes, entity tags), as large as one header can be under
 * Node's 16 KiB limit on the request line and headers together.
 */

/** About the largest single header value that fits under Node's 16 KiB limit with a request line. */
export const HEADER_BYTES = 16_000

/** `unit` repeated to `HEADER_BYTES` characters (cut to fit), then `tail`. */
export function fill (unit: string, tail = '', head = ''): string {
  const room = HEADER_BYTES - head.length - tail.length
  return head + unit.repeat(Math.ceil(room / unit.length)).slice(0, room) + tail
}

/** Worst cases of one header (or query, or path), by name. */
export type Cases = Record<string, string>

/** Prefer: the backtracking regex took 6 s on `code=`, 1,600 spaces and `x"`. */
export const PREFER: Cases = {
  'code= spaces x"': fill(' ', 'x"', 'code='),
  'code= spaces "': fill(' ', '"', 'code="'),
  'spaces only': fill(' '),
  'code= then quotes': fill('"', '', 'code='),
  commas: fill(','),
  semicolons: fill(';', '', 'code='),
  equals: fill('=', '', 'code'),
  'many other preferences': fill('codex=1, '),
  'code spaces =': fill(' ', '=503', 'code')
}

/** Authorization: `Bearer` followed by runs of spaces and tokens. */
export const AUTHORIZATION: Cases = {
  'Bearer spaces x': fill(' ', 'x', 'Bearer '),
  'Bearer token then space b': fill('a', ' b', 'Bearer '),
  'Bearer a a a': fill('a ', '', 'Bearer '),
  'Bearer spaces': fill(' ', '', 'Bearer')
}

/** X-Auth-Email / X-Auth-Key: blank, or padded with spaces. */
export const X_AUTH: Cases = {
  spaces: fill(' '),
  'spaces then a': fill(' ', 'a')
}

/** Range: many ranges, commas, dashes and digits. */
export const RANGE: Cases = {
  'many ranges': fill('0-0,', '', 'bytes='),
  dashes: fill('-', '', 'bytes='),
  digits: fill('1', '-', 'bytes='),
  'suffix digits': fill('9', '', 'bytes=-'),
  commas: fill(',', '', 'bytes='),
  spaces: fill(' ', 'x', 'bytes=')
}

/** If-None-Match and If-Range: many entity tags, quotes, weak prefixes and commas. */
export const ETAGS: Cases = {
  'many tags': fill('"a", '),
  'many weak tags': fill('W/"a",'),
  quotes: fill('"'),
  'W/ runs': fill('W/'),
  commas: fill(','),
  'one open quote': fill('a', '', '"'),
  'tags without quotes': fill('abc, ')
}

/** A media `?filename=` value (the query string is part of the request line). */
export const FILENAME: Cases = {
  'long letters then bad': fill('a', '!'),
  'percent escapes': fill('%2', '')
}

/** Query strings (after `?`). */
export const QUERY: Cases = {
  ampersands: fill('&'),
  equals: fill('='),
  percents: fill('%'),
  pairs: fill('a=1&'),
  brackets: fill('a[]=')
}

/** Paths (after `/client/v4/`): escapes, slashes and segments. */
export const PATH: Cases = {
  percents: fill('%'),
  'escaped percents': fill('%25'),
  slashes: fill('/'),
  segments: fill('a/'),
  semicolons: fill(';')
}

/** Host: names, ports and brackets. */
export const HOST: Cases = {
  'long name then colon': fill('a', ':'),
  'colon digits': fill(':1', 'x'),
  'open bracket colons': fill(':', '', '[')
}

/** Content-Type: parameters, spaces and quotes. */
export const CONTENT_TYPE: Cases = {
  'semicolon spaces': fill(' ', '', 'application/json;'),
  'many parameters': fill(';a', '', 'application/json'),
  'escaped quotes': fill('\\"', '', 'application/json; a="')
}
