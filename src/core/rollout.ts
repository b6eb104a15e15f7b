import type { Decision, Evidence, Measurement, VersionCounts } from './measurement.js';

/**
 * The rollout state machine's vocabulary. `src/core/engine.ts` implements
 * `(state, event, now) → (state, effects, log)`; this file only names things.
 *
 *   pending → deploying → progressing(step k, weight w) ⇄ paused
 *                              │                 │
 *                              ▼                 ▼
 *                          promoting → succeeded   rolling_back → rolled_back
 *   any non-terminal phase ──(unrecoverable)──► failed
 */
export type Phase =
  | 'pending'
  | 'deploying'
  | 'progressing'
  | 'paused'
  | 'promoting'
  | 'succeeded'
  | 'rolling_back'
  | 'rolled_back'
  | 'failed';

/** Where a gate (hook) runs; see src/core/engine-gates.ts. */
export type GatePoint = 'pre-rollout' | 'confirm-traffic-increase' | 'confirm-promotion' | 'post-rollout' | 'rollback';

export const TERMINAL_PHASES: readonly Phase[] = ['succeeded', 'rolled_back', 'failed'];

/** What the engine needs from the spec, already validated and converted to numbers (ms, percent). */
export interface RolloutPlan {
  /** Canary weights in percent for each step, strictly increasing, each in 1–100. */
  steps: number[];
  /** Minimum time at each step before it may advance. */
  stepIntervalMs: number;
  /** Minimum canary requests at each step before it may advance. */
  minRequestsPerStep: number;
  /** Time the canary has to become ready. */
  deployTimeoutMs: number;
  /** Longest a step may wait for a conclusive analysis; then `onInconclusive` applies. */
  stepDeadlineMs: number;
  /** What to do when analysis cannot decide in time, or metrics are missing: hold paused, or roll back. */
  onInconclusive: 'pause' | 'rollback';
  /** Consecutive failed metric reads tolerated before `onInconclusive` applies. */
  maxMetricFailures: number;
  /** Promote without a final analysis pass once the last step is healthy. */
  analysisEnabled: boolean;
  /** Gate points that have at least one hook; absent or empty: no gates. */
  gates?: GatePoint[];
  /**
   * Synthetic traffic for quiet services (`analysis.loadGenerator` when enabled): requests per second sent
   * through the router while a step is held for lack of traffic. Absent: never.
   */
  loadGenerator?: { rps: number };
}

export interface AnalysisProgress {
  /** The analyzer's own persisted state (JSON). */
  state: unknown;
  /** Last cumulative reading, to take differences against. */
  lastStable?: VersionCounts;
  lastCanary?: VersionCounts;
  /** Epoch ms of the first batch. */
  startedAt?: number;
  /** Totals over the whole rollout. */
  canaryRequests: number;
  canaryErrors: number;
  stableRequests: number;
  stableErrors: number;
  consecutiveMetricFailures: number;
  last?: Decision;
  /** Set by the `skip-analysis` command: steps advance on time and request count alone. */
  skipped: boolean;
}

export interface RolloutState {
  id: string;
  service: string;
  fromVersion: string;
  toVersion: string;
  phase: Phase;
  /** Phase to return to on resume. */
  pausedFrom?: Phase;
  /**
   * Set when the engine itself paused for a metrics outage (`maxMetricFailures` with onInconclusive=pause): the
   * rollout then resumes by itself once metrics are readable again. Absent for every other pause.
   */
  pauseCause?: 'metrics';
  /** Index into plan.steps; -1 before the first step. */
  stepIndex: number;
  /** Canary weight the router should apply now (percent). */
  weight: number;
  /** Canary weight the router confirmed (read back), if it can. */
  appliedWeight?: number;
  /** When the current step began; while deploying, when deploying began (the deploy timeout counts from it). */
  stepStartedAt?: number;
  /** Latest canary readiness the platform reported while deploying (a deploy timeout names it). */
  canaryStatus?: { ready: number; desired: number };
  /** Canary requests counted since the current step began. */
  stepCanaryRequests: number;
  plan: RolloutPlan;
  analysis: AnalysisProgress;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** The latest one-line reason, shown by `status`. */
  reason: string;
  /** A blocking gate the rollout waits at (or has just passed, until the action it guards is taken). */
  gate?: { point: GatePoint; since: number; passed?: boolean };
  /** Set while the built-in load generator should run (see src/core/engine-load.ts); absent otherwise. */
  loadGenerator?: LoadGeneratorState;
  /** Increments on every persisted change; the store rejects a stale write. */
  revision: number;
}

/** The synthetic traffic the engine asked for: its rate, the step it helps, and when it must stop at the latest. */
export interface LoadGeneratorState {
  rps: number;
  /** Index of the step it was started for (into plan.steps). */
  stepIndex: number;
  since: number;
  /** Epoch ms: the step's deadline; the generator never runs past it. */
  until: number;
}

export type Command = 'pause' | 'resume' | 'promote' | 'abort' | 'skip-analysis';

/** What happens to a rollout. Effects' results come back as events. */
export type RolloutEvent =
  | { type: 'start' }
  | { type: 'canary-status'; ready: number; desired: number; failed?: boolean; message?: string }
  | { type: 'weight-applied'; weight: number }
  | { type: 'measurement'; measurement: Measurement }
  | { type: 'tick' }
  | { type: 'command'; command: Command; by?: string }
  | { type: 'effect-failed'; effect: Effect['type']; reason: string; retriable: boolean }
  | { type: 'promoted' }
  | { type: 'rolled-back' }
  | { type: 'gate-result'; point: GatePoint; passed: boolean; reason: string; onFailure?: 'hold' | 'rollback' };

/**
 * Side effects the controller carries out after persisting the new state. Each is idempotent, so running
 * it again after a crash is safe.
 */
export type Effect =
  | { type: 'deploy-canary' }
  | { type: 'set-weight'; weight: number }
  | { type: 'promote' }
  | { type: 'rollback' }
  | { type: 'notify'; entry: LogEntry }
  /** Run the hooks of a gate point; blocking ones answer with `gate-result`, informational ones are only logged. */
  | { type: 'run-gate'; point: GatePoint; informational?: boolean }
  /**
   * Run the built-in load generator at `rps` through the router until `until` (epoch ms), replacing any running
   * one; `rps: 0` stops it. Runs in the controller's process, so it never outlives the controller.
   */
  | { type: 'load'; rps: number; until?: number };

/** One line of a rollout's append-only event log. */
export interface LogEntry {
  /** Machine-readable kind, e.g. `step-advanced`, `analysis`, `rollback-started`. */
  type: string;
  from?: Phase;
  to?: Phase;
  /** One line a person understands. */
  reason: string;
  /** The numbers behind it. */
  data: Evidence;
  at: number;
}

export interface Transition {
  state: RolloutState;
  effects: Effect[];
  log: LogEntry[];
}
