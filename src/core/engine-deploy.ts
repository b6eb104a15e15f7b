import type { Analyzer } from '../ports/analyzer.js';
import type { Draft } from './engine-draft.js';
import { fmtDuration, oneLine } from './engine-draft.js';
import { passGate } from './engine-gates.js';
import { startPromotion, startRollback } from './engine-phases.js';
import type { AnalysisProgress, RolloutEvent } from './rollout.js';

type CanaryStatus = Extract<RolloutEvent, { type: 'canary-status' }>;

/** A fresh analysis, begun when traffic first reaches the canary. `skipped` survives: it is the user's choice. */
export function freshAnalysis(analyzer: Analyzer, now: number | undefined, skipped: boolean): AnalysisProgress {
  const a: AnalysisProgress = {
    state: analyzer.initial(),
    canaryRequests: 0,
    canaryErrors: 0,
    stableRequests: 0,
    stableErrors: 0,
    consecutiveMetricFailures: 0,
    skipped,
  };
  if (now !== undefined) a.startedAt = now;
  return a;
}

/** pending → deploying: start the canary beside the stable version. */
export function onStart(d: Draft): void {
  if (d.phase !== 'pending') return;
  if (!passGate(d, 'pre-rollout')) return;
  const { plan, toVersion, fromVersion } = d.state;
  d.moveTo(
    'deploying',
    'deploy-started',
    `deploying canary ${toVersion} beside stable ${fromVersion} (ready within ${fmtDuration(plan.deployTimeoutMs)})`,
    { deployTimeoutMs: plan.deployTimeoutMs, steps: plan.steps.length },
    { stepStartedAt: d.now },
  );
  d.effect({ type: 'deploy-canary' });
}

export function onCanaryStatus(d: Draft, e: CanaryStatus, analyzer: Analyzer): void {
  const { phase } = d.state;
  const counts = { ready: e.ready, desired: e.desired };
  if (e.failed === true && (phase === 'deploying' || phase === 'progressing' || phase === 'paused')) {
    // A canary the platform reports as failed is never left serving, not even while paused.
    const what = phase === 'deploying' ? 'canary failed to start' : 'canary failed';
    startRollback(d, `${what}: ${oneLine(String(e.message ?? 'no message from the platform'), 200)}`, counts);
    return;
  }
  if (phase !== 'deploying') return;
  if (e.desired > 0 && e.ready >= e.desired) {
    enterProgressing(d, counts, analyzer);
    return;
  }
  const seen = d.state.canaryStatus;
  if (!seen || seen.ready !== e.ready || seen.desired !== e.desired) {
    d.set({ canaryStatus: counts });
    d.mention('canary-status', `canary ${e.ready}/${e.desired} instances ready`, counts);
  }
  checkDeployTimeout(d);
}

/** Still not ready after the deploy timeout → roll back (also checked on every tick). */
export function checkDeployTimeout(d: Draft): void {
  const { plan, stepStartedAt, canaryStatus } = d.state;
  if (d.phase !== 'deploying' || stepStartedAt === undefined) return;
  const waited = d.now - stepStartedAt;
  if (!(waited >= plan.deployTimeoutMs)) return;
  const ready = canaryStatus?.ready ?? 0;
  const desired = canaryStatus?.desired ?? 0;
  const counts = canaryStatus ? `${ready}/${desired} instances ready` : 'no readiness reported by the platform';
  startRollback(
    d,
    `canary not ready within the ${fmtDuration(plan.deployTimeoutMs)} deploy timeout ` +
      `(waited ${fmtDuration(waited)}, ${counts})`,
    { ready, desired, waitedMs: waited, deployTimeoutMs: plan.deployTimeoutMs },
  );
}

function enterProgressing(d: Draft, counts: { ready: number; desired: number }, analyzer: Analyzer): void {
  const { plan, toVersion } = d.state;
  const weight = plan.steps[0];
  if (weight === undefined) {
    // A plan without steps (the spec forbids it) has nothing to try: go straight to the promotion it asks for.
    startPromotion(
      d,
      `canary ${toVersion} ready (${counts.ready}/${counts.desired}) and the plan has no steps`,
      counts,
    );
    return;
  }
  d.set({
    stepIndex: 0,
    weight,
    stepStartedAt: d.now,
    stepCanaryRequests: 0,
    canaryStatus: counts,
    analysis: freshAnalysis(analyzer, d.now, d.state.analysis.skipped),
  });
  d.effect({ type: 'set-weight', weight });
  d.moveTo(
    'progressing',
    'canary-ready',
    `canary ${toVersion} ready (${counts.ready}/${counts.desired} instances): sending it ${weight}% of traffic ` +
      `(step 1 of ${plan.steps.length}, at least ${fmtDuration(plan.stepIntervalMs)} and ` +
      `${plan.minRequestsPerStep} canary requests per step)`,
    { ...counts, weight, step: 1, steps: plan.steps.length, stepIntervalMs: plan.stepIntervalMs },
  );
}
