import type { RouteSpec, WeightedTarget } from '@aws-sdk/client-app-mesh';

type RouteKind = 'httpRoute' | 'http2Route' | 'grpcRoute' | 'tcpRoute';
const KINDS: RouteKind[] = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'];

/** The weighted targets of whichever kind of route this is (HTTP, HTTP/2, gRPC, TCP). */
export function weightedTargets(spec: RouteSpec | undefined): WeightedTarget[] {
  for (const k of KINDS) {
    const targets = spec?.[k]?.action?.weightedTargets;
    if (targets) return targets;
  }
  return [];
}

/** The same route with other weighted targets; its match, retries and timeouts are kept. */
export function withTargets(spec: RouteSpec, targets: WeightedTarget[]): RouteSpec {
  for (const k of KINDS) {
    const route = spec[k];
    if (route) return { ...spec, [k]: { ...route, action: { ...route.action, weightedTargets: targets } } };
  }
  return spec;
}

/** `[stable, canary]` targets for a canary percent; App Mesh weights are integers, relative to their sum. */
export function splitTargets(
  stableNode: string,
  canaryNode: string | undefined,
  canaryWeight: number,
  port?: number,
): WeightedTarget[] {
  const w = Math.round(canaryWeight);
  const withPort = (t: WeightedTarget): WeightedTarget => (port === undefined ? t : { ...t, port });
  if (!canaryNode) return [withPort({ virtualNode: stableNode, weight: 100 })];
  return [withPort({ virtualNode: stableNode, weight: 100 - w }), withPort({ virtualNode: canaryNode, weight: w })];
}

/** Percent of traffic a node receives under these targets (0 when absent or when every weight is 0). */
export function percentTo(targets: WeightedTarget[], node: string | undefined): number {
  const total = targets.reduce((sum, t) => sum + (t.weight ?? 0), 0);
  if (!node || total === 0) return 0;
  const mine = targets.filter((t) => t.virtualNode === node).reduce((sum, t) => sum + (t.weight ?? 0), 0);
  return (mine / total) * 100;
}
