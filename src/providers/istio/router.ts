import { ProviderError } from '../../errors.js';
import { KubeApiError, type KubeClient, type KubeObject } from '../../kubernetes/client.js';
import {
  DESTINATION_RULES,
  VIRTUAL_SERVICES,
  apiVersion,
  resourcePath,
  type ResourceType,
} from '../../kubernetes/paths.js';
import {
  STATE_ANNOTATION,
  backendOf,
  checkWeight,
  readState,
  type SplitBackend,
  type SplitState,
} from '../../kubernetes/split-state.js';
import type { VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { IstioRouterConfig } from './config.js';
import {
  applyRoute,
  canaryPercentOf,
  findOwnedRoute,
  setSubsets,
  type DestinationRule,
  type VirtualService,
} from './rules.js';

/** Splits traffic with VirtualService weights over DestinationRule subsets, one subset per version. */
export class IstioRouter implements TrafficRouter {
  readonly kind = 'istio';
  private readonly vsName: string;
  private readonly drName: string;
  private readonly host: string;

  constructor(
    private readonly client: KubeClient,
    private readonly config: IstioRouterConfig,
    ctx: ProviderContext,
  ) {
    this.vsName = config.virtualService ?? ctx.service;
    this.drName = config.destinationRule ?? ctx.service;
    this.host = config.host ?? ctx.service;
  }

  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    const stable = backendOf(backends.stable, this.kind);
    const canary = backends.canary ? backendOf(backends.canary, this.kind) : undefined;
    const previous = await this.state(signal);
    // Subsets first: a VirtualService naming a subset the DestinationRule lacks fails requests (503 NR).
    await this.writeSubsets([...(previous ? backendsOf(previous) : []), stable, ...(canary ? [canary] : [])], signal);
    await this.writeRoute(signal, (state, current) => {
      const keep = canary && state?.canary?.service === canary.service ? current : 0;
      return { state: canary ? { stable, canary } : { stable }, percent: keep };
    });
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    checkWeight(canaryWeight);
    await this.writeRoute(signal, (state) => {
      // Without a canary only 0% makes sense: everything already goes to stable.
      if (state && !state.canary && canaryWeight === 0) return { state, percent: 0 };
      if (!state?.canary)
        throw new ProviderError(`VirtualService ${this.vsName}: no canary reconciled yet`, this.kind, false);
      return { state, percent: canaryWeight };
    });
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const vs = await this.client.get<VirtualService>(this.path(VIRTUAL_SERVICES, this.vsName), signal);
    const state = vs ? readState(vs) : undefined;
    if (!vs || !state) return { canaryWeight: 0 };
    const owned = findOwnedRoute(vs, this.config.routeName, this.host);
    const applied: AppliedRoutes = {
      canaryWeight: canaryPercentOf(vs.spec.http?.[owned], state.canary),
      stableVersion: state.stable.version,
    };
    if (state.canary) applied.canaryVersion = state.canary.version;
    return applied;
  }

  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    const backend = backendOf(stable, this.kind);
    const previous = await this.state(signal);
    await this.writeSubsets([...(previous ? backendsOf(previous) : []), backend], signal);
    await this.writeRoute(signal, () => ({ state: { stable: backend }, percent: 0 }));
    // Only once nothing routes to them may the old subsets go.
    await this.writeSubsets([backend], signal);
  }

  async close(): Promise<void> {
    // nothing pooled
  }

  private path(type: ResourceType, name: string): string {
    return resourcePath(type, this.config.namespace, name);
  }

  private async state(signal: AbortSignal): Promise<SplitState | undefined> {
    const vs = await this.client.get<VirtualService>(this.path(VIRTUAL_SERVICES, this.vsName), signal);
    return vs ? readState(vs) : undefined;
  }

  private async writeSubsets(keep: SplitBackend[], signal: AbortSignal): Promise<void> {
    const dr: DestinationRule = {
      apiVersion: apiVersion(DESTINATION_RULES),
      kind: 'DestinationRule',
      metadata: { name: this.drName, namespace: this.config.namespace },
      spec: { host: this.host },
    };
    setSubsets(dr, keep);
    await this.createOrUpdate(
      DESTINATION_RULES,
      this.drName,
      () => dr,
      (current: DestinationRule) => {
        setSubsets(current, keep);
        return current;
      },
      signal,
    );
  }

  private async writeRoute(
    signal: AbortSignal,
    decide: (state: SplitState | undefined, currentPercent: number) => { state: SplitState; percent: number },
  ): Promise<void> {
    const mutate = (vs: VirtualService): VirtualService => {
      const previous = readState(vs);
      const owned = findOwnedRoute(vs, this.config.routeName, this.host);
      if (owned < 0) {
        throw new ProviderError(
          `VirtualService ${this.vsName} has no http route ${this.config.routeName ? `named ${this.config.routeName}` : `to host ${this.host}`}; add one or set router.routeName`,
          this.kind,
          false,
        );
      }
      const { state, percent } = decide(previous, canaryPercentOf(vs.spec.http?.[owned], previous?.canary));
      applyRoute(vs, owned, this.host, state.stable, state.canary, percent, this.config.canaryHeader);
      vs.metadata = {
        ...vs.metadata,
        annotations: { ...vs.metadata?.annotations, [STATE_ANNOTATION]: JSON.stringify(state) },
      };
      return vs;
    };
    const fresh: VirtualService = {
      apiVersion: apiVersion(VIRTUAL_SERVICES),
      kind: 'VirtualService',
      metadata: { name: this.vsName, namespace: this.config.namespace },
      spec: {
        hosts: this.config.hosts ?? [this.host],
        ...(this.config.gateways ? { gateways: this.config.gateways } : {}),
        http: [
          {
            ...(this.config.routeName ? { name: this.config.routeName } : {}),
            route: [{ destination: { host: this.host } }],
          },
        ],
      },
    };
    await this.createOrUpdate(VIRTUAL_SERVICES, this.vsName, () => mutate(fresh), mutate, signal);
  }

  /** Update with optimistic concurrency; create `fresh` when the object does not exist yet. */
  private async createOrUpdate<T extends KubeObject>(
    type: ResourceType,
    name: string,
    fresh: () => T,
    mutate: (current: T) => T,
    signal: AbortSignal,
  ): Promise<void> {
    const path = this.path(type, name);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.client.update<T>(path, mutate, signal)) return;
      try {
        await this.client.create(resourcePath(type, this.config.namespace), fresh(), signal);
        return;
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      }
    }
    throw new ProviderError(`${path}: kept conflicting with other writers`, this.kind, true);
  }
}

function backendsOf(state: SplitState): SplitBackend[] {
  return state.canary ? [state.stable, state.canary] : [state.stable];
}
