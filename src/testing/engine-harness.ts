import { newRollout, step } from '../core/engine.js';
import type { Measurement, VersionCounts } from '../core/measurement.js';
import type { Effect, LogEntry, Phase, RolloutEvent, RolloutPlan, RolloutState, Transition } from '../core/rollout.js';
import type { Analyzer } from '../ports/analyzer.js';
import { errorRateAnalyzer } from './fake-analyzer.js';

/** Two steps, 30 s and 100 canary requests each, pause when undecided, three failed reads tolerated. */
export function testPlan(over: Partial<RolloutPlan> = {}): RolloutPlan {
  return {
    steps: [10, 50],
    stepIntervalMs: 30_000,
    minRequestsPerStep: 100,
    deployTimeoutMs: 120_000,
    stepDeadlineMs: 300_000,
    onInconclusive: 'pause',
    maxMetricFailures: 3,
    analysisEnabled: true,
    ...over,
  };
}

export const T0 = Date.UTC(2026, 0, 1);

/**
 * Drives the pure engine the way a controller would, with a hand-moved clock and per-version cumulative counters,
 * and keeps every log entry and effect so a test reads as given / when / then.
 */
export class EngineHarness {
  state: RolloutState;
  now = T0;
  readonly analyzer: Analyzer;
  readonly log: LogEntry[] = [];
  readonly effects: Effect[] = [];
  last!: Transition;
  /** Cumulative counts the "provider" reports. */
  stable: VersionCounts = { requests: 10_000, errors: 10 };
  canary: VersionCounts = { requests: 0, errors: 0 };

  constructor(opts: { plan?: Partial<RolloutPlan>; analyzer?: Analyzer } = {}) {
    this.analyzer = opts.analyzer ?? errorRateAnalyzer(0.05, 50);
    const t = newRollout(
      { id: 'r1', service: 'shop', fromVersion: 'v1', toVersion: 'v2', plan: testPlan(opts.plan) },
      this.analyzer,
      this.now,
    );
    this.state = t.state;
    this.record(t);
  }

  get phase(): Phase {
    return this.state.phase;
  }

  send(event: RolloutEvent, afterMs = 0): Transition {
    this.now += afterMs;
    const t = step(this.state, event, this.now, { analyzer: this.analyzer });
    this.state = t.state;
    this.record(t);
    return t;
  }

  tick(afterMs = 0): Transition {
    return this.send({ type: 'tick' }, afterMs);
  }

  command(command: Extract<RolloutEvent, { type: 'command' }>['command'], by = 'ana'): Transition {
    return this.send({ type: 'command', command, by });
  }

  /** Serve traffic (added to the cumulative counters), then report one measurement `afterMs` later. */
  traffic(canary: [number, number], stable: [number, number] = [canary[0] * 9, 0], afterMs = 10_000): Transition {
    this.canary = { requests: this.canary.requests + canary[0], errors: this.canary.errors + canary[1] };
    this.stable = { requests: this.stable.requests + stable[0], errors: this.stable.errors + stable[1] };
    return this.measure(afterMs);
  }

  measure(afterMs = 10_000): Transition {
    const m: Measurement = { phase: 'ok', at: this.now + afterMs, stable: this.stable, canary: this.canary };
    return this.send({ type: 'measurement', measurement: m }, afterMs);
  }

  failRead(phase: 'no-data' | 'error' = 'error', afterMs = 10_000): Transition {
    const reason = phase === 'error' ? 'prometheus: connection refused' : 'no series for version v2';
    return this.send({ type: 'measurement', measurement: { phase, at: this.now + afterMs, reason } }, afterMs);
  }

  /** pending → deploying → progressing at step 1, with the reference reading taken. */
  toProgressing(): this {
    this.send({ type: 'start' });
    this.send({ type: 'canary-status', ready: 2, desired: 2 }, 5_000);
    this.measure(1_000);
    return this;
  }

  effectTypes(t: Transition = this.last): string[] {
    return t.effects
      .filter((e) => e.type !== 'notify')
      .map((e) => (e.type === 'set-weight' ? `set-weight:${e.weight}` : e.type));
  }

  logTypes(): string[] {
    return this.log.map((e) => e.type);
  }

  private record(t: Transition): void {
    this.last = t;
    this.log.push(...t.log);
    this.effects.push(...t.effects);
  }
}

/** Drives a fresh harness into `phase` by ordinary events (terminal phases by the shortest honest route). */
export function harnessIn(
  phase: Phase,
  opts: { plan?: Partial<RolloutPlan>; analyzer?: Analyzer } = {},
): EngineHarness {
  const h = new EngineHarness(opts);
  switch (phase) {
    case 'pending':
      break;
    case 'deploying':
      h.send({ type: 'start' });
      break;
    case 'progressing':
      h.toProgressing();
      break;
    case 'paused':
      h.toProgressing().command('pause');
      break;
    case 'promoting':
      h.toProgressing().command('promote');
      break;
    case 'succeeded':
      h.toProgressing().command('promote');
      h.send({ type: 'promoted' });
      break;
    case 'rolling_back':
      h.toProgressing().command('abort');
      break;
    case 'rolled_back':
      h.toProgressing().command('abort');
      h.send({ type: 'rolled-back' });
      break;
    case 'failed':
      h.toProgressing().command('abort');
      h.send({ type: 'effect-failed', effect: 'rollback', reason: 'router unreachable', retriable: false });
      break;
  }
  if (h.phase !== phase) throw new Error(`harnessIn(${phase}) reached ${h.phase}`);
  return h;
}

/** Freezes a value and everything inside it, so a mutation throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
