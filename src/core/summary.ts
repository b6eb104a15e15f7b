import type { RolloutState } from './rollout.js';

export type Outcome = 'promoted' | 'rolled_back' | 'failed' | 'in_progress';

/** The one-line-per-rollout summary printed by `chimera run --json`, `chimera demo --json` and the examples. */
export interface RolloutSummary {
  id: string;
  service: string;
  from: string;
  to: string;
  outcome: Outcome;
  durationMs: number;
  canaryRequests: number;
  canaryErrors: number;
  reason: string;
}

export function outcomeOf(state: RolloutState): Outcome {
  switch (state.phase) {
    case 'succeeded':
      return 'promoted';
    case 'rolled_back':
      return 'rolled_back';
    case 'failed':
      return 'failed';
    default:
      return 'in_progress';
  }
}

export function summarize(state: RolloutState): RolloutSummary {
  return {
    id: state.id,
    service: state.service,
    from: state.fromVersion,
    to: state.toVersion,
    outcome: outcomeOf(state),
    durationMs: (state.finishedAt ?? state.updatedAt) - state.createdAt,
    canaryRequests: state.analysis.canaryRequests,
    canaryErrors: state.analysis.canaryErrors,
    reason: state.reason,
  };
}

/** CLI exit codes for CI pipelines: 0 promoted, 1 rolled back, 3 failed (needs a person), 4 still running. */
export function exitCodeFor(outcome: Outcome): number {
  return { promoted: 0, rolled_back: 1, failed: 3, in_progress: 4 }[outcome];
}
