/**
 * Validation rules (`required|string|min:3`, …) applied to a call's data before the action runs.
 * @module
 */
export { rules, validate, extendValidation, FieldValidator, type RuleMap, type RuleSpec, type CustomRule } from './rules.js'
export { fieldSchema, rulesSchema, type JsonSchema } from './schema.js'
