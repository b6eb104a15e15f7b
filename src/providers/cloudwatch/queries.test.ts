import { describe, expect, it } from 'vitest';
import { cloudWatchMetricsConfig } from './config.js';
import { clusterName, loadBalancerDimension, targetGroupDimension, versionQueries } from './queries.js';

const ctx = {
  namespace: 'ECS/ContainerInsights/Prometheus',
  cluster: 'shop',
  connManagerPrefix: 'ingress',
  loadBalancer: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188',
  periodSeconds: 60,
  windowSeconds: 600,
  percentiles: ['p99'],
};

describe('CloudWatch queries', () => {
  it('asks Envoy for each response class of one task family, with the dimensions the agent writes', () => {
    const q = versionQueries('envoy', 'c', { family: 'web-2-0' }, ctx);
    expect(q.map((x) => x.Id)).toEqual(['cx1', 'cx2', 'cx3', 'cx4', 'cx5']);
    expect(q[4]!.MetricStat!.Metric!.Dimensions).toEqual([
      { Name: 'ClusterName', Value: 'shop' },
      { Name: 'TaskDefinitionFamily', Value: 'web-2-0' },
      { Name: 'envoy_http_conn_manager_prefix', Value: 'ingress' },
      { Name: 'envoy_response_code_class', Value: '5' },
    ]);
  });

  it('asks the ALB for requests, target 5xx and latency percentiles of one target group', () => {
    const tg = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-b/6c7f38911dc9ba0c';
    const q = versionQueries('alb', 's', { family: 'web', targetGroupArn: tg }, ctx);
    expect(q.map((x) => [x.Id, x.MetricStat!.Metric!.MetricName, x.MetricStat!.Stat, x.MetricStat!.Period])).toEqual([
      ['sreq', 'RequestCount', 'Sum', 60],
      ['serr', 'HTTPCode_Target_5XX_Count', 'Sum', 60],
      ['sp99', 'TargetResponseTime', 'p99', 600],
    ]);
    expect(q[0]!.MetricStat!.Metric!.Dimensions).toEqual([
      { Name: 'TargetGroup', Value: 'targetgroup/web-b/6c7f38911dc9ba0c' },
      { Name: 'LoadBalancer', Value: 'app/shop/50dc6c495c0c9188' },
    ]);
  });

  it('derives dimensions from ARNs', () => {
    expect(targetGroupDimension('arn:aws:elasticloadbalancing:r:1:targetgroup/a/b')).toBe('targetgroup/a/b');
    expect(loadBalancerDimension('arn:aws:elasticloadbalancing:r:1:listener/app/shop/1/2')).toBe('app/shop/1');
    expect(clusterName('arn:aws:ecs:eu-west-1:123456789012:cluster/shop')).toBe('shop');
  });

  it('requires a load balancer for ALB metrics and a whole-minute period', () => {
    const base = { kind: 'cloudwatch', region: 'eu-west-1', cluster: 'shop', service: 'web' };
    expect(cloudWatchMetricsConfig.safeParse({ ...base, source: 'alb' }).error?.issues[0]?.path).toEqual([
      'loadBalancer',
    ]);
    expect(cloudWatchMetricsConfig.safeParse({ ...base, source: 'envoy', period: '90s' }).success).toBe(false);
    expect(cloudWatchMetricsConfig.parse({ ...base, source: 'envoy' }).period).toBe(60_000);
  });
});
