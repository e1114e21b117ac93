/** Parsing of HTTP Range headers for a resource of known size (RFC 9110, single ranges). */

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial', start: number, end: number }
  | { kind: 'unsatisfiable' }

/**
 * The part of a `size`-byte resource that a Range header asks for. Headers that are not a single
 * `bytes=` range are ignored (the whole resource is served), as RFC 9110 allows.
 */
export function parseRange (header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null) return { kind: 'full' }
  // Both groups always match (possibly empty), so they are strings.
  const [, first, last] = match as unknown as [string, string, string]
  if (first === '' && last === '') return { kind: 'full' }
  if (first === '') {
    // A suffix range: the last N bytes.
    const length = Number(last)
    if (length === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (start >= size || start > end) return { kind: 'unsatisfiable' }
  return { kind: 'partial', start, end }
}
