import { describe, expect, it } from 'vitest';
import type { AnalysisBatch, Decision } from '../core/measurement.js';
import { incident, simulate, type Judge, type Scenario } from '../testing/analysis-sim.js';
import { createAnalyzer } from './index.js';
import type { AnalyzerOptions } from './options.js';

function judge(options: Partial<AnalyzerOptions> = {}): Judge & { last: Decision | null } {
  const a = createAnalyzer(options);
  let state = a.initial();
  const j = {
    last: null as Decision | null,
    step(batch: AnalysisBatch) {
      const out = a.observe(state, batch);
      state = out.state;
      j.last = out.decision;
      return out.decision.verdict;
    },
  };
  return j;
}

function falseRollbacks(s: Scenario, runs: number, seed0: number): number {
  let n = 0;
  for (let i = 0; i < runs; i++) if (simulate(s, judge(), seed0 + i).rolledBack) n++;
  return n;
}

const steady: Scenario = { rps: 20, share: () => 0.1, p0: 0.01, pc: 0.01, dt: 2, horizon: 1800 };

describe('sequential analysis: validity (healthy canaries, alpha = 0.01)', () => {
  // 150 deterministic runs each: with alpha = 0.01 about 1.5 false rollbacks would be the most a valid test allows
  // on average; the mixture is conservative, so more than 3 means the test is broken.
  it('rarely rolls back a steady healthy canary', () => {
    expect(falseRollbacks(steady, 150, 1000)).toBeLessThanOrEqual(3);
  });

  it('is not fooled by a shared incident (both versions ×20 for 5 minutes)', () => {
    expect(falseRollbacks({ ...steady, shared: incident(300, 300, 20) }, 150, 2000)).toBeLessThanOrEqual(3);
  });

  it('uses measured shares: an 11 % split (10 % nominal) and weight steps do not fool it', () => {
    expect(falseRollbacks({ ...steady, share: () => 0.11 }, 150, 3000)).toBeLessThanOrEqual(3);
    const stepped: Scenario = { ...steady, share: (t) => (t < 600 ? 0.1 : t < 1200 ? 0.3 : 0.5) };
    expect(falseRollbacks(stepped, 150, 4000)).toBeLessThanOrEqual(3);
  });

  it('is inconclusive, never rolled back, on thin traffic, and says so with the counts', () => {
    const quiet: Scenario = { rps: 0.05, share: () => 0.1, p0: 0.01, pc: 0.01, dt: 10, horizon: 3600 };
    const j = judge();
    expect(simulate(quiet, j, 5).rolledBack).toBe(false);
    expect(j.last?.verdict).toBe('inconclusive');
    expect(j.last?.reason).toMatch(/too little canary traffic: \d+ of the 50 requests/);
  });
});

describe('sequential analysis: power', () => {
  it('rolls back a crashing canary after about three failed requests (100 rps, w = 10 %)', () => {
    const crash: Scenario = { rps: 100, share: () => 0.1, p0: 0.001, pc: 1, dt: 0.01, horizon: 60 };
    let failed = 0;
    for (let i = 0; i < 50; i++) {
      const r = simulate(crash, judge(), 100 + i);
      expect(r.rolledBack).toBe(true);
      failed += r.failed;
    }
    expect(failed / 50).toBeLessThanOrEqual(3.5);
  });

  it('rolls back a 10× regression and explains it with counts and the e-value', () => {
    const bad: Scenario = { rps: 100, share: () => 0.1, p0: 0.001, pc: 0.01, dt: 1, horizon: 3600 };
    const j = judge();
    const r = simulate(bad, j, 42);
    expect(r.rolledBack).toBe(true);
    expect(j.last?.reason).toMatch(/canary fails more than baseline: canary \d+\/\d+ = .*e-value [\d.e+]+ ≥ 102/);
    expect(j.last?.evidence).toMatchObject({ eThreshold: 102 });
    expect(Number(j.last?.evidence.eValue)).toBeGreaterThanOrEqual(102);
  });
});

describe('sequential analysis: healthy', () => {
  it('reaches "healthy" for a good canary with the bound in the reason', () => {
    const good: Scenario = { rps: 100, share: () => 0.1, p0: 0.001, pc: 0.001, dt: 5, horizon: 1800 };
    const j = judge();
    const r = simulate(good, j, 9);
    expect(r.healthyAt).not.toBeNull();
    expect(r.rolledBack).toBe(false);
  });

  it('bounds the rate ratio anytime-validly when errors are plentiful', () => {
    const a = createAnalyzer({});
    let state = a.initial();
    let d: Decision | null = null;
    for (let i = 0; i < 200; i++) {
      const batch = { t: i, canary: { requests: 1000, errors: 50 }, baseline: { requests: 1000, errors: 50 } };
      ({ state, decision: d } = a.observe(state, batch));
      if (Number(d.evidence.ratioUpper) <= 1.5) break;
    }
    expect(d?.verdict).toBe('healthy');
    expect(Number(d?.evidence.ratioUpper)).toBeLessThanOrEqual(1.5);
    expect(Number(d?.evidence.ratioUpper)).toBeGreaterThan(1);
  });

  it('does not call a 3× regression healthy before rolling it back', () => {
    const bad: Scenario = { rps: 200, share: () => 0.1, p0: 0.002, pc: 0.006, dt: 5, horizon: 7200 };
    for (let i = 0; i < 20; i++) {
      const r = simulate(bad, judge(), 300 + i);
      expect(r.rolledBack).toBe(true);
      expect(r.healthyAt).toBeNull();
    }
  });
});
