import { ProviderError } from '../../errors.js';
import { KubeApiError, type KubeClient } from '../../kubernetes/client.js';
import { ANNOTATIONS, LABELS, MANAGED_BY, versionObjectName, versionSlug } from '../../kubernetes/names.js';
import { DEPLOYMENTS, HPAS, SERVICES, resourcePath } from '../../kubernetes/paths.js';
import type { Deployment, HorizontalPodAutoscaler } from '../../kubernetes/types.js';
import type { Platform, Role, VersionStatus, VersionTarget } from '../../ports/platform.js';
import type { ProviderContext } from '../context.js';
import type { KubernetesPlatformConfig } from './config.js';
import {
  ROLE_ANNOTATION,
  readiness,
  servicePort,
  versionDeployment,
  versionHpa,
  versionService,
  type VersionSpec,
} from './manifests.js';

/** Retired (scaled-to-zero) version Deployments kept per service for a fast manual rollback; older ones are deleted. */
const RETIRED_KEPT = 2;

/**
 * Runs each version of a service as its own Deployment `<deployment>-<version>` (plus a Service of the same name)
 * beside the others, copied from the user's template Deployment. See `index.ts` for the refs it publishes.
 */
export class KubernetesPlatform implements Platform {
  readonly kind = 'kubernetes';
  private readonly namespace: string;
  private readonly templateName: string;

  constructor(
    private readonly client: KubeClient,
    private readonly config: KubernetesPlatformConfig,
    private readonly ctx: ProviderContext,
  ) {
    this.namespace = config.namespace;
    this.templateName = config.deployment ?? ctx.service;
  }

  async deploy(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const template = await this.template(signal);
    const hpa = await this.templateHpa(signal);
    const existing = await this.client.get<Deployment>(this.depPath(target), signal);
    const spec = this.spec(target, template, hpa, existing);
    if (!existing) {
      await this.createIgnoringConflict(DEPLOYMENTS, versionDeployment(template, spec), signal);
    } else if (existing.metadata?.annotations?.[ANNOTATIONS.retired] !== undefined) {
      // Deploying a version removed earlier brings its Deployment back instead of creating a second one.
      await this.client.patch(
        this.depPath(target),
        {
          metadata: { annotations: { [ANNOTATIONS.retired]: null, [ROLE_ANNOTATION]: target.role } },
          spec: { replicas: spec.replicas },
        },
        'merge',
        signal,
      );
    }
    await this.createIgnoringConflict(SERVICES, versionService(template, spec), signal);
    if (hpa) await this.createIgnoringConflict(HPAS, versionHpa(hpa, spec), signal);
    return this.status(target, signal);
  }

  async status(target: VersionTarget, signal: AbortSignal): Promise<VersionStatus> {
    const dep = await this.client.get<Deployment>(this.depPath(target), signal);
    if (!dep || dep.metadata?.annotations?.[ANNOTATIONS.retired] !== undefined) {
      return { ...this.base(target, target.role), desired: target.replicas ?? 0, ready: 0, message: 'not deployed' };
    }
    return this.toStatus(dep, target.role, target.service);
  }

  async promote(canary: VersionTarget, stable: VersionTarget, signal: AbortSignal): Promise<void> {
    await this.client.patch(
      this.depPath(canary),
      { metadata: { annotations: { [ROLE_ANNOTATION]: 'stable' } } },
      'merge',
      signal,
    );
    if (this.config.scaleDownTemplate) {
      // Once a Chimera version serves as stable, the template's own pods are redundant. An HPA never scales a
      // Deployment up from zero replicas, so this holds even when one targets the template.
      const template = await this.template(signal);
      if ((template.spec.replicas ?? 1) > 0) {
        await this.client.patch(this.templatePath(), { spec: { replicas: 0 } }, 'merge', signal);
      }
    }
    this.ctx.log.info({ canary: canary.version, previous: stable.version }, 'kubernetes: promoted');
  }

  async remove(target: VersionTarget, signal: AbortSignal): Promise<void> {
    const name = this.name(target.version);
    // The HPA goes first, or it would scale the Deployment back up.
    await this.client.delete(resourcePath(HPAS, this.namespace, name), signal);
    await this.client.delete(resourcePath(SERVICES, this.namespace, name), signal);
    try {
      await this.client.patch(
        this.depPath(target),
        { metadata: { annotations: { [ANNOTATIONS.retired]: new Date().toISOString() } }, spec: { replicas: 0 } },
        'merge',
        signal,
      );
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
    await this.pruneRetired(target.service, signal);
  }

  async list(service: string, signal: AbortSignal): Promise<VersionStatus[]> {
    const { items } = await this.client.list<Deployment>(
      resourcePath(DEPLOYMENTS, this.namespace),
      signal,
      `${LABELS.managedBy}=${MANAGED_BY},${LABELS.service}=${service}`,
    );
    return items
      .filter((d) => d.metadata?.annotations?.[ANNOTATIONS.retired] === undefined)
      .map((d) =>
        this.toStatus(d, (d.metadata?.annotations?.[ROLE_ANNOTATION] as Role | undefined) ?? 'stable', service),
      );
  }

  async close(): Promise<void> {
    // node:https keeps no pooled sockets here; nothing to release.
  }

  private spec(
    target: VersionTarget,
    template: Deployment,
    hpa: HorizontalPodAutoscaler | undefined,
    existing: Deployment | undefined,
  ): VersionSpec {
    // With an HPA the current scale follows the template's (what the HPA last wanted), never below its minimum.
    const hpaReplicas = hpa
      ? Math.max(hpa.spec.minReplicas ?? 1, hpa.status?.desiredReplicas ?? template.spec.replicas ?? 1)
      : undefined;
    const replicas = hpaReplicas ?? target.replicas ?? this.config.replicas ?? Math.max(1, template.spec.replicas ?? 1);
    return {
      service: target.service,
      version: existing?.metadata?.annotations?.[ANNOTATIONS.version] ?? target.version,
      role: target.role,
      name: this.name(target.version),
      namespace: this.namespace,
      replicas,
      image: this.config.image,
      container: this.config.container,
      port: this.config.port,
    };
  }

  private toStatus(dep: Deployment, role: Role, service: string): VersionStatus {
    const version = dep.metadata?.annotations?.[ANNOTATIONS.version] ?? dep.metadata?.labels?.[LABELS.version] ?? '';
    const r = readiness(dep);
    const port = servicePort(dep, { container: this.config.container, port: this.config.port });
    const base = this.base({ service, version }, role);
    const status: VersionStatus = {
      ...base,
      desired: r.desired,
      ready: r.ready,
      refs: { ...base.refs, port: String(port) },
    };
    if (r.message !== undefined) status.message = r.message;
    if (r.failed) status.failed = true;
    return status;
  }

  private base(target: Pick<VersionTarget, 'service' | 'version'>, role: Role) {
    const name = this.name(target.version);
    return {
      service: target.service,
      version: target.version,
      role,
      endpoints: [],
      refs: { namespace: this.namespace, service: name, deployment: name, versionLabel: versionSlug(target.version) },
    };
  }

  private async template(signal: AbortSignal): Promise<Deployment> {
    const template = await this.client.get<Deployment>(this.templatePath(), signal);
    if (!template) {
      throw new ProviderError(
        `template Deployment ${this.namespace}/${this.templateName} not found (set platform.deployment)`,
        'kubernetes',
        false,
      );
    }
    return template;
  }

  private async templateHpa(signal: AbortSignal): Promise<HorizontalPodAutoscaler | undefined> {
    const { items } = await this.client.list<HorizontalPodAutoscaler>(resourcePath(HPAS, this.namespace), signal);
    return items.find(
      (h) => h.spec.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === this.templateName,
    );
  }

  private async pruneRetired(service: string, signal: AbortSignal): Promise<void> {
    const { items } = await this.client.list<Deployment>(
      resourcePath(DEPLOYMENTS, this.namespace),
      signal,
      `${LABELS.managedBy}=${MANAGED_BY},${LABELS.service}=${service}`,
    );
    const retired = items
      .filter((d) => d.metadata?.annotations?.[ANNOTATIONS.retired] !== undefined)
      .sort((a, b) =>
        (b.metadata?.annotations?.[ANNOTATIONS.retired] ?? '').localeCompare(
          a.metadata?.annotations?.[ANNOTATIONS.retired] ?? '',
        ),
      );
    for (const old of retired.slice(RETIRED_KEPT)) {
      await this.client.delete(resourcePath(DEPLOYMENTS, this.namespace, old.metadata?.name), signal);
    }
  }

  private async createIgnoringConflict(
    type: typeof DEPLOYMENTS,
    body: { metadata?: { name?: string } },
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await this.client.create(resourcePath(type, this.namespace), body, signal);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    }
  }

  private name(version: string): string {
    return versionObjectName(this.templateName, version);
  }
  private depPath(target: Pick<VersionTarget, 'version'>): string {
    return resourcePath(DEPLOYMENTS, this.namespace, this.name(target.version));
  }
  private templatePath(): string {
    return resourcePath(DEPLOYMENTS, this.namespace, this.templateName);
  }
}
