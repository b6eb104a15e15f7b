import type { RolloutState } from '../core/rollout.js';

/** A rollout as the API and the stream show it. */
export type RolloutView = Omit<RolloutState, 'analysis'> & { analysis: Omit<RolloutState['analysis'], 'state'> };

/**
 * Drops the analyzer's private working state (large arrays the analyzer resumes from), which means nothing to a
 * reader and would multiply the bytes sent to every stream client.
 */
export function rolloutView(s: RolloutState): RolloutView {
  const { state: _state, ...analysis } = s.analysis;
  return { ...s, analysis };
}
