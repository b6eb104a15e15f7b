import {
  CreateVirtualNodeCommand,
  DeleteVirtualNodeCommand,
  DescribeVirtualNodeCommand,
  type AppMeshClient,
  type AwsCloudMapInstanceAttribute,
  type VirtualNodeData,
  type VirtualNodeSpec,
} from '@aws-sdk/client-app-mesh';
import { AwsProviderError } from './errors.js';
import type { AwsRunner } from './call.js';

/** Cloud Map attribute ECS sets on every task it registers; App Mesh selects a version's tasks by it. */
export const FAMILY_ATTRIBUTE = 'ECS_TASK_DEFINITION_FAMILY';

/**
 * Virtual nodes for versions. Used by the `ecs` platform (a canary's Envoy cannot start before its node exists)
 * and by the `appmesh` router (which also creates it, idempotently, and deletes nodes when a rollout ends).
 */
export class VirtualNodes {
  constructor(
    private readonly mesh: AppMeshClient,
    private readonly aws: AwsRunner,
    readonly meshName: string,
  ) {}

  async describe(name: string, signal: AbortSignal): Promise<VirtualNodeData | undefined> {
    try {
      const out = await this.aws.run('DescribeVirtualNode', this.what(name), signal, (s) =>
        this.mesh.send(new DescribeVirtualNodeCommand({ meshName: this.meshName, virtualNodeName: name }), {
          abortSignal: s,
        }),
      );
      return out.virtualNode;
    } catch (err) {
      if (err instanceof AwsProviderError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  /**
   * Creates `name` as a copy of `source` whose Cloud Map discovery selects the tasks of `family` (the original
   * Chimera's scheme). Does nothing when it exists already.
   */
  async ensureFrom(source: string, name: string, family: string, signal: AbortSignal): Promise<void> {
    if (await this.describe(name, signal)) return;
    const from = await this.describe(source, signal);
    if (!from?.spec) {
      throw new AwsProviderError(
        `${this.what(source)} does not exist; cannot copy it for ${name}`,
        'appmesh',
        'not-found',
        'DescribeVirtualNode',
        'NotFoundException',
      );
    }
    try {
      await this.aws.run('CreateVirtualNode', this.what(name), signal, (s) =>
        this.mesh.send(
          new CreateVirtualNodeCommand({
            meshName: this.meshName,
            virtualNodeName: name,
            spec: withFamily(from.spec!, family),
          }),
          { abortSignal: s },
        ),
      );
    } catch (err) {
      // Someone (the platform or the router, after a restart) created it between our read and our write.
      if (!(err instanceof AwsProviderError && err.kind === 'conflict')) throw err;
    }
  }

  /** Deletes a node; a node that is already gone is fine. */
  async delete(name: string, signal: AbortSignal): Promise<void> {
    try {
      await this.aws.run('DeleteVirtualNode', this.what(name), signal, (s) =>
        this.mesh.send(new DeleteVirtualNodeCommand({ meshName: this.meshName, virtualNodeName: name }), {
          abortSignal: s,
        }),
      );
    } catch (err) {
      if (!(err instanceof AwsProviderError && err.kind === 'not-found')) throw err;
    }
  }

  private what(name: string): string {
    return `virtual node ${name} in mesh ${this.meshName}`;
  }
}

/** A node spec whose Cloud Map discovery picks only the tasks of `family`; DNS discovery is kept as is. */
export function withFamily(spec: VirtualNodeSpec, family: string): VirtualNodeSpec {
  const cloudMap = spec.serviceDiscovery?.awsCloudMap;
  if (!cloudMap) return spec;
  const others: AwsCloudMapInstanceAttribute[] = (cloudMap.attributes ?? []).filter((a) => a.key !== FAMILY_ATTRIBUTE);
  return {
    ...spec,
    serviceDiscovery: {
      ...spec.serviceDiscovery,
      awsCloudMap: { ...cloudMap, attributes: [...others, { key: FAMILY_ATTRIBUTE, value: family }] },
    },
  };
}
