/**
 * Authentication: the backend chain, the Bearer-JWT backend and the JWT helpers.
 * @module
 */
export { authenticate, jwtAuthentication, jwtSettings, type AuthBackend, type AuthInput } from './backends.js'
export { contextUser, type ContextUser } from '../core/user.js'
export { jwtEncode, jwtDecode, jwtVerify, jwtSecretProblem, JwtSecretError, MIN_JWT_SECRET_BYTES, type JwtClaims, type JwtOptions } from './jwt.js'
