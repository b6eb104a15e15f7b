/** Where to scope the policy; without them every statement names `*` (still only the actions Chimera calls). */
export interface PolicyScope {
  region?: string;
  account?: string;
  /** ECS cluster name: service actions are limited to its services. */
  cluster?: string;
  /** App Mesh name: node and route actions are limited to it. */
  mesh?: string;
  /** Include the statements `chimera aws setup` needs (one-time, usually run by an administrator). */
  setup?: boolean;
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * The IAM policy document listing exactly the AWS actions Chimera calls — each one is used by a provider or by
 * `chimera aws setup`, and a test checks the providers call nothing outside it.
 *
 * @example JSON.stringify(chimeraIamPolicy({ region: 'eu-west-1', account: '123456789012', cluster: 'shop' }))
 */
export function chimeraIamPolicy(scope: PolicyScope = {}): { Version: '2012-10-17'; Statement: Statement[] } {
  const region = scope.region ?? '*';
  const account = scope.account ?? '*';
  const scoped = scope.region !== undefined || scope.account !== undefined;
  const ecsService =
    scoped || scope.cluster ? `arn:aws:ecs:${region}:${account}:service/${scope.cluster ?? '*'}/*` : '*';
  const mesh = scoped || scope.mesh ? `arn:aws:appmesh:${region}:${account}:mesh/${scope.mesh ?? '*'}` : undefined;
  const statements: Statement[] = [
    {
      Sid: 'EcsVersions',
      Effect: 'Allow',
      Action: [
        'ecs:CreateService',
        'ecs:CreateTaskSet',
        'ecs:DeleteService',
        'ecs:DeleteTaskSet',
        'ecs:DescribeServices',
        'ecs:DescribeTaskSets',
        'ecs:TagResource',
        'ecs:UpdateService',
        'ecs:UpdateServicePrimaryTaskSet',
      ],
      Resource: ecsService,
    },
    {
      // These ECS actions do not support resource-level permissions.
      Sid: 'EcsTaskDefinitions',
      Effect: 'Allow',
      Action: [
        'ecs:DeregisterTaskDefinition',
        'ecs:DescribeTaskDefinition',
        'ecs:ListServices',
        'ecs:ListTaskDefinitions',
        'ecs:RegisterTaskDefinition',
      ],
      Resource: '*',
    },
    {
      // A canary's task definition reuses the stable one's task and execution roles.
      Sid: 'PassTaskRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: `arn:aws:iam::${account}:role/*`,
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    {
      Sid: 'CloudMapHealth',
      Effect: 'Allow',
      Action: ['servicediscovery:GetInstancesHealthStatus', 'servicediscovery:ListInstances'],
      Resource: '*',
    },
    {
      Sid: 'AppMeshRoutes',
      Effect: 'Allow',
      Action: [
        'appmesh:CreateVirtualNode',
        'appmesh:DeleteVirtualNode',
        'appmesh:DescribeRoute',
        'appmesh:DescribeVirtualNode',
        'appmesh:UpdateRoute',
      ],
      Resource: mesh ? [`${mesh}/virtualNode/*`, `${mesh}/virtualRouter/*/route/*`] : '*',
    },
    {
      Sid: 'AlbWeights',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:ModifyRule',
      ],
      Resource: '*',
    },
    {
      Sid: 'CloudWatchRead',
      Effect: 'Allow',
      Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
      Resource: '*',
    },
  ];
  if (scope.setup) {
    statements.push(
      {
        Sid: 'SetupNetwork',
        Effect: 'Allow',
        Action: [
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:CreateSecurityGroup',
          'ec2:DescribeSecurityGroups',
          'ec2:RevokeSecurityGroupEgress',
        ],
        Resource: '*',
      },
      {
        Sid: 'SetupAgentRoles',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:CreateRole', 'iam:GetRole', 'iam:PutRolePolicy'],
        Resource: `arn:aws:iam::${account}:role/chimera-*`,
      },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** Every action the policy allows, for checks and docs. */
export function policyActions(scope: PolicyScope = {}): string[] {
  return chimeraIamPolicy(scope)
    .Statement.flatMap((s) => s.Action)
    .sort();
}
