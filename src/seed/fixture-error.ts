import { jsonPath, pointerSegments } from '../domain/schema-errors.js'

/** A fixture or data file that cannot be used: names the file, the JSON path and the problem. */
export class FixtureError extends Error {
  readonly file: string
  readonly jsonPath: string
  readonly problem: string

  constructor (file: string, jsonPath: string, problem: string) {
    super(`${file}: ${jsonPath}: ${problem}`)
    this.name = 'FixtureError'
    this.file = file
    this.jsonPath = jsonPath
    this.problem = problem
  }
}

/** A fixture path that names no fixtures: it cannot be read, or is a folder with none. */
export class FixturePathError extends FixtureError {
  constructor (file: string, problem: string) {
    super(file, '$', problem)
    this.name = 'FixturePathError'
  }
}

/** Turns a JSON pointer (`/videos/0/id`) into a JSON path (`$.videos[0].id`). */
export function pointerToJsonPath (pointer: string): string {
  return jsonPath(pointerSegments(pointer))
}
