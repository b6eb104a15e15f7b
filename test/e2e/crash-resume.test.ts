import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startLoad, type LoadHandle } from '../../src/loadgen/index.js';
import { silentLogger } from '../../src/logger.js';
import { proxyPaths } from '../../src/providers/builtin-proxy/paths.js';
import { openStore } from '../../src/store/index.js';
import { cleanWorkspace } from './cleanup.js';
import { runCli, spawnCli, waitFor, workspace, type Workspace } from './helpers.js';

/**
 * Given a rollout driven by `chimera run`, when the controller is SIGKILLed in the middle of a step,
 * then traffic keeps its last split, no recorded event is lost, and a restarted `chimera run` resumes the
 * rollout from its recorded step and promotes it.
 */
describe('controller crash and resume', () => {
  let ws: Workspace;
  let load: LoadHandle | undefined;

  afterAll(async () => {
    await load?.stop();
    if (ws) await cleanWorkspace(ws);
  });

  it('resumes from the recorded step after kill -9, losing no event', async () => {
    ws = await workspace({
      // Steps up to half the traffic: above it each canary instance serves more than a stable one and, on a
      // CPU-starved machine, looks slower for a reason that is not in the release (seen in CI: a latency rollback).
      strategy: '    steps: [10, 20, 35, 50]\n    interval: 3s\n    minRequests: 20\n    stepDeadline: 90s',
    });
    const first = spawnCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir, '--json']);
    const exited = new Promise((r) => first.on('exit', r));

    // The proxy comes up when the stable version is ready; then real users (the load generator) arrive.
    await waitFor('the proxy to serve', async () => {
      const res = await request(`http://127.0.0.1:${ws.listen}/`).catch(() => undefined);
      if (!res) return undefined;
      await res.body.dump();
      return res.statusCode < 500 ? true : undefined;
    });
    load = startLoad({ url: `http://127.0.0.1:${ws.listen}/`, rps: 300 });

    const store = await openStore(ws.dataDir, silentLogger);
    const before = await waitFor(
      'the rollout to reach its second step',
      async () => {
        const [r] = await store.list({ service: 'shop', limit: 1 });
        return r && r.phase === 'progressing' && r.stepIndex >= 1 ? r : undefined;
      },
      180_000,
    );
    first.kill('SIGKILL');
    await exited;
    const eventsBefore = await store.events(before.id);
    const killedAt = (await store.get(before.id))!;

    // While no controller runs, the proxy keeps the split it last received. The controller records a step
    // before it tells the router (so a crash never applies an unrecorded weight): killed in between, the
    // router still holds the split it last confirmed; killed after, the newly recorded one.
    const token = (await readFile(proxyPaths(ws.dataDir, 'shop').token, 'utf8')).trim();
    const routes = await request(`http://127.0.0.1:${ws.admin}/admin/routes`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const applied = (await routes.body.json()) as { canaryWeight: number };
    expect(killedAt.appliedWeight).toBeDefined();
    expect([killedAt.appliedWeight, killedAt.weight]).toContain(applied.canaryWeight);
    const served = await request(`http://127.0.0.1:${ws.listen}/`);
    await served.body.dump();
    expect(served.statusCode).toBeLessThan(500);

    const second = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir, '--json']);
    expect(second.stderr).not.toMatch(/internal error/);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout) as { rollouts: Array<{ id: string; outcome: string }> };
    expect(summary.rollouts).toHaveLength(1);
    expect(summary.rollouts[0]).toMatchObject({ id: before.id, outcome: 'promoted' });

    const after = await store.events(before.id);
    // Nothing recorded before the kill was lost or rewritten, and the log has no gaps.
    expect(after.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    const resumed = after.find((e) => e.type === 'controller-resumed');
    expect(resumed?.data.step).toBe(killedAt.stepIndex + 1);
    // The resumed controller continued at the recorded step, never restarting from the first one.
    const advances = after.filter((e) => e.type === 'step-advanced').map((e) => e.data.toWeight);
    expect(new Set(advances).size).toBe(advances.length);

    // The promoted version serves everything; the canary route is gone.
    const final = await request(`http://127.0.0.1:${ws.admin}/admin/routes`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const finalRoutes = (await final.body.json()) as {
      canaryWeight: number;
      stable?: { version: string };
      canary?: unknown;
    };
    expect(finalRoutes.stable?.version).toBe('v2');
    expect(finalRoutes.canary ?? null).toBeNull();
    await store.close();
  });
});
