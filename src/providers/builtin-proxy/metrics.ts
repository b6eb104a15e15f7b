import type { LatencyHistogram, Measurement, VersionCounts } from '../../core/measurement.js';
import { ConfigError, errorMessage, ProviderError } from '../../errors.js';
import type { MetricProvider, MetricQuery } from '../../ports/metric-provider.js';
import type { ProviderContext } from '../context.js';
import { AdminClient } from './admin-client.js';
import type { BuiltinProxyMetricsConfig } from './config.js';
import { proxyPaths } from './paths.js';
import { tokenSource } from './token-source.js';

/** `GET /admin/counters` as the proxy serves it. */
export interface CountersResponse {
  service: string | null;
  /** Epoch ms the proxy process started; its counters count from then. */
  startedAt: number;
  stableVersion: string | null;
  canaryVersion: string | null;
  canaryWeight: number;
  versions: Record<string, VersionCounts>;
}

const ZERO: VersionCounts = { requests: 0, errors: 0 };

/**
 * Per-version counts from the proxy's own counters. A version the proxy routes to but that has served nothing
 * yet is `ok` with zeros (a quiet canary is data, not an error); a version the proxy has never routed to is
 * `no-data`; an unreachable proxy is `error`. The proxy's counters restart at zero when the proxy restarts:
 * this provider notices (its start time changes) and adds what it had seen before, so the counts it reports stay
 * monotone within one controller run.
 */
export class BuiltinProxyMetrics implements MetricProvider {
  readonly kind = 'builtin-proxy';
  private readonly client: AdminClient;
  private epoch: number | undefined;
  private last: Record<string, VersionCounts> = {};
  private carried: Record<string, VersionCounts> = {};

  constructor(config: BuiltinProxyMetricsConfig, ctx: ProviderContext) {
    if (!config.admin) throw new ConfigError('metrics.admin: the address of the proxy admin API is required');
    const paths = proxyPaths(ctx.dataDir, ctx.service);
    this.client = new AdminClient(config.admin, tokenSource(config.tokenEnv, paths.token, false));
  }

  async measure(query: MetricQuery, signal: AbortSignal): Promise<Measurement> {
    let c: CountersResponse;
    try {
      c = await this.client.get<CountersResponse>('/admin/counters', signal);
    } catch (err) {
      signal.throwIfAborted();
      return { phase: 'error', at: query.now, reason: errorMessage(err) };
    }
    this.noteRestart(c);
    const known = new Set([c.stableVersion, c.canaryVersion, ...Object.keys(c.versions), ...Object.keys(this.carried)]);
    for (const [role, version] of [
      ['stable', query.stableVersion],
      ['canary', query.canaryVersion],
    ] as const) {
      if (!known.has(version)) {
        return {
          phase: 'no-data',
          at: query.now,
          reason: `the proxy at ${this.client.address} has never routed to ${role} version ${version} (it routes stable ${c.stableVersion ?? 'none'}, canary ${c.canaryVersion ?? 'none'})`,
        };
      }
    }
    return {
      phase: 'ok',
      at: query.now,
      stable: this.total(query.stableVersion),
      canary: this.total(query.canaryVersion),
    };
  }

  async online(signal: AbortSignal): Promise<void> {
    const probe = await this.client.probe(signal);
    if (probe.state !== 'ours')
      throw new ProviderError(`built-in proxy metrics: ${probe.reason}`, 'builtin-proxy', true);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private noteRestart(c: CountersResponse): void {
    if (this.epoch !== undefined && c.startedAt !== this.epoch) {
      for (const [v, counts] of Object.entries(this.last)) this.carried[v] = add(this.carried[v] ?? ZERO, counts);
    }
    this.epoch = c.startedAt;
    this.last = c.versions;
  }

  private total(version: string): VersionCounts {
    const now = this.last[version] ?? ZERO;
    const before = this.carried[version];
    return before ? add(before, now) : { requests: now.requests, errors: now.errors, latency: now.latency };
  }
}

function add(a: VersionCounts, b: VersionCounts): VersionCounts {
  return { requests: a.requests + b.requests, errors: a.errors + b.errors, latency: addLatency(a.latency, b.latency) };
}

function addLatency(a?: LatencyHistogram, b?: LatencyHistogram): LatencyHistogram | undefined {
  if (!a || !b) return a ?? b;
  return {
    le: a.le,
    counts: a.counts.map((n, i) => n + (b.counts[i] ?? 0)),
    count: a.count + b.count,
    sum: a.sum + b.sum,
  };
}
