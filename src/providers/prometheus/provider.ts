import type { LatencyHistogram, Measurement, VersionCounts } from '../../core/measurement.js';
import { ProviderError } from '../../errors.js';
import type { Role } from '../../ports/platform.js';
import type { MetricProvider, MetricQuery } from '../../ports/metric-provider.js';
import { PrometheusClient, type Sample } from './client.js';
import type { PrometheusConfig } from './config.js';
import { promDuration } from './duration.js';
import { BUILTIN_VARIABLES, QUERY_SETS, type QuerySet } from './query-sets.js';
import { checkTemplates, renderTemplate } from './template.js';

const QUANTILES = [
  ['p50', '0.5'],
  ['p90', '0.9'],
  ['p99', '0.99'],
] as const;

/** A failed read of one version: `error` when Prometheus could not answer, `no-data` when it had nothing. */
interface Failure {
  phase: 'error' | 'no-data';
  reason: string;
  /** The query matched no series at all (as opposed to NaN or an outage). */
  empty?: boolean;
}
type Read<T> = { ok: true; value: T } | ({ ok: false } & Failure);

/** How far back before the analysis the stable version's latency history reaches. */
const HISTORY_MS = 3_600_000;
const short = (expr: string): string => (expr.length > 160 ? `${expr.slice(0, 157)}...` : expr);

/**
 * Reads per-version request, error and latency numbers from Prometheus with PromQL templates. Empty results,
 * NaN, timeouts and HTTP errors become `no-data` / `error` measurements with a reason; they never pass.
 */
export class PrometheusProvider implements MetricProvider {
  readonly kind = 'prometheus';
  private readonly client: PrometheusClient;
  private readonly queries: QuerySet;
  /** Highest counts seen per rollout and version: cumulative counts must not shrink, even across a counter reset. */
  private readonly high = new Map<string, { requests: number; errors: number }>();
  /** Analyses already offered the stable version's history (see `history`). */
  private readonly historyOffered = new Set<string>();

  constructor(private readonly settings: PrometheusConfig) {
    const base: QuerySet = QUERY_SETS[settings.querySet];
    const overrides = Object.fromEntries(Object.entries(settings.queries ?? {}).filter(([, v]) => v !== undefined));
    this.queries = { ...base, ...overrides, variables: { ...base.variables, ...settings.variables } };
    const names = [...BUILTIN_VARIABLES, ...Object.keys(this.queries.variables ?? {})];
    const { requests, errors, latencyBuckets, latencySum, latencyQuantile } = this.queries;
    checkTemplates({ requests, errors, latencyBuckets, latencySum, latencyQuantile }, names);
    checkTemplates(this.queries.variables ?? {}, BUILTIN_VARIABLES);
    this.client = new PrometheusClient(settings.address, settings.timeout, settings.headers);
  }

  async measure(query: MetricQuery, signal: AbortSignal): Promise<Measurement> {
    // Prometheus holds live data: evaluate every query of this reading at one real instant (so requests, errors and
    // buckets agree), not at the controller's clock, which tests may freeze.
    const at = Date.now();
    const window = promDuration(at - query.since);
    const [stable, canary] = await Promise.all([
      this.readVersion(query, 'stable', query.stableVersion, window, at, signal),
      this.readVersion(query, 'canary', query.canaryVersion, window, at, signal),
    ]);
    // An outage outranks an empty answer: say the more serious thing.
    const failures = [stable, canary].filter((r): r is { ok: false } & Failure => !r.ok);
    const worst = failures.find((f) => f.phase === 'error') ?? failures[0];
    if (worst) return { phase: worst.phase, at: query.now, reason: worst.reason };
    if (!stable.ok || !canary.ok) throw new Error('unreachable');
    const stableHistory = await this.history(query, signal);
    return {
      phase: 'ok',
      at: query.now,
      stable: this.monotone(query, 'stable', query.stableVersion, stable.value),
      canary: this.monotone(query, 'canary', query.canaryVersion, canary.value),
      ...(stableHistory ? { stableHistory } : {}),
    };
  }

  /**
   * The stable version's latency histogram over the hour before the analysis began, once per analysis (the
   * first reading): the same bucket template, evaluated at the analysis start with the window moved an hour back.
   * It lets the analyzer fix its latency threshold at once instead of waiting for the stable version to serve
   * beside the canary. Best effort: any failure or empty answer is simply no history.
   */
  private async history(query: MetricQuery, signal: AbortSignal): Promise<LatencyHistogram | undefined> {
    const key = `${query.service}|${query.since}|${query.stableVersion}`;
    if (this.historyOffered.has(key)) return undefined;
    this.historyOffered.add(key);
    if (this.historyOffered.size > 64) this.historyOffered.delete(this.historyOffered.values().next().value!);
    const vars = {
      ...this.variables(query, 'stable', query.stableVersion, promDuration(HISTORY_MS)),
      start: ((query.since - HISTORY_MS) / 1000).toFixed(3),
    };
    const read = await this.histogram(vars, query.since, `stable ${query.stableVersion} history`, signal).catch(
      () => undefined,
    );
    return read?.ok && read.value && read.value.count > 0 ? read.value : undefined;
  }

  async online(signal: AbortSignal): Promise<void> {
    const res = await this.client.query('vector(1)', Date.now(), signal);
    if (!res.ok) {
      const retriable = res.status === undefined || res.status >= 500 || res.status === 429;
      throw new ProviderError(
        `Prometheus at ${this.settings.address} cannot be queried: ${res.reason}`,
        this.kind,
        retriable,
      );
    }
  }

  async close(): Promise<void> {}

  private variables(query: MetricQuery, role: Role, version: string, window: string): Record<string, string> {
    const builtins: Record<string, string> = {
      service: query.service,
      version,
      role,
      namespace: this.settings.namespace,
      start: (query.since / 1000).toFixed(3),
      window,
      interval: promDuration(this.settings.interval),
      quantile: '0.5',
    };
    const vars = { ...builtins };
    for (const [k, v] of Object.entries(this.queries.variables ?? {})) vars[k] = renderTemplate(v, builtins, false);
    return vars;
  }

  private async readVersion(
    query: MetricQuery,
    role: Role,
    version: string,
    window: string,
    at: number,
    signal: AbortSignal,
  ): Promise<Read<VersionCounts>> {
    const vars = this.variables(query, role, version, window);
    const who = `${role} ${version}`;
    const q = this.queries;
    const [requests, errors, latency, quantiles] = await Promise.all([
      this.scalar(q.requests, vars, at, `${who} requests`, signal),
      this.scalar(q.errors, vars, at, `${who} errors`, signal),
      this.histogram(vars, at, who, signal),
      this.quantiles(vars, at, who, signal),
    ]);
    for (const r of [requests, errors, latency, quantiles]) if (!r.ok && r.phase === 'error') return r;
    if (!requests.ok) return requests;
    // No 5xx series at all is normal (nothing failed yet), as long as requests were seen.
    const errorCount = errors.ok ? errors.value : errors.empty ? 0 : undefined;
    if (errorCount === undefined) return errors as { ok: false } & Failure;
    const counts: VersionCounts = { requests: Math.round(requests.value), errors: Math.round(errorCount) };
    if (latency.ok && latency.value) counts.latency = latency.value;
    if (quantiles.ok && Object.keys(quantiles.value).length > 0) counts.quantiles = quantiles.value;
    return { ok: true, value: counts };
  }

  private async run(expr: string, at: number, what: string, signal: AbortSignal): Promise<Read<Sample[]>> {
    const res = await this.client.query(expr, at, signal);
    if (!res.ok) return { ok: false, phase: 'error', reason: `Prometheus query for ${what} failed: ${res.reason}` };
    return { ok: true, value: res.samples };
  }

  /** One number: the sum of the template's samples. Empty or NaN is `no-data` with the query in the reason. */
  private async scalar(
    template: string,
    vars: Record<string, string>,
    at: number,
    what: string,
    signal: AbortSignal,
  ): Promise<Read<number>> {
    const expr = renderTemplate(template, vars);
    const res = await this.run(expr, at, what, signal);
    if (!res.ok) return res;
    if (res.value.length === 0)
      return { ok: false, phase: 'no-data', empty: true, reason: `no series for ${what} (${short(expr)})` };
    const value = res.value.reduce((sum, s) => sum + s.value, 0);
    if (!Number.isFinite(value)) return { ok: false, phase: 'no-data', reason: `${what} is ${value} (${short(expr)})` };
    return { ok: true, value };
  }

  private async histogram(
    vars: Record<string, string>,
    at: number,
    who: string,
    signal: AbortSignal,
  ): Promise<Read<LatencyHistogram | undefined>> {
    const { latencyBuckets, latencySum } = this.queries;
    if (!latencyBuckets || !latencySum) return { ok: true, value: undefined };
    const toMs = this.queries.latencyUnit === 's' ? 1000 : 1;
    const buckets = await this.run(renderTemplate(latencyBuckets, vars), at, `${who} latency buckets`, signal);
    if (!buckets.ok) return buckets;
    const sum = await this.scalar(latencySum, vars, at, `${who} latency sum`, signal);
    if (!sum.ok && sum.phase === 'error') return sum;
    const rows = buckets.value
      .map((s) => ({ le: Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), count: Math.round(s.value) }))
      .filter((r) => !Number.isNaN(r.le) && Number.isFinite(r.count))
      .sort((a, b) => a.le - b.le);
    const total = rows.find((r) => r.le === Infinity);
    if (!total || !sum.ok) return { ok: true, value: undefined };
    const finite = rows.filter((r) => r.le !== Infinity);
    return {
      ok: true,
      value: {
        le: finite.map((r) => r.le * toMs),
        counts: finite.map((r) => r.count),
        count: total.count,
        sum: sum.value * toMs,
      },
    };
  }

  /** p50/p90/p99 in ms; a NaN quantile (no requests in `interval`) is left out rather than reported as 0. */
  private async quantiles(
    vars: Record<string, string>,
    at: number,
    who: string,
    signal: AbortSignal,
  ): Promise<Read<NonNullable<VersionCounts['quantiles']>>> {
    const template = this.queries.latencyQuantile;
    if (!template) return { ok: true, value: {} };
    const toMs = this.queries.latencyUnit === 's' ? 1000 : 1;
    const reads = await Promise.all(
      QUANTILES.map(([, q]) => this.scalar(template, { ...vars, quantile: q }, at, `${who} latency q${q}`, signal)),
    );
    const out: NonNullable<VersionCounts['quantiles']> = {};
    for (const [i, r] of reads.entries()) {
      if (!r.ok && r.phase === 'error') return r;
      if (r.ok) out[QUANTILES[i]![0]] = r.value * toMs;
    }
    return { ok: true, value: out };
  }

  private monotone(query: MetricQuery, role: Role, version: string, counts: VersionCounts): VersionCounts {
    const key = `${query.service}|${query.since}|${role}|${version}`;
    const prev = this.high.get(key) ?? { requests: 0, errors: 0 };
    const requests = Math.max(prev.requests, counts.requests);
    const errors = Math.min(requests, Math.max(prev.errors, counts.errors));
    this.high.set(key, { requests, errors });
    if (this.high.size > 64) this.high.delete(this.high.keys().next().value!);
    return { ...counts, requests, errors };
  }
}
