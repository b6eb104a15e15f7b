import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SPEC, testServer, until, type TestServer } from './helpers.js';

/** The HTTP API in-process (`app.inject`), over the real controller, SQLite store and auth. */
describe('server API', () => {
  let s: TestServer;
  beforeEach(async () => {
    s = await testServer();
  });
  afterEach(async () => s.close());

  const register = async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/v1/specs',
      headers: s.as('admin'),
      payload: { yaml: SPEC },
    });
    expect(res.statusCode).toBe(201);
  };
  const startRollout = async (role: 'operator' | 'admin' = 'operator') =>
    s.app.inject({ method: 'POST', url: '/api/v1/rollouts', headers: s.as(role), payload: { service: 'shop' } });

  it('answers probes and serves the OpenAPI document without credentials', async () => {
    expect((await s.app.inject('/healthz')).json()).toEqual({ ok: true });
    expect((await s.app.inject('/readyz')).statusCode).toBe(200);
    s.app.chimera.ready = false;
    expect((await s.app.inject('/readyz')).statusCode).toBe(503);
    const doc = (await s.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/rollouts'].post.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'service',
    );
    // A follower's answer to a rollout start is documented where it can occur, and only there.
    expect(doc.paths['/api/v1/rollouts'].post.responses['503'].description).toMatch(/NOT_LEADER/);
    expect(doc.paths['/api/v1/triggers/{name}'].post.responses).toHaveProperty('503');
    expect(doc.paths['/api/v1/services'].get.responses).not.toHaveProperty('503');
  });

  it('validates a spec with line:column for every problem, and registers it only for an admin', async () => {
    const bad = SPEC.replace('steps: [10, 50]', 'steps: [50, 10]').replace('interval: 100ms', 'interval: soon');
    const v = await s.app.inject({
      method: 'POST',
      url: '/api/v1/specs/validate',
      headers: s.as('operator'),
      payload: { yaml: bad },
    });
    expect(v.statusCode).toBe(200);
    const body = v.json<{ valid: boolean; issues: Array<{ path: string; line: number }> }>();
    expect(body.valid).toBe(false);
    expect(body.issues.length).toBeGreaterThanOrEqual(2);
    for (const i of body.issues) expect(i.line).toBeGreaterThan(0);
    expect(body.issues.map((i) => i.path).join(' ')).toContain('spec.analysis.interval');

    const asOperator = await s.app.inject({
      method: 'POST',
      url: '/api/v1/specs',
      headers: s.as('operator'),
      payload: { yaml: SPEC },
    });
    expect(asOperator.statusCode).toBe(403);
    const invalid = await s.app.inject({
      method: 'POST',
      url: '/api/v1/specs',
      headers: s.as('admin'),
      payload: { yaml: bad },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.code).toBe('CONFIG_INVALID');
    expect((await s.app.inject({ url: '/api/v1/services', headers: s.as('viewer') })).json().services).toEqual([]);
    await register();
    const services = (await s.app.inject({ url: '/api/v1/services', headers: s.as('viewer') })).json().services;
    expect(services).toEqual([{ name: 'shop', registered: true }]);
  });

  it('starts a rollout, refuses a second one (409), pauses, resumes and aborts it, and records who did it', async () => {
    await register();
    const started = await startRollout();
    expect(started.statusCode).toBe(201);
    const id = started.json().id as string;
    expect(started.json().analysis).not.toHaveProperty('state');
    expect(
      (
        await s.app.inject({
          method: 'POST',
          url: '/api/v1/rollouts',
          headers: s.as('operator'),
          payload: { service: 'shop', version: 'v9' },
        })
      ).statusCode,
    ).toBe(409);

    const get = async () =>
      (await s.app.inject({ url: `/api/v1/rollouts/${id}`, headers: s.as('viewer') })).json<{ phase: string }>();
    await until(async () => (await get()).phase === 'progressing');
    const command = (c: string) =>
      s.app.inject({
        method: 'POST',
        url: `/api/v1/rollouts/${id}/commands`,
        headers: s.as('operator'),
        payload: { command: c },
      });
    expect((await command('pause')).statusCode).toBe(202);
    await until(async () => (await get()).phase === 'paused');
    expect((await command('resume')).statusCode).toBe(202);
    await until(async () => (await get()).phase === 'progressing');
    const byService = await s.app.inject({
      method: 'POST',
      url: '/api/v1/services/shop/commands',
      headers: s.as('operator'),
      payload: { command: 'abort' },
    });
    expect(byService.statusCode).toBe(202);
    await until(async () => (await get()).phase === 'rolled_back');
    expect((await command('resume')).statusCode).toBe(409);

    type Events = { events: Array<{ seq: number }> };
    const { events } = (
      await s.app.inject({ url: `/api/v1/rollouts/${id}/events`, headers: s.as('viewer') })
    ).json<Events>();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(JSON.stringify(events)).toContain('test-operator (operator)');
    const later = (
      await s.app.inject({ url: `/api/v1/rollouts/${id}/events?after=2`, headers: s.as('viewer') })
    ).json<Events>();
    expect(later.events[0]!.seq).toBe(3);
    const list = (
      await s.app.inject({ url: '/api/v1/rollouts?service=shop&phase=rolled_back', headers: s.as('viewer') })
    ).json<{ rollouts: Array<{ id: string }> }>();
    expect(list.rollouts.map((r) => r.id)).toEqual([id]);
  });

  it('needs admin to send a spec along with a rollout', async () => {
    const withSpec = (role: 'operator' | 'admin') =>
      s.app.inject({
        method: 'POST',
        url: '/api/v1/rollouts',
        headers: s.as(role),
        payload: { service: 'shop', yaml: SPEC },
      });
    expect((await withSpec('operator')).statusCode).toBe(403);
    expect((await startRollout()).statusCode).toBe(404);
    expect((await withSpec('admin')).statusCode).toBe(201);
  });

  it('turns bad input into clear 4xx errors and changes nothing', async () => {
    const cases = [
      { payload: { service: 'shop', surprise: 1 }, status: 400 },
      { payload: '{"service":', status: 400 },
      { payload: { yaml: 'x'.repeat(2 * 1024 * 1024), service: 'shop' }, status: 413 },
    ];
    for (const c of cases) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/rollouts',
        headers: { ...s.as('admin'), 'content-type': 'application/json' },
        payload: typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload),
      });
      expect(res.statusCode, JSON.stringify(c.payload).slice(0, 40)).toBe(c.status);
      expect(res.json().error.code).toBe('CONFIG_INVALID');
    }
    const unknown = await s.app.inject({ url: '/api/v1/rollouts/nope', headers: s.as('viewer') });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    const badCommand = await s.app.inject({
      method: 'POST',
      url: '/api/v1/services/shop/commands',
      headers: s.as('operator'),
      payload: { command: 'explode' },
    });
    expect(badCommand.statusCode).toBe(400);
    expect((await s.store.list()).length).toBe(0);
    expect((await s.app.inject('/api/v1/nothing-here')).statusCode).toBe(404);
  });

  it('exposes rollout phase, weight and analysis outcomes on /metrics (viewer)', async () => {
    await register();
    const id = (await startRollout()).json().id as string;
    await until(async () => (await s.store.get(id))?.phase === 'progressing');
    expect((await s.app.inject('/metrics')).statusCode).toBe(401);
    const text = (await s.app.inject({ url: '/metrics', headers: s.as('viewer') })).body;
    expect(text).toContain('chimera_rollout_phase{service="shop",phase="progressing"} 1');
    expect(text).toMatch(/chimera_rollout_canary_weight_percent\{service="shop"\} 10/);
    expect(text).toContain('chimera_analysis_decisions_total');
    expect(text).toContain('chimera_rollout_duration_seconds');
  });
});
