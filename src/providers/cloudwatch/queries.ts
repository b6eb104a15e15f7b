import type { Dimension, MetricDataQuery } from '@aws-sdk/client-cloudwatch';

/** What identifies one version in CloudWatch: its task family (Envoy) or target group (ALB). */
export interface VersionDims {
  family: string;
  targetGroupArn?: string;
}

export const ENVOY_METRIC = 'envoy_http_downstream_rq_xx';
export const RESPONSE_CLASSES = ['1', '2', '3', '4', '5'] as const;

export interface QueryContext {
  namespace: string;
  cluster: string;
  connManagerPrefix: string;
  /** `app/<name>/<id>` */
  loadBalancer?: string;
  periodSeconds: number;
  /** Whole window in seconds (for percentiles, read as one period). */
  windowSeconds: number;
  percentiles: string[];
}

/** `targetgroup/<name>/<id>`, the TargetGroup dimension, from a target group ARN. */
export function targetGroupDimension(arn: string): string {
  const i = arn.indexOf('targetgroup/');
  return i === -1 ? arn : arn.slice(i);
}

/** `app/<name>/<id>`, the LoadBalancer dimension, from a load balancer or listener ARN (or itself). */
export function loadBalancerDimension(value: string): string {
  const m = /(app\/[^/]+\/[^/]+)/.exec(value);
  return m ? m[1]! : value;
}

/** The cluster name when given an ECS cluster ARN. */
export function clusterName(value: string): string {
  return value.includes(':cluster/') ? value.split(':cluster/')[1]! : value;
}

/**
 * GetMetricData queries for one version, ids prefixed by `p` (`s` stable, `c` canary):
 * Envoy — `<p>x1`…`<p>x5`, Sum of each response class; ALB — `<p>req`, `<p>err` (Sums) and `<p>p99`… (latency).
 */
export function versionQueries(source: 'envoy' | 'alb', p: string, v: VersionDims, q: QueryContext): MetricDataQuery[] {
  if (source === 'envoy') {
    return RESPONSE_CLASSES.map((cls) => ({
      Id: `${p}x${cls}`,
      ReturnData: true,
      MetricStat: {
        Period: q.periodSeconds,
        Stat: 'Sum',
        Metric: {
          Namespace: q.namespace,
          MetricName: ENVOY_METRIC,
          Dimensions: [
            { Name: 'ClusterName', Value: q.cluster },
            { Name: 'TaskDefinitionFamily', Value: v.family },
            { Name: 'envoy_http_conn_manager_prefix', Value: q.connManagerPrefix },
            { Name: 'envoy_response_code_class', Value: cls },
          ],
        },
      },
    }));
  }
  const dims: Dimension[] = [
    { Name: 'TargetGroup', Value: targetGroupDimension(v.targetGroupArn ?? '') },
    { Name: 'LoadBalancer', Value: loadBalancerDimension(q.loadBalancer ?? '') },
  ];
  const metric = (id: string, name: string, stat: string, period: number): MetricDataQuery => ({
    Id: `${p}${id}`,
    ReturnData: true,
    MetricStat: {
      Period: period,
      Stat: stat,
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: name, Dimensions: dims },
    },
  });
  return [
    metric('req', 'RequestCount', 'Sum', q.periodSeconds),
    metric('err', 'HTTPCode_Target_5XX_Count', 'Sum', q.periodSeconds),
    ...q.percentiles.map((pc) => metric(pc, 'TargetResponseTime', pc, q.windowSeconds)),
  ];
}
