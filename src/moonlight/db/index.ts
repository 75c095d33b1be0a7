/**
 * Databases for Moonlight apps: ConnectionManager over SQLite (better-sqlite3) and PostgreSQL (pg).
 * @module
 */
export { ConnectionManager } from './connection-manager.js'
export { dbConfig, type DbConfig } from './config.js'
export { toPgPlaceholders, type Connection, type RunResult } from './connection.js'
