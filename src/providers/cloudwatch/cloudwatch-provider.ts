import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { AwsRunner } from '../../aws/call.js';
import { awsClientConfig } from '../../aws/client.js';
import { EcsServiceLookup } from '../../aws/ecs-services.js';
import { errorMessage } from '../../errors.js';
import type { Measurement, VersionCounts } from '../../core/measurement.js';
import type { MetricProvider, MetricQuery } from '../../ports/metric-provider.js';
import type { ProviderContext } from '../context.js';
import type { CloudWatchMetricsConfig } from './config.js';
import { clusterName, ENVOY_METRIC, RESPONSE_CLASSES, versionQueries, type VersionDims } from './queries.js';
import { familyOf } from '../ecs/service-spec.js';

export interface CloudWatchProviderOptions {
  retryBaseDelayMs?: number;
}

/** Sums and datapoint counts by query id. */
type Results = Map<string, { sum: number; points: number; last?: number }>;

/** CloudWatch metric provider (Envoy via the CloudWatch agent, or ALB target groups). */
export class CloudWatchProvider implements MetricProvider {
  readonly kind = 'cloudwatch';
  private readonly cw: CloudWatchClient;
  private readonly ecs: ECSClient;
  private readonly aws: AwsRunner;
  private readonly lookup: EcsServiceLookup;
  private readonly dims = new Map<string, VersionDims>();

  constructor(
    private readonly config: CloudWatchMetricsConfig,
    private readonly ctx: ProviderContext,
    opts: CloudWatchProviderOptions = {},
  ) {
    const client = awsClientConfig(config);
    this.cw = new CloudWatchClient(client);
    this.ecs = new ECSClient(client);
    this.aws = new AwsRunner('cloudwatch', config.maxAttempts, opts.retryBaseDelayMs);
    this.lookup = new EcsServiceLookup(this.ecs, this.aws, config.cluster, config.service);
  }

  /**
   * Counts each version served from `since` to `now`. A version CloudWatch has no datapoint for is `no-data`
   * (never healthy: an agent that stopped writing looks exactly like this); a failed query is `error`.
   */
  async measure(query: MetricQuery, signal: AbortSignal): Promise<Measurement> {
    const at = query.now;
    try {
      const stable = await this.versionDims(query.stableVersion, 'stable', signal);
      const canary = await this.versionDims(query.canaryVersion, 'canary', signal);
      if (!canary) return { phase: 'error', at, reason: `no ECS service runs canary version ${query.canaryVersion}` };
      if (!stable) return { phase: 'error', at, reason: `no ECS service runs stable version ${query.stableVersion}` };
      const results = await this.fetch(query, stable, canary, signal);
      const c = this.counts('c', results);
      if (!c)
        return {
          phase: 'no-data',
          at,
          reason: `CloudWatch has no ${this.metricName()} for canary ${this.label(canary)} since the analysis began`,
        };
      const s = this.counts('s', results) ?? { requests: 0, errors: 0 };
      return { phase: 'ok', at, stable: s, canary: c };
    } catch (err) {
      return { phase: 'error', at, reason: `CloudWatch query failed: ${errorMessage(err).split('\n')[0]}` };
    }
  }

  /** Checks that CloudWatch answers with these credentials (ListMetrics on the namespace read). */
  async online(signal: AbortSignal): Promise<void> {
    const Namespace = this.config.source === 'envoy' ? this.config.namespace : 'AWS/ApplicationELB';
    await this.aws.run('ListMetrics', `metrics in ${Namespace}`, signal, (s) =>
      this.cw.send(new ListMetricsCommand({ Namespace, MetricName: this.metricName() }), { abortSignal: s }),
    );
  }

  close(): Promise<void> {
    this.cw.destroy();
    this.ecs.destroy();
    return Promise.resolve();
  }

  private metricName(): string {
    return this.config.source === 'envoy' ? ENVOY_METRIC : 'RequestCount';
  }

  private label(v: VersionDims): string {
    return this.config.source === 'envoy' ? `task family ${v.family}` : `target group ${v.targetGroupArn}`;
  }

  /** A version's family and target group, from its ECS service; cached, as a version's service never changes them. */
  private async versionDims(
    version: string,
    role: 'stable' | 'canary',
    signal: AbortSignal,
  ): Promise<VersionDims | undefined> {
    const cached = this.dims.get(version);
    if (cached) return cached;
    const svc = await this.lookup.forVersion(version, role, signal);
    if (!svc?.taskDefinition) return undefined;
    const dims: VersionDims = { family: familyOf(svc.taskDefinition) };
    const tg = svc.loadBalancers?.[0]?.targetGroupArn;
    if (tg) dims.targetGroupArn = tg;
    if (this.config.source === 'alb' && !tg) {
      throw new Error(`ECS service ${svc.serviceName} has no target group, but metrics.source is alb`);
    }
    this.dims.set(version, dims);
    return dims;
  }

  private async fetch(
    query: MetricQuery,
    stable: VersionDims,
    canary: VersionDims,
    signal: AbortSignal,
  ): Promise<Results> {
    const period = this.config.period;
    const start = Math.floor(query.since / period) * period;
    const end = Math.max(start + period, Math.ceil(query.now / period) * period);
    const ctx = {
      namespace: this.config.namespace,
      cluster: clusterName(this.config.cluster),
      connManagerPrefix: this.config.connManagerPrefix,
      loadBalancer: this.config.loadBalancer,
      periodSeconds: period / 1000,
      windowSeconds: (end - start) / 1000,
      percentiles: this.config.latencyPercentiles,
    };
    const queries: MetricDataQuery[] = [
      ...versionQueries(this.config.source, 's', stable, ctx),
      ...versionQueries(this.config.source, 'c', canary, ctx),
    ];
    const results: Results = new Map();
    let NextToken: string | undefined;
    do {
      const out = await this.aws.run('GetMetricData', `metrics of ${this.config.service}`, signal, (s) =>
        this.cw.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(start),
            EndTime: new Date(end),
            NextToken,
          }),
          { abortSignal: s },
        ),
      );
      for (const r of out.MetricDataResults ?? []) {
        const acc = results.get(r.Id ?? '') ?? { sum: 0, points: 0 };
        for (const value of r.Values ?? []) {
          acc.sum += value;
          acc.points++;
          acc.last = value;
        }
        results.set(r.Id ?? '', acc);
      }
      NextToken = out.NextToken;
    } while (NextToken);
    this.ctx.log.debug({ queries: queries.length, start, end }, 'CloudWatch GetMetricData');
    return results;
  }

  /** One version's counts, or undefined when CloudWatch returned no datapoint for it at all. */
  private counts(p: 's' | 'c', results: Results): VersionCounts | undefined {
    const get = (id: string) => results.get(`${p}${id}`) ?? { sum: 0, points: 0 };
    if (this.config.source === 'envoy') {
      const classes = RESPONSE_CLASSES.map((cls) => get(`x${cls}`));
      if (classes.every((c) => c.points === 0)) return undefined;
      return { requests: classes.reduce((n, c) => n + c.sum, 0), errors: get('x5').sum };
    }
    const req = get('req');
    if (req.points === 0) return undefined;
    const counts: VersionCounts = { requests: req.sum, errors: get('err').sum };
    const quantiles: NonNullable<VersionCounts['quantiles']> = {};
    for (const pc of this.config.latencyPercentiles) {
      const v = get(pc);
      // TargetResponseTime is in seconds; Chimera's latencies are milliseconds.
      if (v.points > 0 && v.last !== undefined) quantiles[pc] = v.last * 1000;
    }
    if (Object.keys(quantiles).length) counts.quantiles = quantiles;
    return counts;
  }
}
