import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { silentLogger } from '../../src/logger.js';
import { buildServer } from '../../src/server/app.js';
import { ENDPOINTS } from '../../src/server/openapi.js';
import { openStore } from '../../src/store/index.js';
import { testServer, type TestServer } from './helpers.js';

const below = (role: Role): Role[] => ROLES.slice(0, ROLES.indexOf(role));
const concrete = (url: string) => url.replace(/:(\w+)/g, 'x').replace(/\*$/, 'x');

/**
 * Every route Fastify has registered, enumerated from the server itself: each must declare a role, match the
 * documented one, refuse anonymous callers with 401 and lower roles with 403. A new route without a role fails here.
 */
describe('access control on every route', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer();
    await s.app.ready();
  });
  afterAll(async () => s.close());

  it('finds the routes and every one declares a role', () => {
    const table = s.app.routeTable.filter((r) => r.method !== 'HEAD');
    expect(table.length).toBeGreaterThanOrEqual(ENDPOINTS.length);
    for (const r of table) expect(r.role, `${r.method} ${r.url}`).toBeDefined();
  });

  it('documents every API route with the role it enforces', () => {
    const documented = new Map(ENDPOINTS.map((e) => [`${e.method.toUpperCase()} ${e.path}`, e.role]));
    for (const r of s.app.routeTable.filter(
      (x) => x.method !== 'HEAD' && x.url !== '/' && !x.url.startsWith('/assets'),
    )) {
      const key = `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`;
      // Routes other modules mount document themselves with `config.summary`.
      if (r.summary && !documented.has(key)) continue;
      expect(documented.get(key), key).toBe(r.role);
    }
  });

  it('answers 401 without credentials and 403 to every lower role', async () => {
    const guarded = s.app.routeTable.filter((r) => r.method !== 'HEAD' && r.role !== 'public' && r.role !== undefined);
    expect(guarded.length).toBeGreaterThan(10);
    for (const r of guarded) {
      const req = { method: r.method as 'GET', url: concrete(r.url), payload: r.method === 'GET' ? undefined : {} };
      const anon = await s.app.inject(req);
      expect(anon.statusCode, `anonymous ${r.method} ${r.url}`).toBe(401);
      expect(anon.json().error.code).toBe('UNAUTHORIZED');
      const forged = await s.app.inject({ ...req, headers: { authorization: 'Bearer chm_forged' } });
      expect(forged.statusCode, `forged ${r.method} ${r.url}`).toBe(401);
      for (const role of below(r.role as Role)) {
        const res = await s.app.inject({ ...req, headers: s.as(role) });
        expect(res.statusCode, `${role} ${r.method} ${r.url}`).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
    }
  });
});

describe('dashboard login and sessions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await testServer();
  });
  afterAll(async () => s.close());

  const login = (token: string, ip = '127.0.0.1') =>
    s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { token }, remoteAddress: ip });
  const cookiesOf = (res: Awaited<ReturnType<typeof login>>) => Object.fromEntries(res.cookies.map((c) => [c.name, c]));

  it('sets an HttpOnly SameSite=Strict session cookie and requires the CSRF header on changes', async () => {
    const res = await login(s.tokens.operator);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'test-operator', role: 'operator' });
    expect(res.body).not.toContain(s.tokens.operator);
    const c = cookiesOf(res);
    expect(c.chimera_session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(c.chimera_csrf!.httpOnly).toBeFalsy();
    const cookie = `chimera_session=${c.chimera_session!.value}; chimera_csrf=${c.chimera_csrf!.value}`;

    const me = await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
    // The dashboard learns the CSRF secret from here too; a bearer token has no session and so none.
    expect(me.json()).toEqual({ name: 'test-operator', role: 'operator', csrf: c.chimera_csrf!.value });
    const byToken = await s.app.inject({ url: '/api/v1/auth/me', headers: s.as('operator') });
    expect(byToken.json()).toEqual({ name: 'test-operator', role: 'operator' });
    const change = { method: 'POST' as const, url: '/api/v1/specs/validate', payload: { yaml: 'a: 1' } };
    expect((await s.app.inject({ ...change, headers: { cookie } })).statusCode).toBe(403);
    expect((await s.app.inject({ ...change, headers: { cookie, 'x-csrf-token': 'guess' } })).statusCode).toBe(403);
    const ok = await s.app.inject({ ...change, headers: { cookie, 'x-csrf-token': c.chimera_csrf!.value } });
    expect(ok.statusCode).toBe(200);

    await s.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('keeps a session on another replica sharing the store (or after a restart), and a logout there ends it here', async () => {
    const other = await openStore(s.dataDir, silentLogger);
    const replica = await buildServer({ controller: s.controller, store: other, log: silentLogger });
    try {
      const res = await login(s.tokens.viewer);
      const cookies = cookiesOf(res);
      const cookie = `chimera_session=${cookies.chimera_session!.value}`;
      const me = await replica.inject({ url: '/api/v1/auth/me', headers: { cookie } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toEqual({ name: 'test-viewer', role: 'viewer', csrf: cookies.chimera_csrf!.value });
      const out = await replica.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
      expect(out.statusCode).toBe(200);
      expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
    } finally {
      await replica.close();
      await other.close();
    }
  });

  it('ends sessions whose token is revoked', async () => {
    const created = await s.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: s.as('admin'),
      payload: { role: 'viewer', name: 'short-lived' },
    });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json<{ id: string; token: string }>();
    const cookie = `chimera_session=${cookiesOf(await login(token)).chimera_session!.value}`;
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const list = await s.app.inject({ url: '/api/v1/tokens', headers: s.as('admin') });
    expect(list.body).not.toContain(token);
    expect(list.body).not.toContain('hash');
    await s.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers: s.as('admin') });
    expect((await s.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
    expect(
      (await s.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } })).statusCode,
    ).toBe(401);
  });

  it('rate-limits failed logins per address with 429 and Retry-After, without locking out others', async () => {
    for (let i = 0; i < 5; i++) expect((await login('chm_wrong', '10.0.0.9')).statusCode).toBe(401);
    const limited = await login(s.tokens.viewer, '10.0.0.9');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(s.tokens.viewer, '10.0.0.10')).statusCode).toBe(200);
  });

  it('keeps only hashes of tokens in the store', async () => {
    const raw = await s.store.getValue('auth:tokens');
    expect(raw).toBeDefined();
    for (const t of Object.values(s.tokens)) expect(raw).not.toContain(t);
  });
});
