/** Small statistics and formatting helpers of the bench. */

export function median (values: number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b)
  if (finite.length === 0) return Number.NaN
  const middle = finite.length >> 1
  return finite.length % 2 === 1 ? finite[middle] as number : ((finite[middle - 1] as number) + (finite[middle] as number)) / 2
}

export function sum (values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

export function max (values: number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values)
}

/** Least-squares line y = a + b·x. */
export function fitLine (points: Array<{ x: number, y: number }>): { a: number, b: number } {
  const n = points.length
  const mx = sum(points.map((p) => p.x)) / n
  const my = sum(points.map((p) => p.y)) / n
  const sxx = sum(points.map((p) => (p.x - mx) ** 2))
  const sxy = sum(points.map((p) => (p.x - mx) * (p.y - my)))
  const b = sxx === 0 ? 0 : sxy / sxx
  return { a: my - b * mx, b }
}

/** A number with `digits` decimals, or an em dash for NaN. */
export function fmt (value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—'
}

/** An integer with thousands separators. */
export function int (value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—'
}

export function mib (bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '—'
}

/** A Markdown table. */
export function table (header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export const verdict = (pass: boolean): string => pass ? 'PASS' : 'FAIL'
