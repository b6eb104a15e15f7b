import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { roleAllows, sameSecret, type Principal, type RouteRole } from '../auth/index.js';

export const SESSION_COOKIE = 'chimera_session';
export const CSRF_COOKIE = 'chimera_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Checks every request against the role its route declares. A route without a declared role is a programming
 * error: `onRoute` records it and `onReady` refuses to start, so an unprotected endpoint can never ship.
 */
export function installAuth(app: FastifyInstance): void {
  app.decorate('routeTable', []);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const summary = route.config?.summary;
      app.routeTable.push({ method, url: route.url, role: route.config?.role, ...(summary ? { summary } : {}) });
    }
  });
  app.addHook('onReady', (done) => {
    const missing = app.routeTable.filter((r) => r.role === undefined);
    done(
      missing.length > 0
        ? new Error(`routes without a declared role: ${missing.map((r) => `${r.method} ${r.url}`).join(', ')}`)
        : undefined,
    );
  });
  app.decorateRequest('principal', undefined);
  app.decorateRequest('sessionCsrf', undefined);
  app.addHook('onRequest', async (req) => {
    // Unmatched URLs (404, the dashboard's fallback) carry no route config; they expose nothing.
    const role: RouteRole = req.routeOptions.config?.role ?? 'public';
    if (role === 'public') return;
    const principal = await authenticate(app, req);
    if (!roleAllows(principal.role, role)) {
      throw new ForbiddenError(`this needs the ${role} role; '${principal.name}' has the ${principal.role} role`);
    }
    req.principal = principal;
  });
}

/** A bearer token, or a session cookie (with the CSRF header on anything that changes state). */
async function authenticate(app: FastifyInstance, req: FastifyRequest): Promise<Principal> {
  const { tokens, sessions, store } = app.chimera;
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = m ? await tokens.verify(m[1]!) : undefined;
    if (!principal) throw new UnauthorizedError('invalid or revoked API token');
    return principal;
  }
  const session = await sessions.get(req.cookies[SESSION_COOKIE]);
  if (!session) throw new UnauthorizedError('log in, or send an API token as "Authorization: Bearer <token>"');
  if (!(await store.getValue(`auth:token:${session.tokenHash}`))) {
    await sessions.delete(req.cookies[SESSION_COOKIE]);
    throw new UnauthorizedError('the token this session logged in with was revoked; log in again');
  }
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers[CSRF_HEADER];
    if (!sameSecret(typeof sent === 'string' ? sent : undefined, session.csrf)) {
      throw new ForbiddenError(`missing or wrong ${CSRF_HEADER} header (reload the page)`);
    }
  }
  req.sessionCsrf = session.csrf;
  return session.principal;
}

/** The caller as written into rollout logs (`by`): the token's name, never the token. */
export function actor(req: FastifyRequest): string {
  return req.principal ? `${req.principal.name} (${req.principal.role})` : 'anonymous';
}
