import * as z from 'zod';
import type { AwsPolicyFlags, AwsSetupFlags } from '../../cli/commands/aws.js';
import { ConfigError } from '../../errors.js';
import { awsConnectionFields } from '../config.js';
import { chimeraIamPolicy } from '../iam-policy.js';
import { awsSetup } from './setup.js';

const list = (what: string, prefix: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().startsWith(prefix, { error: `each ${what} starts with ${prefix}` })));

const setupFlags = z.object({
  ...awsConnectionFields,
  cluster: z.string().min(1),
  vpc: z.string().startsWith('vpc-', { error: 'a VPC id starts with vpc-' }),
  subnets: list('subnet', 'subnet-').pipe(z.array(z.string()).min(1, { error: 'at least one subnet' })),
  serviceSecurityGroups: list('security group', 'sg-').default([]),
  namespace: z.string().min(1),
});

/** Validates the flags (a ConfigError naming each bad one, nothing changed), runs the setup, prints what it made. */
export async function runAwsSetup(flags: AwsSetupFlags): Promise<void> {
  const parsed = setupFlags.safeParse({ ...flags, serviceSecurityGroups: flags.serviceSecurityGroups ?? '' });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: `--${kebab(String(i.path[0] ?? ''))}`,
      message: i.message,
    }));
    throw new ConfigError('invalid flags for `chimera aws setup`', issues);
  }
  const o = parsed.data;
  const { cluster, vpc, subnets, serviceSecurityGroups, namespace, ...connection } = o;
  const result = await awsSetup(
    { connection, cluster, vpc, subnets, serviceSecurityGroups, namespace },
    AbortSignal.timeout(120_000),
  );
  if (flags.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const lines = [
    `CloudWatch agent ready in cluster ${cluster}`,
    `  security group  ${result.securityGroupId} (no ingress)`,
    `  task role       ${result.taskRoleArn}`,
    `  execution role  ${result.executionRoleArn}`,
    `  task definition ${result.taskDefinitionArn}`,
    `  service         ${result.serviceArn}`,
    ...result.rules.map((r) => `  rule            ${r}`),
  ];
  if (serviceSecurityGroups.length === 0) {
    lines.push(
      '  note: no --service-security-groups given: allow tcp/9901 from the agent group on your services yourself',
    );
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** Prints the IAM policy document as JSON. */
export function printIamPolicy(flags: AwsPolicyFlags): void {
  if (flags.account !== undefined && !/^\d{12}$/.test(flags.account)) {
    throw new ConfigError('invalid --account', [{ path: '--account', message: 'a 12-digit AWS account id' }]);
  }
  process.stdout.write(JSON.stringify(chimeraIamPolicy(flags), null, 2) + '\n');
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
