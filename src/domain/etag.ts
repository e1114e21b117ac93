/**
 * Conditional requests on an entity tag (RFC 9110 §13.1): If-None-Match with weak comparison,
 * If-Range with strong comparison. Pure; each parser scans its header once, in linear time.
 */

/** The opaque part of an entity tag: `"abc"` of both `"abc"` and `W/"abc"`. */
function opaqueTag (etag: string): string {
  return etag.startsWith('W/') ? etag.slice(2) : etag
}

/**
 * True when an If-None-Match value matches the current entity tag: `*`, or a list holding the
 * tag, weak or strong (weak comparison: `W/"x"` matches `"x"`). A malformed member matches
 * nothing; the members after it still count.
 */
export function noneMatchHits (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  const wanted = opaqueTag(etag)
  let index = 0
  while (index < header.length) {
    const char = header[index]
    if (char === ',' || char === ' ' || char === '\t') {
      index++
      continue
    }
    if (char === '*') return true
    const start = header.startsWith('W/', index) ? index + 2 : index
    if (header[start] !== '"') {
      // Not an entity tag: skip to the next member.
      const comma = header.indexOf(',', start)
      if (comma === -1) return false
      index = comma + 1
      continue
    }
    // An opaque tag has no `"` inside, but may hold commas: it ends at the next quote.
    const end = header.indexOf('"', start + 1)
    if (end === -1) return false
    if (end - start + 1 === wanted.length && header.startsWith(wanted, start)) return true
    index = end + 1
  }
  return false
}

/**
 * True when an If-Range value names the current representation, by strong comparison: only the
 * same strong entity tag (a weak one never matches; a date is not an entity tag the mock sends).
 */
export function rangeStillValid (header: string | string[] | undefined, etag: string): boolean {
  return header === undefined || (!etag.startsWith('W/') && header === etag)
}
