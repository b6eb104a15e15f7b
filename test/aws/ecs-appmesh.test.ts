import {
  AppMeshClient,
  DescribeRouteCommand,
  DescribeVirtualNodeCommand,
  ListVirtualNodesCommand,
} from '@aws-sdk/client-app-mesh';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmulatorCompat } from '../../src/aws/emulator-compat.js';
import { silentLogger } from '../../src/logger.js';
import { ecsPlatformConfig } from '../../src/providers/ecs/config.js';
import { EcsPlatform } from '../../src/providers/ecs/ecs-platform.js';
import { appMeshRouterConfig } from '../../src/providers/appmesh/config.js';
import { AppMeshRouter } from '../../src/providers/appmesh/appmesh-router.js';
import type { VersionTarget } from '../../src/ports/platform.js';
import { clientConfig, createMeshStack, REGIONS, registerTasks, uniquePrefix, type MeshStack } from './fixtures.js';
import { motoAvailable, motoEndpoint, useMotoCredentials } from './moto.js';

const REGION = REGIONS.mesh;
const endpoint = motoEndpoint();
const available = await motoAvailable(endpoint);
const ctx = { service: 'web', dataDir: '/tmp', log: silentLogger };
const signal = (): AbortSignal => AbortSignal.timeout(30_000);
const v = (version: string, role: 'stable' | 'canary'): VersionTarget => ({ service: 'web', version, role });

describe.skipIf(!available)('ECS platform + App Mesh router against moto (the original flow)', () => {
  let stack: MeshStack;
  let platform: EcsPlatform;
  let router: AppMeshRouter;
  let ecs: ECSClient;
  let am: AppMeshClient;
  let sd: ServiceDiscoveryClient;

  beforeAll(async () => {
    useMotoCredentials();
    stack = await createMeshStack(endpoint!, REGION, uniquePrefix('flow'));
    const aws = { region: REGION, endpoint: endpoint! };
    platform = new EcsPlatform(
      ecsPlatformConfig.parse({
        kind: 'ecs',
        ...aws,
        cluster: stack.cluster,
        service: 'web',
        container: 'app',
        image: 'registry.example/web:{version}',
      }),
      ctx,
      { retryBaseDelayMs: 1 },
    );
    router = new AppMeshRouter(
      appMeshRouterConfig.parse({
        kind: 'appmesh',
        ...aws,
        mesh: stack.mesh,
        virtualRouter: stack.virtualRouter,
        route: stack.route,
      }),
      ctx,
      { retryBaseDelayMs: 1 },
    );
    ecs = new ECSClient(clientConfig(endpoint!, REGION));
    am = new AppMeshClient(clientConfig(endpoint!, REGION));
    useEmulatorCompat(am);
    sd = new ServiceDiscoveryClient(clientConfig(endpoint!, REGION));
  });

  afterAll(async () => {
    await platform?.close();
    await router?.close();
    ecs?.destroy();
    am?.destroy();
    sd?.destroy();
  });

  const routeTargets = async (): Promise<Array<[string, number]>> => {
    const out = await am.send(
      new DescribeRouteCommand({
        meshName: stack.mesh,
        virtualRouterName: stack.virtualRouter,
        routeName: stack.route,
      }),
    );
    return (out.route!.spec!.httpRoute!.action!.weightedTargets ?? []).map((t) => [t.virtualNode!, t.weight!]);
  };
  const nodes = async (): Promise<string[]> =>
    ((await am.send(new ListVirtualNodesCommand({ meshName: stack.mesh }))).virtualNodes ?? [])
      .map((n) => n.virtualNodeName!)
      .sort();
  const activeServices = async (names: string[]): Promise<string[]> =>
    ((await ecs.send(new DescribeServicesCommand({ cluster: stack.cluster, services: names }))).services ?? [])
      .filter((s) => s.status === 'ACTIVE')
      .map((s) => s.serviceName!);
  const tdStatus = async (arn: string): Promise<string | undefined> =>
    (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition?.status;

  it('adopts the seed service as the stable version, with its virtual node in refs', async () => {
    const stable = await platform.status(v('1.0', 'stable'), signal());
    expect(stable).toMatchObject({
      ready: 2,
      desired: 2,
      refs: { serviceName: 'web', family: 'web', virtualNode: 'web', mesh: stack.mesh },
    });
    expect(await platform.status(v('2.0', 'canary'), signal())).toMatchObject({ ready: 0, refs: {} });
  });

  it('rolls a faulty canary back: route stable 100, canary service deleted, its task definition deregistered', async () => {
    // Given a canary deployed beside the stable version
    const deployed = await platform.deploy(v('2.0', 'canary'), signal());
    expect(deployed.refs).toMatchObject({ serviceName: 'web-2-0', family: 'web-2-0', virtualNode: 'web-2-0' });
    // Its tasks run, but App Mesh sees none until Cloud Map reports them healthy.
    expect(deployed.ready).toBe(0);
    expect(deployed.message).toMatch(/healthy in Cloud Map/);
    await registerTasks(sd, stack.cloudMapServiceId, 'web-2-0', 2);
    const canary = await platform.status(v('2.0', 'canary'), signal());
    expect(canary.ready).toBe(2);
    // Deploying again adopts instead of duplicating.
    expect((await platform.deploy(v('2.0', 'canary'), signal())).refs.taskDefinitionArn).toBe(
      canary.refs.taskDefinitionArn,
    );

    // The task definition is the stable one with a new image; Envoy's settings are kept, its node renamed.
    const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: canary.refs.taskDefinitionArn })))
      .taskDefinition!;
    const app = td.containerDefinitions!.find((c) => c.name === 'app')!;
    const envoy = td.containerDefinitions!.find((c) => c.name === 'envoy')!;
    expect(app.image).toBe('registry.example/web:2.0');
    expect(envoy.user).toBe('1337');
    expect(envoy.environment).toContainEqual({ name: 'ENVOY_LOG_LEVEL', value: 'info' });
    expect(envoy.environment!.find((e) => e.name === 'APPMESH_RESOURCE_ARN')!.value).toMatch(/virtualNode\/web-2-0$/);
    expect(envoy.dockerLabels).toMatchObject({ ECS_PROMETHEUS_EXPORTER_PORT: '9901' });
    expect(td.proxyConfiguration?.type).toBe('APPMESH');
    expect([td.cpu, td.memory, td.networkMode]).toEqual(['256', '512', 'awsvpc']);

    // The canary node discovers only the new family's tasks.
    const node = await am.send(new DescribeVirtualNodeCommand({ meshName: stack.mesh, virtualNodeName: 'web-2-0' }));
    expect(node.virtualNode!.spec!.serviceDiscovery!.awsCloudMap!.attributes).toEqual([
      { key: 'ECS_TASK_DEFINITION_FAMILY', value: 'web-2-0' },
    ]);

    // When traffic shifts, the route names both nodes and reads back the weight.
    const stable = await platform.status(v('1.0', 'stable'), signal());
    await router.reconcile({ stable, canary }, signal());
    expect(await routeTargets()).toEqual([
      ['web', 100],
      ['web-2-0', 0],
    ]);
    await router.setWeight(10, signal());
    expect(await routeTargets()).toEqual([
      ['web', 90],
      ['web-2-0', 10],
    ]);
    expect(await router.getRoutes(signal())).toEqual({ canaryWeight: 10, stableVersion: '1.0', canaryVersion: '2.0' });

    // Then the rollback, in the controller's order: route to stable, then remove the canary.
    await router.finalize(await platform.status(v('1.0', 'stable'), signal()), signal());
    await platform.remove(v('2.0', 'canary'), signal());
    expect(await routeTargets()).toEqual([['web', 100]]);
    expect((await router.getRoutes(signal())).canaryWeight).toBe(0);
    expect(await nodes()).toEqual(['web']);
    expect(await activeServices(['web', 'web-2-0'])).toEqual(['web']);
    expect(await tdStatus(canary.refs.taskDefinitionArn!)).toBe('INACTIVE');
    // Removing again is harmless.
    await platform.remove(v('2.0', 'canary'), signal());
  });

  it('promotes a healthy canary, leaving only the new version', async () => {
    const stableTd = (await platform.status(v('1.0', 'stable'), signal())).refs.taskDefinitionArn!;
    await platform.deploy(v('3.0', 'canary'), signal());
    await registerTasks(sd, stack.cloudMapServiceId, 'web-3-0', 2);
    const canary = await platform.status(v('3.0', 'canary'), signal());
    expect(canary.ready).toBe(2);
    const stable = await platform.status(v('1.0', 'stable'), signal());
    await router.reconcile({ stable, canary }, signal());
    for (const w of [10, 50, 100]) {
      await router.setWeight(w, signal());
      expect((await router.getRoutes(signal())).canaryWeight).toBe(w);
    }
    // The controller's promote: platform.promote, status of the new stable, finalize, remove the old.
    await platform.promote(v('3.0', 'canary'), v('1.0', 'stable'), signal());
    const promoted = await platform.status(v('3.0', 'stable'), signal());
    expect(promoted).toMatchObject({ ready: 2, refs: { serviceName: 'web-3-0', virtualNode: 'web-3-0' } });
    await router.finalize(promoted, signal());
    await platform.remove(v('1.0', 'stable'), signal());

    expect(await routeTargets()).toEqual([['web-3-0', 100]]);
    expect(await nodes()).toEqual(['web-3-0']);
    expect(await activeServices(['web', 'web-2-0', 'web-3-0'])).toEqual(['web-3-0']);
    expect(await tdStatus(stableTd)).toBe('INACTIVE');
    expect((await platform.list('web', signal())).map((s) => [s.version, s.role])).toEqual([['3.0', 'stable']]);
  });

  it('rolls out again from a version Chimera made (no seed left)', async () => {
    await platform.deploy(v('4.0', 'canary'), signal());
    await registerTasks(sd, stack.cloudMapServiceId, 'web-4-0', 2);
    const canary = await platform.status(v('4.0', 'canary'), signal());
    const stable = await platform.status(v('3.0', 'stable'), signal());
    expect(canary.refs.virtualNode).toBe('web-4-0');
    await router.reconcile({ stable, canary }, signal());
    await router.setWeight(100, signal());
    await platform.promote(v('4.0', 'canary'), v('3.0', 'stable'), signal());
    await router.finalize(await platform.status(v('4.0', 'stable'), signal()), signal());
    await platform.remove(v('3.0', 'stable'), signal());
    expect(await routeTargets()).toEqual([['web-4-0', 100]]);
    expect(await nodes()).toEqual(['web-4-0']);
    expect(await activeServices(['web-3-0', 'web-4-0'])).toEqual(['web-4-0']);
  });
});
