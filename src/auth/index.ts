export { ROLES, isRole, roleAllows, type Role, type RouteRole, type Principal } from './roles.js';
export { TokenService, TOKEN_PREFIX, hashToken, type TokenRecord } from './tokens.js';
export { SessionStore, LoginLimiter, sameSecret, type Session } from './sessions.js';
