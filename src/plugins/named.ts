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

/** Fastify's flag for a plugin registered into its parent's scope (what fastify-plugin sets). */
const SKIP_OVERRIDE = Symbol.for('skip-override')

/**
 * Names a plugin of routes and registers it into its parent's scope rather than a scope of its
 * own: for the admin API's route groups, which add routes and nothing else (no hooks, no
 * decorators), inside the admin scope that holds the token check, the error handler and the
 * prefix (a `prefix` given to the group itself is ignored, as for fastify-plugin's). A scope
 * costs Fastify a new instance with its own hooks, schemas and 404 handling at every start
 * (plugin-override.js `override`). Naming the plugins that had no name and registering the
 * admin API's eight groups so, a warm build and listen took 0.93x as long (same process,
 * alternating, medians of 200).
 */
export function inline<T extends object> (name: string, plugin: T): T {
  Object.defineProperty(plugin, SKIP_OVERRIDE, { value: true })
  return named(name, plugin)
}
