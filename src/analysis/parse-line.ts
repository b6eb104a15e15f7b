import type { AnalysisBatch, CountsDelta } from '../core/measurement.js';

/** A line of `chimera analyze` read by JSON.parse (any shape the in-place reader declines). */
export type Parsed = { id: string | number; t: number | null; batch: AnalysisBatch };

export function parseLine(line: string): Parsed | string {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return 'empty line';
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return `not JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.id !== 'string' && typeof o.id !== 'number') return 'missing "id" (a string naming the stream)';
  if (o.t !== undefined && (typeof o.t !== 'number' || !Number.isFinite(o.t))) return '"t" must be a number of seconds';
  for (const side of ['canary', 'baseline'] as const) {
    if (typeof o[side] !== 'object' || o[side] === null) return `missing "${side}" ({"requests":…,"errors":…})`;
  }
  const t = typeof o.t === 'number' ? o.t : null;
  return { id: o.id, t, batch: { t: t ?? 0, canary: o.canary as CountsDelta, baseline: o.baseline as CountsDelta } };
}
