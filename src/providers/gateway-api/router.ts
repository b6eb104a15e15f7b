import { ProviderError } from '../../errors.js';
import { KubeApiError, type KubeClient } from '../../kubernetes/client.js';
import { HTTP_ROUTES, apiVersion, resourcePath } from '../../kubernetes/paths.js';
import type { VersionStatus } from '../../ports/platform.js';
import type { AppliedRoutes, Backends, TrafficRouter } from '../../ports/traffic-router.js';
import type { ProviderContext } from '../context.js';
import type { GatewayApiRouterConfig } from './config.js';
import { applySplit, canaryPercentOf, findOwnedRule, type HttpRoute } from './rules.js';
import {
  STATE_ANNOTATION,
  backendOf,
  checkWeight,
  readState,
  type SplitBackend,
  type SplitState,
} from '../../kubernetes/split-state.js';

/** Splits traffic with weighted backendRefs in the one HTTPRoute rule Chimera owns. */
export class GatewayApiRouter implements TrafficRouter {
  readonly kind = 'gateway-api';
  private readonly path: string;
  private readonly apex: string;

  constructor(
    private readonly client: KubeClient,
    private readonly config: GatewayApiRouterConfig,
    ctx: ProviderContext,
  ) {
    this.path = resourcePath(HTTP_ROUTES, config.namespace, config.route ?? ctx.service);
    this.apex = config.service ?? ctx.service;
  }

  async reconcile(backends: Backends, signal: AbortSignal): Promise<void> {
    const stable = backendOf(backends.stable, this.kind);
    const canary = backends.canary ? backendOf(backends.canary, this.kind) : undefined;
    await this.ensureRoute(stable, signal);
    await this.write(signal, (state, current) => {
      // Keep the weight only when the canary is the same one; a new canary starts at zero.
      const keep = canary && state?.canary?.service === canary.service ? current : 0;
      return { state: canary ? { stable, canary } : { stable }, percent: keep };
    });
  }

  async setWeight(canaryWeight: number, signal: AbortSignal): Promise<void> {
    checkWeight(canaryWeight);
    await this.write(signal, (state) => {
      // Without a canary only 0% makes sense: everything already goes to stable.
      if (state && !state.canary && canaryWeight === 0) return { state, percent: 0 };
      if (!state?.canary) {
        throw new ProviderError(`HTTPRoute ${this.path}: no canary reconciled yet`, this.kind, false);
      }
      return { state, percent: canaryWeight };
    });
  }

  async getRoutes(signal: AbortSignal): Promise<AppliedRoutes> {
    const route = await this.client.get<HttpRoute>(this.path, signal);
    const state = route ? readState(route) : undefined;
    if (!route || !state) return { canaryWeight: 0 };
    const owned = findOwnedRule(route, this.config.ruleName, this.names(state));
    const applied: AppliedRoutes = {
      canaryWeight: canaryPercentOf(route.spec.rules?.[owned]?.backendRefs, state.canary?.service),
      stableVersion: state.stable.version,
    };
    if (state.canary) applied.canaryVersion = state.canary.version;
    return applied;
  }

  async finalize(stable: VersionStatus, signal: AbortSignal): Promise<void> {
    const backend = backendOf(stable, this.kind);
    await this.ensureRoute(backend, signal);
    await this.write(signal, () => ({ state: { stable: backend }, percent: 0 }));
  }

  async close(): Promise<void> {
    // nothing pooled
  }

  /** Read-modify-write of the route, retried on conflicts, so rules other writers add meanwhile survive. */
  private async write(
    signal: AbortSignal,
    decide: (state: SplitState | undefined, currentPercent: number) => { state: SplitState; percent: number },
  ): Promise<void> {
    const written = await this.client.update<HttpRoute>(
      this.path,
      (route) => {
        const previous = readState(route);
        const owned = findOwnedRule(route, this.config.ruleName, this.names(previous));
        if (owned < 0) {
          throw new ProviderError(
            `HTTPRoute ${this.path} has no rule ${this.config.ruleName ? `named ${this.config.ruleName}` : `sending to Service ${this.apex}`}; add one or set router.ruleName`,
            this.kind,
            false,
          );
        }
        const current = canaryPercentOf(route.spec.rules?.[owned]?.backendRefs, previous?.canary?.service);
        const { state, percent } = decide(previous, current);
        applySplit(route, owned, state.stable, state.canary, percent, this.config.canaryHeader);
        route.metadata = {
          ...route.metadata,
          annotations: { ...route.metadata?.annotations, [STATE_ANNOTATION]: JSON.stringify(state) },
        };
        return route;
      },
      signal,
    );
    if (!written) throw new ProviderError(`HTTPRoute ${this.path} not found`, this.kind, false);
  }

  private names(state: SplitState | undefined): Set<string> {
    const names = new Set([this.apex]);
    if (state) names.add(state.stable.service);
    if (state?.canary) names.add(state.canary.service);
    return names;
  }

  /** Creates the route when it is missing and parents are configured; a user-written route is never replaced. */
  private async ensureRoute(stable: SplitBackend, signal: AbortSignal): Promise<void> {
    if (await this.client.get<HttpRoute>(this.path, signal)) return;
    if (!this.config.parentRefs) {
      throw new ProviderError(`HTTPRoute ${this.path} not found and router.parentRefs not set`, this.kind, false);
    }
    const route: HttpRoute = {
      apiVersion: apiVersion(HTTP_ROUTES),
      kind: 'HTTPRoute',
      metadata: {
        name: this.path.split('/').pop()!,
        namespace: this.config.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'chimera' },
      },
      spec: {
        parentRefs: this.config.parentRefs,
        ...(this.config.hostnames ? { hostnames: this.config.hostnames } : {}),
        // The apex Service marks the rule as Chimera's; the write that follows points it at the versions.
        rules: [{ backendRefs: [{ group: '', kind: 'Service', name: this.apex, port: stable.port, weight: 1 }] }],
      },
    };
    if (this.config.ruleName) route.spec.rules![0]!.name = this.config.ruleName;
    try {
      await this.client.create(resourcePath(HTTP_ROUTES, this.config.namespace), route, signal);
    } catch (err) {
      // Another controller instance created it first: fine, it is the same route.
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
    }
  }
}
