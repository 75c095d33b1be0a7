/**
 * Project settings (`environment/settings.ini`, `environment/.env`).
 * @module
 */
export { Settings, parseDotenv, isTruthy, type Sections } from './settings.js'
