import { describe, expect, it } from 'vitest';
import { EngineHarness, harnessIn, T0, testPlan } from '../testing/engine-harness.js';
import { constantAnalyzer } from '../testing/fake-analyzer.js';
import { effectsToResume, newRollout, step } from './engine.js';
import type { Phase, RolloutEvent } from './rollout.js';

describe('newRollout', () => {
  it('creates a pending rollout at revision 1 with a rollout-created entry', () => {
    const t = newRollout(
      { id: 'r1', service: 'shop', fromVersion: 'v1', toVersion: 'v2', plan: testPlan() },
      constantAnalyzer('healthy'),
      T0,
    );
    expect(t.state).toMatchObject({ phase: 'pending', revision: 1, stepIndex: -1, weight: 0, createdAt: T0 });
    expect(t.state.analysis).toMatchObject({ canaryRequests: 0, consecutiveMetricFailures: 0, skipped: false });
    expect(t.log.map((e) => e.type)).toEqual(['rollout-created']);
    expect(t.log[0]!.reason).toBe(
      'rollout of shop from v1 to v2 created: steps 10% → 50%, at least 30s and 100 canary requests per step',
    );
    expect(t.effects).toEqual([{ type: 'notify', entry: t.log[0] }]);
  });
});

describe('deploying', () => {
  it('start: pending → deploying with deploy-canary', () => {
    const h = new EngineHarness();
    h.send({ type: 'start' });
    expect(h.phase).toBe('deploying');
    expect(h.effectTypes()).toEqual(['deploy-canary']);
    expect(h.state).toMatchObject({ revision: 2, updatedAt: T0, stepStartedAt: T0 });
    expect(h.last.log[0]).toMatchObject({ type: 'deploy-started', from: 'pending', to: 'deploying' });
  });

  it('canary ready → progressing at step 1 with set-weight and a fresh analysis', () => {
    const h = harnessIn('deploying');
    h.send({ type: 'canary-status', ready: 3, desired: 3 }, 7_000);
    expect(h.phase).toBe('progressing');
    expect(h.state).toMatchObject({ stepIndex: 0, weight: 10, stepStartedAt: T0 + 7_000, stepCanaryRequests: 0 });
    expect(h.state.analysis.startedAt).toBe(T0 + 7_000);
    expect(h.effectTypes()).toEqual(['set-weight:10']);
    expect(h.last.log[0]!.reason).toContain('3/3 instances');
  });

  it('not ready yet: records the counts once, without log spam', () => {
    const h = harnessIn('deploying');
    const t1 = h.send({ type: 'canary-status', ready: 1, desired: 3 }, 1_000);
    expect(h.phase).toBe('deploying');
    expect(h.state.canaryStatus).toEqual({ ready: 1, desired: 3 });
    expect(t1.log.map((e) => e.type)).toEqual(['canary-status']);
    const before = h.state;
    const t2 = h.send({ type: 'canary-status', ready: 1, desired: 3 }, 1_000);
    expect(t2.state).toBe(before);
    expect(t2.log).toEqual([]);
  });

  it('desired 0 is never ready', () => {
    const h = harnessIn('deploying');
    h.send({ type: 'canary-status', ready: 0, desired: 0 }, 1_000);
    expect(h.phase).toBe('deploying');
  });

  it('failed to start → rolling_back with the platform message', () => {
    const h = harnessIn('deploying');
    h.send({ type: 'canary-status', ready: 0, desired: 2, failed: true, message: 'exit code 1\nport in use' });
    expect(h.phase).toBe('rolling_back');
    expect(h.effectTypes()).toEqual(['rollback']);
    expect(h.state.reason).toBe('canary failed to start: exit code 1 port in use');
  });

  it('deploy timeout on a status report names the timeout and the counts', () => {
    const h = harnessIn('deploying');
    h.send({ type: 'canary-status', ready: 1, desired: 3 }, 60_000);
    h.send({ type: 'canary-status', ready: 2, desired: 3 }, 60_000);
    expect(h.phase).toBe('rolling_back');
    expect(h.state.reason).toBe('canary not ready within the 2m deploy timeout (waited 2m, 2/3 instances ready)');
    expect(h.last.log.at(-1)!.data).toMatchObject({ ready: 2, desired: 3, deployTimeoutMs: 120_000 });
  });

  it('deploy timeout on tick uses the last reported counts', () => {
    const h = harnessIn('deploying');
    h.send({ type: 'canary-status', ready: 1, desired: 4 }, 10_000);
    expect(h.tick(100_000).state.phase).toBe('deploying');
    h.tick(10_000);
    expect(h.phase).toBe('rolling_back');
    expect(h.state.reason).toContain('1/4 instances ready');
    expect(h.effectTypes()).toEqual(['rollback']);
  });

  it('deploy timeout on tick with no report at all says so', () => {
    const h = harnessIn('deploying');
    h.tick(120_000);
    expect(h.state.reason).toContain('no readiness reported by the platform');
  });

  it('a canary that fails while progressing is rolled back', () => {
    const h = harnessIn('progressing');
    h.send({ type: 'canary-status', ready: 1, desired: 2, failed: true, message: 'crash loop' });
    expect(h.phase).toBe('rolling_back');
    expect(h.state.reason).toBe('canary failed: crash loop');
  });
});

describe('a whole rollout', () => {
  it('happy path: pending → deploying → progressing → step 2 → promoting → succeeded', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy') });
    h.toProgressing();
    h.traffic([60, 0]);
    expect(h.state.weight).toBe(10); // 60 of 100 requests, 11 s at the step
    h.traffic([60, 0], undefined, 20_000);
    expect(h.state).toMatchObject({ stepIndex: 1, weight: 50, stepCanaryRequests: 0 });
    expect(h.effectTypes()).toEqual(['set-weight:50']);
    const advanced = h.last.log.find((e) => e.type === 'step-advanced')!;
    expect(advanced.reason).toBe(
      'step 2 of 2: canary weight 10% → 50% after 31s with 120 canary requests (analysis healthy)',
    );
    expect(advanced.data).toMatchObject({ fromWeight: 10, toWeight: 50, stepRequests: 120, elapsedMs: 31_000 });
    h.traffic([150, 1], undefined, 30_000);
    expect(h.phase).toBe('promoting');
    expect(h.state.weight).toBe(100);
    expect(h.effectTypes()).toEqual(['promote']);
    h.send({ type: 'promoted' }, 5_000);
    expect(h.phase).toBe('succeeded');
    expect(h.state.finishedAt).toBe(h.now);
    expect(h.state.analysis).toMatchObject({ canaryRequests: 270, canaryErrors: 1 });
    expect(h.logTypes()).toEqual([
      'rollout-created',
      'deploy-started',
      'canary-ready',
      'analysis',
      'analysis',
      'step-advanced',
      'analysis',
      'promotion-started',
      'promoted',
    ]);
  });

  it('bad canary: the analyzer says rollback → rolling_back → rolled_back', () => {
    const h = new EngineHarness();
    h.toProgressing();
    h.traffic([40, 0]);
    expect(h.state.analysis.last?.verdict).toBe('continue');
    h.traffic([40, 20]);
    expect(h.phase).toBe('rolling_back');
    expect(h.state.weight).toBe(0);
    expect(h.effectTypes()).toEqual(['rollback']);
    expect(h.state.reason).toMatch(/^analysis found the canary worse: fake verdict rollback after 2 batches/);
    const started = h.last.log.find((e) => e.type === 'rollback-started')!;
    expect(started.data).toMatchObject({ canaryErrors: 20, canaryRequests: 80 });
    h.send({ type: 'rolled-back' }, 3_000);
    expect(h.phase).toBe('rolled_back');
    expect(h.state.finishedAt).toBe(h.now);
  });

  it('every entry that matters is also a notify effect, and every change bumps revision and updatedAt', () => {
    const h = new EngineHarness({ analyzer: constantAnalyzer('healthy') });
    h.toProgressing();
    for (let i = 0; i < 6; i++) h.traffic([80, 0], undefined, 15_000);
    h.send({ type: 'promoted' });
    const notified = new Set(h.effects.flatMap((e) => (e.type === 'notify' ? [e.entry] : [])));
    for (const entry of h.log) {
      if (['step-advanced', 'promotion-started', 'promoted', 'canary-ready', 'deploy-started'].includes(entry.type)) {
        expect(notified.has(entry)).toBe(true);
      }
    }
    expect(h.phase).toBe('succeeded');
  });
});

describe('effect outcomes', () => {
  const failed = (effect: 'set-weight' | 'promote' | 'rollback' | 'deploy-canary' | 'notify', retriable: boolean) =>
    ({ type: 'effect-failed', effect, reason: 'router said no', retriable }) as RolloutEvent;

  it('retriable: state unchanged, logged', () => {
    const h = harnessIn('progressing');
    const before = h.state;
    const t = h.send(failed('set-weight', true));
    expect(t.state).toBe(before);
    expect(t.log.map((e) => e.type)).toEqual(['effect-failed']);
    expect(t.effects).toEqual([]);
  });

  it.each<[Phase, 'set-weight' | 'promote' | 'deploy-canary']>([
    ['deploying', 'deploy-canary'],
    ['progressing', 'set-weight'],
    ['paused', 'set-weight'],
    ['promoting', 'promote'],
  ])('not retriable while %s → rolling_back', (phase, effect) => {
    const h = harnessIn(phase);
    h.send(failed(effect, false));
    expect(h.phase).toBe('rolling_back');
    expect(h.state.reason).toBe(`${effect} failed and cannot be retried: router said no`);
    expect(h.effectTypes()).toEqual(['rollback']);
  });

  it('rollback failing for good → failed, honestly', () => {
    const h = harnessIn('rolling_back');
    h.send(failed('rollback', false));
    expect(h.phase).toBe('failed');
    expect(h.state.finishedAt).toBe(h.now);
    expect(h.state.reason).toMatch(/^rollback could not complete: router said no; traffic may need manual attention/);
  });

  it('a failed notification never changes the rollout', () => {
    const h = harnessIn('progressing');
    const before = h.state;
    const t = h.send(failed('notify', false));
    expect(t.state).toBe(before);
    expect(t.log[0]!.reason).toBe('a notification failed (router said no); the rollout carries on');
  });

  it('weight-applied records the router read-back once', () => {
    const h = harnessIn('progressing');
    h.send({ type: 'weight-applied', weight: 10 });
    expect(h.state.appliedWeight).toBe(10);
    expect(h.last.log[0]!.reason).toBe('router confirms canary weight 10%');
    expect(h.send({ type: 'weight-applied', weight: 10 }).log).toEqual([]);
    h.send({ type: 'weight-applied', weight: 9 });
    expect(h.last.log[0]!.reason).toBe('router reports canary weight 9% while 10% was requested');
  });

  it('promoted / rolled-back only count in promoting / rolling_back', () => {
    for (const phase of ['deploying', 'progressing', 'paused'] as const) {
      const h = harnessIn(phase);
      const before = h.state;
      expect(h.send({ type: 'promoted' }).state).toBe(before);
      expect(h.send({ type: 'rolled-back' }).state).toBe(before);
    }
  });
});

describe('effectsToResume', () => {
  it.each<[Phase, string[]]>([
    ['pending', []],
    ['deploying', ['deploy-canary']],
    ['progressing', ['set-weight:10']],
    ['paused', ['set-weight:10']],
    ['promoting', ['promote']],
    ['rolling_back', ['rollback']],
    ['succeeded', []],
    ['rolled_back', []],
    ['failed', []],
  ])('%s → %j', (phase, expected) => {
    const { state } = harnessIn(phase);
    const effects = effectsToResume(state).map((e) => (e.type === 'set-weight' ? `set-weight:${e.weight}` : e.type));
    expect(effects).toEqual(expected);
  });

  it('paused while deploying resumes the deployment, not a split', () => {
    const h = harnessIn('deploying');
    h.command('pause');
    expect(effectsToResume(h.state)).toEqual([{ type: 'deploy-canary' }]);
  });
});

describe('terminal phases are absorbing', () => {
  const events: RolloutEvent[] = [
    { type: 'start' },
    { type: 'canary-status', ready: 2, desired: 2 },
    { type: 'canary-status', ready: 0, desired: 2, failed: true },
    { type: 'weight-applied', weight: 50 },
    { type: 'measurement', measurement: { phase: 'error', at: 0, reason: 'x' } },
    {
      type: 'measurement',
      measurement: { phase: 'ok', at: 0, stable: { requests: 1, errors: 0 }, canary: { requests: 1, errors: 1 } },
    },
    { type: 'tick' },
    { type: 'effect-failed', effect: 'rollback', reason: 'x', retriable: false },
    { type: 'promoted' },
    { type: 'rolled-back' },
  ];
  it.each<Phase>(['succeeded', 'rolled_back', 'failed'])('%s ignores every event silently', (phase) => {
    const h = harnessIn(phase);
    for (const event of events) {
      const t = step(h.state, event, h.now + 1e9, { analyzer: h.analyzer });
      expect(t).toEqual({ state: h.state, effects: [], log: [] });
      expect(t.state).toBe(h.state);
    }
  });
});

describe('pairs that mean nothing change nothing, silently', () => {
  const ok: RolloutEvent = {
    type: 'measurement',
    measurement: { phase: 'ok', at: 0, stable: { requests: 9, errors: 0 }, canary: { requests: 9, errors: 9 } },
  };
  const outage: RolloutEvent = { type: 'measurement', measurement: { phase: 'error', at: 0, reason: 'down' } };
  const ready: RolloutEvent = { type: 'canary-status', ready: 2, desired: 2 };
  const cases: Array<[Phase, RolloutEvent]> = [
    ['deploying', { type: 'start' }],
    ['progressing', { type: 'start' }],
    ['pending', ready],
    ['progressing', ready],
    ['promoting', ready],
    ['rolling_back', ready],
    ['pending', ok],
    ['deploying', ok],
    ['deploying', outage],
    ['promoting', ok],
    ['rolling_back', outage],
    ['pending', { type: 'tick' }],
    ['progressing', { type: 'tick' }],
    ['paused', { type: 'tick' }],
    ['promoting', { type: 'tick' }],
    ['rolling_back', { type: 'tick' }],
    ['pending', { type: 'effect-failed', effect: 'set-weight', reason: 'x', retriable: false }],
  ];
  it.each(cases)('%s + %j', (phase, event) => {
    const h = harnessIn(phase);
    const t = step(h.state, event, h.now + 1_000, { analyzer: h.analyzer });
    expect(t).toEqual({ state: h.state, effects: [], log: [] });
    expect(t.state).toBe(h.state);
  });
});
