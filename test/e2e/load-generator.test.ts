import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { openStore } from '../../src/store/index.js';
import { cleanWorkspace } from './cleanup.js';
import { runCli, spawnCli, waitFor, workspace, type Workspace } from './helpers.js';

/** Short steps, so a held step shows quickly; the deadline stays long enough for synthetic traffic to decide. */
const STRATEGY = (deadline: string) =>
  `    steps: [20, 50]\n    interval: 1s\n    minRequests: 20\n    stepDeadline: ${deadline}`;

/** The helper's workspace with this `analysis` tail (load generator, inconclusive policy) instead of its own. */
async function quietWorkspace(deadline: string, analysisTail: string): Promise<Workspace> {
  const ws = await workspace({ strategy: STRATEGY(deadline) });
  const text = await readFile(ws.spec, 'utf8');
  const edited = text.replace('    onInconclusive: rollback\n', analysisTail);
  if (edited === text) throw new Error('the e2e helper spec changed: cannot set the analysis section');
  await writeFile(ws.spec, edited);
  return ws;
}

interface Event {
  type: string;
  reason: string;
  data: Record<string, unknown>;
}

/**
 * Given a quiet service (nobody sends it requests), when a rollout runs with `analysis.loadGenerator` enabled,
 * then the built-in load generator sends synthetic traffic through the proxy while a step is held for lack of
 * it, the analysis reaches a verdict on that traffic, the canary is promoted, and the event log says when the
 * generator started and stopped. With the generator disabled the same step holds `inconclusive`.
 */
describe('built-in load generator for quiet services', () => {
  const workspaces: Workspace[] = [];

  afterAll(async () => {
    for (const ws of workspaces) await cleanWorkspace(ws);
  });

  it('enabled: synthetic traffic through the proxy carries a quiet service to promotion', async () => {
    const ws = await quietWorkspace(
      '120s',
      '    onInconclusive: pause\n    loadGenerator: { enabled: true, rps: 200, path: /healthz }\n',
    );
    workspaces.push(ws);
    const run = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir, '--json']);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { rollouts: Array<{ id: string; outcome: string }> };
    expect(summary.rollouts[0]?.outcome).toBe('promoted');

    // `chimera history --events` shows the generator's starts and stops, each with a one-line reason.
    const history = await runCli(['history', 'shop', '--events', '--json', '--data-dir', ws.dataDir]);
    expect(history.code, history.stderr).toBe(0);
    const events = (JSON.parse(history.stdout) as { rollouts: Array<{ events: Event[] }> }).rollouts[0]!.events;
    const types = events.map((e) => e.type);
    const started = events.filter((e) => e.type === 'load-generator-started');
    const stopped = events.filter((e) => e.type === 'load-generator-stopped');
    expect(started.length, types.join(' ')).toBeGreaterThanOrEqual(1);
    // Every start has its stop, and nothing runs once the rollout has ended.
    expect(stopped).toHaveLength(started.length);
    expect(types.lastIndexOf('load-generator-stopped')).toBeGreaterThan(types.lastIndexOf('load-generator-started'));
    expect(types.lastIndexOf('load-generator-stopped')).toBeLessThan(types.indexOf('promoted'));
    expect(started[0]!.reason).toMatch(/^step 1 of 2 \(20%\) held after its 1s minimum time/);
    expect(started[0]!.data).toMatchObject({ rps: 200, step: 1 });
    // The analysis decided on the synthetic traffic: healthy, never inconclusive at the end.
    const healthy = events.find((e) => e.type === 'analysis' && e.data.verdict === 'healthy');
    expect(healthy, types.join(' ')).toBeDefined();
    expect(types).not.toContain('load-generator-unavailable');
    expect(types).not.toContain('paused');
  }, 240_000);

  it('disabled: the quiet step holds inconclusive until its deadline, without synthetic traffic', async () => {
    const ws = await quietWorkspace('6s', '    onInconclusive: pause\n');
    workspaces.push(ws);
    const child = spawnCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir, '--json']);
    const exited = new Promise((r) => child.on('exit', r));
    const store = await openStore(ws.dataDir, silentLogger);
    try {
      const paused = await waitFor(
        'the quiet rollout to hold at its step deadline',
        async () => {
          const [r] = await store.list({ service: 'shop', limit: 1 });
          return r && r.phase === 'paused' ? r : undefined;
        },
        180_000,
      );
      expect(paused.stepIndex).toBe(0);
      expect(paused.reason).toMatch(/could not advance within its 6s deadline: missing requests \(0 of 20/);
      expect(paused.reason).toMatch(/analysis says (inconclusive|nothing yet)/);
      const events = await store.events(paused.id);
      expect(events.map((e) => e.type)).not.toContain('load-generator-started');
      expect(events.some((e) => e.type.startsWith('rollback'))).toBe(false);
    } finally {
      await store.close();
      child.kill('SIGTERM');
      await exited;
    }
  }, 240_000);
});
