import type { AnalysisBatch, Decision, Evidence } from '../core/measurement.js';
import { num, pct } from './format.js';

/**
 * The hot path of `chimera analyze` in sequential mode: instead of a finished reason string and an evidence object
 * per line, the analyzer fills this fixed-layout record (the numbers and which reason template applies) and the
 * stream writes the line's bytes from it directly (`record-writer.ts`). Only the common case takes it — no hard
 * guards configured and no latency test running; everything else, and every rollback (which must be kept as the
 * stream's final Decision), still comes back as a `Decision`. The engine never sees records: `observe` is unchanged.
 *
 * {@link recordReason} and {@link recordEvidence} give the reason and evidence the record stands for, exactly as the
 * Decision path builds them; the writer's bytes equal `JSON.stringify` of those (property-tested).
 */
export class SequentialRecord {
  /** Which reason template: {@link T_INCONCLUSIVE}, {@link T_HEALTHY}, {@link T_CONTINUE} or {@link T_ROLLBACK}. */
  template = 0;
  /** Which "why" of the error test, for healthy/continue: {@link WHY_RATIO}, {@link WHY_BOUND}, {@link WHY_NOT_YET}. */
  why = 0;
  /** Cumulative counts. */
  cr = 0;
  ce = 0;
  br = 0;
  be = 0;
  /** Evidence numbers, already rounded as they appear in the evidence. */
  canaryErrorRate = 0;
  baselineErrorRate = 0;
  /** canaryShare; NaN stands for null (a share is always in (0, 1)). */
  share = NaN;
  eValue = 0;
  eThreshold = 0;
  /** ratioUpper; NaN stands for null (unbounded). */
  ratioUpper = NaN;
  canaryErrorRateUpper = 0;
  healthyLimit = 0;
  /** Unrounded numbers the reason shows. */
  logE = 0;
  upper = 0;
  limit = 0;
  /** Per-analyzer texts: the e-value threshold, 1 + tolerance, the minimum requests. */
  levelText = '';
  toleranceText = '';
  minRequestsText = '';
}

export const T_ROLLBACK = 0;
export const T_INCONCLUSIVE = 1;
export const T_HEALTHY = 2;
export const T_CONTINUE = 3;
export const WHY_RATIO = 0;
export const WHY_BOUND = 1;
export const WHY_NOT_YET = 2;

/** An analyzer with the record entry point (the sequential one). */
export interface RecordAnalyzer<S = unknown> {
  /**
   * Same state change as `observeInPlace(state, batch)`. Returns null when the decision was written into `rec`
   * (a healthy, continue or inconclusive decision of the common case); otherwise returns the Decision itself.
   */
  observeRecord(state: S, batch: AnalysisBatch, rec: SequentialRecord): Decision | null;
}

/** The analyzer's record entry point when it has one. */
export function recordAnalyzer<S>(a: unknown): RecordAnalyzer<S> | null {
  return typeof (a as Partial<RecordAnalyzer<S>>).observeRecord === 'function' ? (a as RecordAnalyzer<S>) : null;
}

export const VERDICTS: readonly Decision['verdict'][] = ['rollback', 'inconclusive', 'healthy', 'continue'];

/** The counts part of every reason: "canary 1/10 = 10% errors vs baseline 0/90 = 0%". */
export function recordCounts(r: SequentialRecord): string {
  return `canary ${r.ce}/${r.cr} = ${pct(r.cr > 0 ? r.ce / r.cr : 0)} errors vs baseline ${r.be}/${r.br} = ${pct(r.br > 0 ? r.be / r.br : 0)}`;
}

/** The reason the record stands for. */
export function recordReason(r: SequentialRecord): string {
  const counts = recordCounts(r);
  switch (r.template) {
    case T_ROLLBACK:
      return `canary fails more than baseline: ${counts}; e-value ${num(Math.exp(r.logE))} ≥ ${r.levelText}`;
    case T_INCONCLUSIVE:
      return `too little canary traffic: ${r.cr} of the ${r.minRequestsText} requests needed (${counts}); holding`;
    default: {
      const why =
        r.why === WHY_RATIO
          ? `error rate shown ≤ baseline × ${r.toleranceText} (ratio bound ${num(Number.isNaN(r.ratioUpper) ? Infinity : r.ratioUpper)})`
          : r.why === WHY_BOUND
            ? `error rate shown ≤ ${pct(r.limit)} (bound ${pct(r.upper)})`
            : `error rate bound ${pct(r.upper)} not yet ≤ ${pct(r.limit)}; e-value ${num(Math.exp(r.logE))} of ${r.levelText}`;
      return `${r.template === T_HEALTHY ? 'canary healthy' : 'no decision yet'}: ${counts}, ${why}`;
    }
  }
}

/** The evidence the record stands for (keys in the Decision path's order). */
export function recordEvidence(r: SequentialRecord): Evidence {
  const e: Evidence = {
    canaryRequests: r.cr,
    canaryErrors: r.ce,
    baselineRequests: r.br,
    baselineErrors: r.be,
    canaryErrorRate: r.canaryErrorRate,
    baselineErrorRate: r.baselineErrorRate,
    canaryShare: Number.isNaN(r.share) ? null : r.share,
    eValue: r.eValue,
    eThreshold: r.eThreshold,
    ratioUpper: Number.isNaN(r.ratioUpper) ? null : r.ratioUpper,
  };
  if (r.template === T_HEALTHY || r.template === T_CONTINUE) {
    e.canaryErrorRateUpper = r.canaryErrorRateUpper;
    e.healthyLimit = r.healthyLimit;
  }
  return e;
}
