import type { AnalysisBatch, CountsDelta, Decision } from '../core/measurement.js';

/** What is wrong with a batch, or null when every count is a whole number ≥ 0 and errors ≤ requests. */
export function batchProblem(batch: AnalysisBatch): string | null {
  if (typeof batch !== 'object' || batch === null) return 'batch is not an object';
  if (typeof batch.t !== 'number' || !Number.isFinite(batch.t)) return 't must be a number of seconds';
  return versionProblem('canary', batch.canary) ?? versionProblem('baseline', batch.baseline);
}

function versionProblem(name: string, d: CountsDelta | undefined): string | null {
  if (typeof d !== 'object' || d === null) return `${name} is missing`;
  for (const field of ['requests', 'errors'] as const) {
    const v = d[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      // Negative deltas mean a counter reset upstream: never guess, report.
      return `${name}.${field} must be a whole number ≥ 0, got ${JSON.stringify(v) ?? 'nothing'}`;
    }
  }
  if (d.errors > d.requests) return `${name}.errors (${d.errors}) exceeds ${name}.requests (${d.requests})`;
  return null;
}

/** A batch that cannot be read changes nothing and decides nothing. */
export function invalid(problem: string): Decision {
  return { verdict: 'inconclusive', reason: `invalid batch ignored: ${problem}`, evidence: { invalid: true } };
}
