import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  UpdateServicePrimaryTaskSetCommand,
  type CreateTaskSetCommandInput,
  type Service,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { AppMeshClient } from '@aws-sdk/client-app-mesh';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { AwsRunner } from '../../aws/call.js';
import { awsClientConfig } from '../../aws/client.js';
import { AwsProviderError } from '../../aws/errors.js';
import { endpointOverridden, useEmulatorCompat } from '../../aws/emulator-compat.js';
import { VirtualNodes } from '../../aws/appmesh-nodes.js';
import { versionResourceName } from '../../aws/naming.js';
import { ProviderError } from '../../errors.js';
import type { Platform, VersionStatus, VersionTarget } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { EcsConfig } from './config.js';
import { healthyInstances } from './cloud-map.js';
import { canaryTargetGroup, familyOf, versionTags } from './service-spec.js';
import { meshIdentity } from './task-definition.js';
import { TaskDefinitions } from './task-definitions.js';

/**
 * ECS platform, task-set flavour: for a service with the EXTERNAL deployment controller, each version is a task
 * set of that one service, labelled with the version as its `externalId`; the stable version's set is PRIMARY.
 * The set that ran before Chimera (no externalId) is the seed stable version. Task definitions, App Mesh nodes
 * and target groups follow the service flavour's scheme (`<service>-<version>`, alternating target groups).
 */
export class EcsTaskSetPlatform implements Platform {
  readonly kind = 'ecs';
  private readonly ecs: ECSClient;
  private readonly sd: ServiceDiscoveryClient;
  private readonly mesh: AppMeshClient;
  private readonly aws: AwsRunner;
  private readonly taskDefs: TaskDefinitions;

  constructor(
    private readonly config: EcsConfig,
    private readonly ctx: ProviderContext,
    opts: { retryBaseDelayMs?: number } = {},
  ) {
    const client = awsClientConfig(config);
    this.ecs = new ECSClient(client);
    this.sd = new ServiceDiscoveryClient(client);
    this.mesh = new AppMeshClient(client);
    if (endpointOverridden(config)) useEmulatorCompat(this.mesh);
    this.aws = new AwsRunner('ecs', config.maxAttempts, opts.retryBaseDelayMs);
    this.taskDefs = new TaskDefinitions(this.ecs, this.aws, config);
  }

  async deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const { svc, sets } = await this.state(signal);
    const existing = find(sets, target);
    if (existing) return this.statusOf(svc, existing, target, signal);
    const stable = sets.find((s) => s.status === 'PRIMARY');
    if (!stable?.taskDefinition) {
      throw new ProviderError(`service ${this.config.service} has no PRIMARY task set to copy`, 'ecs', false);
    }
    const family = versionResourceName(this.config.service, target.version);
    const stableTd = await this.taskDefs.get(stable.taskDefinition, signal);
    const mesh = meshIdentity(stableTd, this.config.envoyContainer);
    if (mesh)
      await new VirtualNodes(this.mesh, this.aws, mesh.mesh).ensureFrom(mesh.virtualNode, family, family, signal);
    const tdArn = await this.taskDefs.registerCanary(stableTd, family, target.version, mesh !== undefined, signal);
    const tg = canaryTargetGroup({ ...svc, loadBalancers: stable.loadBalancers }, this.config.targetGroupArns);
    const input: CreateTaskSetCommandInput = {
      cluster: this.config.cluster,
      service: this.config.service,
      externalId: target.version,
      taskDefinition: tdArn,
      networkConfiguration: stable.networkConfiguration,
      loadBalancers: stable.loadBalancers?.map((lb) => ({ ...lb, targetGroupArn: tg ?? lb.targetGroupArn })),
      serviceRegistries: stable.serviceRegistries,
      platformVersion: stable.platformVersion,
      // The set runs as many tasks as the service wants; the router, not the scale, decides its traffic.
      scale: { unit: 'PERCENT', value: 100 },
      tags: versionTags(svc.tags, this.config.service, target.version, 'canary'),
    };
    if (stable.capacityProviderStrategy?.length) input.capacityProviderStrategy = stable.capacityProviderStrategy;
    else if (stable.launchType) input.launchType = stable.launchType;
    this.ctx.log.info({ service: this.config.service, version: target.version }, 'creating canary task set');
    const out = await this.aws.run('CreateTaskSet', this.what(), signal, (s) =>
      this.ecs.send(new CreateTaskSetCommand(input), { abortSignal: s }),
    );
    return this.statusOf(svc, out.taskSet!, target, signal);
  }

  async status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const { svc, sets } = await this.state(signal);
    const set = find(sets, target);
    if (set) return this.statusOf(svc, set, target, signal);
    return { ...empty(target), message: 'no task set yet' };
  }

  /** The canary's set becomes PRIMARY, then the old version's set is removed. */
  async promote(canary: VersionTarget, stable: VersionTarget, signal: AbortSignal): Promise<void> {
    const { sets } = await this.state(signal);
    const set = find(sets, canary);
    if (!set?.taskSetArn) throw new ProviderError(`cannot promote ${canary.version}: it has no task set`, 'ecs', false);
    if (set.status !== 'PRIMARY') {
      await this.aws.run('UpdateServicePrimaryTaskSet', this.what(), signal, (s) =>
        this.ecs.send(
          new UpdateServicePrimaryTaskSetCommand({
            cluster: this.config.cluster,
            service: this.config.service,
            primaryTaskSet: set.taskSetArn,
          }),
          { abortSignal: s },
        ),
      );
    }
    if (stable.version !== canary.version) await this.remove(stable, signal);
  }

  /** Deletes the version's task set and deregisters its task definition. Safe to repeat. */
  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    const { sets } = await this.state(signal);
    const set = find(sets, target);
    const own = versionResourceName(this.config.service, target.version);
    if (set?.taskSetArn) {
      try {
        await this.aws.run('DeleteTaskSet', this.what(), signal, (s) =>
          this.ecs.send(
            new DeleteTaskSetCommand({
              cluster: this.config.cluster,
              service: this.config.service,
              taskSet: set.taskSetArn,
              force: true,
            }),
            { abortSignal: s },
          ),
        );
      } catch (err) {
        if (!(err instanceof AwsProviderError && err.kind === 'not-found')) throw err;
      }
    }
    const seed = set?.taskDefinition && familyOf(set.taskDefinition) !== own;
    await this.taskDefs.deregister(
      seed ? [set.taskDefinition!] : await this.taskDefs.activeRevisions(own, signal),
      signal,
    );
  }

  async list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    const { svc, sets } = await this.state(signal);
    const labelled = sets.filter((s) => s.externalId);
    return Promise.all(
      labelled.map((s) =>
        this.statusOf(
          svc,
          s,
          { service, version: s.externalId!, role: s.status === 'PRIMARY' ? 'stable' : 'canary' },
          signal,
        ),
      ),
    );
  }

  close(): Promise<void> {
    this.ecs.destroy();
    this.sd.destroy();
    this.mesh.destroy();
    return Promise.resolve();
  }

  private what(): string {
    return `task sets of service ${this.config.service} in cluster ${this.config.cluster}`;
  }

  private async state(signal: AbortSignal): Promise<{ svc: Service; sets: TaskSet[] }> {
    const { cluster, service } = this.config;
    const out = await this.aws.run('DescribeServices', `service ${service} in cluster ${cluster}`, signal, (s) =>
      this.ecs.send(new DescribeServicesCommand({ cluster, services: [service], include: ['TAGS'] }), {
        abortSignal: s,
      }),
    );
    const svc = out.services?.find((s) => s.status === 'ACTIVE');
    if (!svc) throw new ProviderError(`ECS service ${service} does not exist in cluster ${cluster}`, 'ecs', false);
    if (svc.deploymentController?.type !== 'EXTERNAL') {
      throw new ProviderError(
        `service ${service} uses the ${svc.deploymentController?.type ?? 'ECS'} deployment controller; flavour task-set needs EXTERNAL`,
        'ecs',
        false,
      );
    }
    const sets = await this.aws.run('DescribeTaskSets', this.what(), signal, (s) =>
      this.ecs.send(new DescribeTaskSetsCommand({ cluster, service }), { abortSignal: s }),
    );
    return { svc, sets: (sets.taskSets ?? []).filter((t) => t.status !== 'DRAINING') };
  }

  private async statusOf(
    svc: Service,
    set: TaskSet,
    target: VersionTarget,
    signal: AbortSignal,
  ): Promise<VersionStatus> {
    const scale = set.scale?.unit === 'PERCENT' ? (set.scale.value ?? 100) / 100 : 1;
    const desired = set.computedDesiredCount ?? Math.ceil((svc.desiredCount ?? 0) * scale);
    // ECS reports running tasks per set; an emulator that does not is trusted once it calls the set steady.
    let ready =
      set.runningCount !== undefined && set.computedDesiredCount !== undefined
        ? Math.min(set.runningCount, desired)
        : set.stabilityStatus === 'STEADY_STATE'
          ? desired
          : 0;
    const tdArn = set.taskDefinition ?? '';
    const family = familyOf(tdArn);
    const refs: Record<string, string> = {
      cluster: this.config.cluster,
      serviceName: this.config.service,
      serviceArn: svc.serviceArn ?? '',
      taskSetArn: set.taskSetArn ?? '',
      taskDefinitionArn: tdArn,
      family,
    };
    const tg = set.loadBalancers?.[0]?.targetGroupArn;
    if (tg) refs.targetGroupArn = tg;
    const mesh = tdArn ? meshIdentity(await this.taskDefs.get(tdArn, signal), this.config.envoyContainer) : undefined;
    if (mesh) Object.assign(refs, { mesh: mesh.mesh, virtualNode: mesh.virtualNode });
    let message: string | undefined;
    const registry = set.serviceRegistries?.[0]?.registryArn;
    if (registry && this.config.cloudMapHealth) {
      const healthy = await healthyInstances(this.sd, this.aws, registry, family, signal);
      if (healthy < ready) message = `${ready} running, ${healthy} healthy in Cloud Map`;
      ready = Math.min(ready, healthy);
    }
    if (!message && ready < desired) message = `${ready}/${desired} tasks ready (${set.stabilityStatus ?? 'unknown'})`;
    return { ...empty(target), desired, ready, refs, ...(message ? { message } : {}) };
  }
}

/** The set of a version: labelled with it, or — for the stable version — the unlabelled seed set. */
function find(sets: TaskSet[], target: VersionTarget): TaskSet | undefined {
  const labelled = sets.find((s) => s.externalId === target.version);
  if (labelled) return labelled;
  if (target.role !== 'stable') return undefined;
  // After a promotion the seed is no longer PRIMARY but is still the old stable version, until it is removed.
  const unlabelled = sets.filter((s) => !s.externalId);
  return unlabelled.find((s) => s.status === 'PRIMARY') ?? (unlabelled.length === 1 ? unlabelled[0] : undefined);
}

function empty(target: VersionTarget): VersionStatus {
  return {
    service: target.service,
    version: target.version,
    role: target.role,
    desired: 0,
    ready: 0,
    endpoints: [],
    refs: {},
  };
}
