import { describe, expect, it } from 'vitest';
import type { AnalysisBatch, CountsDelta, Decision } from '../core/measurement.js';
import type { Analyzer } from './analyzer.js';

/** A small deterministic generator (mulberry32), so every run of the suite sees the same batches. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LE = [10, 25, 50, 100, 250, 500, 1000, Infinity];

function version(
  r: () => number,
  requests: number,
  errorRate: number,
  slow: number,
  withLatency: boolean,
): CountsDelta {
  let errors = 0;
  for (let i = 0; i < requests; i++) if (r() < errorRate) errors++;
  const d: CountsDelta = { requests, errors };
  if (withLatency) {
    const counts = LE.map(() => 0);
    for (let i = 0; i < requests; i++) {
      const ms = -Math.log(1 - r()) * 40 * slow;
      for (let j = 0; j < LE.length; j++) if (ms <= LE[j]!) counts[j]!++;
    }
    d.latency = { le: LE, counts, count: requests, sum: 0 };
  }
  return d;
}

/** Batches of a canary with the given error rate beside a 0.5 % baseline; some intervals are empty. */
export function sampleBatches(seed: number, n: number, canaryErrorRate: number, withLatency = true): AnalysisBatch[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const quiet = r() < 0.1;
    const total = quiet ? 0 : Math.floor(r() * 200);
    const canary = Math.floor(total * 0.1);
    return {
      t: (i + 1) * 5,
      canary: version(r, canary, canaryErrorRate, 1, withLatency),
      baseline: version(r, total - canary, 0.005, 1, withLatency),
    };
  });
}

function run(a: Analyzer, batches: AnalysisBatch[], roundTrip: boolean): Decision[] {
  let state = a.initial();
  return batches.map((b) => {
    if (roundTrip) state = JSON.parse(JSON.stringify(state)) as unknown;
    const out = a.observe(state, b);
    state = out.state;
    return out.decision;
  });
}

const EMPTY: AnalysisBatch = { t: 1, canary: { requests: 0, errors: 0 }, baseline: { requests: 0, errors: 0 } };

/**
 * The contract every analyzer keeps: pure, JSON state that resumes exactly, never healthy without data,
 * empty and invalid batches handled, one-line reasons, JSON-safe evidence, rollback final.
 */
export function describeAnalyzerConformance(name: string, make: () => Analyzer): void {
  describe(`Analyzer conformance: ${name}`, () => {
    const healthy = sampleBatches(7, 300, 0.005);
    const crash = sampleBatches(8, 300, 1);

    it('has a kind and a JSON-serialisable initial state', () => {
      const a = make();
      expect(a.kind).toMatch(/^[a-z-]+$/);
      const s = a.initial();
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    });

    it('resumes from persisted JSON state with identical decisions', () => {
      expect(run(make(), healthy, true)).toEqual(run(make(), healthy, false));
      expect(run(make(), crash, true)).toEqual(run(make(), crash, false));
    });

    it('is pure: same inputs give the same outputs, and the input state is not modified', () => {
      const a = make();
      let state = a.initial();
      for (const b of healthy.slice(0, 100)) {
        const before = JSON.stringify(state);
        const one = a.observe(state, b);
        const two = a.observe(state, b);
        expect(JSON.stringify(state)).toBe(before);
        expect(two).toEqual(one);
        state = one.state;
      }
    });

    it('is never healthy on no data, and handles empty batches', () => {
      const a = make();
      let state = a.initial();
      for (let i = 0; i < 200; i++) {
        const { state: next, decision } = a.observe(state, { ...EMPTY, t: i });
        expect(decision.verdict).not.toBe('healthy');
        expect(decision.verdict).not.toBe('rollback');
        state = next;
      }
    });

    it('gives a one-line reason and JSON-safe evidence for every decision', () => {
      for (const d of [...run(make(), healthy, false), ...run(make(), crash, false)]) {
        expect(d.reason.length).toBeGreaterThan(0);
        expect(d.reason).not.toContain('\n');
        for (const v of Object.values(d.evidence)) {
          if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
        }
        expect(JSON.parse(JSON.stringify(d.evidence))).toEqual(d.evidence);
      }
    });

    it("takes the stable version's history (when it can) as JSON state, and shrugs off a broken one", () => {
      const a = make();
      if (!a.primeBaseline) return;
      const history = sampleBatches(9, 40, 0.005).reduce((acc: AnalysisBatch['baseline'] | null, b) => {
        const h = b.baseline.latency;
        if (!h || !acc?.latency) return acc ?? (h ? b.baseline : null);
        const counts = acc.latency.counts.map((c, i) => c + h.counts[i]!);
        return { ...acc, latency: { ...acc.latency, counts, count: acc.latency.count + h.count } };
      }, null)!.latency!;
      const primed = a.primeBaseline(a.initial(), history);
      expect(JSON.parse(JSON.stringify(primed))).toEqual(primed);
      for (const broken of [
        { le: [10, 5], counts: [1, 2], count: 2, sum: 0 },
        { le: [10], counts: [5], count: 2, sum: 0 },
        { le: [], counts: [], count: 0, sum: 0 },
      ]) {
        expect(a.primeBaseline(a.initial(), broken)).toEqual(a.initial());
      }
      expect(run(make(), crash, false).at(-1)!.verdict).toBe('rollback');
      let state = primed;
      let last: Decision | undefined;
      for (const b of crash) ({ state, decision: last } = a.observe(state, b));
      expect(last!.verdict).toBe('rollback');
    });

    it('ignores an invalid batch without changing its state', () => {
      const a = make();
      const s = a.initial();
      for (const bad of [
        { t: 1, canary: { requests: 5, errors: 6 }, baseline: { requests: 1, errors: 0 } },
        { t: 1, canary: { requests: -1, errors: 0 }, baseline: { requests: 1, errors: 0 } },
        { t: 1, canary: { requests: 1.5, errors: 0 }, baseline: { requests: 1, errors: 0 } },
      ]) {
        const out = a.observe(s, bad);
        expect(out.state).toEqual(s);
        expect(['inconclusive', 'continue']).toContain(out.decision.verdict);
      }
    });

    it('rolls back a crashing canary, and the rollback is final', () => {
      const decisions = run(make(), crash, false);
      const first = decisions.findIndex((d) => d.verdict === 'rollback');
      expect(first).toBeGreaterThanOrEqual(0);
      expect(decisions.slice(first).every((d) => d.verdict === 'rollback')).toBe(true);
    });
  });
}
