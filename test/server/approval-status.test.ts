import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSpec } from '../../src/spec/load.js';
import { shopSpec, until, world, type World } from '../triggers/world.js';

interface Status {
  waiting: boolean;
  point?: string;
  since?: number;
  hooks: Array<{ name: string; timeoutMs: number }>;
  role: string;
  allowed: boolean;
}

/** GET /api/v1/rollouts/:id/approval, which the dashboard reads to offer Approve / Reject. Real gate runner. */
describe('approval status route', () => {
  let w: World | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await w?.close();
    w = undefined;
    for (const c of closers.splice(0)) await c();
  });

  const start = async (hooks: string): Promise<string> => {
    w = await world();
    const [loaded] = parseSpec(shopSpec(`  hooks:\n${hooks}`));
    w.pump();
    return (await w.controller.start(loaded!, undefined, 'test')).id;
  };
  const status = async (id: string, token: string): Promise<Status> => {
    const res = await w!.app.inject({
      method: 'GET',
      url: `/api/v1/rollouts/${id}/approval`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<Status>();
  };

  it('says a rollout waits for approval, which hooks, and who may answer; then that it no longer waits', async () => {
    const id = await start(
      `    - { name: release-manager, kind: approval, type: confirm-promotion, timeout: 5m }\n` +
        `    - { name: other-gate, kind: approval, type: pre-rollout, timeout: 5m }\n`,
    );
    const tokens = w!.app.chimera.tokens;
    const viewer = (await tokens.create('viewer', 'looker')).token;
    const operator = (await tokens.create('operator', 'lead')).token;
    await until(async () => (await w!.store.get(id))?.gate?.point === 'pre-rollout');
    await w!.controller.approve(id, 'lead (operator)');
    await until(async () => (await w!.store.get(id))?.gate?.point === 'confirm-promotion');

    const seen = await status(id, viewer);
    expect(seen).toMatchObject({
      waiting: true,
      point: 'confirm-promotion',
      hooks: [{ name: 'release-manager', timeoutMs: 300_000 }],
      role: 'operator',
      allowed: false,
    });
    expect(seen.since).toBeGreaterThan(0);
    expect((await status(id, operator)).allowed).toBe(true);

    await w!.controller.approve(id, 'lead (operator)');
    await until(async () => (await w!.store.get(id))?.phase === 'succeeded');
    expect(await status(id, operator)).toMatchObject({ waiting: false, hooks: [], allowed: true });
  });

  it('does not offer an approval while the gate waits only on an HTTP hook', async () => {
    const held: ServerResponse[] = [];
    const hook = createServer((_req, res) => void held.push(res));
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const res of held) res.end();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const id = await start(`    - { name: smoke, type: pre-rollout, url: "${url}", timeout: 5m }\n`);
    await until(() => held.length === 1);
    const admin = (await w!.app.chimera.tokens.create('admin', 'boss')).token;
    expect(await status(id, admin)).toMatchObject({ waiting: false, point: 'pre-rollout', hooks: [], allowed: true });
    await w!.controller.command(id, 'abort', 'test');
  });

  it('answers 404 for an unknown rollout and 401 without credentials', async () => {
    w = await world();
    const viewer = (await w.app.chimera.tokens.create('viewer', 'looker')).token;
    const missing = await w.app.inject({
      method: 'GET',
      url: '/api/v1/rollouts/nope/approval',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(missing.statusCode).toBe(404);
    expect((await w.app.inject({ method: 'GET', url: '/api/v1/rollouts/nope/approval' })).statusCode).toBe(401);
  });
});
