import type { Draft } from './engine-draft.js';
import { fmtDuration, where } from './engine-draft.js';
import { waitingAtGate } from './engine-gates.js';
import type { Effect, LoadGeneratorState, RolloutState } from './rollout.js';

/**
 * When the built-in load generator runs (`plan.loadGenerator`, from `analysis.loadGenerator.enabled`).
 *
 * WHY an engine decision and not a controller policy: whether a step is held for lack of traffic is read from
 * the engine's own state (step timer, step requests, verdict, gate, phase), and the answer must be persisted
 * with that state so a restarted controller resumes the same generator (`effectsToResume`) and the event log
 * says when and why it started and stopped. Emitted as a `load` effect, it is tested here without sockets.
 *
 * The rule: synthetic traffic runs while the rollout is progressing and the current step is HELD for traffic —
 * its minimum time has passed (before that a step is waiting on time, and a busy service must never get
 * synthetic load at every step start), its deadline has not, no gate holds it, and it still lacks either its
 * `minRequests` canary requests or a verdict that more requests would settle (none yet, `inconclusive`, or
 * `continue`: at a quiet service a `continue` never resolves without more requests either). It stops as soon as
 * that is no longer so: the step got enough traffic and advanced (the next step waits out its own minimum time
 * on real traffic first), a pause, a gate, promotion, rollback, the step deadline. A failed metrics read alone
 * changes nothing: toggling on every blip would only flood the log; a real outage pauses, which stops it.
 */
export function syncLoad(d: Draft): void {
  const want = wanted(d.state, d.now);
  const running = d.state.loadGenerator;
  const rps = d.state.plan.loadGenerator?.rps;
  if (want && !running && rps !== undefined && rps > 0) start(d, rps, want);
  else if (!want && running) stop(d, running);
}

/** The effect that makes the recorded generator run again after a controller restart, if one should. */
export function loadToResume(state: RolloutState): Effect[] {
  const lg = state.loadGenerator;
  return lg && state.phase === 'progressing' ? [{ type: 'load', rps: lg.rps, until: lg.until }] : [];
}

/** Why the step is held for traffic (a phrase), or undefined when it is not. */
function wanted(s: RolloutState, now: number): string | undefined {
  const { plan } = s;
  if (!plan.loadGenerator || s.phase !== 'progressing' || waitingAtGate(s)) return undefined;
  const elapsed = now - (s.stepStartedAt ?? now);
  if (elapsed < plan.stepIntervalMs || elapsed >= plan.stepDeadlineMs) return undefined;
  const lacking: string[] = [];
  if (s.stepCanaryRequests < plan.minRequestsPerStep) {
    lacking.push(`only ${s.stepCanaryRequests} of ${plan.minRequestsPerStep} canary requests`);
  }
  const verdict = s.analysis.last?.verdict;
  const analysed = plan.analysisEnabled && !s.analysis.skipped;
  if (analysed && verdict !== 'healthy' && verdict !== 'rollback') {
    lacking.push(`analysis ${verdict ?? 'without a verdict yet'}`);
  }
  return lacking.length > 0 ? lacking.join(', ') : undefined;
}

function start(d: Draft, rps: number, lacking: string): void {
  const s = d.state;
  const until = (s.stepStartedAt ?? d.now) + s.plan.stepDeadlineMs;
  const lg: LoadGeneratorState = { rps, stepIndex: s.stepIndex, since: d.now, until };
  d.set({ loadGenerator: lg });
  d.aside(
    'load-generator-started',
    `${where(s)} held after its ${fmtDuration(s.plan.stepIntervalMs)} minimum time (${lacking}): sending ` +
      `${rps} synthetic requests/s through the router until the step has enough traffic, at most ` +
      `${fmtDuration(until - d.now)} (the step deadline)`,
    {
      rps,
      step: s.stepIndex + 1,
      weight: s.weight,
      stepRequests: s.stepCanaryRequests,
      minRequestsPerStep: s.plan.minRequestsPerStep,
      verdict: s.analysis.last?.verdict ?? null,
      untilMs: until - d.now,
    },
    { type: 'load', rps, until },
    false,
  );
}

function stop(d: Draft, lg: LoadGeneratorState): void {
  const s = d.state;
  d.set({ loadGenerator: undefined });
  d.aside(
    'load-generator-stopped',
    `synthetic traffic stopped after ${fmtDuration(d.now - lg.since)}: ${stopReason(d, lg)}`,
    {
      rps: lg.rps,
      step: lg.stepIndex + 1,
      durationMs: d.now - lg.since,
      stepRequests: s.stepCanaryRequests,
      phase: s.phase,
    },
    { type: 'load', rps: 0 },
    true,
  );
}

function stopReason(d: Draft, lg: LoadGeneratorState): string {
  const s = d.state;
  if (s.phase !== 'progressing') return `the rollout is ${s.phase.replace('_', ' ')}`;
  if (waitingAtGate(s)) return `the step waits at the ${s.gate!.point} gate`;
  if (s.stepIndex !== lg.stepIndex) return `step ${lg.stepIndex + 1} got enough traffic and the rollout moved on`;
  const elapsed = d.now - (s.stepStartedAt ?? d.now);
  if (elapsed >= s.plan.stepDeadlineMs) return `the step deadline (${fmtDuration(s.plan.stepDeadlineMs)}) passed`;
  if (elapsed < s.plan.stepIntervalMs) return `the step's minimum time counts again from ${where(s)}`;
  return `${where(s)} has enough traffic (${s.stepCanaryRequests} canary requests, analysis ${s.analysis.last?.verdict ?? 'none'})`;
}
