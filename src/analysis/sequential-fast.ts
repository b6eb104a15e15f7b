import type { AnalysisBatch, Decision } from '../core/measurement.js';
import { batchProblem, invalid } from './batch.js';
import { bounds } from './bound-cache.js';
import { eValue, round } from './format.js';
import { updateRatioTestInPlace } from './ratio-test.js';
import { foldBatch } from './sequential-fold.js';
import {
  recordEvidence,
  recordReason,
  type SequentialRecord,
  T_CONTINUE,
  T_HEALTHY,
  T_INCONCLUSIVE,
  T_ROLLBACK,
  WHY_BOUND,
  WHY_NOT_YET,
  WHY_RATIO,
} from './sequential-record.js';
import { decided, type SequentialSetup, type SequentialState } from './sequential-setup.js';

/**
 * The sequential analyzer's `observeInPlace` for `chimera analyze`: in the common case (no hard guards, no latency
 * test) the decision goes into `rec` (numbers and a reason template, see sequential-record.ts) and null is
 * returned; otherwise, and for every rollback, the Decision. The same state change and the same decision either
 * way.
 */
export function observeRecord(
  setup: SequentialSetup,
  s: SequentialState,
  batch: AnalysisBatch,
  rec: SequentialRecord,
): Decision | null {
  const { o, grid, errorsReadout, errorLevels, logT } = setup;
  if (s.final) return s.final;
  const problem = batchProblem(batch);
  if (problem) return invalid(problem);
  const c = batch.canary;
  const b = batch.baseline;
  if (!setup.noGuards || s.latency) return foldBatch(setup, s, batch, true);
  if (s.latency === null && c.requests + b.requests > 0) {
    if (c.latency && b.latency) return foldBatch(setup, s, batch, true);
    s.latency = false;
    s.median = false;
  }
  const level = errorLevels[0]!;
  const cn = s.canary;
  const bn = s.baseline;
  cn.requests += c.requests;
  cn.errors += c.errors;
  bn.requests += b.requests;
  bn.errors += b.errors;
  const t = s.errors;
  updateRatioTestInPlace(grid, errorsReadout, t, c.errors, c.requests, b.errors, b.requests);
  const logE = t.logE;
  const baseRate = bn.requests > 0 ? bn.errors / bn.requests : 0;
  rec.cr = cn.requests;
  rec.ce = cn.errors;
  rec.br = bn.requests;
  rec.be = bn.errors;
  rec.canaryErrorRate = round(cn.requests > 0 ? cn.errors / cn.requests : 0);
  rec.baselineErrorRate = round(baseRate);
  rec.share = t.share === null ? NaN : round(t.share);
  rec.eValue = eValue(logE);
  rec.eThreshold = level.rounded;
  rec.ratioUpper = t.upper ?? NaN;
  rec.logE = logE;
  rec.levelText = level.text;
  rec.toleranceText = setup.toleranceText;
  rec.minRequestsText = setup.minRequestsText;
  if (logE >= level.log) {
    rec.template = T_ROLLBACK;
    // Rare (once per stream) and final: a Decision, kept as the stream's answer from now on.
    return decided(s, 'rollback', recordReason(rec), recordEvidence(rec));
  }
  if (cn.requests < o.minRequests) {
    rec.template = T_INCONCLUSIVE;
    return null;
  }
  const limit = (1 + o.tolerance) * baseRate + o.absoluteTolerance;
  const byRatio = t.logTolerance >= logT;
  const errorsHealthy = byRatio || bounds.shownBelow(cn.errors, cn.requests, limit, o.alpha);
  const upper = bounds.upper(cn.errors, cn.requests, o.alpha);
  rec.upper = upper;
  rec.limit = limit;
  rec.canaryErrorRateUpper = round(upper);
  rec.healthyLimit = round(limit);
  rec.why = byRatio ? WHY_RATIO : errorsHealthy ? WHY_BOUND : WHY_NOT_YET;
  rec.template = errorsHealthy ? T_HEALTHY : T_CONTINUE;
  return null;
}
