import type { Draft } from './engine-draft.js';
import { where } from './engine-draft.js';
import type { Evidence } from './measurement.js';
import type { RolloutState } from './rollout.js';

/**
 * The moves into the phases that end or hold a rollout, shared by every handler so that each says the same
 * things and emits the same effects whatever triggered it.
 */

/** The numbers every decisive log line carries: where the rollout stands and what the canary has served. */
export function snapshot(state: RolloutState): Evidence {
  const a = state.analysis;
  return {
    weight: state.weight,
    step: state.stepIndex + 1,
    steps: state.plan.steps.length,
    canaryRequests: a.canaryRequests,
    canaryErrors: a.canaryErrors,
    stableRequests: a.stableRequests,
    stableErrors: a.stableErrors,
  };
}

/** All traffic back to the stable version; the controller then removes the canary. */
export function startRollback(d: Draft, reason: string, data: Evidence = {}): void {
  const data0 = { ...snapshot(d.state), ...data };
  d.moveTo('rolling_back', 'rollback-started', reason, data0, {
    weight: 0,
    pausedFrom: undefined,
    pauseCause: undefined,
    gate: undefined,
  });
  d.effect({ type: 'rollback' });
  // The `rollback` hook only informs: it runs after the rollback effect, so it can never delay it.
  if (d.state.plan.gates?.includes('rollback')) d.effect({ type: 'run-gate', point: 'rollback', informational: true });
}

/** All traffic to the canary, which then becomes the stable version. */
export function startPromotion(d: Draft, reason: string, data: Evidence = {}): void {
  const data0 = { ...snapshot(d.state), ...data };
  d.moveTo('promoting', 'promotion-started', reason, data0, {
    weight: 100,
    pausedFrom: undefined,
    pauseCause: undefined,
    gate: undefined,
  });
  d.effect({ type: 'promote' });
}

/**
 * Holds the rollout where it is: the traffic split stays as it was, nothing advances until `resume` — or, for a
 * pause `cause`d by a metrics outage, until metrics are readable again (src/core/engine-progress.ts).
 */
export function pause(d: Draft, reason: string, data: Evidence = {}, cause?: 'metrics'): void {
  const from = d.phase;
  d.moveTo('paused', 'paused', reason, { ...snapshot(d.state), ...data }, { pausedFrom: from, pauseCause: cause });
}

/**
 * What the plan says to do when the engine cannot decide (metrics missing, a step that never qualified):
 * hold paused, or roll back. `why` says what was missing; the policy is appended so the reason is complete.
 */
export function applyInconclusive(d: Draft, why: string, data: Evidence, cause?: 'metrics'): void {
  const policy = d.state.plan.onInconclusive;
  if (policy === 'rollback') {
    startRollback(d, `${why}; policy onInconclusive=rollback: rolling back`, { ...data, onInconclusive: policy });
  } else {
    const until = cause === 'metrics' ? 'metrics are readable again or it is resumed' : 'resumed';
    pause(
      d,
      `${why}; policy onInconclusive=pause: holding at ${where(d.state)} until ${until}`,
      { ...data, onInconclusive: policy },
      cause,
    );
  }
}
