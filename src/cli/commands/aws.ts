import type { Command } from 'commander';

export interface AwsSetupFlags {
  region?: string;
  endpoint?: string;
  profile?: string;
  cluster: string;
  vpc: string;
  subnets: string;
  serviceSecurityGroups?: string;
  namespace: string;
  json?: boolean;
}

export interface AwsPolicyFlags {
  region?: string;
  account?: string;
  cluster?: string;
  mesh?: string;
  setup?: boolean;
}

/**
 * `chimera aws setup` (one-time: a CloudWatch agent task that scrapes Envoy, behind a least-privilege security
 * group) and `chimera aws iam-policy` (the IAM policy document Chimera needs, printed as JSON).
 */
export function define(program: Command): void {
  const aws = program
    .command('aws')
    .description('AWS helpers: one-time cluster setup and the IAM policy Chimera needs');
  aws
    .command('setup')
    .description(
      'prepare an ECS cluster for Envoy metrics: CloudWatch agent task, its roles and security group (idempotent)',
    )
    .requiredOption('--cluster <name>', 'ECS cluster')
    .requiredOption('--vpc <id>', 'VPC of the cluster, e.g. vpc-0abc')
    .requiredOption('--subnets <ids>', 'comma-separated private subnets for the agent task')
    .option(
      '--service-security-groups <ids>',
      "comma-separated security groups of the services' tasks (9901 opens to the agent only)",
    )
    .option('--namespace <ns>', 'CloudWatch namespace for Envoy metrics', 'ECS/ContainerInsights/Prometheus')
    .option('--region <region>', 'AWS region (default: AWS_REGION)')
    .option('--profile <name>', 'shared-config profile for credentials')
    .option('--endpoint <url>', 'AWS endpoint override (testing against moto)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: AwsSetupFlags) => {
      const { runAwsSetup } = await import('../../aws/setup/cli.js');
      await runAwsSetup(flags);
    });
  aws
    .command('iam-policy')
    .description('print the IAM policy document listing exactly the permissions Chimera needs')
    .option('--region <region>', 'scope resources to this region')
    .option('--account <id>', 'scope resources to this 12-digit account')
    .option('--cluster <name>', 'scope ECS service actions to this cluster')
    .option('--mesh <name>', 'scope App Mesh actions to this mesh')
    .option('--setup', 'include what `chimera aws setup` needs')
    .action(async (flags: AwsPolicyFlags) => {
      const { printIamPolicy } = await import('../../aws/setup/cli.js');
      printIamPolicy(flags);
    });
}
