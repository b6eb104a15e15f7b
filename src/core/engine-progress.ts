import type { Analyzer } from '../ports/analyzer.js';
import { countsDelta, invalidCounts } from './engine-deltas.js';
import type { Draft } from './engine-draft.js';
import { fmtDuration, oneLine, where } from './engine-draft.js';
import { passGate, rerunGate, waitingAtGate } from './engine-gates.js';
import { applyInconclusive, snapshot, startPromotion, startRollback } from './engine-phases.js';
import type { AnalysisBatch, Decision, Measurement, VersionCounts } from './measurement.js';

/**
 * Measurements, analysis and step advancement while a rollout is progressing.
 *
 * A measurement is recorded while progressing, and also while paused from progressing (so the totals and the
 * analysis stay continuous across a pause), but only a progressing rollout advances or applies the
 * inconclusive policy. A rollback verdict rolls back even while paused: a pause holds the split, it does not
 * oblige anyone to keep serving a canary the analysis has found bad.
 */
export function onMeasurement(d: Draft, m: Measurement, analyzer: Analyzer): void {
  const { phase, pausedFrom } = d.state;
  if (phase !== 'progressing' && !(phase === 'paused' && pausedFrom === 'progressing')) return;
  if (m.phase === 'ok') {
    const bad = invalidCounts(m.stable) ?? invalidCounts(m.canary);
    if (bad) metricFailure(d, `unusable metrics: ${bad}`);
    else recordReading(d, m, analyzer);
  } else {
    const kind = m.phase === 'no-data' ? 'no data' : 'metrics error';
    metricFailure(d, `${kind}: ${oneLine(String(m.reason), 200)}`);
  }
  // A resume is a transition of its own: the step is judged from the next reading on, so an advance or a promotion
  // always follows a recorded progressing state (never straight out of a pause).
  if (resumeAfterOutage(d)) return;
  if (d.phase === 'progressing') evaluateStep(d);
}

/**
 * A pause the engine made for a metrics outage ends by itself with the first usable reading (a rollback verdict
 * on that reading has already won). A pause a person made, or made into theirs (`pause` while auto-paused), stays.
 */
function resumeAfterOutage(d: Draft): boolean {
  const s = d.state;
  if (s.phase !== 'paused' || s.pauseCause !== 'metrics' || s.analysis.consecutiveMetricFailures > 0) return false;
  d.moveTo(
    s.pausedFrom ?? 'progressing',
    'resumed',
    `metrics readable again: resuming by itself at ${where(s)}; the step's minimum time ` +
      `(${fmtDuration(s.plan.stepIntervalMs)}) counts again from now`,
    { ...snapshot(s), stepIntervalMs: s.plan.stepIntervalMs, automatic: true },
    { pausedFrom: undefined, pauseCause: undefined, stepStartedAt: d.now },
  );
  rerunGate(d);
  return true;
}

/** Advancing and the step deadline, evaluated on every measurement and tick while progressing. */
export function evaluateStep(d: Draft): void {
  const s = d.state;
  // Waiting at a gate: the gate's own deadline applies, not the step's.
  if (waitingAtGate(s)) return;
  const { plan } = s;
  const elapsed = d.now - (s.stepStartedAt ?? d.now);
  const failures = s.analysis.consecutiveMetricFailures;
  const verdict = s.analysis.last?.verdict;
  const missing: string[] = [];
  if (!(elapsed >= plan.stepIntervalMs)) {
    missing.push(`time (${fmtDuration(elapsed)} of ${fmtDuration(plan.stepIntervalMs)} at this step)`);
  }
  if (!(s.stepCanaryRequests >= plan.minRequestsPerStep)) {
    missing.push(`requests (${s.stepCanaryRequests} of ${plan.minRequestsPerStep} canary requests)`);
  }
  // A stale healthy verdict must not carry a step through a metrics outage: the latest read has to be good.
  if (failures > 0) missing.push(`metrics (last ${failures} reads failed)`);
  if (analysisRequired(d) && verdict !== 'healthy') {
    missing.push(`verdict (analysis says ${verdict ?? 'nothing yet'}, needs healthy)`);
  }
  if (missing.length === 0) {
    advance(d, elapsed);
    return;
  }
  if (elapsed >= plan.stepDeadlineMs) {
    applyInconclusive(
      d,
      `${where(s)} could not advance within its ${fmtDuration(plan.stepDeadlineMs)} deadline: missing ${missing.join(', ')}`,
      {
        elapsedMs: elapsed,
        stepDeadlineMs: plan.stepDeadlineMs,
        stepIntervalMs: plan.stepIntervalMs,
        stepRequests: s.stepCanaryRequests,
        minRequestsPerStep: plan.minRequestsPerStep,
        consecutiveMetricFailures: failures,
        verdict: verdict ?? null,
        missing: missing.map((m) => m.split(' ')[0]).join(','),
      },
    );
  }
}

function analysisRequired(d: Draft): boolean {
  return d.state.plan.analysisEnabled && !d.state.analysis.skipped;
}

function advance(d: Draft, elapsed: number): void {
  const s = d.state;
  const { steps } = s.plan;
  const next = s.stepIndex + 1;
  const basis = analysisRequired(d)
    ? 'analysis healthy'
    : s.analysis.skipped
      ? 'analysis skipped'
      : 'analysis disabled';
  const data = {
    fromWeight: s.weight,
    step: s.stepIndex + 1,
    steps: steps.length,
    stepRequests: s.stepCanaryRequests,
    elapsedMs: elapsed,
    basis,
  };
  const toWeight = steps[next];
  const gateData = { ...data, toWeight: toWeight ?? 100 };
  if (!passGate(d, toWeight === undefined ? 'confirm-promotion' : 'confirm-traffic-increase', gateData)) return;
  if (toWeight === undefined) {
    startPromotion(
      d,
      `all ${steps.length} steps passed (last at ${s.weight}% for ${fmtDuration(elapsed)} with ` +
        `${s.stepCanaryRequests} canary requests, ${basis}): promoting ${s.toVersion}`,
      { ...data, toWeight: 100 },
    );
    return;
  }
  d.set({ stepIndex: next, weight: toWeight, stepStartedAt: d.now, stepCanaryRequests: 0 });
  d.effect({ type: 'set-weight', weight: toWeight });
  d.say(
    'step-advanced',
    `step ${next + 1} of ${steps.length}: canary weight ${data.fromWeight}% → ${toWeight}% after ` +
      `${fmtDuration(elapsed)} with ${data.stepRequests} canary requests (${basis})`,
    { ...data, toWeight, step: next + 1 },
  );
}

function metricFailure(d: Draft, why: string): void {
  const n = d.state.analysis.consecutiveMetricFailures + 1;
  const max = Math.max(1, d.state.plan.maxMetricFailures);
  d.setAnalysis({ consecutiveMetricFailures: n });
  const data = { consecutiveMetricFailures: n, maxMetricFailures: max };
  if (d.phase === 'progressing' && n >= max) {
    applyInconclusive(
      d,
      `metrics missing for ${n} consecutive reads (${why}); a metrics outage never promotes`,
      data,
      'metrics',
    );
  } else if (n <= max) {
    // Beyond the limit (only possible while paused) the count still grows but the log is not flooded.
    d.say('metrics-missing', `metrics read failed (${n} of ${max} tolerated): ${why}`, data, { notify: false });
  }
}

function recordReading(d: Draft, m: Extract<Measurement, { phase: 'ok' }>, analyzer: Analyzer): void {
  const a = d.state.analysis;
  const stable = copyCounts(m.stable);
  const canary = copyCounts(m.canary);
  const hadFailures = a.consecutiveMetricFailures;
  if (!a.lastStable || !a.lastCanary) {
    // The first reading is the reference point: the stable version's totals cover its whole life before this
    // rollout, which would drown out what it serves beside the canary. Its latency histogram is still the best
    // description of "normal": an analyzer may fix its latency threshold from it (once, before any batch).
    const history = m.stableHistory ?? stable.latency;
    let state = a.state;
    try {
      if (history && analyzer.primeBaseline) state = analyzer.primeBaseline(a.state, history);
    } catch {
      state = a.state; // a faulty analyzer extension costs the head start, never the rollout
    }
    d.setAnalysis({ lastStable: stable, lastCanary: canary, ...(state !== a.state ? { state } : {}) });
    restored(d, hadFailures);
    return;
  }
  const c = countsDelta(a.lastCanary, canary);
  const b = countsDelta(a.lastStable, stable);
  d.setAnalysis({
    lastStable: stable,
    lastCanary: canary,
    canaryRequests: a.canaryRequests + c.delta.requests,
    canaryErrors: a.canaryErrors + c.delta.errors,
    stableRequests: a.stableRequests + b.delta.requests,
    stableErrors: a.stableErrors + b.delta.errors,
  });
  d.set({ stepCanaryRequests: d.state.stepCanaryRequests + c.delta.requests });
  if (c.reset || b.reset) {
    const which = [c.reset ? 'canary' : '', b.reset ? 'stable' : ''].filter(Boolean).join(' and ');
    d.mention('counter-reset', `${which} counters went down (restarted); counting the new totals from zero`, {
      canaryReset: c.reset,
      stableReset: b.reset,
      canaryRequests: canary.requests,
      stableRequests: stable.requests,
    });
  }
  const t = Math.max(0, (d.now - (a.startedAt ?? d.now)) / 1000);
  if (!analysisRequired(d)) {
    restored(d, hadFailures);
    return;
  }
  const decision = analyse(d, { t, canary: c.delta, baseline: b.delta }, analyzer);
  // The failure streak ends only with a reading the analysis could use: an analyzer that throws on every batch
  // must still reach the limit.
  if (!decision) return;
  restored(d, hadFailures);
  if (decision.verdict === 'rollback') {
    startRollback(d, `analysis found the canary worse: ${decision.reason}`, decision.evidence);
  }
}

function restored(d: Draft, failures: number): void {
  if (failures === 0) return;
  d.setAnalysis({ consecutiveMetricFailures: 0 });
  d.mention('metrics-restored', `metrics readable again after ${failures} failed reads`, {
    failedReads: failures,
  });
}

/** Feeds one batch to the analyzer and logs its decision; undefined when the analyzer failed (a failed read). */
function analyse(d: Draft, batch: AnalysisBatch, analyzer: Analyzer): Decision | undefined {
  const a = d.state.analysis;
  let decision: Decision;
  let next: unknown;
  try {
    const out = analyzer.observe(a.state, batch);
    decision = checkDecision(out.decision);
    next = out.state;
  } catch (err) {
    // An analyzer that cannot decide is a failed read, never a pass.
    metricFailure(d, `analyzer ${analyzer.kind} failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  const previous = a.last?.verdict;
  d.setAnalysis({ state: next, last: decision });
  const changed = previous !== decision.verdict;
  if (changed || decision.verdict !== 'continue') {
    d.say(
      'analysis',
      `analysis ${decision.verdict}: ${decision.reason}`,
      // The analyzer's own numbers win: they are what its reason refers to.
      { t: batch.t, canaryRequests: d.state.analysis.canaryRequests, ...decision.evidence, verdict: decision.verdict },
      { notify: changed || decision.verdict === 'rollback' },
    );
  }
  return decision;
}

const VERDICTS = new Set(['continue', 'rollback', 'healthy', 'inconclusive']);

function checkDecision(x: Decision): Decision {
  if (!VERDICTS.has(x.verdict)) throw new Error(`unknown verdict ${String(x.verdict)}`);
  const evidence = typeof x.evidence === 'object' && x.evidence !== null ? x.evidence : {};
  return { verdict: x.verdict, reason: oneLine(String(x.reason)), evidence: { ...evidence } };
}

function copyCounts(c: VersionCounts): VersionCounts {
  const out: VersionCounts = { requests: c.requests, errors: c.errors };
  if (c.latency) out.latency = { ...c.latency, le: [...c.latency.le], counts: [...c.latency.counts] };
  if (c.quantiles) out.quantiles = { ...c.quantiles };
  return out;
}
