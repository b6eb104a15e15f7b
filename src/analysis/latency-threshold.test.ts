import { describe, expect, it } from 'vitest';
import type { CountsDelta, Decision } from '../core/measurement.js';
import { rng } from '../testing/analysis-sim.js';
import { createAnalyzer } from './index.js';

// Buckets whose top finite bound (250 ms) lies below the baseline's p99 (~320 ms): the p99 falls in the open
// bucket, as with a layout chosen for a faster service.
const LE = [10, 25, 50, 100, 250];

/** `n` requests with lognormal latency (median `medianMs`, sigma 0.5) as a cumulative histogram. */
function version(r: () => number, n: number, medianMs: number): CountsDelta {
  const counts = LE.map(() => 0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    const ms = medianMs * Math.exp(0.5 * z);
    sum += ms;
    for (let j = 0; j < LE.length; j++) if (ms <= LE[j]!) counts[j]!++;
  }
  return { requests: n, errors: 0, latency: { le: LE, counts, count: n, sum } };
}

function run(seed: number, canaryMedian: number, batches: number): Decision[] {
  const r = rng(seed);
  const a = createAnalyzer();
  let state = a.initial();
  const out: Decision[] = [];
  for (let i = 0; i < batches; i++) {
    const o = a.observe(state, { t: i, canary: version(r, 10, canaryMedian), baseline: version(r, 90, 100) });
    state = o.state;
    out.push(o.decision);
    if (o.decision.verdict === 'rollback') break;
  }
  return out;
}

describe('latency test when the baseline p99 lies above the top finite bucket', () => {
  it('uses the top finite bound as the slow threshold and rolls back a canary three times as slow', () => {
    const d = run(7, 300, 400);
    const last = d[d.length - 1]!;
    expect(last.evidence.slowThresholdMs).toBe(250);
    expect(last.verdict).toBe('rollback');
    expect(last.reason).toMatch(/canary is slower than baseline/);
  });

  it('lets an equally fast canary become healthy instead of waiting for a threshold forever', () => {
    for (let seed = 0; seed < 10; seed++) {
      const d = run(50 + seed, 100, 600);
      expect(d.some((x) => x.verdict === 'rollback')).toBe(false);
      expect(d[d.length - 1]!.evidence.slowThresholdMs).toBe(250);
      expect(d[d.length - 1]!.verdict).toBe('healthy');
    }
  });
});
