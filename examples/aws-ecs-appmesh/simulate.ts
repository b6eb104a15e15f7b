/**
 * Stands in for what moto cannot do: AWS running tasks and a CloudWatch agent scraping Envoy.
 *   `setup`    creates the stable infrastructure (ECS service `web` 1.0 with Envoy, Cloud Map, App Mesh route).
 *   `traffic`  every second: registers the tasks of each new ECS service in Cloud Map (as ECS does), reads the
 *              route's weights and writes `envoy_http_downstream_rq_xx` for RPS (default 2000) requests/s split by them (as the
 *              agent would). Versions named in FAULTY (comma-separated) answer 30% of requests with 5xx.
 * Run with AWS_ENDPOINT_URL pointing at moto.
 */
import { AppMeshClient, DescribeRouteCommand } from '@aws-sdk/client-app-mesh';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, ListServicesCommand } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { useEmulatorCompat } from '../../src/aws/emulator-compat.js';
import { versionResourceName } from '../../src/aws/naming.js';
import { createMeshStack, registerTasks } from '../../test/aws/fixtures.js';

const endpoint = process.env.AWS_ENDPOINT_URL!;
const region = 'us-east-1';
const cluster = 'shop-cluster';
const rps = Number(process.env.RPS ?? 2000);
const faulty = new Set(
  (process.env.FAULTY ?? '')
    .split(',')
    .filter(Boolean)
    .map((v) => versionResourceName('web', v)),
);

async function traffic(): Promise<void> {
  const cfg = { region, endpoint };
  const ecs = new ECSClient(cfg);
  const sd = new ServiceDiscoveryClient(cfg);
  const am = new AppMeshClient(cfg);
  useEmulatorCompat(am);
  const cw = new CloudWatchClient(cfg);
  const registered = new Set<string>(['web']);
  for (;;) {
    const arns = (await ecs.send(new ListServicesCommand({ cluster }))).serviceArns ?? [];
    const services = arns.length
      ? ((await ecs.send(new DescribeServicesCommand({ cluster, services: arns }))).services ?? [])
      : [];
    for (const svc of services) {
      const family = svc.taskDefinition!.split('/').pop()!.replace(/:\d+$/, '');
      const registry = svc.serviceRegistries?.[0]?.registryArn;
      if (svc.status === 'ACTIVE' && registry && !registered.has(family)) {
        await registerTasks(sd, registry.split('/').pop()!, family, svc.desiredCount ?? 1);
        registered.add(family);
      }
    }
    const route = await am.send(
      new DescribeRouteCommand({ meshName: 'shop-mesh', virtualRouterName: 'web-router', routeName: 'web-route' }),
    );
    const targets = route.route!.spec!.httpRoute!.action!.weightedTargets ?? [];
    const total = targets.reduce((n, t) => n + (t.weight ?? 0), 0) || 1;
    for (const t of targets) {
      const family = t.virtualNode!; // Chimera names each version's node after its task family
      const requests = Math.round((rps * (t.weight ?? 0)) / total);
      const errors = faulty.has(family) ? Math.round(requests * 0.3) : 0;
      const dims = (cls: string) => [
        { Name: 'ClusterName', Value: cluster },
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
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const mode = process.argv[2];
if (mode === 'setup') await createMeshStack(endpoint, region, 'shop');
else if (mode === 'traffic') await traffic();
else throw new Error('usage: simulate.ts setup|traffic');
