import { ProviderError } from '../../errors.js';
import { ANNOTATIONS, LABELS, MANAGED_BY, versionSlug } from '../../kubernetes/names.js';
import type { Deployment, HorizontalPodAutoscaler, Service } from '../../kubernetes/types.js';
import type { Role } from '../../ports/platform.js';

/** Annotation holding the role a version Deployment plays (`stable` / `canary`), updated on promotion. */
export const ROLE_ANNOTATION = 'chimera.dev/role';

export interface VersionSpec {
  service: string;
  version: string;
  role: Role;
  /** Name of the version's Deployment, Service and HPA. */
  name: string;
  namespace: string;
  replicas: number;
  /** Image pattern with `{version}`; absent: the template's image is kept. */
  image?: string | undefined;
  container?: string | undefined;
  port?: number | undefined;
}

function managedLabels(spec: VersionSpec): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.service]: spec.service,
    [LABELS.version]: versionSlug(spec.version),
  };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * The version as Istio's `destination_version` will report it (taken from `app.kubernetes.io/version`), so the
 * Prometheus `istio` query set finds it by the version name itself; the slug only when the name is no label value.
 */
export function telemetryVersion(version: string): string {
  return version.length <= 63 && LABEL_VALUE.test(version) ? version : versionSlug(version);
}

/** The container a version's image goes into. */
export function pickContainer(template: Deployment, name: string | undefined) {
  const containers = template.spec.template.spec.containers;
  const container = name === undefined ? containers[0] : containers.find((c) => c.name === name);
  if (!container) {
    const known = containers.map((c) => c.name).join(', ');
    throw new ProviderError(
      `Deployment ${template.metadata?.name} has no container ${name ?? ''} (containers: ${known || 'none'})`,
      'kubernetes',
      false,
    );
  }
  return container;
}

/** The port a version's Service exposes: configured, else the container's first port, else 80. */
export function servicePort(template: Deployment, spec: Pick<VersionSpec, 'container' | 'port'>): number {
  return spec.port ?? pickContainer(template, spec.container).ports?.[0]?.containerPort ?? 80;
}

/**
 * A version's Deployment: the template's pod spec, its image set, pods labelled with the service and version (for
 * Services, Istio subsets and per-version metrics), and a selector of its own so versions never share pods.
 */
export function versionDeployment(template: Deployment, spec: VersionSpec): Deployment {
  const labels = managedLabels(spec);
  const podTemplate = structuredClone(template.spec.template);
  podTemplate.metadata = {
    ...podTemplate.metadata,
    // app.kubernetes.io/version is what Istio and Envoy telemetry report as the destination version.
    labels: { ...podTemplate.metadata?.labels, ...labels, 'app.kubernetes.io/version': telemetryVersion(spec.version) },
  };
  if (spec.image) {
    const container = pickContainer({ ...template, spec: { ...template.spec, template: podTemplate } }, spec.container);
    container.image = spec.image.replaceAll('{version}', spec.version);
  }
  // replicas, selector and paused are dropped on purpose: a version sets its own.
  const { replicas: _replicas, selector: _selector, paused: _paused, ...rest } = template.spec;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { ...template.metadata?.labels, ...labels },
      annotations: { [ANNOTATIONS.version]: spec.version, [ROLE_ANNOTATION]: spec.role },
    },
    spec: { ...rest, replicas: spec.replicas, selector: { matchLabels: labels }, template: podTemplate },
  };
}

/** The Service in front of one version, named like its Deployment; routers send traffic to it. */
export function versionService(template: Deployment, spec: VersionSpec): Service {
  const labels = managedLabels(spec);
  const container = pickContainer(template, spec.container);
  const port = servicePort(template, spec);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels,
      annotations: { [ANNOTATIONS.version]: spec.version },
    },
    spec: {
      selector: labels,
      ports: [{ name: 'http', port, targetPort: container.ports?.[0]?.containerPort ?? port, protocol: 'TCP' }],
    },
  };
}

/** A copy of the template's HPA aimed at the version's Deployment, so each version scales as the template would. */
export function versionHpa(templateHpa: HorizontalPodAutoscaler, spec: VersionSpec): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: spec.name, namespace: spec.namespace, labels: managedLabels(spec) },
    spec: { ...templateHpa.spec, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: spec.name } },
  };
}

/** Ready replicas, desired replicas, and why not ready, read from a Deployment's status as its controller writes it. */
export function readiness(dep: Deployment): { desired: number; ready: number; message?: string; failed?: boolean } {
  const desired = dep.spec.replicas ?? 1;
  const status = dep.status ?? {};
  const conditions = status.conditions ?? [];
  const stuck = conditions.find(
    (c) =>
      (c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') ||
      (c.type === 'ReplicaFailure' && c.status === 'True'),
  );
  if (stuck)
    return {
      desired,
      ready: 0,
      failed: true,
      message: `${stuck.type}: ${stuck.reason ?? ''} ${stuck.message ?? ''}`.trim(),
    };
  if ((status.observedGeneration ?? 0) < (dep.metadata?.generation ?? 0)) {
    return { desired, ready: 0, message: 'waiting for the Deployment controller to observe the latest spec' };
  }
  const ready = Math.min(status.availableReplicas ?? 0, status.updatedReplicas ?? 0);
  if (ready < desired) return { desired, ready, message: `${ready}/${desired} replicas available` };
  return { desired, ready };
}
