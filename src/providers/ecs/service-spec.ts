import type { CreateServiceCommandInput, Service, Tag } from '@aws-sdk/client-ecs';
import { ConfigError } from '../../errors.js';
import { CHIMERA_TAGS } from '../../aws/naming.js';
import { ROLE_TAG } from '../../aws/ecs-services.js';

export interface CanaryServiceOptions {
  name: string;
  /** Chimera service (the base name) and version, written as tags so `list` and a restarted controller find it. */
  base: string;
  version: string;
  taskDefinitionArn: string;
  desiredCount: number;
  /** Target group for the canary when the stable service is behind a load balancer. */
  targetGroupArn?: string;
}

/** Tags of a version's service: the stable service's own tags (so cost reports stay right) plus Chimera's. */
export function versionTags(from: Tag[] | undefined, base: string, version: string, role: string): Tag[] {
  const ours = new Set<string>([CHIMERA_TAGS.service, CHIMERA_TAGS.version, ROLE_TAG]);
  return [
    ...(from ?? []).filter((t) => t.key && !ours.has(t.key) && !t.key.startsWith('aws:')),
    { key: CHIMERA_TAGS.service, value: base },
    { key: CHIMERA_TAGS.version, value: version },
    { key: ROLE_TAG, value: role },
  ];
}

/**
 * The canary's ECS service: a copy of the stable service — network, Cloud Map registration, placement,
 * deployment settings, launch type or capacity providers — running the canary's task definition, and behind
 * the other target group when there is a load balancer.
 */
export function canaryService(stable: Service, opts: CanaryServiceOptions): CreateServiceCommandInput {
  const loadBalancers = (stable.loadBalancers ?? []).map((lb, i) => {
    if (i > 0 && lb.targetGroupArn) {
      throw new ConfigError(`service ${stable.serviceName} has several load balancers; Chimera shifts only one`);
    }
    return { ...lb, targetGroupArn: opts.targetGroupArn ?? lb.targetGroupArn, loadBalancerName: lb.loadBalancerName };
  });
  const input: CreateServiceCommandInput = {
    cluster: stable.clusterArn,
    serviceName: opts.name,
    taskDefinition: opts.taskDefinitionArn,
    desiredCount: opts.desiredCount,
    platformVersion: stable.platformVersion,
    networkConfiguration: stable.networkConfiguration,
    serviceRegistries: stable.serviceRegistries,
    loadBalancers: loadBalancers.length ? loadBalancers : undefined,
    healthCheckGracePeriodSeconds: stable.healthCheckGracePeriodSeconds,
    deploymentConfiguration: stable.deploymentConfiguration,
    placementConstraints: stable.placementConstraints,
    placementStrategy: stable.placementStrategy,
    schedulingStrategy: stable.schedulingStrategy,
    enableExecuteCommand: stable.enableExecuteCommand,
    enableECSManagedTags: stable.enableECSManagedTags,
    propagateTags: stable.propagateTags,
    tags: versionTags(stable.tags, opts.base, opts.version, 'canary'),
  };
  // ECS accepts either a launch type or a capacity provider strategy, never both.
  if (stable.capacityProviderStrategy?.length) input.capacityProviderStrategy = stable.capacityProviderStrategy;
  else if (stable.launchType) input.launchType = stable.launchType;
  // A service role is only allowed (and needed) for load balancers without awsvpc networking.
  if (loadBalancers.length && !stable.networkConfiguration && stable.roleArn) input.role = stable.roleArn;
  return input;
}

/**
 * Which of the two alternating target groups the canary gets: the one the stable service does not use.
 * Returns undefined when the stable service has no load balancer.
 */
export function canaryTargetGroup(stable: Service, pair: [string, string] | undefined): string | undefined {
  const current = stable.loadBalancers?.[0]?.targetGroupArn;
  if (!current) return undefined;
  if (!pair) {
    throw new ConfigError(
      `service ${stable.serviceName} is behind a load balancer: give the two target groups versions alternate between`,
      [{ path: 'platform.targetGroupArns', message: `required, e.g. [${current}, <another target group>]` }],
    );
  }
  if (!pair.includes(current)) {
    throw new ConfigError(
      `service ${stable.serviceName} uses target group ${current}, which is not in targetGroupArns`,
      [{ path: 'platform.targetGroupArns', message: `must contain ${current}` }],
    );
  }
  return pair[0] === current ? pair[1] : pair[0];
}

/** `family` of a task definition ARN `arn:aws:ecs:…:task-definition/<family>:<revision>`. */
export function familyOf(taskDefinitionArn: string): string {
  const last = taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
  return last.replace(/:\d+$/, '');
}
