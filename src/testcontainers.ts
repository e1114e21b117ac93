/**
 * The mock as a testcontainers-node module: `new StreamDownloadsMockContainer(image).start()`
 * runs the image (built from this package's Dockerfile: there is no registry image), waits for
 * /healthz, and hands out the API's url and the typed admin client. `testcontainers` is an
 * optional peer dependency: only this subpath (`stream-downloads-mock/testcontainers`) needs it.
 */
import { statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from 'testcontainers'
import { AdminClient } from './admin-client.js'
import { SETTINGS, type Config } from './config.js'
import type { FixtureDocument } from './schemas/fixture.js'

/** The image the container runs by default: `docker build -t stream-downloads-mock .` makes it. */
export const DEFAULT_IMAGE = 'stream-downloads-mock:latest'

/** The port the image listens on. */
export const MOCK_PORT = 8787

/** Where fixtures given to the container are put in it. */
const FIXTURES_DIR = '/fixtures'

/** Settings a container takes: the configuration but where it listens and what is in the container's file system. */
export type ContainerSettings = Partial<Omit<Config, 'port' | 'host' | 'fixtures' | 'dataFile' | 'coverageFile'>>

/** The environment variables of settings, as the image reads them. */
export function settingsEnvironment (settings: ContainerSettings): Record<string, string> {
  const environment: Record<string, string> = {}
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue
    const setting = SETTINGS[key as keyof typeof SETTINGS]
    environment[setting.env] = Array.isArray(value) ? value.join(',') : String(value)
  }
  return environment
}

/** A stream-downloads-mock container, to configure and start. */
export class StreamDownloadsMockContainer extends GenericContainer {
  private adminToken: string | undefined

  /** A container of `image` (default DEFAULT_IMAGE), waiting for /healthz to answer 200 when started. */
  constructor (image: string = DEFAULT_IMAGE) {
    super(image)
    this.withExposedPorts(MOCK_PORT)
      .withWaitStrategy(Wait.forHttp('/healthz', MOCK_PORT).forStatusCode(200))
      .withStartupTimeout(60_000)
  }

  /**
   * Fixtures instead of the bundled ones: a fixture file or folder of this machine (copied in),
   * or fixture documents (written in as JSON). Checked by the mock as it starts: a bad fixture
   * stops the container, and `start` fails.
   */
  withFixtures (fixtures: string | FixtureDocument | FixtureDocument[]): this {
    if (typeof fixtures === 'string') {
      const source = resolve(fixtures)
      if (statSync(source).isDirectory()) {
        this.withCopyDirectoriesToContainer([{ source, target: FIXTURES_DIR }])
        return this.withEnvironment({ MOCK_FIXTURES: FIXTURES_DIR })
      }
      const target = `${FIXTURES_DIR}/${basename(source)}`
      this.withCopyFilesToContainer([{ source, target }])
      return this.withEnvironment({ MOCK_FIXTURES: target })
    }
    const documents = Array.isArray(fixtures) ? fixtures : [fixtures]
    this.withCopyContentToContainer(documents.map((document, index) => ({ content: JSON.stringify(document), target: `${FIXTURES_DIR}/${String(index).padStart(3, '0')}.json` })))
    return this.withEnvironment({ MOCK_FIXTURES: FIXTURES_DIR })
  }

  /** Settings, as the environment variables of the configuration (`{ speed: 50 }` is MOCK_SPEED=50). */
  withSettings (settings: ContainerSettings): this {
    if (settings.adminToken !== undefined) this.adminToken = settings.adminToken
    return this.withEnvironment(settingsEnvironment(settings))
  }

  /** Starts the container and waits until /healthz answers. */
  override async start (): Promise<StartedStreamDownloadsMockContainer> {
    return new StartedStreamDownloadsMockContainer(await super.start(), this.adminToken)
  }
}

/** A running stream-downloads-mock container. */
export class StartedStreamDownloadsMockContainer extends AbstractStartedContainer {
  /** The typed client of its admin API (with the admin token, when one was set). */
  readonly admin: AdminClient

  constructor (started: StartedTestContainer, adminToken?: string) {
    super(started)
    this.admin = new AdminClient(`${this.getUrl()}/__mock`, { token: adminToken })
  }

  /** The server's base url (media urls are under it), e.g. `http://127.0.0.1:32768`. */
  getUrl (): string {
    return `http://${this.getHost()}:${this.getMappedPort(MOCK_PORT)}`
  }

  /** The Cloudflare API's base url, the SDKs' `baseURL`: `${getUrl()}/client/v4`. */
  getApiUrl (): string {
    return `${this.getUrl()}/client/v4`
  }
}
