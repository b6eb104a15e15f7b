import {
  DeleteServiceCommand,
  ECSClient,
  CreateServiceCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { AppMeshClient } from '@aws-sdk/client-app-mesh';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { AwsRunner } from '../../aws/call.js';
import { awsClientConfig } from '../../aws/client.js';
import { AwsProviderError } from '../../aws/errors.js';
import { EcsServiceLookup, ROLE_TAG, tagValue } from '../../aws/ecs-services.js';
import { CHIMERA_TAGS, versionResourceName } from '../../aws/naming.js';
import { VirtualNodes } from '../../aws/appmesh-nodes.js';
import { endpointOverridden, useEmulatorCompat } from '../../aws/emulator-compat.js';
import { ProviderError } from '../../errors.js';
import type { Platform, VersionStatus, VersionTarget } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { EcsConfig } from './config.js';
import { healthyInstances } from './cloud-map.js';
import { TaskDefinitions } from './task-definitions.js';
import { canaryService, canaryTargetGroup, familyOf } from './service-spec.js';
import { meshIdentity } from './task-definition.js';

/** Tests shorten backoff; everything else comes from the config. */
export interface EcsPlatformOptions {
  retryBaseDelayMs?: number;
}

/** ECS platform, service flavour. Naming and refs are documented in `index.ts`. */
export class EcsPlatform implements Platform {
  readonly kind = 'ecs';
  private readonly ecs: ECSClient;
  private readonly sd: ServiceDiscoveryClient;
  private readonly mesh: AppMeshClient;
  private readonly aws: AwsRunner;
  private readonly lookup: EcsServiceLookup;
  private readonly taskDefs: TaskDefinitions;

  constructor(
    private readonly config: EcsConfig,
    private readonly ctx: ProviderContext,
    opts: EcsPlatformOptions = {},
  ) {
    const client = awsClientConfig(config);
    this.ecs = new ECSClient(client);
    this.sd = new ServiceDiscoveryClient(client);
    this.mesh = new AppMeshClient(client);
    if (endpointOverridden(config)) useEmulatorCompat(this.mesh);
    this.aws = new AwsRunner('ecs', config.maxAttempts, opts.retryBaseDelayMs);
    this.taskDefs = new TaskDefinitions(this.ecs, this.aws, config);
    this.lookup = new EcsServiceLookup(this.ecs, this.aws, config.cluster, config.service);
  }

  async deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const existing = await this.lookup.forVersion(target.version, target.role, signal);
    if (existing) return this.statusOf(existing, target, signal);
    const stable = await this.lookup.stable(signal);
    if (!stable?.taskDefinition) {
      throw new ProviderError(
        `no stable ECS service to copy: neither ${this.config.service} nor a service tagged ${ROLE_TAG}=stable is active in cluster ${this.config.cluster}`,
        'ecs',
        false,
      );
    }
    const name = versionResourceName(this.config.service, target.version);
    const stableTd = await this.taskDefs.get(stable.taskDefinition, signal);
    const mesh = meshIdentity(stableTd, this.config.envoyContainer);
    // Envoy fetches its configuration for its own node at start: the node must exist before the tasks do.
    if (mesh) await new VirtualNodes(this.mesh, this.aws, mesh.mesh).ensureFrom(mesh.virtualNode, name, name, signal);
    const tdArn = await this.taskDefs.registerCanary(stableTd, name, target.version, mesh !== undefined, signal);
    const input = canaryService(stable, {
      name,
      base: this.config.service,
      version: target.version,
      taskDefinitionArn: tdArn,
      desiredCount: target.replicas ?? this.config.replicas ?? stable.desiredCount ?? 1,
      targetGroupArn: canaryTargetGroup(stable, this.config.targetGroupArns),
    });
    this.ctx.log.info({ service: name, taskDefinition: tdArn }, 'creating canary ECS service');
    const out = await this.aws.run('CreateService', `service ${name}`, signal, (s) =>
      this.ecs.send(new CreateServiceCommand(input), { abortSignal: s }),
    );
    return this.statusOf(out.service!, target, signal);
  }

  async status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const svc = await this.lookup.forVersion(target.version, target.role, signal);
    if (svc) return this.statusOf(svc, target, signal);
    return {
      ...this.base(target),
      desired: target.replicas ?? this.config.replicas ?? 0,
      message: 'no ECS service yet',
    };
  }

  /** The canary becomes the stable version (tagged so), then the old stable service is retired. */
  async promote(canary: VersionTarget, stable: VersionTarget, signal: AbortSignal): Promise<void> {
    const svc = await this.lookup.forVersion(canary.version, 'canary', signal);
    if (!svc?.serviceArn) {
      throw new ProviderError(`cannot promote ${canary.version}: its ECS service does not exist`, 'ecs', false);
    }
    await this.aws.run('TagResource', `service ${svc.serviceName}`, signal, (s) =>
      this.ecs.send(
        new TagResourceCommand({ resourceArn: svc.serviceArn, tags: [{ key: ROLE_TAG, value: 'stable' }] }),
        {
          abortSignal: s,
        },
      ),
    );
    if (stable.version !== canary.version) await this.remove(stable, signal);
  }

  /** Scales the version's service to 0, deletes it, deregisters its task definition. Safe to repeat. */
  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    const svc = await this.lookup.forVersion(target.version, target.role, signal);
    const own = versionResourceName(this.config.service, target.version);
    if (svc?.serviceName) {
      const what = `service ${svc.serviceName}`;
      this.ctx.log.info({ service: svc.serviceName }, 'retiring ECS service');
      await this.ignoreMissing(() =>
        this.aws.run('UpdateService', what, signal, (s) =>
          this.ecs.send(
            new UpdateServiceCommand({ cluster: this.config.cluster, service: svc.serviceName, desiredCount: 0 }),
            {
              abortSignal: s,
            },
          ),
        ),
      );
      await this.ignoreMissing(() =>
        this.aws.run('DeleteService', what, signal, (s) =>
          this.ecs.send(
            new DeleteServiceCommand({ cluster: this.config.cluster, service: svc.serviceName, force: true }),
            {
              abortSignal: s,
            },
          ),
        ),
      );
    }
    // A service we named owns its whole family; the seed's family may hold the user's history: only its revision.
    const arns =
      svc && svc.serviceName !== own ? [svc.taskDefinition!] : await this.taskDefs.activeRevisions(own, signal);
    await this.taskDefs.deregister(arns, signal);
    await this.deleteOwnNode(svc, own, signal);
  }

  async list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    const all = await this.lookup.all(signal);
    const out: VersionStatus[] = [];
    for (const svc of all) {
      const version = tagValue(svc.tags, CHIMERA_TAGS.version);
      if (!version) continue; // the seed before Chimera tagged it: its version is not known here
      const role = tagValue(svc.tags, ROLE_TAG) === 'canary' ? 'canary' : 'stable';
      out.push(await this.statusOf(svc, { service, version, role }, signal));
    }
    return out;
  }

  close(): Promise<void> {
    this.ecs.destroy();
    this.sd.destroy();
    this.mesh.destroy();
    return Promise.resolve();
  }

  private base(target: VersionTarget): VersionStatus {
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

  private async statusOf(svc: Service, target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const desired = svc.desiredCount ?? 0;
    const primary = svc.deployments?.find((d) => d.status === 'PRIMARY');
    const running = primary?.runningCount ?? svc.runningCount ?? 0;
    let ready = Math.min(running, desired);
    const failed = primary?.rolloutState === 'FAILED';
    const tdArn = svc.taskDefinition ?? '';
    const family = familyOf(tdArn);
    const refs: Record<string, string> = {
      cluster: this.config.cluster,
      serviceName: svc.serviceName ?? '',
      serviceArn: svc.serviceArn ?? '',
      taskDefinitionArn: tdArn,
      family,
    };
    const tg = svc.loadBalancers?.[0]?.targetGroupArn;
    if (tg) refs.targetGroupArn = tg;
    const td = tdArn ? await this.taskDefs.get(tdArn, signal) : undefined;
    const mesh = td && meshIdentity(td, this.config.envoyContainer);
    if (mesh) Object.assign(refs, { mesh: mesh.mesh, virtualNode: mesh.virtualNode });
    let message = failed ? (primary?.rolloutStateReason ?? 'ECS deployment failed') : undefined;
    const registry = svc.serviceRegistries?.[0]?.registryArn;
    if (registry && this.config.cloudMapHealth && !failed) {
      const healthy = await healthyInstances(this.sd, this.aws, registry, family, signal);
      if (healthy < ready) message = `${ready} running, ${healthy} healthy in Cloud Map`;
      ready = Math.min(ready, healthy);
    }
    if (!message && ready < desired) message = `${running}/${desired} tasks running`;
    return {
      ...this.base(target),
      desired,
      ready,
      refs,
      ...(message ? { message } : {}),
      ...(failed ? { failed } : {}),
    };
  }

  /** Best effort: the route may still name the node (the router deletes it at finalize then). */
  private async deleteOwnNode(svc: Service | undefined, own: string, signal: AbortSignal): Promise<void> {
    if (svc && svc.serviceName !== own) return;
    const td = svc?.taskDefinition ? await this.taskDefs.get(svc.taskDefinition, signal) : undefined;
    const mesh = td && meshIdentity(td, this.config.envoyContainer);
    if (!mesh || mesh.virtualNode !== own) return;
    try {
      await new VirtualNodes(this.mesh, this.aws, mesh.mesh).delete(own, signal);
    } catch (err) {
      if (!(err instanceof AwsProviderError && (err.kind === 'conflict' || err.kind === 'invalid'))) throw err;
      this.ctx.log.info({ node: own }, 'virtual node still routed to; the router deletes it when the rollout ends');
    }
  }

  private async ignoreMissing(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof AwsProviderError && (err.kind === 'not-found' || isInactive(err)))) throw err;
    }
  }
}

/** ECS answers a call on a deleted service with ServiceNotActiveException, a deregistered revision with ClientException. */
function isInactive(err: AwsProviderError): boolean {
  return err.awsCode === 'ServiceNotActiveException';
}
