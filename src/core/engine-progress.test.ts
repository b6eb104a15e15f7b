import { describe, expect, it } from 'vitest';
import { EngineHarness, harnessIn } from '../testing/engine-harness.js';
import { constantAnalyzer, fakeAnalyzer, scriptedAnalyzer, type FakeAnalyzerState } from '../testing/fake-analyzer.js';
import type { AnalysisBatch } from './measurement.js';

describe('measurements', () => {
  it('the first reading is only the reference point; later ones become deltas and totals', () => {
    const batches: AnalysisBatch[] = [];
    const h = new EngineHarness({ analyzer: fakeAnalyzer((_, b) => (batches.push(b), 'continue')) });
    h.send({ type: 'start' });
    h.send({ type: 'canary-status', ready: 1, desired: 1 });
    h.traffic([5, 1], [50, 2], 2_000);
    expect(batches).toEqual([]);
    expect(h.state.analysis).toMatchObject({ canaryRequests: 0, lastCanary: { requests: 5, errors: 1 } });
    h.traffic([30, 3], [270, 1], 10_000);
    expect(batches).toEqual([{ t: 12, canary: { requests: 30, errors: 3 }, baseline: { requests: 270, errors: 1 } }]);
    expect(h.state.analysis).toMatchObject({
      canaryRequests: 30,
      canaryErrors: 3,
      stableRequests: 270,
      stableErrors: 1,
    });
    expect(h.state.stepCanaryRequests).toBe(30);
  });

  it('a counter that went down is a reset: the new value is the delta', () => {
    const batches: AnalysisBatch[] = [];
    const h = new EngineHarness({ analyzer: fakeAnalyzer((_, b) => (batches.push(b), 'continue')) });
    h.toProgressing();
    h.traffic([100, 2]);
    h.canary = { requests: 7, errors: 1 }; // the canary's instance restarted
    h.traffic([0, 0]);
    expect(batches.at(-1)!.canary).toEqual({ requests: 7, errors: 1 });
    expect(h.state.analysis).toMatchObject({ canaryRequests: 107, canaryErrors: 3 });
    expect(h.last.log.map((e) => e.type)).toContain('counter-reset');
    h.traffic([10, 0]);
    expect(batches.at(-1)!.canary).toEqual({ requests: 10, errors: 0 });
  });

  it('latency histograms are differenced bucket-wise', () => {
    const batches: AnalysisBatch[] = [];
    const h = new EngineHarness({ analyzer: fakeAnalyzer((_, b) => (batches.push(b), 'continue')) });
    h.toProgressing();
    const hist = (counts: number[], sum: number) => ({ le: [50, 100, 1e9], counts, count: counts.at(-1)!, sum });
    h.canary = { requests: 10, errors: 0, latency: hist([5, 9, 10], 400) };
    h.measure();
    h.canary = { requests: 30, errors: 0, latency: hist([10, 25, 30], 1500), quantiles: { p99: 120 } };
    h.measure();
    expect(batches.at(-1)!.canary).toEqual({
      requests: 20,
      errors: 0,
      latency: { le: [50, 100, 1e9], counts: [5, 16, 20], count: 20, sum: 1100 },
      quantiles: { p99: 120 },
    });
  });

  it("offers the stable version's whole-life latency at the first reading to the analyzer, once, before any batch", () => {
    const offered: unknown[] = [];
    const base = fakeAnalyzer(() => 'continue');
    const analyzer = {
      ...base,
      primeBaseline: (s: FakeAnalyzerState, history: unknown) => (offered.push(history), { ...s, t: -1 }),
    };
    const h = new EngineHarness({ analyzer });
    const history = { le: [50, 100, 1e9], counts: [4000, 4900, 5000], count: 5000, sum: 200_000 };
    h.stable = { requests: 5000, errors: 3, latency: history };
    h.toProgressing();
    expect(offered).toEqual([history]);
    expect(h.state.analysis.state).toMatchObject({ batches: 0, t: -1 });
    h.traffic([10, 0]);
    h.traffic([10, 0]);
    expect(offered).toHaveLength(1);

    // An analyzer whose priming throws loses the head start, not the rollout.
    const broken = new EngineHarness({
      analyzer: {
        ...base,
        primeBaseline: () => {
          throw new Error('bug');
        },
      },
    });
    broken.stable = { requests: 5000, errors: 3, latency: history };
    broken.toProgressing();
    expect(broken.state.phase).toBe('progressing');
    expect(broken.traffic([10, 0]).state.phase).toBe('progressing');
  });

  it("prefers a provider's separate history of the stable version to its first reading's totals", () => {
    const offered: unknown[] = [];
    const base = fakeAnalyzer(() => 'continue');
    const h = new EngineHarness({
      analyzer: { ...base, primeBaseline: (s: FakeAnalyzerState, history: unknown) => (offered.push(history), s) },
    });
    h.send({ type: 'start' });
    h.send({ type: 'canary-status', ready: 2, desired: 2 }, 5_000);
    const history = { le: [50, 100, 1e9], counts: [300, 390, 400], count: 400, sum: 16_000 };
    const measurement = {
      phase: 'ok' as const,
      at: h.now + 1_000,
      stable: { requests: 3, errors: 0, latency: { le: [50, 100, 1e9], counts: [3, 3, 3], count: 3, sum: 60 } },
      canary: { requests: 0, errors: 0 },
      stableHistory: history,
    };
    h.send({ type: 'measurement', measurement }, 1_000);
    expect(offered).toEqual([history]);
  });

  it('logs analysis when the verdict changes or is decisive, not every "continue"', () => {
    const h = new EngineHarness({
      analyzer: scriptedAnalyzer(['continue', 'continue', 'inconclusive', 'continue', 'continue']),
    });
    h.toProgressing();
    const types = () => h.log.filter((e) => e.type === 'analysis').map((e) => e.data.verdict);
    for (let i = 0; i < 5; i++) h.traffic([10, 0]);
    expect(types()).toEqual(['continue', 'inconclusive', 'continue']);
  });

  it('invalid counts are a failed read, never data', () => {
    const h = harnessIn('progressing');
    h.canary = { requests: Number.NaN, errors: 0 };
    h.measure();
    expect(h.state.analysis.consecutiveMetricFailures).toBe(1);
    expect(h.state.reason).toBe('metrics read failed (1 of 3 tolerated): unusable metrics: invalid request count NaN');
  });

  it('an analyzer that throws counts as a failed read', () => {
    const h = new EngineHarness({
      analyzer: fakeAnalyzer(() => {
        throw new Error('bad state');
      }),
      plan: { maxMetricFailures: 2 },
    });
    h.toProgressing();
    h.traffic([10, 0]);
    h.traffic([10, 0]);
    expect(h.phase).toBe('paused');
    expect(h.state.reason).toContain('analyzer fake failed: bad state');
  });
});

describe('metrics outage', () => {
  it('pauses at maxMetricFailures and never promotes', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy') });
    h.toProgressing();
    h.traffic([200, 0], undefined, 5_000); // healthy, but the step's 30 s are not up
    h.failRead('error', 10_000);
    h.failRead('no-data', 10_000);
    expect(h.phase).toBe('progressing'); // 35 s, 200 requests, healthy — but the latest read failed
    h.tick(10_000);
    expect(h.state.weight).toBe(10);
    h.failRead('error', 10_000);
    expect(h.phase).toBe('paused');
    expect(h.state.pausedFrom).toBe('progressing');
    expect(h.state.reason).toBe(
      'metrics missing for 3 consecutive reads (metrics error: prometheus: connection refused); a metrics outage ' +
        'never promotes; policy onInconclusive=pause: holding at step 1 of 2 (10%) until metrics are readable ' +
        'again or it is resumed',
    );
    expect(h.last.log.at(-1)!.data).toMatchObject({ consecutiveMetricFailures: 3, maxMetricFailures: 3 });
    for (let i = 0; i < 20; i++) h.failRead('error', 60_000);
    for (let i = 0; i < 5; i++) h.tick(60_000);
    expect(h.phase).toBe('paused');
    expect(h.effects.some((e) => e.type === 'promote')).toBe(false);
    // no flood: one line per failed read up to the limit, then silence
    expect(h.log.filter((e) => e.type === 'metrics-missing')).toHaveLength(2);
  });

  it('rolls back instead under onInconclusive=rollback', () => {
    const h = new EngineHarness({ plan: { onInconclusive: 'rollback', maxMetricFailures: 1 } });
    h.toProgressing();
    h.failRead();
    expect(h.phase).toBe('rolling_back');
    expect(h.state.reason).toMatch(/policy onInconclusive=rollback: rolling back$/);
  });

  it('a good read resets the streak', () => {
    const h = harnessIn('progressing');
    h.failRead();
    h.failRead();
    h.traffic([10, 0]);
    expect(h.state.analysis.consecutiveMetricFailures).toBe(0);
    expect(h.last.log.map((e) => e.type)).toContain('metrics-restored');
    h.failRead();
    expect(h.phase).toBe('progressing');
  });
});

describe('advancing', () => {
  it.each([
    ['time', 20_000, 150, 'healthy'],
    ['requests', 40_000, 99, 'healthy'],
    ['verdict', 40_000, 150, 'continue'],
  ] as const)('waits for %s', (_missing, ms, requests, verdict) => {
    const h = new EngineHarness({ analyzer: constantAnalyzer(verdict) });
    h.toProgressing();
    h.traffic([requests, 0], [0, 0], ms);
    h.tick(0);
    expect(h.state.stepIndex).toBe(0);
  });

  it('advances on tick once time catches up', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy') });
    h.toProgressing();
    h.traffic([150, 0], undefined, 10_000);
    expect(h.state.stepIndex).toBe(0);
    h.tick(18_000); // 29 s since the step began
    expect(h.state).toMatchObject({ stepIndex: 0 });
    h.tick(1_000);
    expect(h.state).toMatchObject({ stepIndex: 1, weight: 50, stepStartedAt: h.now });
  });

  it('advances one step at a time', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy'), plan: { steps: [5, 10, 20] } });
    h.toProgressing();
    h.traffic([1000, 0], undefined, 600_000);
    expect(h.state.weight).toBe(10);
  });

  it('skip-analysis or analysisEnabled=false: time and requests alone', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('continue') });
    h.toProgressing().command('skip-analysis');
    h.traffic([100, 50], undefined, 30_000);
    expect(h.state.weight).toBe(50);
    expect(h.state.analysis.last).toBeUndefined(); // the analyzer is not fed once skipped
    const off = new EngineHarness({ analyzer: constantAnalyzer('rollback'), plan: { analysisEnabled: false } });
    off.toProgressing();
    off.traffic([100, 100], undefined, 30_000);
    expect(off.state.weight).toBe(50);
  });

  it('a paused rollout records measurements but never advances', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy') });
    h.toProgressing().command('pause');
    h.traffic([500, 0], undefined, 60_000);
    h.tick(60_000);
    expect(h.state).toMatchObject({ phase: 'paused', weight: 10, stepCanaryRequests: 500 });
    expect(h.state.analysis.canaryRequests).toBe(500);
    h.command('resume');
    expect(h.state.stepStartedAt).toBe(h.now);
    h.tick(29_000);
    expect(h.state.weight).toBe(10);
    h.tick(1_000);
    expect(h.state.weight).toBe(50);
  });

  it('a rollback verdict rolls back even while paused', () => {
    const h = new EngineHarness({ analyzer: scriptedAnalyzer(['continue', 'rollback']) });
    h.toProgressing().command('pause');
    h.traffic([10, 0]);
    h.traffic([10, 9]);
    expect(h.phase).toBe('rolling_back');
  });
});

describe('step deadline', () => {
  it('thin traffic past the deadline pauses, saying which condition was missing with numbers', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy') });
    h.toProgressing();
    h.traffic([40, 0], undefined, 100_000);
    h.tick(198_000); // 299 s since the step began
    expect(h.phase).toBe('progressing');
    h.tick(1_000);
    expect(h.phase).toBe('paused');
    expect(h.state.reason).toBe(
      'step 1 of 2 (10%) could not advance within its 5m deadline: missing requests (40 of 100 canary requests); ' +
        'policy onInconclusive=pause: holding at step 1 of 2 (10%) until resumed',
    );
    expect(h.last.log.at(-1)!.data).toMatchObject({ stepRequests: 40, minRequestsPerStep: 100, missing: 'requests' });
  });

  it('an undecided analyzer past the deadline rolls back under onInconclusive=rollback', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('inconclusive'), plan: { onInconclusive: 'rollback' } });
    h.toProgressing();
    h.traffic([500, 0], undefined, 300_000);
    expect(h.phase).toBe('rolling_back');
    expect(h.state.reason).toContain('missing verdict (analysis says inconclusive, needs healthy)');
  });
});
