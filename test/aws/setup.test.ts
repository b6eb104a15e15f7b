import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { CreateClusterCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSetup } from '../../src/aws/setup/setup.js';
import { clientConfig, REGIONS, uniquePrefix } from './fixtures.js';
import { motoAvailable, motoEndpoint, useMotoCredentials } from './moto.js';

const ROOT = resolve(import.meta.dirname, '../..');
const REGION = REGIONS.setup;
const endpoint = motoEndpoint();
const available = await motoAvailable(endpoint);

/** The real CLI from its sources, in a child process: exit code and output as a user sees them. */
function chimera(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const entry = `import(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))}).then((m) => m.main(['node', 'chimera', ...process.argv.slice(1)]))`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, ...args], {
      cwd: ROOT,
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('chimera aws iam-policy', () => {
  it('prints the policy document as JSON, scoped when asked', async () => {
    const run = await chimera(
      'aws',
      'iam-policy',
      '--region',
      'eu-west-1',
      '--account',
      '123456789012',
      '--cluster',
      'shop',
    );
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { Version: string; Statement: Array<{ Sid: string; Resource: unknown }> };
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement.find((s) => s.Sid === 'EcsVersions')!.Resource).toBe(
      'arn:aws:ecs:eu-west-1:123456789012:service/shop/*',
    );
  });

  it('rejects a bad account id with exit 2', async () => {
    const run = await chimera('aws', 'iam-policy', '--account', '12');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--account: a 12-digit AWS account id/);
  });
});

describe.skipIf(!available)('chimera aws setup against moto', () => {
  let ec2: EC2Client;
  let ecs: ECSClient;
  let vpc: string;
  let subnet: string;
  let serviceSg: string;
  let cluster: string;

  beforeAll(async () => {
    useMotoCredentials();
    ec2 = new EC2Client(clientConfig(endpoint!, REGION));
    ecs = new ECSClient(clientConfig(endpoint!, REGION));
    const prefix = uniquePrefix('setup');
    const s = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!;
    vpc = s.VpcId!;
    subnet = s.SubnetId!;
    serviceSg = (
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${prefix}-web`, Description: 'web', VpcId: vpc }))
    ).GroupId!;
    cluster = `${prefix}-cluster`;
    await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  });
  afterAll(() => {
    ec2?.destroy();
    ecs?.destroy();
  });

  const group = async (id: string) =>
    (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups![0]!;

  it('creates the agent with a least-privilege security group, and changes nothing when run again', async () => {
    const options = {
      connection: { region: REGION, endpoint: endpoint!, maxAttempts: 3, requestTimeout: 15_000 },
      cluster,
      vpc,
      subnets: [subnet],
      serviceSecurityGroups: [serviceSg],
      namespace: 'ECS/ContainerInsights/Prometheus',
    };
    const first = await awsSetup(options, AbortSignal.timeout(60_000), 1);
    const again = await awsSetup(options, AbortSignal.timeout(60_000), 1);
    expect(again).toEqual(first);

    // The agent's group has no ingress; its egress is HTTPS to AWS and 9901 to the services only.
    const agent = await group(first.securityGroupId);
    expect(agent.IpPermissions ?? []).toEqual([]);
    const egress = (agent.IpPermissionsEgress ?? []).map((p) => [
      p.IpProtocol,
      p.FromPort,
      p.IpRanges?.map((r) => r.CidrIp),
      p.UserIdGroupPairs?.map((g) => g.GroupId),
    ]);
    expect(egress).toContainEqual(['tcp', 443, ['0.0.0.0/0'], []]);
    // (The agent's group is one per VPC: reruns against the same moto add their own service groups to it.)
    const envoyEgress = egress.find(([proto, port]) => proto === 'tcp' && port === 9901);
    expect(envoyEgress?.[2]).toEqual([]);
    expect(envoyEgress?.[3]).toContain(serviceSg);
    expect(egress.some(([proto]) => proto === '-1')).toBe(false);

    // Envoy's admin port opens to the agent's group alone — never to 0.0.0.0/0 as in the original.
    const svc = await group(serviceSg);
    const envoy = (svc.IpPermissions ?? []).filter((p) => p.FromPort === 9901);
    expect(envoy).toHaveLength(1);
    expect(envoy[0]!.IpRanges ?? []).toEqual([]);
    expect(envoy[0]!.UserIdGroupPairs!.map((g) => g.GroupId)).toEqual([first.securityGroupId]);

    const service = (await ecs.send(new DescribeServicesCommand({ cluster, services: ['chimera-cwagent'] })))
      .services![0]!;
    expect(service).toMatchObject({ status: 'ACTIVE', taskDefinition: first.taskDefinitionArn, desiredCount: 1 });
    expect(service.networkConfiguration?.awsvpcConfiguration?.securityGroups).toEqual([first.securityGroupId]);
  });

  it('runs from the CLI and names bad flags without touching AWS', async () => {
    const bad = await chimera(
      'aws',
      'setup',
      '--endpoint',
      endpoint!,
      '--cluster',
      cluster,
      '--vpc',
      'nope',
      '--subnets',
      subnet,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--vpc: a VPC id starts with vpc-/);
    const ok = await chimera(
      'aws',
      'setup',
      '--endpoint',
      endpoint!,
      '--cluster',
      cluster,
      '--vpc',
      vpc,
      '--subnets',
      subnet,
      '--json',
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      securityGroupId: expect.stringMatching(/^sg-/),
      serviceArn: expect.stringContaining('chimera-cwagent'),
    });
  });
});
