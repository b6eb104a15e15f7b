/**
 * Stands in for what moto cannot do: an ALB serving traffic and reporting it to CloudWatch.
 *   `setup`    creates the stable infrastructure (ECS service `web` 1.0 in target group A, target group B, an ALB
 *              whose rule forwards to A) and prints its ARNs as JSON.
 *   `traffic`  every second: reads the rule's weights and writes, per target group, the `RequestCount` and
 *              `HTTPCode_Target_5XX_Count` of RPS (default 2000) requests/s split by them, as the ALB would.
 *              Versions named in FAULTY (comma-separated) answer 30% with 5xx.
 * Run with AWS_ENDPOINT_URL pointing at moto.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, ListServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { versionResourceName } from '../../src/aws/naming.js';
import { createAlbStack } from '../../test/aws/fixtures.js';

const endpoint = process.env.AWS_ENDPOINT_URL!;
const region = 'us-west-2';
const cluster = 'shop-cluster';
const rps = Number(process.env.RPS ?? 2000);
const faulty = new Set(
  (process.env.FAULTY ?? '')
    .split(',')
    .filter(Boolean)
    .map((v) => versionResourceName('web', v)),
);

async function traffic(ruleArn: string, loadBalancerArn: string): Promise<void> {
  const cfg = { region, endpoint };
  const ecs = new ECSClient(cfg);
  const elb = new ElasticLoadBalancingV2Client(cfg);
  const cw = new CloudWatchClient(cfg);
  const lb = /app\/[^/]+\/[^/]+/.exec(loadBalancerArn)![0];
  for (;;) {
    // Which version's service sits in which target group.
    const arns = (await ecs.send(new ListServicesCommand({ cluster }))).serviceArns ?? [];
    const services = arns.length
      ? ((await ecs.send(new DescribeServicesCommand({ cluster, services: arns }))).services ?? [])
      : [];
    const serviceOf = new Map(
      services.filter((s) => s.status === 'ACTIVE').map((s) => [s.loadBalancers?.[0]?.targetGroupArn, s.serviceName!]),
    );
    const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules![0]!;
    const groups = rule.Actions!.find((a) => a.Type === 'forward')!.ForwardConfig!.TargetGroups ?? [];
    const total = groups.reduce((n, g) => n + (g.Weight ?? 0), 0) || 1;
    for (const g of groups) {
      const requests = Math.round((rps * (g.Weight ?? 0)) / total);
      const errors = faulty.has(serviceOf.get(g.TargetGroupArn) ?? '') ? Math.round(requests * 0.3) : 0;
      const dims = [
        { Name: 'TargetGroup', Value: g.TargetGroupArn!.slice(g.TargetGroupArn!.indexOf('targetgroup/')) },
        { Name: 'LoadBalancer', Value: lb },
      ];
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/ApplicationELB',
          MetricData: [
            { MetricName: 'RequestCount', Dimensions: dims, Value: requests, Timestamp: new Date() },
            { MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: dims, Value: errors, Timestamp: new Date() },
          ],
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const mode = process.argv[2];
if (mode === 'setup') console.log(JSON.stringify(await createAlbStack(endpoint, region, 'shop')));
else if (mode === 'traffic') await traffic(process.argv[3]!, process.argv[4]!);
else throw new Error('usage: simulate.ts setup | traffic RULE_ARN LOAD_BALANCER_ARN');
