/**
 * jest's globalTeardown (`stream-downloads-mock/jest/global-teardown`): closes the mock that
 * stream-downloads-mock/jest/global-setup started.
 */
import { closeRunMock } from './jest-global-setup.js'

/** Closes the run's mock. */
export default closeRunMock
