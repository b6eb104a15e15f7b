import { diffHistogram, histogramQuantile } from '../core/histogram.js';
import type { Measurement, VersionCounts } from '../core/measurement.js';
import type { LogEntry, RolloutState } from '../core/rollout.js';

/** Rates over the last metrics interval, per version, for live display. */
export interface LiveRates {
  canary: { rps: number; errorRate: number; p99?: number };
  stable: { rps: number; errorRate: number; p99?: number };
}

/** Turns successive cumulative measurements into per-interval rates. */
export class RateTracker {
  private last = new Map<string, Extract<Measurement, { phase: 'ok' }>>();

  update(rolloutId: string, m: Measurement): LiveRates | undefined {
    if (m.phase !== 'ok') return undefined;
    const prev = this.last.get(rolloutId);
    this.last.set(rolloutId, m);
    if (!prev) return undefined;
    const seconds = Math.max(0.001, (m.at - prev.at) / 1000);
    return { canary: rate(m.canary, prev.canary, seconds), stable: rate(m.stable, prev.stable, seconds) };
  }
}

function rate(now: VersionCounts, before: VersionCounts, seconds: number): LiveRates['canary'] {
  const requests = Math.max(0, now.requests - before.requests);
  const errors = Math.max(0, now.errors - before.errors);
  const p99 = now.latency ? histogramQuantile(diffHistogram(now.latency, before.latency), 0.99) : now.quantiles?.p99;
  return {
    rps: requests / seconds,
    errorRate: requests > 0 ? errors / requests : 0,
    ...(p99 !== undefined ? { p99 } : {}),
  };
}

export function weightBar(weight: number, width = 20): string {
  const filled = Math.round((Math.max(0, Math.min(100, weight)) / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
const ms = (x: number | undefined): string => (x === undefined ? '–' : `${x.toFixed(0)}ms`);

/** One plain line per log entry: what a pipe or a CI log gets. */
export function plainLine(state: RolloutState, entry: LogEntry): string {
  const time = new Date(entry.at).toISOString().slice(11, 19);
  return `${time} ${state.service} ${state.fromVersion}→${state.toVersion} [${entry.type}] ${entry.reason}`;
}

/** The live block a terminal shows for one rollout. */
export function liveBlock(state: RolloutState, rates?: LiveRates): string[] {
  const head = `${state.service}  ${state.fromVersion} → ${state.toVersion}  ${state.phase.toUpperCase()}`;
  const bar = `  canary ${weightBar(state.weight)} ${state.weight.toFixed(0).padStart(3)}%  step ${Math.max(0, state.stepIndex) + 1}/${state.plan.steps.length}`;
  const lines = [head, bar];
  if (rates) {
    lines.push(
      `  errors   canary ${pct(rates.canary.errorRate).padStart(7)}   stable ${pct(rates.stable.errorRate).padStart(7)}`,
      `  p99      canary ${ms(rates.canary.p99).padStart(7)}   stable ${ms(rates.stable.p99).padStart(7)}   ` +
        `(${rates.canary.rps.toFixed(0)} / ${rates.stable.rps.toFixed(0)} req/s)`,
    );
  }
  lines.push(`  ${state.reason}`);
  return lines;
}
