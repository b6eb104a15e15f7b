import { afterEach, describe, expect, it } from 'vitest';
import { signBody } from '../../src/notify/http.js';
import { parseSpec } from '../../src/spec/load.js';
import { receiver, shopSpec, until, world, type World } from '../triggers/world.js';

/** Real controller, gate runner and HTTP hooks against loopback receivers; fake platform/router/metrics. */
describe('gates end to end', () => {
  let w: World | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await w?.close();
    w = undefined;
    for (const c of closers.splice(0)) await c();
  });

  async function start(hooks: string): Promise<string> {
    w = await world();
    const [loaded] = parseSpec(shopSpec(`  hooks:\n${hooks}`));
    w.pump();
    return (await w.controller.start(loaded!, undefined, 'test')).id;
  }

  const phase = async (id: string) => (await w!.store.get(id))?.phase;

  it('a failing confirm-traffic-increase hook with onFailure=rollback rolls back after its retries', async () => {
    let calls = 0;
    const counting = await receiver(() => (++calls, 503));
    closers.push(() => counting.close());
    const id = await start(
      `    - { name: smoke, type: confirm-traffic-increase, url: "${counting.url}", retries: 1, onFailure: rollback }\n`,
    );
    await until(async () => (await phase(id)) === 'rolled_back');
    expect(calls).toBe(2);
    const s = await w!.store.get(id);
    expect(s?.reason).toContain('rolled back');
    const events = await w!.store.events(id);
    expect(events.map((e) => e.reason).join('\n')).toContain("confirm-traffic-increase gate failed: hook 'smoke'");
  });

  it('a failing hook with onFailure=hold pauses the rollout; once the hook passes, resume carries on', async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 500));
    closers.push(() => r.close());
    const id = await start(`    - { name: check, type: confirm-promotion, url: "${r.url}", onFailure: hold }\n`);
    await until(async () => (await phase(id)) === 'paused');
    expect((await w!.store.get(id))?.reason).toContain('holding');
    healthy = true;
    await w!.controller.command(id, 'resume', 'test');
    await until(async () => (await phase(id)) === 'succeeded');
    expect(r.got).toHaveLength(1);
  });

  it('sends a signed JSON body describing the rollout', async () => {
    process.env.TEST_HOOK_SECRET = 'hook-secret';
    const r = await receiver();
    closers.push(() => r.close());
    const id = await start(
      `    - { name: pre, type: pre-rollout, url: "${r.url}", secretEnv: TEST_HOOK_SECRET }\n` +
        `    - { name: post, type: post-rollout, url: "${r.url}" }\n`,
    );
    await until(async () => (await phase(id)) === 'succeeded' && r.got.length === 2);
    const pre = r.got[0]!;
    const body = JSON.parse(pre.body) as { type: string; rollout: { id: string; toVersion: string }; url: string };
    expect(body).toMatchObject({ type: 'pre-rollout', rollout: { id, toVersion: 'v2' } });
    expect(body.url).toBe(`https://chimera.example/rollouts/${id}`);
    const ts = String(pre.headers['x-chimera-timestamp']);
    expect(pre.headers['x-chimera-signature']).toBe(signBody('hook-secret', ts, pre.body));
    expect(JSON.parse(r.got[1]!.body)).toMatchObject({ type: 'post-rollout' });
  });

  it('a manual approval gate waits until approved through the API', async () => {
    const id = await start(`    - { name: ok, kind: approval, type: pre-rollout, timeout: 5m }\n`);
    await until(async () => (await w!.store.get(id))?.gate?.point === 'pre-rollout');
    expect(await phase(id)).toBe('pending');
    const { token } = await w!.app.chimera.tokens.create('operator', 'approver');
    const viewer = await w!.app.chimera.tokens.create('viewer', 'looker');
    const denied = await w!.app.inject({
      method: 'POST',
      url: '/api/v1/services/shop/approval',
      headers: { authorization: `Bearer ${viewer.token}` },
      payload: { approved: true },
    });
    expect(denied.statusCode).toBe(403);
    expect(await phase(id)).toBe('pending');
    const res = await w!.app.inject({
      method: 'POST',
      url: '/api/v1/services/shop/approval',
      headers: { authorization: `Bearer ${token}` },
      payload: { approved: true },
    });
    expect(res.statusCode).toBe(202);
    await until(async () => (await phase(id)) === 'succeeded');
    const reasons = (await w!.store.events(id)).map((e) => e.reason).join('\n');
    expect(reasons).toContain('pre-rollout gate passed');
    expect(reasons).toContain('approved by approver');
  });

  it('a rejected approval rolls back', async () => {
    const id = await start(`    - { name: ok, kind: approval, type: confirm-promotion }\n`);
    await until(async () => (await w!.store.get(id))?.gate?.point === 'confirm-promotion');
    await w!.controller.approve('shop', 'ana', false);
    await until(async () => (await phase(id)) === 'rolled_back');
    await expect(w!.controller.approve('shop', 'ana')).rejects.toThrow(/not waiting at a gate/);
  });
});

describe('load-test hook', () => {
  let w: World | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await w?.close();
    w = undefined;
    for (const c of closers.splice(0)) await c();
  });

  async function run(status: number): Promise<{ phase: string | undefined; requests: number }> {
    let requests = 0;
    const target = await receiver(() => (++requests, status));
    closers.push(() => target.close());
    w = await world();
    const hook = `    - { name: warm, kind: load-test, type: confirm-promotion, url: "${target.url}", rps: 50, duration: 300ms, maxErrorRate: 5% }\n`;
    const [loaded] = parseSpec(shopSpec(`  hooks:\n${hook}`));
    w.pump();
    const id = (await w.controller.start(loaded!, undefined, 'test')).id;
    const done = ['succeeded', 'rolled_back', 'failed'];
    await until(async () => done.includes((await w!.store.get(id))?.phase ?? ''));
    return { phase: (await w.store.get(id))?.phase, requests };
  }

  it('passes when the generated load succeeds', async () => {
    const r = await run(200);
    expect(r.phase).toBe('succeeded');
    expect(r.requests).toBeGreaterThan(0);
  });

  it('rolls back when the generated load fails', async () => {
    const r = await run(500);
    expect(r.phase).toBe('rolled_back');
    expect(r.requests).toBeGreaterThan(0);
  });
});
