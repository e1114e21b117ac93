import type { FastifyInstance } from 'fastify'
import type { MockParts } from '../types.js'

/**
 * Adds one part to the app's `mock` decorator, which the first part creates. The parts are filled
 * in as the plugins register: a plugin that reads another's part names that plugin in its
 * `dependencies`, so the part is there by then.
 */
export function addMockPart<K extends keyof MockParts> (app: FastifyInstance, key: K, value: MockParts[K]): void {
  // Partial until every plugin has registered, as a Fastify decorator set by its plugins is.
  if (!app.hasDecorator('mock')) app.decorate('mock', {} as MockParts)
  app.mock[key] = value
}
