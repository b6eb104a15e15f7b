import type { KubeObject } from '../../kubernetes/client.js';
import { LABELS } from '../../kubernetes/names.js';
import type { SplitBackend } from '../../kubernetes/split-state.js';

/** The parts of Istio's VirtualService and DestinationRule Chimera touches; other fields pass through. */
export interface Destination {
  host: string;
  subset?: string;
  port?: { number: number };
}
export interface HttpRouteDestination {
  destination: Destination;
  weight?: number;
  [key: string]: unknown;
}
export interface IstioHttpRoute {
  name?: string;
  match?: { headers?: Record<string, { exact?: string }>; [key: string]: unknown }[];
  route?: HttpRouteDestination[];
  [key: string]: unknown;
}
export interface VirtualService extends KubeObject {
  spec: { hosts?: string[]; gateways?: string[]; http?: IstioHttpRoute[]; [key: string]: unknown };
}
export interface Subset {
  name: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}
export interface DestinationRule extends KubeObject {
  spec: { host: string; subsets?: Subset[]; [key: string]: unknown };
}

export const HEADER_ROUTE_NAME = 'chimera-canary-header';
const SUBSET_PREFIX = 'chimera-';

export function subsetName(b: SplitBackend): string {
  return `${SUBSET_PREFIX}${b.versionLabel ?? b.service}`;
}

/** True when `host` names the same Service as `apex` (short name or a longer DNS form of it). */
export function sameHost(host: string, apex: string): boolean {
  const short = (h: string) => h.split('.')[0];
  return host === apex || short(host) === short(apex);
}

/** Index of the HTTP route Chimera owns; -1 when none. */
export function findOwnedRoute(vs: VirtualService, routeName: string | undefined, host: string): number {
  const routes = vs.spec.http ?? [];
  if (routeName !== undefined) return routes.findIndex((r) => r.name === routeName);
  return routes.findIndex(
    (r) =>
      r.name !== HEADER_ROUTE_NAME &&
      (r.route?.length ?? 0) > 0 &&
      (r.route ?? []).every((d) => sameHost(d.destination.host, host)),
  );
}

/** Makes the DestinationRule hold exactly Chimera's subsets for `keep`, leaving the user's subsets alone. */
export function setSubsets(dr: DestinationRule, keep: SplitBackend[]): void {
  const users = (dr.spec.subsets ?? []).filter((s) => !s.name.startsWith(SUBSET_PREFIX));
  const ours = keep.map((b) => ({ name: subsetName(b), labels: { [LABELS.version]: b.versionLabel ?? '' } }));
  dr.spec.subsets = [...users, ...ours.filter((s, i) => ours.findIndex((o) => o.name === s.name) === i)];
}

/**
 * Rewrites the owned route's destinations (integer percent weights summing to 100, as Istio requires) and keeps a
 * header route to the canary in front of it (Istio matches routes in order) while there is a canary.
 */
export function applyRoute(
  vs: VirtualService,
  owned: number,
  host: string,
  stable: SplitBackend,
  canary: SplitBackend | undefined,
  canaryPercent: number,
  header: { name: string; value: string } | undefined,
): void {
  const ownedRoute = (vs.spec.http ?? [])[owned];
  if (!ownedRoute) throw new RangeError(`VirtualService has no http route ${owned}`);
  const routes = (vs.spec.http ?? []).filter((r) => r.name !== HEADER_ROUTE_NAME);
  const dest = (b: SplitBackend, weight: number): HttpRouteDestination => ({
    destination: { host, subset: subsetName(b), port: { number: b.port } },
    weight,
  });
  const weight = canary ? Math.min(100, Math.max(0, Math.round(canaryPercent))) : 0;
  ownedRoute.route = [dest(stable, 100 - weight)];
  if (canary) ownedRoute.route.push(dest(canary, weight));
  if (canary && header) {
    const base = ownedRoute.match?.length ? ownedRoute.match : [{}];
    const headerRoute: IstioHttpRoute = {
      ...structuredClone(ownedRoute),
      name: HEADER_ROUTE_NAME,
      match: base.map((m) => ({
        ...m,
        headers: { ...m.headers, [header.name.toLowerCase()]: { exact: header.value } },
      })),
      route: [dest(canary, 100)],
    };
    routes.splice(routes.indexOf(ownedRoute), 0, headerRoute);
  }
  vs.spec.http = routes;
}

/** Percent of the owned route going to the canary's subset. */
export function canaryPercentOf(route: IstioHttpRoute | undefined, canary: SplitBackend | undefined): number {
  const dests = route?.route ?? [];
  const total = dests.reduce((sum, d) => sum + (d.weight ?? (dests.length === 1 ? 100 : 0)), 0);
  if (!canary || total === 0) return 0;
  const name = subsetName(canary);
  const part = dests.filter((d) => d.destination.subset === name).reduce((sum, d) => sum + (d.weight ?? 0), 0);
  return Math.round((part / total) * 10000) / 100;
}
