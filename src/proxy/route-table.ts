import { formatHostPort } from './address.js';
import type { CounterSet } from './counters.js';
import { LiveBackend } from './forward.js';
import { EMPTY_ROUTES, type BackendSpec, type RouteState } from './routes.js';
import { WeightedSplit } from './split.js';
import type { UpstreamPools } from './upstreams.js';

/**
 * The routes the proxy applies right now: the persisted `RouteState` turned into live backends with their pools
 * and counters. Swapped as a whole on every change; in-flight requests keep the backend they started with.
 */
export class RouteTable {
  state: RouteState = EMPTY_ROUTES;
  private stable: LiveBackend | null = null;
  private canary: LiveBackend | null = null;
  private readonly split = new WeightedSplit(0);

  constructor(
    private readonly counters: CounterSet,
    private readonly pools: UpstreamPools,
  ) {}

  apply(state: RouteState): void {
    this.stable = state.stable ? this.live(state.stable, 'stable') : null;
    this.canary = state.canary ? this.live(state.canary, 'canary') : null;
    this.split.setWeight(state.canaryWeight);
    this.state = state;
    const keep = new Set([...(state.stable?.endpoints ?? []), ...(state.canary?.endpoints ?? [])].map(formatHostPort));
    this.pools.retain(keep);
  }

  /** The backend for the next request, or null when none is configured yet. */
  choose(): LiveBackend | null {
    if (this.canary !== null && this.split.pickCanary()) return this.canary;
    return this.stable;
  }

  private live(spec: BackendSpec, role: 'stable' | 'canary'): LiveBackend {
    return new LiveBackend(
      spec.version,
      spec.endpoints.map((e) => this.pools.get(e)),
      this.counters.get(spec.version, role),
    );
  }
}
