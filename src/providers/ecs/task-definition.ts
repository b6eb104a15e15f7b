import type {
  ContainerDefinition,
  KeyValuePair,
  RegisterTaskDefinitionCommandInput,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ConfigError } from '../../errors.js';

/** Where a task definition's Envoy sidecar says it belongs in App Mesh. */
export interface MeshIdentity {
  mesh: string;
  virtualNode: string;
  /** The full ARN as written in APPMESH_RESOURCE_ARN, when that is how it was given. */
  arn?: string;
}

const NODE_ARN = /^(arn:[^:]+:appmesh:[^:]*:[^:]*:mesh\/([^/]+)\/virtualNode\/)([^/]+)$/;
const NODE_PATH = /^mesh\/([^/]+)\/virtualNode\/([^/]+)$/;

/**
 * The App Mesh virtual node a task definition's Envoy runs as: from the sidecar's APPMESH_RESOURCE_ARN (the
 * original Chimera's way) or APPMESH_VIRTUAL_NODE_NAME, or from the task's proxyConfiguration.
 */
export function meshIdentity(td: TaskDefinition, envoyContainer: string): MeshIdentity | undefined {
  const envoy = td.containerDefinitions?.find((c) => c.name === envoyContainer);
  for (const kv of envoy?.environment ?? []) {
    const arn = kv.name === 'APPMESH_RESOURCE_ARN' ? NODE_ARN.exec(kv.value ?? '') : null;
    if (arn) return { mesh: arn[2]!, virtualNode: arn[3]!, arn: kv.value! };
    const path = kv.name === 'APPMESH_VIRTUAL_NODE_NAME' ? NODE_PATH.exec(kv.value ?? '') : null;
    if (path) return { mesh: path[1]!, virtualNode: path[2]! };
  }
  const prop = td.proxyConfiguration?.properties?.find((p) => p.name === 'APPMESH_VIRTUAL_NODE_NAME');
  const path = NODE_PATH.exec(prop?.value ?? '');
  return path ? { mesh: path[1]!, virtualNode: path[2]! } : undefined;
}

/** The container whose image a rollout changes: the one named, else the only non-Envoy container. */
export function appContainerName(td: TaskDefinition, envoyContainer: string, named?: string): string {
  const names = (td.containerDefinitions ?? []).map((c) => c.name ?? '');
  if (named) {
    if (!names.includes(named)) {
      throw new ConfigError(`container "${named}" is not in task definition ${td.family}`, [
        { path: 'platform.container', message: `expected one of: ${names.join(', ')}` },
      ]);
    }
    return named;
  }
  const apps = names.filter((n) => n !== envoyContainer);
  if (apps.length !== 1) {
    throw new ConfigError(`task definition ${td.family} has ${apps.length} application containers; name one`, [
      { path: 'platform.container', message: `required: one of ${apps.join(', ')}` },
    ]);
  }
  return apps[0]!;
}

/** Prometheus scrape labels the CloudWatch agent (see `chimera aws setup`) discovers Envoy by. */
export const ENVOY_PROMETHEUS_LABELS: Record<string, string> = {
  ECS_PROMETHEUS_EXPORTER_PORT: '9901',
  ECS_PROMETHEUS_METRICS_PATH: '/stats/prometheus',
};

export interface CanaryTaskDefinitionOptions {
  family: string;
  container: string;
  image: string;
  envoyContainer: string;
  /** New virtual node for the canary's Envoy, when the stable one runs in App Mesh. */
  virtualNode?: string;
  tags: Tag[];
}

/**
 * The canary's task definition: the stable one with a new family and image, everything else kept — roles,
 * sizes, volumes, logging, health checks and the Envoy sidecar's settings — except that Envoy joins the mesh as
 * the canary's own virtual node and carries the Prometheus labels the metrics agent scrapes.
 */
export function canaryTaskDefinition(
  stable: TaskDefinition,
  opts: CanaryTaskDefinitionOptions,
): RegisterTaskDefinitionCommandInput {
  const mesh = meshIdentity(stable, opts.envoyContainer);
  const containers = (stable.containerDefinitions ?? []).map((c): ContainerDefinition => {
    if (c.name === opts.container) return { ...c, image: opts.image };
    if (c.name !== opts.envoyContainer) return { ...c };
    return {
      ...c,
      environment:
        mesh && opts.virtualNode ? renameNodeEnv(c.environment ?? [], mesh, opts.virtualNode) : c.environment,
      dockerLabels: { ...ENVOY_PROMETHEUS_LABELS, ...c.dockerLabels },
    };
  });
  const proxy = stable.proxyConfiguration;
  return {
    family: opts.family,
    containerDefinitions: containers,
    taskRoleArn: stable.taskRoleArn,
    executionRoleArn: stable.executionRoleArn,
    networkMode: stable.networkMode,
    volumes: stable.volumes,
    placementConstraints: stable.placementConstraints,
    requiresCompatibilities: stable.requiresCompatibilities,
    cpu: stable.cpu,
    memory: stable.memory,
    pidMode: stable.pidMode,
    ipcMode: stable.ipcMode,
    ephemeralStorage: stable.ephemeralStorage,
    runtimePlatform: stable.runtimePlatform,
    proxyConfiguration:
      proxy && mesh && opts.virtualNode
        ? {
            ...proxy,
            properties: proxy.properties?.map((p) =>
              p.name === 'APPMESH_VIRTUAL_NODE_NAME'
                ? { ...p, value: `mesh/${mesh.mesh}/virtualNode/${opts.virtualNode}` }
                : p,
            ),
          }
        : proxy,
    tags: opts.tags,
  };
}

function renameNodeEnv(env: KeyValuePair[], mesh: MeshIdentity, node: string): KeyValuePair[] {
  return env.map((kv) => {
    if (kv.name === 'APPMESH_RESOURCE_ARN') {
      const m = NODE_ARN.exec(kv.value ?? '');
      return m ? { ...kv, value: `${m[1]}${node}` } : kv;
    }
    if (kv.name === 'APPMESH_VIRTUAL_NODE_NAME') return { ...kv, value: `mesh/${mesh.mesh}/virtualNode/${node}` };
    return kv;
  });
}

/**
 * True when a registered revision already runs what `input` would register (names, images, environment):
 * a deploy retried after a crash reuses it instead of piling up revisions.
 */
export function sameContainers(td: TaskDefinition, input: RegisterTaskDefinitionCommandInput): boolean {
  const key = (cs: ContainerDefinition[] | undefined): string =>
    JSON.stringify(
      (cs ?? []).map((c) => [
        c.name,
        c.image,
        [...(c.environment ?? [])].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
      ]),
    );
  return key(td.containerDefinitions) === key(input.containerDefinitions);
}
