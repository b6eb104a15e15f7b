import {
  AppMeshClient,
  DescribeRouteCommand,
  UpdateRouteCommand,
  type RouteData,
  type WeightedTarget,
} from '@aws-sdk/client-app-mesh';
import { AwsRunner } from '../../aws/call.js';
import { awsClientConfig } from '../../aws/client.js';
import { VirtualNodes } from '../../aws/appmesh-nodes.js';
import { endpointOverridden, useEmulatorCompat } from '../../aws/emulator-compat.js';
import { ConfigError, ProviderError } from '../../errors.js';
import type { VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { AppMeshConfig } from './config.js';
import { percentTo, splitTargets, weightedTargets, withTargets } from './route-spec.js';

export interface AppMeshRouterOptions {
  retryBaseDelayMs?: number;
}

/** App Mesh router: reads the virtual nodes from the platform's refs and weights the route between them. */
export class AppMeshRouter implements TrafficRouter {
  readonly kind = 'appmesh';
  private readonly client: AppMeshClient;
  private readonly aws: AwsRunner;
  private readonly nodes: VirtualNodes;
  private backends?: { stable: VersionStatus; stableNode: string; canary?: VersionStatus; canaryNode?: string };

  constructor(
    private readonly config: AppMeshConfig,
    private readonly ctx: ProviderContext,
    opts: AppMeshRouterOptions = {},
  ) {
    this.client = new AppMeshClient(awsClientConfig(config));
    if (endpointOverridden(config)) useEmulatorCompat(this.client);
    this.aws = new AwsRunner('appmesh', config.maxAttempts, opts.retryBaseDelayMs);
    this.nodes = new VirtualNodes(this.client, this.aws, config.mesh);
  }

  /** Ensures the canary's virtual node exists and the route names both nodes, keeping the current canary share. */
  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    const stableNode = nodeOf(backends.stable);
    const canaryNode = backends.canary ? nodeOf(backends.canary) : undefined;
    if (backends.canary && canaryNode && canaryNode !== stableNode) {
      await this.nodes.ensureFrom(stableNode, canaryNode, backends.canary.refs.family ?? canaryNode, signal);
    }
    this.backends = { stable: backends.stable, stableNode, canary: backends.canary, canaryNode };
    const route = await this.route(signal);
    const targets = weightedTargets(route.spec);
    const named = new Set(targets.map((t) => t.virtualNode));
    const wanted = new Set([stableNode, canaryNode].filter((n): n is string => n !== undefined));
    if (named.size === wanted.size && [...wanted].every((n) => named.has(n))) return;
    await this.apply(
      route,
      splitTargets(stableNode, canaryNode, percentTo(targets, canaryNode), targets[0]?.port),
      signal,
    );
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    checkWeight(canaryWeight);
    const b = this.reconciled();
    if (canaryWeight > 0 && !b.canaryNode) {
      throw new ProviderError(`cannot send ${canaryWeight}% to a canary: reconcile named none`, 'appmesh', false);
    }
    const route = await this.route(signal);
    const port = weightedTargets(route.spec)[0]?.port;
    await this.apply(route, splitTargets(b.stableNode, b.canaryNode, canaryWeight, port), signal);
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const targets = weightedTargets((await this.route(signal)).spec);
    // Without a reconcile (a fresh process), Chimera's own order tells: it always writes [stable, canary].
    const canaryNode = this.backends ? this.backends.canaryNode : targets[1]?.virtualNode;
    const applied: AppliedRoutes = { canaryWeight: percentTo(targets, canaryNode) };
    if (this.backends) {
      applied.stableVersion = this.backends.stable.version;
      if (this.backends.canary) applied.canaryVersion = this.backends.canary.version;
    }
    return applied;
  }

  /** Route 100% to `stable`, then delete every other node the route named (the retired or the rolled-back one). */
  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    const stableNode = nodeOf(stable);
    const route = await this.route(signal);
    const targets = weightedTargets(route.spec);
    const others = new Set(targets.map((t) => t.virtualNode).filter((n): n is string => !!n && n !== stableNode));
    if (this.backends?.canaryNode && this.backends.canaryNode !== stableNode) others.add(this.backends.canaryNode);
    if (this.backends?.stableNode && this.backends.stableNode !== stableNode) others.add(this.backends.stableNode);
    await this.apply(route, splitTargets(stableNode, undefined, 0, targets[0]?.port), signal);
    for (const node of others) {
      this.ctx.log.info({ node }, 'deleting virtual node');
      await this.nodes.delete(node, signal);
    }
    this.backends = { stable, stableNode };
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  private reconciled(): NonNullable<AppMeshRouter['backends']> {
    if (!this.backends) {
      throw new ProviderError(
        'the App Mesh router was asked for a weight before reconcile named the versions',
        'appmesh',
        false,
      );
    }
    return this.backends;
  }

  private what(): string {
    return `route ${this.config.route} of virtual router ${this.config.virtualRouter} in mesh ${this.config.mesh}`;
  }

  private async route(signal: AbortSignal): Promise<RouteData> {
    const { mesh, virtualRouter, route, meshOwner } = this.config;
    const out = await this.aws.run('DescribeRoute', this.what(), signal, (s) =>
      this.client.send(
        new DescribeRouteCommand({ meshName: mesh, virtualRouterName: virtualRouter, routeName: route, meshOwner }),
        {
          abortSignal: s,
        },
      ),
    );
    return out.route!;
  }

  /** Writes the targets unless they are there already, then reads them back: the controller verifies, never assumes. */
  private async apply(route: RouteData, targets: WeightedTarget[], signal: AbortSignal): Promise<void> {
    if (sameTargets(weightedTargets(route.spec), targets)) return;
    const { mesh, virtualRouter, meshOwner } = this.config;
    await this.aws.run('UpdateRoute', this.what(), signal, (s) =>
      this.client.send(
        new UpdateRouteCommand({
          meshName: mesh,
          virtualRouterName: virtualRouter,
          routeName: this.config.route,
          meshOwner,
          spec: withTargets(route.spec!, targets),
        }),
        { abortSignal: s },
      ),
    );
    const after = weightedTargets((await this.route(signal)).spec);
    if (!sameTargets(after, targets)) {
      throw new ProviderError(
        `${this.what()} did not take the new weights (read back ${describe(after)})`,
        'appmesh',
        true,
      );
    }
  }
}

function nodeOf(status: VersionStatus): string {
  const node = status.refs.virtualNode;
  if (!node) {
    throw new ProviderError(
      `version ${status.version} has no App Mesh virtual node: the platform must run it with an Envoy sidecar in the mesh`,
      'appmesh',
      false,
    );
  }
  return node;
}

function sameTargets(a: WeightedTarget[], b: WeightedTarget[]): boolean {
  return describe(a) === describe(b);
}

function describe(targets: WeightedTarget[]): string {
  return targets
    .map((t) => `${t.virtualNode}=${t.weight}`)
    .sort()
    .join(',');
}

/** A weight outside 0–100 is a caller's mistake: rejected before anything is sent to AWS. */
function checkWeight(w: number): void {
  if (!Number.isFinite(w) || w < 0 || w > 100) {
    throw new ConfigError(`canary weight must be a percentage from 0 to 100, got ${w}`);
  }
}
