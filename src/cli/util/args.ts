/**
 * Reading parseArgs values in command files.
 * @module
 */

/** A non-empty string option, else undefined (parseArgs gives string | boolean | arrays). */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
