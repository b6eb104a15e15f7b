import {
  AppMeshClient,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
} from '@aws-sdk/client-app-mesh';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateHttpNamespaceCommand,
  CreateServiceCommand as CreateCloudMapServiceCommand,
  GetOperationCommand,
  ListNamespacesCommand,
  RegisterInstanceCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { useEmulatorCompat } from '../../src/aws/emulator-compat.js';
import { MOTO_ACCOUNT } from './moto.js';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecurityGroupCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';

/**
 * Each suite works in its own region: moto keeps regions apart, so suites sharing one server (and reruns
 * against it) never see each other's task definition families.
 */
export const REGIONS = {
  mesh: 'us-east-1',
  alb: 'us-west-2',
  cloudwatch: 'eu-west-1',
  setup: 'eu-central-1',
  errors: 'ap-southeast-2',
  conformance: 'ca-central-1',
  taskSet: 'eu-north-1',
};

export function clientConfig(endpoint: string, region: string): { region: string; endpoint: string } {
  return { region, endpoint };
}

/** A unique prefix so suites sharing one moto server never see each other's resources. */
export function uniquePrefix(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface MeshStack {
  cluster: string;
  mesh: string;
  virtualRouter: string;
  route: string;
  service: string;
  registryArn: string;
  cloudMapServiceId: string;
}

/**
 * The stable infrastructure of the original Chimera's users, made in moto: an ECS cluster running service `web`
 * (app + Envoy sidecar, Fargate, awsvpc) registered in Cloud Map, an App Mesh with virtual node `web`
 * discovering tasks of family `web`, and a route sending 100% to it.
 */
export async function createMeshStack(endpoint: string, region: string, prefix: string): Promise<MeshStack> {
  const cfg = clientConfig(endpoint, region);
  const ecs = new ECSClient(cfg);
  const sd = new ServiceDiscoveryClient(cfg);
  const am = new AppMeshClient(cfg);
  useEmulatorCompat(am);
  const stack: MeshStack = {
    cluster: `${prefix}-cluster`,
    mesh: `${prefix}-mesh`,
    virtualRouter: 'web-router',
    route: 'web-route',
    service: 'web',
    registryArn: '',
    cloudMapServiceId: '',
  };
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: stack.cluster }));
    const namespaceName = `${prefix}.local`;
    const ns = await sd.send(new CreateHttpNamespaceCommand({ Name: namespaceName }));
    await sd.send(new GetOperationCommand({ OperationId: ns.OperationId }));
    const namespaces = await sd.send(new ListNamespacesCommand({}));
    const namespaceId = namespaces.Namespaces?.find((n) => n.Name === namespaceName)?.Id;
    const cm = await sd.send(
      new CreateCloudMapServiceCommand({
        Name: 'web',
        NamespaceId: namespaceId,
        HealthCheckCustomConfig: { FailureThreshold: 1 },
      }),
    );
    stack.registryArn = cm.Service!.Arn!;
    stack.cloudMapServiceId = cm.Service!.Id!;

    await am.send(new CreateMeshCommand({ meshName: stack.mesh }));
    await am.send(
      new CreateVirtualNodeCommand({
        meshName: stack.mesh,
        virtualNodeName: 'web',
        spec: {
          listeners: [{ portMapping: { port: 8080, protocol: 'http' } }],
          serviceDiscovery: {
            awsCloudMap: {
              namespaceName,
              serviceName: 'web',
              attributes: [{ key: 'ECS_TASK_DEFINITION_FAMILY', value: 'web' }],
            },
          },
        },
      }),
    );
    await am.send(
      new CreateVirtualRouterCommand({
        meshName: stack.mesh,
        virtualRouterName: stack.virtualRouter,
        spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] },
      }),
    );
    await am.send(
      new CreateRouteCommand({
        meshName: stack.mesh,
        virtualRouterName: stack.virtualRouter,
        routeName: stack.route,
        spec: {
          httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'web', weight: 100 }] } },
        },
      }),
    );

    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        executionRoleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/ecsTaskExecutionRole`,
        containerDefinitions: [
          { name: 'app', image: 'registry.example/web:1.0', essential: true, portMappings: [{ containerPort: 8080 }] },
          {
            name: 'envoy',
            image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.27.3.0-prod',
            essential: true,
            user: '1337',
            environment: [
              {
                name: 'APPMESH_RESOURCE_ARN',
                value: `arn:aws:appmesh:${region}:${MOTO_ACCOUNT}:mesh/${stack.mesh}/virtualNode/web`,
              },
              { name: 'ENVOY_LOG_LEVEL', value: 'info' },
            ],
          },
        ],
        proxyConfiguration: {
          type: 'APPMESH',
          containerName: 'envoy',
          properties: [
            { name: 'AppPorts', value: '8080' },
            { name: 'ProxyIngressPort', value: '15000' },
            { name: 'IgnoredUID', value: '1337' },
          ],
        },
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: stack.cluster,
        serviceName: 'web',
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: await network(endpoint, region, prefix),
        serviceRegistries: [{ registryArn: stack.registryArn }],
      }),
    );
    await registerTasks(sd, stack.cloudMapServiceId, 'web', 2);
    return stack;
  } finally {
    ecs.destroy();
    sd.destroy();
    am.destroy();
  }
}

/** What ECS does when a task starts in a service with a Cloud Map registry: register it with its family attribute. */
export async function registerTasks(
  sd: ServiceDiscoveryClient,
  serviceId: string,
  family: string,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await sd.send(
      new RegisterInstanceCommand({
        ServiceId: serviceId,
        InstanceId: `${family}-task-${i}`,
        Attributes: { AWS_INSTANCE_IPV4: `127.0.0.${10 + i}`, ECS_TASK_DEFINITION_FAMILY: family },
      }),
    );
  }
}

/** A subnet of moto's default VPC and a fresh security group in it, as a Fargate service needs. */
export async function network(
  endpoint: string,
  region: string,
  prefix: string,
): Promise<{ awsvpcConfiguration: { subnets: string[]; securityGroups: string[] } }> {
  const ec2 = new EC2Client(clientConfig(endpoint, region));
  try {
    const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!;
    const sg = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `${prefix}-web`, Description: 'web tasks', VpcId: subnet.VpcId }),
    );
    return { awsvpcConfiguration: { subnets: [subnet.SubnetId!], securityGroups: [sg.GroupId!] } };
  } finally {
    ec2.destroy();
  }
}

export interface AlbStack {
  cluster: string;
  service: string;
  loadBalancerArn: string;
  listenerArn: string;
  ruleArn: string;
  targetGroups: [string, string];
}

/**
 * The stable infrastructure of an ECS user on ALB, made in moto: service `web` (Fargate, awsvpc) registered in
 * target group A, a second target group B for canaries, an ALB whose listener's default action and one path rule
 * forward to A.
 */
export async function createAlbStack(
  endpoint: string,
  region: string,
  prefix: string,
  external = false,
): Promise<AlbStack> {
  const cfg = clientConfig(endpoint, region);
  const ecs = new ECSClient(cfg);
  const ec2 = new EC2Client(cfg);
  const elb = new ElasticLoadBalancingV2Client(cfg);
  try {
    const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!;
    const vpc = subnets[0]!.VpcId!;
    const lb = await elb.send(
      new CreateLoadBalancerCommand({
        Name: `${prefix}-alb`,
        Subnets: subnets.slice(0, 2).map((s) => s.SubnetId!),
        Type: 'application',
      }),
    );
    const tg = async (suffix: string): Promise<string> =>
      (
        await elb.send(
          new CreateTargetGroupCommand({
            Name: `${prefix}-${suffix}`,
            Protocol: 'HTTP',
            Port: 8080,
            VpcId: vpc,
            TargetType: 'ip',
          }),
        )
      ).TargetGroups![0]!.TargetGroupArn!;
    const targetGroups: [string, string] = [await tg('a'), await tg('b')];
    const listener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancers![0]!.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroups[0] }],
      }),
    );
    const listenerArn = listener.Listeners![0]!.ListenerArn!;
    const rule = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
        Actions: [
          { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroups[0], Weight: 1 }] } },
        ],
      }),
    );
    const cluster = `${prefix}-cluster`;
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${prefix}-web`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          // Container-level memory: moto's task-set emulation sums it when placing tasks.
          {
            name: 'app',
            image: 'registry.example/web:1.0',
            essential: true,
            memory: 256,
            portMappings: [{ containerPort: 8080 }],
          },
        ],
      }),
    );
    const networkConfiguration = await network(endpoint, region, prefix);
    const loadBalancers = [{ targetGroupArn: targetGroups[0], containerName: 'app', containerPort: 8080 }];
    if (external) {
      // EXTERNAL deployment controller: the service holds task sets; the seed set (no externalId) is PRIMARY.
      await ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: 'web',
          desiredCount: 2,
          deploymentController: { type: 'EXTERNAL' },
        }),
      );
      const set = await ecs.send(
        new CreateTaskSetCommand({
          cluster,
          service: 'web',
          taskDefinition: td.taskDefinition!.taskDefinitionArn,
          launchType: 'FARGATE',
          networkConfiguration,
          loadBalancers,
          scale: { unit: 'PERCENT', value: 100 },
        }),
      );
      await ecs.send(
        new UpdateServicePrimaryTaskSetCommand({ cluster, service: 'web', primaryTaskSet: set.taskSet!.taskSetArn }),
      );
    } else {
      await ecs.send(
        new CreateServiceCommand({
          cluster,
          serviceName: 'web',
          taskDefinition: td.taskDefinition!.taskDefinitionArn,
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration,
          loadBalancers,
        }),
      );
    }
    return {
      cluster,
      service: 'web',
      loadBalancerArn: lb.LoadBalancers![0]!.LoadBalancerArn!,
      listenerArn,
      ruleArn: rule.Rules![0]!.RuleArn!,
      targetGroups,
    };
  } finally {
    ecs.destroy();
    ec2.destroy();
    elb.destroy();
  }
}
