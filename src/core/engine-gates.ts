import type { Draft } from './engine-draft.js';
import { oneLine, where } from './engine-draft.js';
import { pause, snapshot, startRollback } from './engine-phases.js';
import type { Evidence } from './measurement.js';
import type { GatePoint, RolloutEvent, RolloutState } from './rollout.js';

/**
 * Gates: hooks the rollout waits on before an action. The engine stays pure: at a gated action it records
 * `state.gate`, emits a `run-gate` effect and stops; the controller runs the hooks (HTTP calls, a manual
 * approval, a load test) and answers with a `gate-result` event. On a pass the same code path runs again and
 * finds the gate passed, takes the action and clears the gate; on a failure the gate's own policy holds the
 * rollout (paused, the gate runs again on resume) or rolls it back.
 *
 * | point                    | guards                               | waits |
 * | ------------------------ | ------------------------------------ | ----- |
 * | pre-rollout              | pending → deploying                  | yes   |
 * | confirm-traffic-increase | each step's weight increase          | yes   |
 * | confirm-promotion        | progressing → promoting (last step)  | yes   |
 * | post-rollout             | after promotion                      | no    |
 * | rollback                 | when a rollback starts               | no    |
 *
 * An operator's `promote` or `abort` is an explicit decision and does not wait on gates.
 */

export function hasGate(state: RolloutState, point: GatePoint): boolean {
  return state.plan.gates?.includes(point) ?? false;
}

/**
 * True when the action guarded by `point` may go ahead now: no hook there, or its gate has passed (the gate is
 * then cleared). Otherwise asks for the gate once and returns false.
 */
export function passGate(d: Draft, point: GatePoint, data: Evidence = {}): boolean {
  if (!hasGate(d.state, point)) return true;
  const g = d.state.gate;
  if (g?.point === point && g.passed === true) {
    d.set({ gate: undefined });
    return true;
  }
  if (g?.point === point) return false;
  d.set({ gate: { point, since: d.now } });
  d.say('gate-waiting', `waiting for the ${point} gate at ${where(d.state)} before going on`, {
    ...snapshot(d.state),
    ...data,
    gate: point,
  });
  d.effect({ type: 'run-gate', point });
  return false;
}

/** True while the rollout waits at a gate that has not passed. */
export function waitingAtGate(state: RolloutState): boolean {
  return state.gate !== undefined && state.gate.passed !== true;
}

/** After a resume: run the gate that held the rollout again. */
export function rerunGate(d: Draft): void {
  const g = d.state.gate;
  if (!g || g.passed === true) return;
  d.set({ gate: { point: g.point, since: d.now } });
  d.effect({ type: 'run-gate', point: g.point });
}

/** Informational hooks (post-rollout, rollback): run when configured, nothing waits on them. */
export function informGate(d: Draft, point: 'post-rollout' | 'rollback'): void {
  if (hasGate(d.state, point)) d.effect({ type: 'run-gate', point, informational: true });
}

type GateResult = Extract<RolloutEvent, { type: 'gate-result' }>;

/**
 * A gate's answer. Returns true when it passed and the caller should re-run the guarded code path. A result for a
 * gate the rollout no longer waits at (it was aborted or promoted by hand meanwhile) changes nothing.
 */
export function onGateResult(d: Draft, e: GateResult): boolean {
  const g = d.state.gate;
  const why = oneLine(String(e.reason), 300);
  if (!g || g.point !== e.point || g.passed === true || d.phase === 'paused') {
    d.mention(
      'gate-ignored',
      `a ${e.point} gate result (${e.passed ? 'pass' : 'fail'}) came after it stopped mattering`,
      {
        gate: e.point,
      },
    );
    return false;
  }
  const data = { gate: e.point, waitedMs: d.now - g.since };
  if (e.passed) {
    d.set({ gate: { ...g, passed: true } });
    d.say('gate-passed', `${e.point} gate passed: ${why}`, { ...snapshot(d.state), ...data });
    return true;
  }
  if (e.onFailure === 'hold') {
    pause(d, `${e.point} gate failed: ${why}; holding at ${where(d.state)} (resume to run the gate again)`, {
      ...data,
      onFailure: 'hold',
    });
    return false;
  }
  startRollback(d, `${e.point} gate failed: ${why}; rolling back`, { ...data, onFailure: 'rollback' });
  return false;
}
