import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

/**
 * The README's main job, for real: `chimera demo --scenario both --json` runs two rollouts of the sample
 * service through the built-in proxy under load — the healthy one is promoted, the faulty one rolled back.
 */
describe('chimera demo', () => {
  it('promotes the healthy canary and rolls back the faulty one', async () => {
    const res = await runCli(['demo', '--scenario', 'both', '--json']);
    expect(res.stderr).not.toMatch(/internal error/);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as {
      rollouts: Array<{
        service: string;
        from: string;
        to: string;
        outcome: string;
        durationMs: number;
        canaryRequests: number;
        canaryErrors: number;
        reason: string;
      }>;
    };
    expect(out.rollouts).toHaveLength(2);
    const [healthy, faulty] = out.rollouts;
    expect(healthy).toMatchObject({ service: 'shop', from: 'v1', to: 'v2', outcome: 'promoted' });
    expect(faulty).toMatchObject({ service: 'shop', from: 'v2', to: 'v3', outcome: 'rolled_back' });
    // Real traffic reached each canary, and the faulty one's errors are what rolled it back.
    expect(healthy!.canaryRequests).toBeGreaterThan(0);
    expect(faulty!.canaryErrors).toBeGreaterThan(0);
    expect(faulty!.canaryErrors / faulty!.canaryRequests).toBeGreaterThan(0.05);
    for (const r of out.rollouts) expect(r.reason.length).toBeGreaterThan(10);
  });

  it('rejects an unknown scenario with exit 2', async () => {
    const res = await runCli(['demo', '--scenario', 'chaos']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown scenario 'chaos'; valid scenarios: healthy, faulty, both/);
  });
});
