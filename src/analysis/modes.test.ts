import { describe, expect, it } from 'vitest';
import type { AnalysisBatch, Decision } from '../core/measurement.js';
import { ConfigError } from '../errors.js';
import { simulate, type Judge, type Scenario } from '../testing/analysis-sim.js';
import { createAnalyzer, optionsFromSpec, resolveOptions } from './index.js';
import { mannWhitneyGreater } from './mann-whitney.js';

const batch = (ce: number, cn: number, be: number, bn: number, p99?: number): AnalysisBatch => ({
  t: 1,
  canary: { requests: cn, errors: ce, ...(p99 === undefined ? {} : { quantiles: { p99 } }) },
  baseline: { requests: bn, errors: be, ...(p99 === undefined ? {} : { quantiles: { p99: 50 } }) },
});

function observeAll(mode: 'threshold' | 'compare', batches: AnalysisBatch[], options = {}): Decision[] {
  const a = createAnalyzer({ mode, ...options });
  let s = a.initial();
  return batches.map((b) => {
    const o = a.observe(s, b);
    s = o.state;
    return o.decision;
  });
}

describe('threshold mode (the seed rule, as rates)', () => {
  it('rolls back when an interval breaks a limit and shows the stable version beside it', () => {
    const [d] = observeAll('threshold', [batch(6, 100, 50, 900)], { thresholds: { maxErrorRate: 0.05 } });
    expect(d!.verdict).toBe('rollback');
    expect(d!.reason).toBe('canary error rate 6/100 = 6% in this interval is above 5% (stable 50/900 = 5.56%)');
    const [p] = observeAll('threshold', [batch(0, 100, 0, 900, 700)], { thresholds: { maxP99LatencyMs: 500 } });
    expect(p!.verdict).toBe('rollback');
  });

  it('is healthy within limits, and an interval without canary requests is inconclusive, not healthy', () => {
    const d = observeAll('threshold', [batch(1, 100, 1, 900), batch(0, 0, 0, 900)]);
    expect(d.map((x) => x.verdict)).toEqual(['healthy', 'inconclusive']);
  });
});

describe('compare mode (Mann–Whitney per window)', () => {
  it('rolls back a canary whose per-interval error rates are higher', () => {
    const bad = Array.from({ length: 12 }, (_, i) => batch(5 + (i % 3), 100, i % 2, 900));
    const d = observeAll('compare', bad);
    expect(d.slice(0, 11).every((x) => x.verdict !== 'rollback')).toBe(true);
    expect(d[11]!.verdict).toBe('rollback');
    expect(d[11]!.reason).toMatch(/Mann–Whitney p = /);
  });

  it('falsely rolls back more and more often the longer it looks (the documented weakness)', () => {
    const aa: Scenario = { rps: 50, share: () => 0.1, p0: 0.02, pc: 0.02, dt: 10, horizon: 4 * 3600 };
    const make = (): Judge => {
      const a = createAnalyzer({ mode: 'compare', alpha: 0.05 });
      let s = a.initial();
      return {
        step: (b) => {
          const o = a.observe(s, b);
          s = o.state;
          return o.decision.verdict;
        },
      };
    };
    let rolledBack = 0;
    for (let i = 0; i < 100; i++) if (simulate(aa, make(), 500 + i).rolledBack) rolledBack++;
    // 120 windows at 5 % each: far above the 5 % a single look promises.
    expect(rolledBack).toBeGreaterThan(20);
  });

  it('computes the one-sided Mann–Whitney p-value', () => {
    expect(mannWhitneyGreater([5, 6, 7, 8, 9], [1, 2, 3, 4, 5])).toBeLessThan(0.02);
    expect(mannWhitneyGreater([1, 2, 3], [7, 8, 9])).toBeGreaterThan(0.9);
    expect(mannWhitneyGreater([0, 0, 0], [0, 0, 0])).toBe(1);
  });
});

describe('options', () => {
  it('fills defaults and reports every bad field at once', () => {
    expect(resolveOptions({}).alpha).toBe(0.01);
    try {
      resolveOptions({
        alpha: 0,
        tolerance: -1,
        latencyAbsoluteTolerance: 0.6,
        errorClusterSize: 2.5,
        thresholds: { maxErrorRate: 5 },
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual([
        'alpha',
        'tolerance',
        'latencyAbsoluteTolerance',
        'errorClusterSize',
        'thresholds.maxErrorRate',
      ]);
    }
  });

  it('reads the spec: percent to fraction, milliseconds kept', () => {
    const o = optionsFromSpec({
      mode: 'sequential',
      alpha: 0.05,
      tolerance: 1,
      latencyTolerance: 0.3,
      latencyAbsoluteTolerance: 0.5,
      errorClusterSize: 4,
      thresholds: { maxErrorRate: 2, maxP99Latency: 800 },
    });
    expect(o).toMatchObject({
      alpha: 0.05,
      tolerance: 1,
      latencyTolerance: 0.3,
      latencyAbsoluteTolerance: 0.005,
      errorClusterSize: 4,
      thresholds: { maxErrorRate: 0.02, maxP99LatencyMs: 800 },
    });
  });
});
