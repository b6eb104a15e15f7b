import type { AnalysisBatch, Decision, LatencyHistogram } from '../core/measurement.js';
import { batchProblem, invalid } from './batch.js';
import type { InPlaceAnalyzer } from './in-place.js';
import { primeLatencyTest } from './latency-test.js';
import type { AnalyzerOptions } from './options.js';
import { observeRecord } from './sequential-fast.js';
import { foldBatch } from './sequential-fold.js';
import type { RecordAnalyzer, SequentialRecord } from './sequential-record.js';
import { initialSequentialState, sequentialSetup, type SequentialState } from './sequential-setup.js';

export type { SequentialState } from './sequential-setup.js';

/**
 * The default analysis: anytime-valid sequential comparison of canary and baseline error rates (and slow-request
 * shares), with the thresholds as hard guards. See docs/analysis.md for the method and its measured performance.
 *
 * The parts: sequential-setup.ts (what the options fix once: grids, levels, the state's shape),
 * sequential-fold.ts (a batch folded in and decided), sequential-fast.ts (the same for `chimera analyze`'s common
 * case, writing a record instead of a Decision).
 */
export function createSequentialAnalyzer(
  o: AnalyzerOptions,
): InPlaceAnalyzer<SequentialState> & RecordAnalyzer<SequentialState> {
  const setup = sequentialSetup(o);
  const { grid, latencyGrid, medianGrid } = setup;
  const initial = (): SequentialState => initialSequentialState(setup);

  /** The stable version's history fixes the slow-request threshold before the canary serves (see the port). */
  function primeBaseline(s: SequentialState, history: LatencyHistogram): SequentialState {
    if (s.final || s.latency === false) return s;
    const latency = primeLatencyTest(latencyGrid, s.latency, history, o.latencyQuantile);
    const median =
      s.median === false
        ? false
        : primeLatencyTest(medianGrid, s.median ?? null, history, setup.medianQuantile, setup.medianScale);
    return latency === s.latency && median === s.median ? s : { ...s, latency, median };
  }

  function observe(s: SequentialState, batch: AnalysisBatch): { state: SequentialState; decision: Decision } {
    if (s.final) return { state: s, decision: s.final };
    const problem = batchProblem(batch);
    if (problem) return { state: s, decision: invalid(problem) };
    // A state saved by a Chimera whose grids differed (an upgrade in the middle of a step) holds likelihoods of
    // other ratios: its evidence cannot be carried over, so the step's analysis starts again.
    const fits =
      s.errors.ll.length === grid.ratios.length &&
      (!s.latency || s.latency.test.ll.length === latencyGrid.ratios.length) &&
      (!s.median || s.median.test.ll.length === medianGrid.ratios.length);
    const from = fits ? s : initial();
    const next: SequentialState = {
      v: 1,
      canary: { requests: from.canary.requests, errors: from.canary.errors },
      baseline: { requests: from.baseline.requests, errors: from.baseline.errors },
      errors: from.errors,
      latency: from.latency,
      median: from.median ?? null,
      guards: from.guards,
      final: null,
    };
    return { state: next, decision: foldBatch(setup, next, batch, false) };
  }

  /** {@link observe} modifying `s` in place: for owners of a state nobody else sees (chimera analyze). */
  function observeInPlace(s: SequentialState, batch: AnalysisBatch): Decision {
    if (s.final) return s.final;
    const problem = batchProblem(batch);
    if (problem) return invalid(problem);
    return foldBatch(setup, s, batch, true);
  }

  return {
    kind: 'sequential',
    initial,
    primeBaseline,
    observe,
    observeInPlace,
    observeRecord: (s: SequentialState, batch: AnalysisBatch, rec: SequentialRecord): Decision | null =>
      observeRecord(setup, s, batch, rec),
  };
}
