import type { KubeObject } from '../../kubernetes/client.js';
import type { SplitBackend } from '../../kubernetes/split-state.js';

/** The parts of a Gateway API HTTPRoute Chimera touches; every other field is carried through untouched. */
export interface BackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  [key: string]: unknown;
}
export interface HttpRouteMatch {
  path?: { type?: string; value?: string };
  headers?: { type?: string; name: string; value: string }[];
  [key: string]: unknown;
}
export interface HttpRouteRule {
  name?: string;
  matches?: HttpRouteMatch[];
  filters?: unknown[];
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}
export interface HttpRoute extends KubeObject {
  spec: { parentRefs?: unknown[]; hostnames?: string[]; rules?: HttpRouteRule[]; [key: string]: unknown };
}

export const HEADER_RULE_NAME = 'chimera-canary-header';
/** Weights are written in hundredths of a percent so that 0.5% steps survive. */
export const WEIGHT_SCALE = 100;

/**
 * Index of the rule Chimera owns: the one named `ruleName`, else the first whose backends are all the apex Service
 * or Services Chimera put there; -1 when none.
 */
export function findOwnedRule(route: HttpRoute, ruleName: string | undefined, names: Set<string>): number {
  const rules = route.spec.rules ?? [];
  if (ruleName !== undefined) return rules.findIndex((r) => r.name === ruleName);
  return rules.findIndex(
    (r) =>
      r.name !== HEADER_RULE_NAME &&
      (r.backendRefs?.length ?? 0) > 0 &&
      (r.backendRefs ?? []).every((b) => (b.kind ?? 'Service') === 'Service' && names.has(b.name)),
  );
}

/**
 * Rewrites the owned rule's backendRefs to stable/canary with `canaryPercent`, and keeps a header rule (same matches
 * and filters plus the header) pointing at the canary while there is one. Everything else in the route is kept.
 */
export function applySplit(
  route: HttpRoute,
  owned: number,
  stable: SplitBackend,
  canary: SplitBackend | undefined,
  canaryPercent: number,
  header: { name: string; value: string } | undefined,
): void {
  const ownedRule = (route.spec.rules ?? [])[owned];
  if (!ownedRule) throw new RangeError(`route has no rule ${owned}`);
  const rules = (route.spec.rules ?? []).filter((r) => r.name !== HEADER_RULE_NAME);
  const canaryWeight = canary ? Math.round(canaryPercent * WEIGHT_SCALE) : 0;
  const ref = (b: SplitBackend, weight: number): BackendRef => ({
    group: '',
    kind: 'Service',
    name: b.service,
    port: b.port,
    weight,
  });
  ownedRule.backendRefs = [ref(stable, 100 * WEIGHT_SCALE - canaryWeight)];
  if (canary) ownedRule.backendRefs.push(ref(canary, canaryWeight));
  if (canary && header) {
    const base = ownedRule.matches?.length ? ownedRule.matches : [{ path: { type: 'PathPrefix', value: '/' } }];
    const headerRule: HttpRouteRule = {
      name: HEADER_RULE_NAME,
      matches: base.map((m) => ({
        ...m,
        headers: [...(m.headers ?? []).filter((h) => h.name !== header.name), { type: 'Exact', ...header }],
      })),
      backendRefs: [ref(canary, 1)],
    };
    if (ownedRule.filters) headerRule.filters = ownedRule.filters;
    rules.splice(rules.indexOf(ownedRule) + 1, 0, headerRule);
  }
  route.spec.rules = rules;
}

/** Percent of the owned rule's weight that goes to `canaryName`. */
export function canaryPercentOf(refs: BackendRef[] | undefined, canaryName: string | undefined): number {
  const total = (refs ?? []).reduce((sum, b) => sum + (b.weight ?? 1), 0);
  if (!canaryName || total === 0) return 0;
  const canary = (refs ?? []).filter((b) => b.name === canaryName).reduce((sum, b) => sum + (b.weight ?? 1), 0);
  return Math.round((canary / total) * 100 * WEIGHT_SCALE) / WEIGHT_SCALE;
}
