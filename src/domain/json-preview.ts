/**
 * A short preview of a value's JSON for error messages. Built with a stack of its own instead of
 * recursion (as JSON.stringify recurses), and stopped as soon as it is long enough: a value nested
 * 100,000 levels deep, or an array of a million items, costs what its first characters do and
 * can never overflow the call stack while an error is being described.
 */

/** The longest preview, in characters, before the ellipsis. */
export const PREVIEW_LENGTH = 80

type Work = { text: string } | { value: unknown }

/** At most `max` characters of the JSON of `value`, then `…` when there was more. */
export function jsonPreview (value: unknown, max = PREVIEW_LENGTH): string {
  let out = ''
  const stack: Work[] = [{ value }]
  while (stack.length > 0 && out.length <= max) {
    const work = stack.pop() as Work
    if ('text' in work) {
      out += work.text
      continue
    }
    const current = work.value
    if (current === null || typeof current !== 'object') {
      // Only the start of a long string matters; JSON.stringify of undefined is undefined.
      const shown = typeof current === 'string' ? current.slice(0, max + 1) : current
      out += JSON.stringify(shown) ?? 'undefined'
      continue
    }
    const isArray = Array.isArray(current)
    const keys = isArray ? [] : Object.keys(current)
    const count = isArray ? current.length : keys.length
    // Each entry adds at least one character: no more than `max` of them can be shown.
    const shownCount = Math.min(count, max + 1)
    stack.push({ text: isArray ? ']' : '}' })
    for (let index = shownCount - 1; index >= 0; index--) {
      const entry: unknown = isArray ? (current as unknown[])[index] : (current as Record<string, unknown>)[keys[index] as string]
      stack.push({ value: entry })
      if (!isArray) stack.push({ text: `${JSON.stringify(keys[index])}:` })
      if (index > 0) stack.push({ text: ',' })
    }
    stack.push({ text: isArray ? '[' : '{' })
  }
  return out.length > max || stack.length > 0 ? `${out.slice(0, max)}…` : out
}
