import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_MS } from '../../src/proxy/counters.js';
import { cleanWorkspace } from './cleanup.js';
import { runCli, workspace, type Workspace } from './helpers.js';

interface Event {
  type: string;
  reason: string;
  data: Record<string, unknown>;
}

/** Replaces one exact piece of the e2e helper's spec, failing loudly if the helper changed under the test. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the e2e helper spec changed: '${from.trim()}' not found`);
  return text.replace(from, to);
}

/**
 * Given a canary that fails no more requests than the stable version but answers every one about 10 ms later
 * (20–22 ms against 30–32 ms), when a rollout runs through the real built-in proxy with the default latency
 * tolerance, then the latency analysis rolls it back on the proxy's histograms, and the decision says so with its
 * numbers: the thresholds it fixed from the stable version's buckets and the counts past them.
 */
describe('latency regression end to end', () => {
  const workspaces: Workspace[] = [];

  afterAll(async () => {
    for (const ws of workspaces) await cleanWorkspace(ws);
  });

  it('rolls back a canary slower by half through the real proxy, with the latency evidence', async () => {
    const ws = await workspace({
      strategy: '    steps: [20, 50]\n    interval: 2s\n    minRequests: 20\n    stepDeadline: 90s',
    });
    workspaces.push(ws);
    let spec = await readFile(ws.spec, 'utf8');
    spec = edit(
      spec,
      'env: { ERROR_RATE: "0.002", LATENCY_MS: "2" }',
      'env: { ERROR_RATE: "0.002", LATENCY_MS: "20", LATENCY_JITTER_MS: "2" }',
    );
    spec = edit(spec, '      v3: { env: { ERROR_RATE: "0.3" } }', '      v2: { env: { LATENCY_MS: "30" } }');
    // The default tolerance (the helper widens it for tests about the controller), and traffic from the built-in
    // load generator on a path the sample service delays (its health check answers at once), since nobody else
    // calls this service.
    spec = edit(spec, '    latencyTolerance: 2\n', '');
    spec = edit(
      spec,
      '    onInconclusive: rollback\n',
      '    onInconclusive: rollback\n    loadGenerator: { enabled: true, rps: 200, path: / }\n',
    );
    await writeFile(ws.spec, spec);

    const run = await runCli(['run', '-f', ws.spec, '--data-dir', ws.dataDir, '--json']);
    expect(run.stderr).not.toMatch(/internal error/);
    const summary = JSON.parse(run.stdout) as { rollouts: Array<{ outcome: string; reason: string }> };
    expect(summary.rollouts[0]?.outcome, run.stdout).toBe('rolled_back');

    const history = await runCli(['history', 'shop', '--events', '--json', '--data-dir', ws.dataDir]);
    expect(history.code, history.stderr).toBe(0);
    const events = (JSON.parse(history.stdout) as { rollouts: Array<{ events: Event[] }> }).rollouts[0]!.events;
    const verdict = events.find((e) => e.type === 'analysis' && e.data.verdict === 'rollback');
    expect(verdict, events.map((e) => `${e.type}: ${e.reason}`).join('\n')).toBeDefined();
    // Rolled back for latency, not errors: by the tail test or the median test, whichever had the evidence first
    // (on a busy machine the stable version's p99 may lie past 30 ms, and then the median test sees it).
    expect(verdict!.reason).toMatch(
      /^analysis rollback: canary('s typical request)? is slower than baseline('s)? beyond the tolerance: /,
    );
    const counts =
      /(\d+)\/(\d+) = [\d.]+% of canary requests over ([\d.]+)ms vs (\d+)\/(\d+) = [\d.]+% of baseline/.exec(
        verdict!.reason,
      );
    expect(counts, verdict!.reason).not.toBeNull();
    const [canarySlow, canaryN, bound, baselineSlow, baselineN] = counts!.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    // The canary sends most of its requests past the bound, many times the stable version's share past its own.
    expect(canarySlow / canaryN).toBeGreaterThan(0.5);
    expect(canarySlow / canaryN).toBeGreaterThan((3 * baselineSlow) / baselineN);
    // Thresholds are bounds of the proxy's histogram, fixed from the stable version's requests.
    const evidence = verdict!.data as Record<string, number>;
    expect(LATENCY_BUCKETS_MS).toContain(bound);
    expect(LATENCY_BUCKETS_MS).toContain(evidence.slowThresholdMs);
    expect(LATENCY_BUCKETS_MS).toContain(evidence.medianThresholdMs);
    expect(evidence.canaryMedianThresholdMs).toBeGreaterThanOrEqual(1.2 * evidence.medianThresholdMs!);
    expect(evidence.canaryMedianThresholdMs).toBeLessThanOrEqual((4 / 3) * evidence.medianThresholdMs! + 1e-9);
  }, 240_000);
});
