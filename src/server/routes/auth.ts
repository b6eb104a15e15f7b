import type { FastifyInstance, FastifyReply } from 'fastify';
import { CanaryError, UnauthorizedError } from '../../errors.js';
import { CSRF_COOKIE, SESSION_COOKIE } from '../auth-hook.js';
import { loginBody, parseBody, tokenBody } from '../schemas.js';

/** Too many failed logins from one address. */
class TooManyAttemptsError extends CanaryError {
  readonly code = 'UNAUTHORIZED';
  readonly exitCode = 2;
  readonly httpStatus = 429;
}

/** Dashboard login (token → session cookie), logout, who-am-I, and token management. */
export function authRoutes(app: FastifyInstance): void {
  const { tokens, sessions, limiter, secure } = app.chimera;
  const cookieBase = { path: '/', sameSite: 'strict' as const, secure };

  app.post('/api/v1/auth/login', { config: { role: 'public' } }, async (req, reply) => {
    const wait = limiter.retryAfter(req.ip);
    if (wait > 0) {
      void reply.header('retry-after', String(wait));
      throw new TooManyAttemptsError(`too many failed logins; try again in ${wait}s`);
    }
    const { token } = parseBody(loginBody, req.body);
    const principal = await tokens.verify(token);
    if (!principal) {
      limiter.fail(req.ip);
      throw new UnauthorizedError('unknown or revoked token');
    }
    await sessions.delete(req.cookies[SESSION_COOKIE]);
    const { id, session } = await sessions.create(principal, token);
    setSessionCookies(reply, id, session.csrf, cookieBase, session.expiresAt);
    return { name: principal.name, role: principal.role, csrf: session.csrf };
  });

  app.post('/api/v1/auth/logout', { config: { role: 'public' } }, async (req, reply) => {
    await sessions.delete(req.cookies[SESSION_COOKIE]);
    void reply.clearCookie(SESSION_COOKIE, cookieBase).clearCookie(CSRF_COOKIE, cookieBase);
    return { ok: true };
  });

  // The auth hook has read the session already (a bearer token has none, so no csrf).
  app.get('/api/v1/auth/me', { config: { role: 'viewer' } }, (req) => ({
    name: req.principal!.name,
    role: req.principal!.role,
    ...(req.sessionCsrf !== undefined ? { csrf: req.sessionCsrf } : {}),
  }));

  app.get('/api/v1/tokens', { config: { role: 'admin' } }, async () => ({ tokens: await tokens.list() }));

  app.post('/api/v1/tokens', { config: { role: 'admin' } }, async (req, reply) => {
    const body = parseBody(tokenBody, req.body);
    return reply.status(201).send(await tokens.create(body.role, body.name));
  });

  app.delete<{ Params: { id: string } }>('/api/v1/tokens/:id', { config: { role: 'admin' } }, async (req) =>
    tokens.revoke(req.params.id),
  );
}

function setSessionCookies(
  reply: FastifyReply,
  id: string,
  csrf: string,
  base: { path: string; sameSite: 'strict'; secure: boolean },
  expiresAt: number,
): void {
  const expires = new Date(expiresAt);
  void reply.setCookie(SESSION_COOKIE, id, { ...base, httpOnly: true, expires });
  // Readable by the page on purpose: the double-submit CSRF check compares it with the header the page sends.
  void reply.setCookie(CSRF_COOKIE, csrf, { ...base, httpOnly: false, expires });
}
