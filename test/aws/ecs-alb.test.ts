import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { ecsPlatformConfig } from '../../src/providers/ecs/config.js';
import { EcsPlatform } from '../../src/providers/ecs/ecs-platform.js';
import { albRouterConfig } from '../../src/providers/alb/config.js';
import { AlbRouter } from '../../src/providers/alb/alb-router.js';
import { cloudWatchMetricsConfig } from '../../src/providers/cloudwatch/config.js';
import { CloudWatchProvider } from '../../src/providers/cloudwatch/cloudwatch-provider.js';
import type { VersionTarget } from '../../src/ports/platform.js';
import { clientConfig, createAlbStack, REGIONS, uniquePrefix, type AlbStack } from './fixtures.js';
import { motoAvailable, motoEndpoint, useMotoCredentials } from './moto.js';

const REGION = REGIONS.alb;
const endpoint = motoEndpoint();
const available = await motoAvailable(endpoint);
const ctx = { service: 'web', dataDir: '/tmp', log: silentLogger };
const signal = (): AbortSignal => AbortSignal.timeout(30_000);
const v = (version: string, role: 'stable' | 'canary'): VersionTarget => ({ service: 'web', version, role });

describe.skipIf(!available)('ECS platform + ALB router + CloudWatch ALB metrics against moto', () => {
  let stack: AlbStack;
  let platform: EcsPlatform;
  let router: AlbRouter;
  let listenerRouter: AlbRouter;
  let metrics: CloudWatchProvider;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    useMotoCredentials();
    stack = await createAlbStack(endpoint!, REGION, uniquePrefix('alb'));
    const aws = { region: REGION, endpoint: endpoint! };
    platform = new EcsPlatform(
      ecsPlatformConfig.parse({
        kind: 'ecs',
        ...aws,
        cluster: stack.cluster,
        service: 'web',
        image: 'registry.example/web:{version}',
        targetGroupArns: stack.targetGroups,
      }),
      ctx,
      { retryBaseDelayMs: 1 },
    );
    router = new AlbRouter(
      albRouterConfig.parse({
        kind: 'alb',
        ...aws,
        listenerArn: stack.listenerArn,
        ruleArn: stack.ruleArn,
        stickiness: '10m',
      }),
      ctx,
      { retryBaseDelayMs: 1 },
    );
    listenerRouter = new AlbRouter(
      albRouterConfig.parse({ kind: 'alb', ...aws, listenerArn: stack.listenerArn }),
      ctx,
      {
        retryBaseDelayMs: 1,
      },
    );
    metrics = new CloudWatchProvider(
      cloudWatchMetricsConfig.parse({
        kind: 'cloudwatch',
        ...aws,
        source: 'alb',
        cluster: stack.cluster,
        service: 'web',
        loadBalancer: stack.loadBalancerArn,
      }),
      ctx,
      { retryBaseDelayMs: 1 },
    );
    ecs = new ECSClient(clientConfig(endpoint!, REGION));
    elb = new ElasticLoadBalancingV2Client(clientConfig(endpoint!, REGION));
    cw = new CloudWatchClient(clientConfig(endpoint!, REGION));
  });

  afterAll(async () => {
    for (const p of [platform, router, listenerRouter, metrics]) await p?.close();
    ecs?.destroy();
    elb?.destroy();
    cw?.destroy();
  });

  const ruleForward = async () => {
    const rule = (await elb.send(new DescribeRulesCommand({ RuleArns: [stack.ruleArn] }))).Rules![0]!;
    return rule.Actions!.find((a) => a.Type === 'forward')!.ForwardConfig!;
  };
  const weights = async (): Promise<number[]> => {
    const fc = await ruleForward();
    return stack.targetGroups.map((tg) => fc.TargetGroups!.find((t) => t.TargetGroupArn === tg)?.Weight ?? 0);
  };
  const activeServices = async (names: string[]): Promise<string[]> =>
    ((await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: names }))).services ?? [])
      .filter((s) => s.status === 'ACTIVE')
      .map((s) => s.serviceName!);
  /** What an ALB reports per target group each minute: requests and target 5xx. */
  const albWrites = async (targetGroupArn: string, requests: number, errors: number): Promise<void> => {
    const dims = [
      { Name: 'TargetGroup', Value: targetGroupArn.slice(targetGroupArn.indexOf('targetgroup/')) },
      { Name: 'LoadBalancer', Value: /app\/[^/]+\/[^/]+/.exec(stack.loadBalancerArn)![0] },
    ];
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          { MetricName: 'RequestCount', Dimensions: dims, Value: requests, Unit: 'Count', Timestamp: new Date() },
          {
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: dims,
            Value: errors,
            Unit: 'Count',
            Timestamp: new Date(),
          },
        ],
      }),
    );
  };
  const window = () => ({ since: Date.now() - 5 * 60_000, now: Date.now() + 60_000 });

  it('runs the canary behind the other target group and rolls a faulty one back', async () => {
    const canary = await platform.deploy(v('2.0', 'canary'), signal());
    expect(canary).toMatchObject({
      ready: 2,
      desired: 2,
      refs: { serviceName: 'web-2-0', targetGroupArn: stack.targetGroups[1] },
    });
    const stable = await platform.status(v('1.0', 'stable'), signal());
    expect(stable.refs.targetGroupArn).toBe(stack.targetGroups[0]);

    // No metrics yet: never healthy.
    const none = await metrics.measure(
      { service: 'web', stableVersion: '1.0', canaryVersion: '2.0', ...window() },
      signal(),
    );
    expect(none.phase).toBe('no-data');

    await router.reconcile({ stable, canary }, signal());
    expect(await weights()).toEqual([100, 0]);
    await router.setWeight(25, signal());
    expect(await weights()).toEqual([75, 25]);
    expect((await ruleForward()).TargetGroupStickinessConfig).toEqual({ Enabled: true, DurationSeconds: 600 });
    expect(await router.getRoutes(signal())).toEqual({ canaryWeight: 25, stableVersion: '1.0', canaryVersion: '2.0' });

    // The load balancer counts a failing canary.
    await albWrites(stack.targetGroups[0], 300, 1);
    await albWrites(stack.targetGroups[1], 100, 40);
    const m = await metrics.measure(
      { service: 'web', stableVersion: '1.0', canaryVersion: '2.0', ...window() },
      signal(),
    );
    expect(m).toMatchObject({
      phase: 'ok',
      stable: { requests: 300, errors: 1 },
      canary: { requests: 100, errors: 40 },
    });

    await router.finalize(stable, signal());
    await platform.remove(v('2.0', 'canary'), signal());
    const fc = await ruleForward();
    expect(fc.TargetGroups).toEqual([{ TargetGroupArn: stack.targetGroups[0], Weight: 100 }]);
    expect((await router.getRoutes(signal())).canaryWeight).toBe(0);
    expect(await activeServices(['web', 'web-2-0'])).toEqual(['web']);
  });

  it('promotes a healthy canary: the rule forwards only to its target group and the old service is gone', async () => {
    const canary = await platform.deploy(v('3.0', 'canary'), signal());
    const stable = await platform.status(v('1.0', 'stable'), signal());
    expect(canary.refs.targetGroupArn).toBe(stack.targetGroups[1]);
    await router.reconcile({ stable, canary }, signal());
    await router.setWeight(100, signal());
    await platform.promote(v('3.0', 'canary'), v('1.0', 'stable'), signal());
    const promoted = await platform.status(v('3.0', 'stable'), signal());
    await router.finalize(promoted, signal());
    await platform.remove(v('1.0', 'stable'), signal());
    expect((await ruleForward()).TargetGroups).toEqual([{ TargetGroupArn: stack.targetGroups[1], Weight: 100 }]);
    expect(await activeServices(['web', 'web-3-0'])).toEqual(['web-3-0']);

    // The next canary alternates back to the first target group.
    const next = await platform.deploy(v('4.0', 'canary'), signal());
    expect(next.refs.targetGroupArn).toBe(stack.targetGroups[0]);
    await platform.remove(v('4.0', 'canary'), signal());
  });

  it('weights the listener default action when no rule is named', async () => {
    const stable = await platform.status(v('3.0', 'stable'), signal());
    const canary = await platform.deploy(v('5.0', 'canary'), signal());
    await listenerRouter.reconcile({ stable, canary }, signal());
    await listenerRouter.setWeight(5, signal());
    const listener = (await elb.send(new DescribeListenersCommand({ ListenerArns: [stack.listenerArn] })))
      .Listeners![0]!;
    expect(listener.DefaultActions![0]!.ForwardConfig!.TargetGroups).toEqual([
      { TargetGroupArn: stack.targetGroups[1], Weight: 95 },
      { TargetGroupArn: stack.targetGroups[0], Weight: 5 },
    ]);
    expect((await listenerRouter.getRoutes(signal())).canaryWeight).toBe(5);
    await listenerRouter.finalize(stable, signal());
    await platform.remove(v('5.0', 'canary'), signal());
  });
});
