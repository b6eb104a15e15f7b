import { ProviderError } from '../../errors.js';
import { KubeApiError, type KubeClient, type KubeObject } from '../../kubernetes/client.js';
import { TRAFFIC_SPLITS, apiVersion, resourcePath } from '../../kubernetes/paths.js';
import { STATE_ANNOTATION, backendOf, checkWeight, readState, type SplitState } from '../../kubernetes/split-state.js';
import type { VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { SmiRouterConfig } from './config.js';

interface TrafficSplit extends KubeObject {
  spec: { service: string; backends: { service: string; weight: number }[]; matches?: unknown[] };
}

/** Weights in hundredths of a percent, so that 0.5% steps survive (SMI weights are plain integers). */
const SCALE = 100;

/** Splits traffic with an SMI TrafficSplit between the stable and canary version Services. */
export class SmiRouter implements TrafficRouter {
  readonly kind = 'smi';
  private readonly name: string;
  private readonly apex: string;

  constructor(
    private readonly client: KubeClient,
    private readonly config: SmiRouterConfig,
    ctx: ProviderContext,
  ) {
    this.name = config.trafficSplit ?? ctx.service;
    this.apex = config.service ?? ctx.service;
  }

  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    const stable = backendOf(backends.stable, this.kind);
    const canary = backends.canary ? backendOf(backends.canary, this.kind) : undefined;
    await this.write(signal, (state, current) => {
      const keep = canary && state?.canary?.service === canary.service ? current : 0;
      return { state: canary ? { stable, canary } : { stable }, percent: keep };
    });
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    checkWeight(canaryWeight);
    await this.write(signal, (state) => {
      // Without a canary only 0% makes sense: everything already goes to stable.
      if (state && !state.canary && canaryWeight === 0) return { state, percent: 0 };
      if (!state?.canary)
        throw new ProviderError(`TrafficSplit ${this.name}: no canary reconciled yet`, this.kind, false);
      return { state, percent: canaryWeight };
    });
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const split = await this.client.get<TrafficSplit>(this.path(), signal);
    const state = split ? readState(split) : undefined;
    if (!split || !state) return { canaryWeight: 0 };
    const applied: AppliedRoutes = { canaryWeight: percentOf(split, state), stableVersion: state.stable.version };
    if (state.canary) applied.canaryVersion = state.canary.version;
    return applied;
  }

  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    const backend = backendOf(stable, this.kind);
    await this.write(signal, () => ({ state: { stable: backend }, percent: 0 }));
  }

  async close(): Promise<void> {
    // nothing pooled
  }

  private path(): string {
    return resourcePath(TRAFFIC_SPLITS, this.config.namespace, this.name);
  }

  private async write(
    signal: AbortSignal,
    decide: (state: SplitState | undefined, currentPercent: number) => { state: SplitState; percent: number },
  ): Promise<void> {
    const mutate = (split: TrafficSplit): TrafficSplit => {
      const previous = readState(split);
      const { state, percent } = decide(previous, previous ? percentOf(split, previous) : 0);
      const weight = state.canary ? Math.round(Math.min(100, Math.max(0, percent)) * SCALE) : 0;
      split.spec.backends = [{ service: state.stable.service, weight: 100 * SCALE - weight }];
      if (state.canary) split.spec.backends.push({ service: state.canary.service, weight });
      split.metadata = {
        ...split.metadata,
        annotations: { ...split.metadata?.annotations, [STATE_ANNOTATION]: JSON.stringify(state) },
      };
      return split;
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.client.update<TrafficSplit>(this.path(), mutate, signal)) return;
      const fresh: TrafficSplit = {
        apiVersion: apiVersion(TRAFFIC_SPLITS),
        kind: 'TrafficSplit',
        metadata: { name: this.name, namespace: this.config.namespace },
        spec: { service: this.apex, backends: [] },
      };
      try {
        await this.client.create(resourcePath(TRAFFIC_SPLITS, this.config.namespace), mutate(fresh), signal);
        return;
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      }
    }
    throw new ProviderError(`TrafficSplit ${this.name}: kept conflicting with other writers`, this.kind, true);
  }
}

function percentOf(split: TrafficSplit, state: SplitState): number {
  const total = split.spec.backends.reduce((sum, b) => sum + b.weight, 0);
  if (!state.canary || total === 0) return 0;
  const part = split.spec.backends.filter((b) => b.service === state.canary?.service).reduce((s, b) => s + b.weight, 0);
  return Math.round((part / total) * 100 * SCALE) / SCALE;
}
