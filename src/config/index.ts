/**
 * Project settings (`environment/settings.ini`, `environment/.env`).
 * @module
 */
export { Settings, parseDotenv, isTruthy, type Sections } from './settings.js'
export {
  resolveAddress,
  splitAddress,
  readRrAddress,
  AddressError,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type ResolveAddressOptions,
  type ResolvedAddress,
  type AddressSource,
} from './address.js'
