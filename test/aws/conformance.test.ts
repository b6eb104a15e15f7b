import { createServer, connect, type Server, type Socket } from 'node:net';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { describe } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { describeRouterConformance } from '../../src/ports/traffic-router.conformance.js';
import { describeMetricProviderConformance } from '../../src/ports/metric-provider.conformance.js';
import type { VersionStatus } from '../../src/ports/platform.js';
import { AppMeshRouter } from '../../src/providers/appmesh/appmesh-router.js';
import { appMeshRouterConfig } from '../../src/providers/appmesh/config.js';
import { AlbRouter } from '../../src/providers/alb/alb-router.js';
import { albRouterConfig } from '../../src/providers/alb/config.js';
import { CloudWatchProvider } from '../../src/providers/cloudwatch/cloudwatch-provider.js';
import { cloudWatchMetricsConfig } from '../../src/providers/cloudwatch/config.js';
import { EcsPlatform } from '../../src/providers/ecs/ecs-platform.js';
import { ecsPlatformConfig } from '../../src/providers/ecs/config.js';
import { clientConfig, createAlbStack, createMeshStack, REGIONS, registerTasks, uniquePrefix } from './fixtures.js';
import { motoAvailable, motoEndpoint, useMotoCredentials } from './moto.js';

const endpoint = motoEndpoint();
const available = await motoAvailable(endpoint);
const ctx = { service: 'web', dataDir: '/tmp', log: silentLogger };
const fast = { retryBaseDelayMs: 1 };

const version = (v: string, role: 'stable' | 'canary', refs: Record<string, string>): VersionStatus => ({
  service: 'web',
  version: v,
  role,
  desired: 1,
  ready: 1,
  endpoints: [],
  refs,
});

/** A loopback TCP relay to moto that a test can close, so "the back-end is unreachable" is real. */
async function relay(target: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  const url = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(url.port), url.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!available)('AWS providers run the port conformance suites against moto', () => {
  describeRouterConformance('appmesh (moto)', async () => {
    useMotoCredentials();
    const region = REGIONS.conformance;
    const stack = await createMeshStack(endpoint!, region, uniquePrefix('conf'));
    const router = new AppMeshRouter(
      appMeshRouterConfig.parse({
        kind: 'appmesh',
        region,
        endpoint,
        mesh: stack.mesh,
        virtualRouter: stack.virtualRouter,
        route: stack.route,
      }),
      ctx,
      fast,
    );
    return {
      router,
      stable: version('1.0', 'stable', { virtualNode: 'web', family: 'web' }),
      canary: version('2.0', 'canary', { virtualNode: 'web-2-0', family: 'web-2-0' }),
      cleanup: () => router.close(),
    };
  });

  describeRouterConformance('alb (moto)', async () => {
    useMotoCredentials();
    const region = REGIONS.conformance;
    const stack = await createAlbStack(endpoint!, region, uniquePrefix('conf'));
    const router = new AlbRouter(
      albRouterConfig.parse({ kind: 'alb', region, endpoint, listenerArn: stack.listenerArn, ruleArn: stack.ruleArn }),
      ctx,
      fast,
    );
    return {
      router,
      stable: version('1.0', 'stable', { targetGroupArn: stack.targetGroups[0] }),
      canary: version('2.0', 'canary', { targetGroupArn: stack.targetGroups[1] }),
      cleanup: () => router.close(),
    };
  });

  describeMetricProviderConformance('cloudwatch envoy (moto)', async () => {
    useMotoCredentials();
    const region = REGIONS.cloudwatch;
    const stack = await createMeshStack(endpoint!, region, uniquePrefix('cw'));
    const aws = { region, endpoint: endpoint! };
    // The canary's ECS service tells the provider its task family.
    const platform = new EcsPlatform(
      ecsPlatformConfig.parse({
        kind: 'ecs',
        ...aws,
        cluster: stack.cluster,
        service: 'web',
        image: 'registry.example/web:{version}',
      }),
      ctx,
      fast,
    );
    await platform.deploy({ service: 'web', version: '2.0', role: 'canary' }, AbortSignal.timeout(30_000));
    const sd = new ServiceDiscoveryClient(clientConfig(endpoint!, region));
    await registerTasks(sd, stack.cloudMapServiceId, 'web-2-0', 1);
    sd.destroy();
    const link = await relay(endpoint!);
    const provider = new CloudWatchProvider(
      cloudWatchMetricsConfig.parse({
        kind: 'cloudwatch',
        region,
        endpoint: link.endpoint,
        maxAttempts: 2,
        source: 'envoy',
        cluster: stack.cluster,
        service: 'web',
      }),
      ctx,
      fast,
    );
    const cw = new CloudWatchClient(clientConfig(endpoint!, region));
    // What the CloudWatch agent writes from each Envoy's /stats/prometheus: per-interval request counts by class.
    const write = async (family: string, requests: number, errors: number): Promise<void> => {
      const dims = (cls: string) => [
        { Name: 'ClusterName', Value: stack.cluster },
        { Name: 'TaskDefinitionFamily', Value: family },
        { Name: 'envoy_http_conn_manager_prefix', Value: 'ingress' },
        { Name: 'envoy_response_code_class', Value: cls },
      ];
      await cw.send(
        new PutMetricDataCommand({
          Namespace: 'ECS/ContainerInsights/Prometheus',
          MetricData: [
            {
              MetricName: 'envoy_http_downstream_rq_xx',
              Dimensions: dims('2'),
              Value: requests - errors,
              Timestamp: new Date(),
            },
            { MetricName: 'envoy_http_downstream_rq_xx', Dimensions: dims('5'), Value: errors, Timestamp: new Date() },
          ],
        }),
      );
    };
    const now = Date.now();
    return {
      provider,
      query: { service: 'web', stableVersion: '1.0', canaryVersion: '2.0', since: now - 5 * 60_000, now: now + 60_000 },
      drive: async ({ stable, canary }) => {
        if (stable) await write('web', stable.requests, stable.errors);
        if (canary) await write('web-2-0', canary.requests, canary.errors);
      },
      stop: () => link.close(),
      cleanup: async () => {
        await link.close();
        await provider.close();
        await platform.close();
        cw.destroy();
      },
    };
  });
});
