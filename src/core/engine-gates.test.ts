import { describe, expect, it } from 'vitest';
import { EngineHarness } from '../testing/engine-harness.js';
import { effectsToResume } from './engine.js';
import type { GatePoint } from './rollout.js';

const pass = (point: GatePoint) => ({ type: 'gate-result' as const, point, passed: true, reason: 'answered 200' });
const fail = (point: GatePoint, onFailure: 'hold' | 'rollback') => ({
  type: 'gate-result' as const,
  point,
  passed: false,
  reason: 'answered 503',
  onFailure,
});

/** Canary ready, one healthy step served long enough to advance. */
function readyToAdvance(h: EngineHarness): void {
  h.toProgressing();
  h.traffic([200, 0], undefined, 30_000);
}

describe('gates in the engine', () => {
  it('changes nothing when the plan has no gates', () => {
    const h = new EngineHarness();
    readyToAdvance(h);
    expect(h.state.stepIndex).toBe(1);
    expect(h.effects.some((e) => e.type === 'run-gate')).toBe(false);
  });

  it('waits at pre-rollout before deploying, then deploys when it passes', () => {
    const h = new EngineHarness({ plan: { gates: ['pre-rollout'] } });
    h.send({ type: 'start' });
    expect(h.phase).toBe('pending');
    expect(h.effectTypes()).toEqual(['run-gate']);
    expect(h.state.gate).toMatchObject({ point: 'pre-rollout' });
    expect(h.logTypes()).toContain('gate-waiting');
    // A second start (a restarted controller) does not ask again.
    expect(h.send({ type: 'start' }).effects).toEqual([]);
    h.send(pass('pre-rollout'), 1000);
    expect(h.phase).toBe('deploying');
    expect(h.effectTypes()).toEqual(['deploy-canary']);
    expect(h.state.gate).toBeUndefined();
  });

  it('holds a weight increase until confirm-traffic-increase passes', () => {
    const h = new EngineHarness({ plan: { gates: ['confirm-traffic-increase'] } });
    readyToAdvance(h);
    expect(h.state.stepIndex).toBe(0);
    expect(h.effectTypes()).toEqual(['run-gate']);
    // Waiting at the gate: ticks past the step deadline change nothing.
    expect(h.tick(600_000).state.stepIndex).toBe(0);
    expect(h.phase).toBe('progressing');
    h.send(pass('confirm-traffic-increase'));
    expect(h.state.stepIndex).toBe(1);
    expect(h.effectTypes()).toEqual(['set-weight:50']);
    expect(h.state.gate).toBeUndefined();
  });

  it('rolls back when a gate with onFailure=rollback fails', () => {
    const h = new EngineHarness({ plan: { gates: ['confirm-traffic-increase', 'rollback'] } });
    readyToAdvance(h);
    h.send(fail('confirm-traffic-increase', 'rollback'));
    expect(h.phase).toBe('rolling_back');
    expect(h.state.reason).toContain('confirm-traffic-increase gate failed: answered 503');
    // The informational rollback hook runs after the rollback itself.
    expect(h.effectTypes()).toEqual(['rollback', 'run-gate']);
    expect(h.state.gate).toBeUndefined();
  });

  it('holds (paused) when a gate with onFailure=hold fails, and runs it again on resume', () => {
    const h = new EngineHarness({ plan: { gates: ['confirm-promotion'] } });
    h.toProgressing();
    h.traffic([200, 0], undefined, 30_000);
    h.traffic([200, 0], undefined, 30_000);
    expect(h.state.gate?.point).toBe('confirm-promotion');
    h.send(fail('confirm-promotion', 'hold'));
    expect(h.phase).toBe('paused');
    expect(h.state.reason).toContain('holding');
    expect(effectsToResume(h.state).some((e) => e.type === 'run-gate')).toBe(false);
    h.command('resume');
    expect(h.phase).toBe('progressing');
    expect(h.effectTypes()).toEqual(['run-gate']);
    h.send(pass('confirm-promotion'));
    // A resume restarts the step's minimum time; the passed gate is kept until the step may end.
    expect(h.phase).toBe('progressing');
    h.traffic([200, 0], undefined, 30_000);
    expect(h.phase).toBe('promoting');
  });

  it('ignores a result for a gate the rollout no longer waits at', () => {
    const h = new EngineHarness({ plan: { gates: ['pre-rollout'] } });
    h.send({ type: 'start' });
    h.command('abort');
    const before = h.state;
    const t = h.send(pass('pre-rollout'));
    expect(t.state).toBe(before);
    expect(t.log[0]?.type).toBe('gate-ignored');
  });

  it('asks a restarted controller to run the gate it was waiting at', () => {
    const h = new EngineHarness({ plan: { gates: ['confirm-traffic-increase'] } });
    readyToAdvance(h);
    expect(effectsToResume(h.state)).toEqual([
      { type: 'set-weight', weight: 10 },
      { type: 'run-gate', point: 'confirm-traffic-increase' },
    ]);
  });

  it('runs the post-rollout hook after promotion, informational', () => {
    const h = new EngineHarness({ plan: { gates: ['post-rollout'] } });
    h.command('promote');
    h.send({ type: 'promoted' });
    expect(h.phase).toBe('succeeded');
    expect(h.last.effects).toContainEqual({ type: 'run-gate', point: 'post-rollout', informational: true });
  });

  it('lets an operator promote past a waiting gate', () => {
    const h = new EngineHarness({ plan: { gates: ['confirm-traffic-increase'] } });
    readyToAdvance(h);
    h.command('promote');
    expect(h.phase).toBe('promoting');
    expect(h.state.gate).toBeUndefined();
  });
});
