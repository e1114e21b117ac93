import { fileURLToPath } from 'node:url'

/**
 * The package's own folder: bundled defaults (fixtures, media, contract) resolve from here, the
 * same from `src/` under test and from `dist/` once built. User paths resolve from the cwd.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The bundled default scenario set. */
export const BUNDLED_FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url))

/** The bundled media served for ready downloads. */
export const BUNDLED_ASSETS = fileURLToPath(new URL('../assets', import.meta.url))

/** The dashboard's page, script and styles, served at /__mock/. */
export const BUNDLED_DASHBOARD = fileURLToPath(new URL('../dashboard', import.meta.url))
