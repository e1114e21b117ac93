/** The property Fastify reads a plugin's name from (its documented `pluginName` rules, the second). */
const DISPLAY_NAME = Symbol.for('fastify.display-name')

/**
 * Names an encapsulated plugin, as Fastify documents: `plugin[Symbol.for('fastify.display-name')]`.
 * Without a name (fastify-plugin's, or this), Fastify names a plugin at every registration by
 * searching the whole `require.cache` for it (plugin-utils.js `getPluginName`): about 350 modules
 * in a process that runs the mock, some 14 µs a search, more than once a plugin; 3 % of a warm
 * `startMock`'s CPU profile, on its 13 encapsulated plugins. Every `app.register` of a plugin
 * that is not wrapped by fastify-plugin names it so.
 */
export function named<T extends object> (name: string, plugin: T): T {
  Object.defineProperty(plugin, DISPLAY_NAME, { value: name })
  return plugin
}
