import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AwsRunner } from '../call.js';
import { awsClientConfig } from '../client.js';
import type { AwsConnection } from '../config.js';
import { AwsProviderError } from '../errors.js';
import { sameContainers } from '../../providers/ecs/task-definition.js';
import {
  AGENT_DISCOVERY_POLICY,
  AGENT_LOGS_POLICY,
  AGENT_NAME,
  agentTaskDefinition,
  ECS_TASKS_TRUST,
} from './cwagent.js';

export interface SetupOptions {
  connection: AwsConnection;
  cluster: string;
  vpc: string;
  subnets: string[];
  /** Security groups of the services whose Envoy the agent scrapes: each gets 9901 open to the agent only. */
  serviceSecurityGroups: string[];
  namespace: string;
}

export interface SetupResult {
  securityGroupId: string;
  taskRoleArn: string;
  executionRoleArn: string;
  taskDefinitionArn: string;
  serviceArn: string;
  /** Every network rule setup made sure of, in words. */
  rules: string[];
}

/**
 * The one-time preparation of a cluster for Envoy metrics (the original Chimera's "setup"), idempotent: run it
 * again and it changes only what is missing. Unlike the original, which opened Envoy's admin port 9901 to
 * 0.0.0.0/0, the agent gets its own security group, and 9901 on the services is open to that group alone.
 */
export async function awsSetup(o: SetupOptions, signal: AbortSignal, retryBaseDelayMs?: number): Promise<SetupResult> {
  const client = awsClientConfig(o.connection);
  const ec2 = new EC2Client(client);
  const iam = new IAMClient(client);
  const ecs = new ECSClient(client);
  const aws = new AwsRunner('aws-setup', o.connection.maxAttempts, retryBaseDelayMs);
  try {
    const rules: string[] = [];
    const sg = await agentSecurityGroup(ec2, aws, o.vpc, signal);
    // Egress: AWS APIs over HTTPS, and Envoy's admin port on the scraped services; nothing else.
    await ignoreCode(['InvalidPermission.NotFound'], () =>
      aws.run('RevokeSecurityGroupEgress', `security group ${sg}`, signal, (s) =>
        ec2.send(
          new RevokeSecurityGroupEgressCommand({
            GroupId: sg,
            IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
          }),
          { abortSignal: s },
        ),
      ),
    );
    await ignoreCode(['InvalidPermission.Duplicate'], () =>
      aws.run('AuthorizeSecurityGroupEgress', `security group ${sg}`, signal, (s) =>
        ec2.send(
          new AuthorizeSecurityGroupEgressCommand({
            GroupId: sg,
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: 443,
                ToPort: 443,
                IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'AWS APIs' }],
              },
            ],
          }),
          { abortSignal: s },
        ),
      ),
    );
    rules.push(`${sg} egress tcp/443 to AWS APIs`);
    for (const svc of o.serviceSecurityGroups) {
      const pair = [{ GroupId: svc, Description: 'Envoy admin (Prometheus) for the Chimera CloudWatch agent' }];
      await ignoreCode(['InvalidPermission.Duplicate'], () =>
        aws.run('AuthorizeSecurityGroupEgress', `security group ${sg}`, signal, (s) =>
          ec2.send(
            new AuthorizeSecurityGroupEgressCommand({
              GroupId: sg,
              IpPermissions: [{ IpProtocol: 'tcp', FromPort: 9901, ToPort: 9901, UserIdGroupPairs: pair }],
            }),
            { abortSignal: s },
          ),
        ),
      );
      await ignoreCode(['InvalidPermission.Duplicate'], () =>
        aws.run('AuthorizeSecurityGroupIngress', `security group ${svc}`, signal, (s) =>
          ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: svc,
              IpPermissions: [
                {
                  IpProtocol: 'tcp',
                  FromPort: 9901,
                  ToPort: 9901,
                  UserIdGroupPairs: [{ GroupId: sg, Description: 'Chimera CloudWatch agent' }],
                },
              ],
            }),
            { abortSignal: s },
          ),
        ),
      );
      rules.push(`${svc} ingress tcp/9901 from ${sg} only`, `${sg} egress tcp/9901 to ${svc}`);
    }
    const taskRoleArn = await role(iam, aws, `${AGENT_NAME}-task`, signal, {
      managed: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
      inline: AGENT_DISCOVERY_POLICY,
    });
    const executionRoleArn = await role(iam, aws, `${AGENT_NAME}-execution`, signal, {
      managed: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
      inline: AGENT_LOGS_POLICY,
    });
    const td = agentTaskDefinition({
      cluster: o.cluster,
      region: client.region,
      namespace: o.namespace,
      taskRoleArn,
      executionRoleArn,
    });
    const taskDefinitionArn = await registerIfChanged(ecs, aws, td, signal);
    const serviceArn = await agentService(ecs, aws, o, sg, taskDefinitionArn, signal);
    return { securityGroupId: sg, taskRoleArn, executionRoleArn, taskDefinitionArn, serviceArn, rules };
  } finally {
    ec2.destroy();
    iam.destroy();
    ecs.destroy();
  }
}

async function agentSecurityGroup(ec2: EC2Client, aws: AwsRunner, vpc: string, signal: AbortSignal): Promise<string> {
  const found = await aws.run('DescribeSecurityGroups', `security group ${AGENT_NAME}`, signal, (s) =>
    ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'group-name', Values: [AGENT_NAME] },
          { Name: 'vpc-id', Values: [vpc] },
        ],
      }),
      { abortSignal: s },
    ),
  );
  const existing = found.SecurityGroups?.[0]?.GroupId;
  if (existing) return existing;
  const created = await aws.run('CreateSecurityGroup', `security group ${AGENT_NAME} in ${vpc}`, signal, (s) =>
    ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: AGENT_NAME,
        VpcId: vpc,
        Description: 'Chimera CloudWatch agent: scrapes Envoy, no ingress',
      }),
      { abortSignal: s },
    ),
  );
  return created.GroupId!;
}

async function role(
  iam: IAMClient,
  aws: AwsRunner,
  name: string,
  signal: AbortSignal,
  policies: { managed: string; inline: string },
): Promise<string> {
  let arn: string | undefined;
  try {
    arn = (
      await aws.run('GetRole', `role ${name}`, signal, (s) =>
        iam.send(new GetRoleCommand({ RoleName: name }), { abortSignal: s }),
      )
    ).Role?.Arn;
  } catch (err) {
    if (!(err instanceof AwsProviderError && err.kind === 'not-found')) throw err;
  }
  arn ??= (
    await aws.run('CreateRole', `role ${name}`, signal, (s) =>
      iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: ECS_TASKS_TRUST }), {
        abortSignal: s,
      }),
    )
  ).Role!.Arn!;
  await aws.run('AttachRolePolicy', `role ${name}`, signal, (s) =>
    iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policies.managed }), { abortSignal: s }),
  );
  await aws.run('PutRolePolicy', `role ${name}`, signal, (s) =>
    iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'chimera', PolicyDocument: policies.inline }), {
      abortSignal: s,
    }),
  );
  return arn;
}

async function registerIfChanged(
  ecs: ECSClient,
  aws: AwsRunner,
  td: ReturnType<typeof agentTaskDefinition>,
  signal: AbortSignal,
): Promise<string> {
  try {
    const current = await aws.run('DescribeTaskDefinition', `task definition ${AGENT_NAME}`, signal, (s) =>
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: AGENT_NAME }), { abortSignal: s }),
    );
    const existing = current.taskDefinition;
    if (existing?.status === 'ACTIVE' && sameContainers(existing, td) && existing.taskRoleArn === td.taskRoleArn) {
      return existing.taskDefinitionArn!;
    }
  } catch (err) {
    // ECS answers an unknown family with ClientException, not a NotFound code.
    if (!(err instanceof AwsProviderError && (err.kind === 'not-found' || err.kind === 'invalid'))) throw err;
  }
  const out = await aws.run('RegisterTaskDefinition', `task definition ${AGENT_NAME}`, signal, (s) =>
    ecs.send(new RegisterTaskDefinitionCommand(td), { abortSignal: s }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

async function agentService(
  ecs: ECSClient,
  aws: AwsRunner,
  o: SetupOptions,
  sg: string,
  taskDefinition: string,
  signal: AbortSignal,
): Promise<string> {
  const what = `service ${AGENT_NAME} in cluster ${o.cluster}`;
  const found = await aws.run('DescribeServices', what, signal, (s) =>
    ecs.send(new DescribeServicesCommand({ cluster: o.cluster, services: [AGENT_NAME] }), { abortSignal: s }),
  );
  const svc = found.services?.find((x) => x.status === 'ACTIVE');
  if (svc) {
    if (svc.taskDefinition !== taskDefinition) {
      await aws.run('UpdateService', what, signal, (s) =>
        ecs.send(new UpdateServiceCommand({ cluster: o.cluster, service: AGENT_NAME, taskDefinition }), {
          abortSignal: s,
        }),
      );
    }
    return svc.serviceArn!;
  }
  const out = await aws.run('CreateService', what, signal, (s) =>
    ecs.send(
      new CreateServiceCommand({
        cluster: o.cluster,
        serviceName: AGENT_NAME,
        taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: o.subnets, securityGroups: [sg], assignPublicIp: 'DISABLED' },
        },
        tags: [{ key: 'chimera:component', value: 'cwagent' }],
      }),
      { abortSignal: s },
    ),
  );
  return out.service!.serviceArn!;
}

async function ignoreCode(codes: string[], fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof AwsProviderError && codes.includes(err.awsCode))) throw err;
  }
}
