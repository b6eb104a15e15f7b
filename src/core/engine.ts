/**
 * The rollout state machine: `(state, event, now) → (state, effects, log)`. Pure: no I/O, no clock, no timers,
 * no randomness; `now` (epoch ms) comes from the caller. The input state is never mutated; every change returns a
 * new state with `revision + 1` and `updatedAt = now`, and an event that changes nothing returns the very same
 * state object.
 *
 * ```
 *            start             canary ready              last step passed
 *  pending ───────► deploying ─────────────► progressing ────────────────► promoting ──promoted──► succeeded
 *                     │    ▲                   │    ▲    ⟲ next step when time ≥ interval, requests ≥ min,
 *               pause │    │ resume   pause or │    │ resume    verdict healthy and the latest read ok
 *                     ▼    │   policy=pause    ▼    │
 *                   paused (pausedFrom)      paused (pausedFrom)          — one phase that remembers where it was
 *
 *  any non-terminal ── abort · canary failed · deploy timeout · rollback verdict · non-retriable effect failure ·
 *                      metrics outage or step deadline with onInconclusive=rollback ──► rolling_back
 *  rolling_back ── rolled-back ──► rolled_back
 *               └─ rollback failed for good ──► failed
 *  pending | deploying | progressing | paused ── promote command ──► promoting
 * ```
 * Terminal phases (succeeded, rolled_back, failed) are absorbing: events change nothing, commands are rejected.
 * No data is never healthy: a failed metrics read blocks advancing, and enough of them in a row pause or roll
 * back (by policy); nothing but an explicit `promote` command promotes without a healthy verdict, unless analysis
 * is disabled or skipped.
 *
 * @example
 * let t = newRollout({ id, service, fromVersion: 'v1', toVersion: 'v2', plan }, analyzer, clock.now());
 * t = step(t.state, { type: 'start' }, clock.now(), { analyzer });  // → deploying, effect deploy-canary
 */
import type { Analyzer } from '../ports/analyzer.js';
import { onCommand } from './engine-commands.js';
import { checkDeployTimeout, freshAnalysis, onCanaryStatus, onStart } from './engine-deploy.js';
import { Draft, fmtDuration, isTerminal, makeEntry, oneLine } from './engine-draft.js';
import { informGate, onGateResult, waitingAtGate } from './engine-gates.js';
import { loadToResume, syncLoad } from './engine-load.js';
import { snapshot, startRollback } from './engine-phases.js';
import { evaluateStep, onMeasurement } from './engine-progress.js';
import type { Effect, RolloutEvent, RolloutPlan, RolloutState, Transition } from './rollout.js';
import { TERMINAL_PHASES } from './rollout.js';

export interface EngineOptions {
  /** Pure analyzer for this rollout (its state is persisted in `state.analysis.state`). */
  analyzer: Analyzer;
}

export interface NewRolloutInit {
  id: string;
  service: string;
  fromVersion: string;
  toVersion: string;
  plan: RolloutPlan;
}

/** A new rollout in phase `pending` (revision 1), with its `rollout-created` log entry. */
export function newRollout(init: NewRolloutInit, analyzer: Analyzer, now: number): Transition {
  const { plan } = init;
  const reason = oneLine(
    `rollout of ${init.service} from ${init.fromVersion} to ${init.toVersion} created: ` +
      `steps ${plan.steps.map((w) => `${w}%`).join(' → ')}, at least ${fmtDuration(plan.stepIntervalMs)} and ` +
      `${plan.minRequestsPerStep} canary requests per step`,
  );
  const state: RolloutState = {
    id: init.id,
    service: init.service,
    fromVersion: init.fromVersion,
    toVersion: init.toVersion,
    phase: 'pending',
    stepIndex: -1,
    weight: 0,
    stepCanaryRequests: 0,
    plan,
    analysis: freshAnalysis(analyzer, undefined, false),
    createdAt: now,
    updatedAt: now,
    reason,
    revision: 1,
  };
  const entry = makeEntry(
    'rollout-created',
    reason,
    {
      steps: plan.steps.join(','),
      stepIntervalMs: plan.stepIntervalMs,
      minRequestsPerStep: plan.minRequestsPerStep,
      deployTimeoutMs: plan.deployTimeoutMs,
      stepDeadlineMs: plan.stepDeadlineMs,
      onInconclusive: plan.onInconclusive,
      maxMetricFailures: plan.maxMetricFailures,
      analysisEnabled: plan.analysisEnabled,
      analyzer: analyzer.kind,
    },
    now,
    undefined,
    'pending',
  );
  return { state, effects: [{ type: 'notify', entry }], log: [entry] };
}

/** Applies one event. Never throws for any event the `RolloutEvent` type allows, in any phase. */
export function step(state: RolloutState, event: RolloutEvent, now: number, opts: EngineOptions): Transition {
  const d = new Draft(state, now);
  apply(d, state, event, now, opts);
  // Whatever the event did, the synthetic traffic follows from the resulting state (src/core/engine-load.ts).
  syncLoad(d);
  return d.finish();
}

function apply(d: Draft, state: RolloutState, event: RolloutEvent, now: number, opts: EngineOptions): void {
  if (event.type === 'command') {
    onCommand(d, event.command, event.by);
    return;
  }
  if (isTerminal(state.phase)) return;
  switch (event.type) {
    case 'start':
      onStart(d);
      break;
    case 'canary-status':
      onCanaryStatus(d, event, opts.analyzer);
      break;
    case 'weight-applied':
      onWeightApplied(d, event.weight);
      break;
    case 'measurement':
      onMeasurement(d, event.measurement, opts.analyzer);
      break;
    case 'tick':
      if (d.phase === 'deploying') checkDeployTimeout(d);
      else if (d.phase === 'progressing') evaluateStep(d);
      break;
    case 'effect-failed':
      onEffectFailed(d, event);
      break;
    case 'promoted':
      if (d.phase === 'promoting') {
        d.moveTo(
          'succeeded',
          'promoted',
          `${state.toVersion} promoted: it now serves 100% as the stable version`,
          { ...snapshot(state), weight: 100, durationMs: now - state.createdAt },
          { weight: 100, finishedAt: now },
        );
        informGate(d, 'post-rollout');
      }
      break;
    case 'gate-result':
      if (onGateResult(d, event)) {
        // Passed: take the path the gate guarded again; it now finds the gate open.
        if (event.point === 'pre-rollout') onStart(d);
        else if (d.phase === 'progressing') evaluateStep(d);
      }
      break;
    case 'rolled-back':
      if (d.phase === 'rolling_back') {
        d.moveTo(
          'rolled_back',
          'rolled-back',
          // The cause (recorded when the rollback started) stays in the final reason: it is what people ask.
          `${state.toVersion} rolled back (${state.reason}); ${state.fromVersion} serves 100% again and the canary is removed`,
          { ...snapshot(state), weight: 0, durationMs: now - state.createdAt },
          { weight: 0, finishedAt: now },
        );
      }
      break;
  }
}

/**
 * The idempotent effects that realise `state` after a controller restart (the effect that was running when the
 * old controller died may or may not have finished; running it again is safe either way).
 */
export function effectsToResume(state: RolloutState): Effect[] {
  const gate: Effect[] =
    waitingAtGate(state) && state.phase !== 'paused' && !TERMINAL_PHASES.includes(state.phase)
      ? [{ type: 'run-gate', point: state.gate!.point }]
      : [];
  return [...realise(state), ...gate, ...loadToResume(state)];
}

function realise(state: RolloutState): Effect[] {
  if (state.phase === 'paused' && state.pausedFrom === 'pending') return [];
  switch (state.phase) {
    case 'deploying':
      return [{ type: 'deploy-canary' }];
    case 'progressing':
      return [{ type: 'set-weight', weight: state.weight }];
    case 'paused':
      // Paused before any traffic reached the canary: what is half-done is the deployment, not a split.
      return state.pausedFrom === 'deploying'
        ? [{ type: 'deploy-canary' }]
        : [{ type: 'set-weight', weight: state.weight }];
    case 'promoting':
      return [{ type: 'promote' }];
    case 'rolling_back':
      return [{ type: 'rollback' }];
    default:
      return [];
  }
}

/** The router read its weight back: remember it, so `status` can show assumed vs actual. */
function onWeightApplied(d: Draft, weight: number): void {
  if (!Number.isFinite(weight) || weight < 0 || weight > 100 || d.state.appliedWeight === weight) return;
  d.set({ appliedWeight: weight });
  const expected = d.state.weight;
  const reason =
    weight === expected
      ? `router confirms canary weight ${weight}%`
      : `router reports canary weight ${weight}% while ${expected}% was requested`;
  d.mention('weight-applied', reason, { appliedWeight: weight, weight: expected });
}

type EffectFailed = Extract<RolloutEvent, { type: 'effect-failed' }>;

function onEffectFailed(d: Draft, e: EffectFailed): void {
  const phase = d.phase;
  const why = oneLine(String(e.reason), 200);
  const data = { effect: e.effect, retriable: e.retriable };
  if (phase === 'pending') return;
  if (e.effect === 'notify') {
    // Telling people must never decide a rollout.
    d.mention('effect-failed', `a notification failed (${why}); the rollout carries on`, data);
    return;
  }
  if (e.retriable) {
    d.mention('effect-failed', `${e.effect} failed (${why}); the controller will try again`, data);
    return;
  }
  if (phase === 'rolling_back') {
    if (e.effect !== 'rollback') {
      d.mention('effect-failed', `${e.effect} failed (${why}) during the rollback; ignored`, data);
      return;
    }
    d.moveTo(
      'failed',
      'failed',
      `rollback could not complete: ${why}; traffic may need manual attention (check the router's split and ` +
        `remove canary ${d.state.toVersion} by hand if needed)`,
      { ...snapshot(d.state), ...data },
      { finishedAt: d.now },
    );
    return;
  }
  if (e.effect === 'rollback') {
    d.mention('effect-failed', `a stale rollback failed (${why}) while ${phase}; ignored`, data);
    return;
  }
  startRollback(d, `${e.effect} failed and cannot be retried: ${why}`, data);
}
