import * as z from 'zod';
import { awsConnectionFields, awsNameSchema } from '../../aws/config.js';
import { duration } from '../../spec/units.js';

/**
 * `metrics.kind: cloudwatch` — per-version counts from CloudWatch GetMetricData.
 *
 * `source: envoy` reads `envoy_http_downstream_rq_xx` by `envoy_response_code_class` per task family, as the
 * CloudWatch agent of `chimera aws setup` writes it from each Envoy's Prometheus endpoint (the original
 * Chimera's metrics). `source: alb` reads `RequestCount`, `HTTPCode_Target_5XX_Count` and
 * `TargetResponseTime` per target group from `AWS/ApplicationELB`. Either way a version's family or target group
 * is found from its ECS service (`cluster`, `service`: the same as the `ecs` platform's).
 *
 * @example
 * metrics:
 *   kind: cloudwatch
 *   region: eu-west-1
 *   source: alb
 *   cluster: shop
 *   service: web
 *   loadBalancer: arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188
 */
export const cloudWatchMetricsConfig = z
  .strictObject({
    kind: z.literal('cloudwatch'),
    ...awsConnectionFields,
    source: z.enum(['envoy', 'alb']),
    /** ECS cluster of the service (its `ClusterName` dimension for Envoy metrics). */
    cluster: z.string().min(1),
    /** Base name of the ECS service, as in the `ecs` platform. */
    service: awsNameSchema,
    /** Namespace the CloudWatch agent writes Envoy metrics to. */
    namespace: z.string().min(1).default('ECS/ContainerInsights/Prometheus'),
    /** Envoy's HTTP connection manager whose requests count: `ingress` is traffic into the version. */
    connManagerPrefix: z.string().min(1).default('ingress'),
    /** The ALB (ARN or `app/<name>/<id>`): its `LoadBalancer` dimension. Required for `source: alb`. */
    loadBalancer: z.string().min(1).optional(),
    /** TargetResponseTime percentiles to report (ALB only): any of p50, p90, p99. */
    latencyPercentiles: z.array(z.enum(['p50', 'p90', 'p99'])).default([]),
    /** CloudWatch period the sums are read at (a multiple of 60s; CloudWatch keeps 1-minute data 15 days). */
    period: duration({ min: 60_000, max: 3_600_000 }).prefault('60s'),
  })
  .superRefine((c, ctx) => {
    if (c.source === 'alb' && !c.loadBalancer) {
      ctx.addIssue({ code: 'custom', path: ['loadBalancer'], message: 'required when source is alb' });
    }
    if (c.period % 60_000 !== 0)
      ctx.addIssue({ code: 'custom', path: ['period'], message: 'must be a multiple of 60s' });
  });

export type CloudWatchMetricsConfig = z.output<typeof cloudWatchMetricsConfig>;
