import { describe, expect, it } from 'vitest';
import { EngineHarness, T0 } from '../testing/engine-harness.js';
import { constantAnalyzer, scriptedAnalyzer } from '../testing/fake-analyzer.js';
import type { Analyzer } from '../ports/analyzer.js';
import { effectsToResume } from './engine.js';
import type { Effect, RolloutPlan, Transition } from './rollout.js';

/** Steps of 30 s and 100 canary requests, a 5 min deadline, synthetic traffic at 20 requests/s when enabled. */
function quiet(opts: { plan?: Partial<RolloutPlan>; analyzer?: Analyzer; load?: boolean } = {}): EngineHarness {
  const plan = { ...(opts.load === false ? {} : { loadGenerator: { rps: 20 } }), ...opts.plan };
  return new EngineHarness({ plan, ...(opts.analyzer ? { analyzer: opts.analyzer } : {}) }).toProgressing();
}

const loads = (t: Transition): Effect[] => t.effects.filter((e) => e.type === 'load');
const types = (t: Transition): string[] => t.log.map((e) => e.type);

/** Progressing since T0 + 5 s (the harness's canary became ready then). */
const STEP1 = T0 + 5_000;

describe('load generator: when it starts', () => {
  it('never while the step is still within its minimum time, even with no traffic at all', () => {
    const h = quiet();
    h.measure(10_000);
    h.tick(10_000);
    expect(h.effects.filter((e) => e.type === 'load')).toEqual([]);
    expect(h.state.loadGenerator).toBeUndefined();
  });

  it('once the minimum time has passed and the step lacks requests: load effect, state and a log line', () => {
    const h = quiet();
    const t = h.tick(30_000);
    expect(loads(t)).toEqual([{ type: 'load', rps: 20, until: STEP1 + 300_000 }]);
    expect(h.state.loadGenerator).toEqual({ rps: 20, stepIndex: 0, since: h.now, until: STEP1 + 300_000 });
    expect(types(t)).toEqual(['load-generator-started']);
    expect(t.log[0]!.reason).toMatch(/^step 1 of 2 \(10%\) held after its 30s minimum time \(only 0 of 100 canary/);
    expect(t.log[0]!.reason).toContain('20 synthetic requests/s through the router');
    expect(t.log[0]!.data).toMatchObject({ rps: 20, step: 1, stepRequests: 0, minRequestsPerStep: 100 });
    expect(h.phase).toBe('progressing');
  });

  it('starts once: later ticks and readings while it runs change nothing about it', () => {
    const h = quiet();
    h.tick(30_000);
    const again = h.tick(1_000);
    expect(again.state).toBe(h.state);
    expect(loads(again)).toEqual([]);
    const reading = h.traffic([5, 0], [45, 0], 1_000);
    expect(loads(reading)).toEqual([]);
    expect(h.logTypes().filter((x) => x === 'load-generator-started')).toHaveLength(1);
  });

  it('also when the requests are there but the analysis is still inconclusive or undecided', () => {
    for (const verdict of ['inconclusive', 'continue'] as const) {
      const h = quiet({ analyzer: constantAnalyzer(verdict) });
      h.traffic([150, 0], [1350, 0], 10_000);
      const t = h.tick(20_000);
      expect(loads(t)).toEqual([{ type: 'load', rps: 20, until: STEP1 + 300_000 }]);
      expect(t.log[0]!.reason).toContain(`analysis ${verdict}`);
    }
  });

  it('never when disabled: the quiet step holds until its deadline and the inconclusive policy', () => {
    const h = quiet({ load: false });
    h.tick(30_000);
    h.tick(100_000);
    expect(h.phase).toBe('progressing');
    h.tick(200_000);
    expect(h.phase).toBe('paused');
    expect(h.effects.filter((e) => e.type === 'load')).toEqual([]);
    expect(h.logTypes()).not.toContain('load-generator-started');
  });

  it('never for a busy service: the step has its requests and a healthy verdict when its time is up', () => {
    const h = quiet();
    h.traffic([150, 0], [1350, 0], 10_000);
    h.traffic([150, 0], [1350, 0], 20_000);
    expect(h.state.stepIndex).toBe(1);
    h.traffic([300, 0], [300, 0], 30_000);
    expect(h.phase).toBe('promoting');
    expect(h.effects.filter((e) => e.type === 'load')).toEqual([]);
  });

  it('not while a gate holds the step: the gate, not traffic, is what it waits for', () => {
    const h = quiet({ plan: { gates: ['confirm-traffic-increase'] } });
    h.traffic([150, 0], [1350, 0], 30_000);
    expect(h.state.gate?.point).toBe('confirm-traffic-increase');
    h.tick(5_000);
    expect(h.effects.filter((e) => e.type === 'load')).toEqual([]);
  });
});

describe('load generator: when it stops', () => {
  function running(opts: Parameters<typeof quiet>[0] = {}): EngineHarness {
    const h = quiet(opts);
    h.tick(30_000);
    expect(h.state.loadGenerator).toBeDefined();
    return h;
  }

  it('as soon as the step has enough traffic and advances; the next step waits on real traffic first', () => {
    const h = running();
    const t = h.traffic([120, 0], [1080, 0], 5_000);
    expect(h.state.stepIndex).toBe(1);
    expect(t.effects.filter((e) => e.type !== 'notify')).toEqual([
      { type: 'load', rps: 0 },
      { type: 'set-weight', weight: 50 },
    ]);
    const stopped = t.log.find((e) => e.type === 'load-generator-stopped')!;
    expect(stopped.reason).toBe(
      'synthetic traffic stopped after 5s: step 1 got enough traffic and the rollout moved on',
    );
    expect(stopped.data).toMatchObject({ rps: 20, step: 1, durationMs: 5_000 });
    expect(h.state.loadGenerator).toBeUndefined();
    // Step 2 is quiet again: its minimum time passes first, then the generator starts again for it.
    expect(loads(h.tick(29_000))).toEqual([]);
    expect(loads(h.tick(1_000))).toEqual([{ type: 'load', rps: 20, until: h.now + 300_000 - 30_000 }]);
    expect(h.state.loadGenerator?.stepIndex).toBe(1);
  });

  it('on pause, before the pause line (which stays the last of the step)', () => {
    const h = running();
    const t = h.command('pause');
    expect(h.phase).toBe('paused');
    expect(loads(t)).toEqual([{ type: 'load', rps: 0 }]);
    expect(types(t)).toEqual(['load-generator-stopped', 'paused']);
    expect(t.log[0]!.reason).toContain('the rollout is paused');
    // Resumed: the step's minimum time counts again before any synthetic traffic.
    expect(loads(h.command('resume'))).toEqual([]);
    expect(loads(h.tick(30_000))).toHaveLength(1);
  });

  it('before the rollback effect on a rollback verdict, and before promotion on a promote command', () => {
    const bad = running({ analyzer: scriptedAnalyzer(['continue', 'rollback']) });
    bad.traffic([5, 0]);
    const t = bad.traffic([5, 5], [45, 0], 1_000);
    expect(bad.phase).toBe('rolling_back');
    expect(t.effects.filter((e) => e.type !== 'notify')).toEqual([{ type: 'load', rps: 0 }, { type: 'rollback' }]);
    expect(t.log.at(-1)!.type).toBe('rollback-started');

    const promoted = running();
    const p = promoted.command('promote');
    expect(p.effects.filter((e) => e.type !== 'notify')).toEqual([{ type: 'load', rps: 0 }, { type: 'promote' }]);
    expect(p.log.find((e) => e.type === 'load-generator-stopped')!.reason).toContain('the rollout is promoting');
  });

  it('on abort', () => {
    const h = running();
    const t = h.command('abort');
    expect(loads(t)).toEqual([{ type: 'load', rps: 0 }]);
    expect(h.phase).toBe('rolling_back');
  });

  it('at the step deadline, when the inconclusive policy applies', () => {
    const h = running();
    const t = h.tick(270_000);
    expect(h.phase).toBe('paused');
    expect(loads(t)).toEqual([{ type: 'load', rps: 0 }]);
    expect(h.state.loadGenerator).toBeUndefined();
  });

  it('when a gate starts holding the step it got enough traffic for', () => {
    const h = running({ plan: { gates: ['confirm-traffic-increase'] } });
    const t = h.traffic([150, 0], [1350, 0], 5_000);
    expect(h.state.gate?.point).toBe('confirm-traffic-increase');
    expect(loads(t)).toEqual([{ type: 'load', rps: 0 }]);
    expect(t.log.find((e) => e.type === 'load-generator-stopped')!.reason).toContain('confirm-traffic-increase gate');
  });

  it('not on a single failed metrics read: toggling on every blip would flood the log', () => {
    const h = running();
    const t = h.failRead('error', 1_000);
    expect(loads(t)).toEqual([]);
    expect(h.state.loadGenerator).toBeDefined();
  });
});

describe('load generator: after a controller restart', () => {
  it('effectsToResume runs the recorded generator again, and nothing when none was running', () => {
    const h = quiet();
    expect(effectsToResume(h.state).filter((e) => e.type === 'load')).toEqual([]);
    h.tick(30_000);
    expect(effectsToResume(h.state)).toEqual([
      { type: 'set-weight', weight: 10 },
      { type: 'load', rps: 20, until: STEP1 + 300_000 },
    ]);
  });
});
