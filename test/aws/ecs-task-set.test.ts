import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  ECSClient,
} from '@aws-sdk/client-ecs';
import { DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { AlbRouter } from '../../src/providers/alb/alb-router.js';
import { albRouterConfig } from '../../src/providers/alb/config.js';
import { ecsPlatformConfig } from '../../src/providers/ecs/config.js';
import { EcsTaskSetPlatform } from '../../src/providers/ecs/task-set-platform.js';
import type { VersionTarget } from '../../src/ports/platform.js';
import { clientConfig, createAlbStack, REGIONS, uniquePrefix, type AlbStack } from './fixtures.js';
import { motoAvailable, motoEndpoint, useMotoCredentials } from './moto.js';

const REGION = REGIONS.taskSet;
const endpoint = motoEndpoint();
const available = await motoAvailable(endpoint);
const ctx = { service: 'web', dataDir: '/tmp', log: silentLogger };
const signal = (): AbortSignal => AbortSignal.timeout(30_000);
const v = (version: string, role: 'stable' | 'canary'): VersionTarget => ({ service: 'web', version, role });

describe.skipIf(!available)('ECS task-set flavour (EXTERNAL deployment controller) + ALB against moto', () => {
  let stack: AlbStack;
  let platform: EcsTaskSetPlatform;
  let router: AlbRouter;
  let ecs: ECSClient;
  let elb: ElasticLoadBalancingV2Client;

  beforeAll(async () => {
    useMotoCredentials();
    stack = await createAlbStack(endpoint!, REGION, uniquePrefix('ts'), true);
    const aws = { region: REGION, endpoint: endpoint! };
    platform = new EcsTaskSetPlatform(
      ecsPlatformConfig.parse({
        kind: 'ecs',
        ...aws,
        flavour: 'task-set',
        cluster: stack.cluster,
        service: 'web',
        image: 'registry.example/web:{version}',
        targetGroupArns: stack.targetGroups,
      }),
      ctx,
      { retryBaseDelayMs: 1 },
    );
    router = new AlbRouter(
      albRouterConfig.parse({ kind: 'alb', ...aws, listenerArn: stack.listenerArn, ruleArn: stack.ruleArn }),
      ctx,
      {
        retryBaseDelayMs: 1,
      },
    );
    ecs = new ECSClient(clientConfig(endpoint!, REGION));
    elb = new ElasticLoadBalancingV2Client(clientConfig(endpoint!, REGION));
  });
  afterAll(async () => {
    await platform?.close();
    await router?.close();
    ecs?.destroy();
    elb?.destroy();
  });

  const sets = async () =>
    ((await ecs.send(new DescribeTaskSetsCommand({ cluster: stack.cluster, service: 'web' }))).taskSets ?? []).map(
      (s) => [s.externalId ?? '', s.status],
    );
  const forward = async () =>
    (await elb.send(new DescribeRulesCommand({ RuleArns: [stack.ruleArn] }))).Rules![0]!.Actions!.find(
      (a) => a.Type === 'forward',
    )!.ForwardConfig!.TargetGroups;

  it('rolls a canary task set back: its set is deleted and its task definition deregistered', async () => {
    const stable = await platform.status(v('1.0', 'stable'), signal());
    expect(stable).toMatchObject({ ready: 2, desired: 2, refs: { targetGroupArn: stack.targetGroups[0] } });
    const canary = await platform.deploy(v('2.0', 'canary'), signal());
    expect(canary).toMatchObject({ ready: 2, refs: { family: 'web-2-0', targetGroupArn: stack.targetGroups[1] } });
    expect((await platform.deploy(v('2.0', 'canary'), signal())).refs.taskSetArn).toBe(canary.refs.taskSetArn);
    await router.reconcile({ stable, canary }, signal());
    await router.setWeight(20, signal());
    await router.finalize(stable, signal());
    await platform.remove(v('2.0', 'canary'), signal());
    expect(await sets()).toEqual([['', 'PRIMARY']]);
    expect(await forward()).toEqual([{ TargetGroupArn: stack.targetGroups[0], Weight: 100 }]);
    const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: canary.refs.taskDefinitionArn }));
    expect(td.taskDefinition?.status).toBe('INACTIVE');
  });

  it('promotes a canary task set: it becomes PRIMARY and the seed set is gone', async () => {
    const stable = await platform.status(v('1.0', 'stable'), signal());
    const canary = await platform.deploy(v('3.0', 'canary'), signal());
    await router.reconcile({ stable, canary }, signal());
    await router.setWeight(100, signal());
    await platform.promote(v('3.0', 'canary'), v('1.0', 'stable'), signal());
    const promoted = await platform.status(v('3.0', 'stable'), signal());
    await router.finalize(promoted, signal());
    await platform.remove(v('1.0', 'stable'), signal());
    expect(await sets()).toEqual([['3.0', 'PRIMARY']]);
    expect(await forward()).toEqual([{ TargetGroupArn: stack.targetGroups[1], Weight: 100 }]);
    expect((await platform.list('web', signal())).map((s) => [s.version, s.role])).toEqual([['3.0', 'stable']]);
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: ['web'] })))
      .services![0]!;
    expect(svc.status).toBe('ACTIVE');
  });
});
